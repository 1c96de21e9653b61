//! `learnscope learning-curve`: test accuracy against training-set size, over several seeds.

use std::sync::atomic::AtomicBool;

use clap::Args;
use clap::builder::PossibleValuesParser;

use super::args::{DataArgs, load_data, parse_params};
use super::{CliError, print_json};
use crate::evaluation::effort::{EarlyStopping, Effort};
use crate::evaluation::learning_curve::{CurveError, CurveModel, CurveSettings, learning_curve};
use crate::models::network::{Activation, NetworkSpec, OptimizerKind};
use crate::models::{ModelConfig, ModelKind};

#[derive(Args, Debug)]
#[command(after_help = "Example (lesson 1, data dependency):\n  learnscope learning-curve --dataset digits \
    --models logistic_regression,svm,random_forest \
    --net \"conv2d(16,3,1,1) relu maxpool(2) flatten dense(64) relu\" --net \"flatten dense(64) relu\" \
    --sizes 20,50,100,200,400,800,1437 --seeds 3 --epochs 40 --lr 0.005")]
pub struct LearningCurveArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The model kinds to train, e.g. logistic_regression,svm,random_forest.
    #[arg(long, value_delimiter = ',', required_unless_present = "net", value_parser = PossibleValuesParser::new(ModelKind::ALL.map(|k| k.name())))]
    pub models: Vec<String>,
    /// A network written layer by layer, e.g. "flatten dense(64) relu" (repeatable: one curve each).
    #[arg(long, value_name = "SPEC")]
    pub net: Vec<String>,
    /// Training-set sizes in rows, e.g. 50,100,200,400; each at most the training part of the data.
    #[arg(long, value_delimiter = ',', required = true, value_parser = clap::value_parser!(u64).range(1..))]
    pub sizes: Vec<u64>,
    /// How many seeds to repeat everything with (each draws its own test set, subsets and weights).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub seeds: u64,
    /// Hidden layer sizes of --models mlp, e.g. 8,8.
    #[arg(long, default_value = "8,8", value_delimiter = ',')]
    pub layers: Vec<usize>,
    /// Activation after each hidden layer of --models mlp.
    #[arg(long, default_value = "tanh", value_parser = PossibleValuesParser::new(Activation::ALL.map(|a| a.name())))]
    pub activation: String,
    /// Passes over the training rows at every size (networks). Unfair across sizes: 20 rows get
    /// a few gradient steps, 2,000 rows hundreds. Without --epochs or --steps, networks train
    /// with early stopping at every size.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000), conflicts_with = "steps")]
    pub epochs: Option<u64>,
    /// The same number of gradient steps at every size (networks), instead of early stopping.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub steps: Option<u64>,
    /// Early stopping (the default): gradient steps without a better validation loss before a
    /// network stops; its best weights are kept.
    #[arg(long, default_value_t = 400, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub patience: u64,
    /// Early stopping: share of each training subset held back to decide when to stop.
    #[arg(long, default_value_t = 0.2)]
    pub validation: f64,
    /// Early stopping: the most gradient steps a network may take at one size.
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub max_steps: u64,
    /// Rows per gradient step (networks).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..))]
    pub batch_size: u64,
    /// Step size of gradient descent (networks).
    #[arg(long, default_value_t = 0.01)]
    pub lr: f64,
    /// How gradients update the weights (networks).
    #[arg(long, default_value = "adam", value_parser = PossibleValuesParser::new(OptimizerKind::ALL.map(|o| o.name())))]
    pub optimizer: String,
    /// A hyper-parameter, e.g. --param random_forest.n_estimators=50 (KIND.KEY=VALUE, repeatable).
    #[arg(long = "param", value_name = "KIND.KEY=VALUE")]
    pub params: Vec<String>,
    /// Keep one split and one subset per size for every seed, so only the networks' starting
    /// weights change between seeds (seed variance beside the deterministic classical models).
    #[arg(long)]
    pub fixed_split: bool,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

