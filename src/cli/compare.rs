//! `learnscope compare`: several models trained on the same split, one `train` report each.

use clap::Args;
use clap::builder::PossibleValuesParser;

use super::args::{DataArgs, load_data};
use super::train::{Holdout, Start, train};
use super::{CliError, print_json};
use crate::models::network::{Activation, OptimizerKind};
use crate::models::params::{parse_assignment, specs};
use crate::models::{ModelConfig, ModelKind};

#[derive(Args, Debug)]
pub struct CompareArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The model kinds to compare, e.g. logistic_regression,decision_tree,mlp.
    #[arg(long, value_delimiter = ',', required = true, value_parser = PossibleValuesParser::new(ModelKind::ALL.map(|k| k.name())))]
    pub models: Vec<String>,
    /// Hidden layer sizes of the MLP, e.g. 8,8.
    #[arg(long, default_value = "8,8", value_delimiter = ',')]
    pub layers: Vec<usize>,
    /// Activation after each hidden layer of the MLP.
    #[arg(long, default_value = "tanh", value_parser = PossibleValuesParser::new(Activation::ALL.map(|a| a.name())))]
    pub activation: String,
    /// Passes over the training rows (networks); one-shot models ignore it.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub epochs: u64,
    /// Rows per gradient step (networks).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..))]
    pub batch_size: u64,
    /// Step size of gradient descent (networks).
    #[arg(long, default_value_t = 0.01)]
    pub lr: f64,
    /// How gradients update the weights (networks).
    #[arg(long, default_value = "adamw", value_parser = PossibleValuesParser::new(OptimizerKind::ALL.map(|o| o.name())))]
    pub optimizer: String,
    /// A hyper-parameter, e.g. --param max_depth=3 (given to every listed model that has it) or
    /// --param knn.n_neighbors=3 (one model only). Repeatable.
    #[arg(long = "param", value_name = "[KIND.]KEY=VALUE")]
    pub params: Vec<String>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// One configuration per listed kind, with the `--param` flags that apply to it.
fn configs(args: &CompareArgs) -> Result<Vec<ModelConfig>, CliError> {
    let base = super::args::SharedTraining {
        layers: &args.layers,
        activation: &args.activation,
        optimizer: &args.optimizer,
        lr: args.lr,
        batch_size: args.batch_size,
        seed: args.data.seed,
    }
    .config()?;
    let unknown = |what: &str, name: &str| CliError::Usage(format!("unknown {what} '{name}'"));
    let kinds = args
        .models
        .iter()
        .map(|m| ModelKind::from_name(m).ok_or_else(|| unknown("model", m)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut configs: Vec<ModelConfig> =
        kinds.iter().map(|&kind| ModelConfig { kind, ..base.clone() }).collect();
    for text in &args.params {
        let (target, assignment) = match text.split_once('=').map(|(k, _)| k.split_once('.')) {
            Some(Some((kind, _))) => {
                let kind = ModelKind::from_name(kind).ok_or_else(|| unknown("model", kind))?;
                (Some(kind), &text[text.find('.').map_or(0, |i| i + 1)..])
            }
            _ => (None, text.as_str()),
        };
        let key = assignment.split('=').next().unwrap_or("").trim();
        let mut used = false;
        for config in configs.iter_mut() {
            let wanted =
                target.map_or_else(|| specs(config.kind).iter().any(|s| s.key == key), |k| k == config.kind);
            if wanted {
                let (key, value) =
                    parse_assignment(config.kind, assignment).map_err(|e| CliError::Usage(e.to_string()))?;
                config.params.insert(key, value);
                used = true;
            }
        }
        if !used {
            return Err(CliError::Usage(format!(
                "--param {text}: none of the compared models has a hyper-parameter '{key}'"
            )));
        }
    }
    Ok(configs)
}

pub fn run(args: &CompareArgs) -> Result<(), CliError> {
    let configs = configs(args)?;
    let dataset = load_data(&args.data)?;
    let mut rows = Vec::with_capacity(configs.len());
    for config in configs {
        let holdout = Holdout::of(&args.data);
        rows.push(train(dataset.clone(), &holdout, config, args.epochs as usize, Start::Fresh, None)?);
    }
    if args.json {
        return print_json(&serde_json::json!({ "rows": rows }));
    }
    println!("{:<20} {:>10} {:>10} {:>10}", "model", "score", "seconds", "params");
    for r in &rows {
        let (score, name) = match (r.test_accuracy, r.test_r2, r.ari) {
            (Some(a), _, _) => (a, "accuracy"),
            (_, Some(r2), _) => (r2, "R²"),
            (_, _, Some(ari)) => (ari, "ARI"),
            _ => (f64::NAN, ""),
        };
        println!("{:<20} {:>10.4} {:>10.3} {:>10}  {name}", r.model, score, r.train_seconds, r.parameters);
    }
    Ok(())
}