fn models(args: &LearningCurveArgs) -> Result<Vec<CurveModel>, CliError> {
    let usage = CliError::Usage;
    let base = super::args::SharedTraining {
        layers: &args.layers,
        activation: &args.activation,
        optimizer: &args.optimizer,
        lr: args.lr,
        batch_size: args.batch_size,
        seed: args.data.seed,
    }
    .config()?;
    let effort = effort(args)?;
    let mut out = Vec::new();
    for name in &args.models {
        let kind = ModelKind::from_name(name).ok_or_else(|| usage(format!("unknown model '{name}'")))?;
        let regression_only =
            matches!(kind, ModelKind::LinearRegression | ModelKind::Ridge | ModelKind::Lasso);
        if kind.is_clustering() || regression_only {
            return Err(usage(format!(
                "{name} does not predict classes; a learning curve plots test accuracy of classifiers"
            )));
        }
        let own: Vec<String> = args
            .params
            .iter()
            .filter_map(|p| p.strip_prefix(&format!("{name}.")).map(String::from))
            .collect();
        let params = parse_params(kind, &own)?;
        out.push(CurveModel {
            label: name.clone(),
            config: ModelConfig { kind, params, ..base.clone() },
            effort,
        });
    }
    for text in &args.net {
        let spec = NetworkSpec::parse(text).map_err(|e| usage(format!("--net: {e}")))?;
        out.push(CurveModel {
            label: text.trim().to_string(),
            config: ModelConfig { kind: ModelKind::Mlp, network: Some(spec), ..base.clone() },
            effort,
        });
    }
    for p in &args.params {
        let kind = p.split_once('.').map(|(k, _)| k).unwrap_or("");
        if !args.models.iter().any(|m| m == kind) {
            return Err(usage(format!("--param {p}: write KIND.KEY=VALUE with KIND one of --models")));
        }
    }
    Ok(out)
}

/// --epochs, --steps or (by default) early stopping.
fn effort(args: &LearningCurveArgs) -> Result<Effort, CliError> {
    let effort = match (args.epochs, args.steps) {
        (Some(epochs), _) => Effort::Epochs(epochs as usize),
        (None, Some(steps)) => Effort::Steps(steps as usize),
        (None, None) => Effort::EarlyStopping(EarlyStopping {
            validation: args.validation,
            patience: args.patience as usize,
            max_steps: args.max_steps as usize,
            ..Default::default()
        }),
    };
    effort
        .check()
        .map_err(|e| CliError::Usage(format!("--{}", e.trim_start_matches('\'').replacen('\'', "", 1))))?;
    Ok(effort)
}

pub fn run(args: &LearningCurveArgs) -> Result<(), CliError> {
    let models = models(args)?;
    let data = load_data(&args.data)?;
    let settings = CurveSettings {
        sizes: args.sizes.iter().map(|&n| n as usize).collect(),
        seeds: args.seeds as usize,
        base_seed: args.data.seed,
        test_fraction: args.data.test_fraction,
        scale: !args.data.no_scale,
        fixed_split: args.fixed_split,
    };
    let quiet = args.json;
    let progress = |_: f32, what: &str| {
        if !quiet {
            eprintln!("  {what}");
        }
    };
    // The CLI is stopped with Ctrl-C; nothing sets this flag.
    let cancel = AtomicBool::new(false);
    let points =
        learning_curve(&data, &models, &settings, &progress, &|_| {}, &cancel).map_err(|e| match e {
            CurveError::Model { error: crate::models::ModelError::Unsuitable(_), .. }
            | CurveError::Settings(_)
            | CurveError::Data(_) => CliError::Usage(e.to_string()),
            _ => CliError::Failure(e.to_string()),
        })?;
    if args.json {
        return print_json(&serde_json::json!({ "points": points }));
    }
    let is_network: Vec<(String, bool)> =
        models.iter().map(|m| (m.label.clone(), m.config.kind.is_network())).collect();
    let report = crate::lessons::curve_report(&points, &is_network, settings.seeds);
    for table in &report.tables {
        println!("{}", table.title);
        let width = table.rows.iter().map(|r| r[0].len()).max().unwrap_or(5).max(5);
        println!(
            "{:<width$} {:>8} {:>8} {:>8} {:>8} {:>8} {:<16} {:>8}",
            "model", "rows", "mean", "lowest", "highest", "steps", "stopped by", "fit s"
        );
        for row in &table.rows {
            println!(
                "{:<width$} {:>8} {:>8} {:>8} {:>8} {:>8} {:<16} {:>8}",
                row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7]
            );
        }
    }
    if !report.finding.is_empty() {
        println!("\n{}", report.finding);
    }
    Ok(())
}
