//! Flags shared by several commands: where the data comes from and which model to train.

use std::path::PathBuf;

use clap::Args;
use clap::builder::PossibleValuesParser;

use super::CliError;
use crate::data::csv_loader::{CsvOptions, MissingPolicy, TaskOverride, load_csv};
use crate::data::{BuiltinDataset, Dataset, GeneratorSettings};
use crate::models::{ModelConfig, ModelKind};
use crate::network::{Activation, OptimizerKind};

pub fn dataset_names() -> PossibleValuesParser {
    PossibleValuesParser::new(BuiltinDataset::ALL.map(|d| d.name()))
}

fn parse_test_fraction(text: &str) -> Result<f64, String> {
    let value: f64 = text.parse().map_err(|_| format!("'{text}' is not a number"))?;
    if value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err(format!("the test fraction must lie strictly between 0 and 1 (e.g. 0.2), got {value}"))
    }
}

fn parse_layers(text: &str) -> Result<Vec<usize>, String> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| match s.trim().parse::<usize>() {
            Ok(0) | Err(_) => {
                Err(format!("'{s}' is not a layer size: give positive whole numbers such as 8,8"))
            }
            Ok(n) => Ok(n),
        })
        .collect()
}

fn parse_learning_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(lr) if lr > 0.0 && lr.is_finite() => Ok(lr),
        _ => Err(format!("the learning rate must be a positive number such as 0.01, got '{text}'")),
    }
}

/// Where the rows come from (`DATA` in CLI.md).
#[derive(Args, Debug)]
pub struct DataArgs {
    /// A CSV file with a header row (delimiter `,` `;` or tab is detected).
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// The column to predict, by name (default: the last column).
    #[arg(long, value_name = "COL", requires = "data")]
    pub target: Option<String>,
    /// What to do with empty, NA or non-finite cells: drop those rows, or fill in the column mean.
    #[arg(long, default_value = "drop", value_parser = PossibleValuesParser::new(["drop", "impute"]), requires = "data")]
    pub missing: String,
    /// Force the task instead of inferring it from the target column.
    #[arg(long, value_parser = PossibleValuesParser::new(["classification", "regression"]), requires = "data")]
    pub task: Option<String>,
    /// A built-in data set (ignored when --data is given).
    #[arg(long, value_parser = dataset_names(), default_value = "moons", conflicts_with = "data")]
    pub dataset: String,
    /// Points to generate (built-in generators only).
    #[arg(long, default_value_t = 400, value_parser = clap::value_parser!(u64).range(2..=1_000_000))]
    pub samples: u64,
    /// Standard deviation of the noise added to generated points.
    #[arg(long, default_value_t = 0.2)]
    pub noise: f64,
    /// Classes for blobs, arms for the spiral.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(2..=10))]
    pub classes: u64,
    /// Share of the rows held out to test the model, strictly between 0 and 1.
    #[arg(long, default_value_t = 0.2, value_parser = parse_test_fraction)]
    pub test_fraction: f64,
    /// Seed for generated data, the split and the weights: the same seed gives the same run.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Skip standardization (by default features are standardized, fitted on the training rows only).
    #[arg(long)]
    pub no_scale: bool,
}

/// Which model to train (`MODEL` and `TRAINING` in CLI.md).
#[derive(Args, Debug)]
pub struct ModelArgs {
    /// The model kind.
    #[arg(long, value_parser = PossibleValuesParser::new(ModelKind::ALL.map(|k| k.name())))]
    pub model: String,
    /// Hidden layer sizes of the MLP, e.g. 8,8.
    #[arg(long, default_value = "8,8", value_parser = parse_layers)]
    pub layers: std::vec::Vec<usize>,
    /// Activation after each hidden layer of the MLP.
    #[arg(long, default_value = "tanh", value_parser = PossibleValuesParser::new(Activation::ALL.map(|a| a.name())))]
    pub activation: String,
    /// Passes over the training rows (networks); one-shot models ignore it.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub epochs: u64,
    /// Rows per gradient step.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..))]
    pub batch_size: u64,
    /// Step size of gradient descent.
    #[arg(long, default_value = "0.01", value_parser = parse_learning_rate, allow_negative_numbers = true)]
    pub lr: f64,
    /// How gradients update the weights.
    #[arg(long, default_value = "adamw", value_parser = PossibleValuesParser::new(OptimizerKind::ALL.map(|o| o.name())))]
    pub optimizer: String,
}

/// Loads `--data FILE` with the loader's options, printing its warnings to stderr.
pub fn load_file(path: &std::path::Path, args: &DataArgs) -> Result<crate::data::csv_loader::LoadedCsv, CliError> {
    let options = CsvOptions {
        target: args.target.clone(),
        missing: if args.missing == "impute" { MissingPolicy::ImputeMean } else { MissingPolicy::DropRows },
        task: args.task.as_deref().map(|t| {
            if t == "regression" { TaskOverride::Regression } else { TaskOverride::Classification }
        }),
    };
    load_csv(path, &options).map_err(|e| CliError::Usage(e.to_string()))
}

pub fn load_data(args: &DataArgs) -> Result<Dataset, CliError> {
    if let Some(path) = &args.data {
        let loaded = load_file(path, args)?;
        for warning in &loaded.warnings {
            eprintln!("warning: {warning}");
        }
        return Ok(loaded.dataset);
    }
    let builtin = BuiltinDataset::from_name(&args.dataset)
        .ok_or_else(|| CliError::Usage(format!("unknown data set '{}'", args.dataset)))?;
    if !(args.noise >= 0.0 && args.noise.is_finite()) {
        return Err(CliError::Usage(format!("--noise must be zero or more, got {}", args.noise)));
    }
    let settings = GeneratorSettings {
        samples: args.samples as usize,
        noise: args.noise,
        seed: args.seed,
        classes: args.classes as usize,
    };
    Ok(builtin.generate(&settings))
}

pub fn model_config(args: &ModelArgs, seed: u64) -> Result<ModelConfig, CliError> {
    let unknown = |what: &str, name: &str| CliError::Usage(format!("unknown {what} '{name}'"));
    Ok(ModelConfig {
        kind: ModelKind::from_name(&args.model).ok_or_else(|| unknown("model", &args.model))?,
        hidden_layers: args.layers.clone(),
        activation: Activation::from_name(&args.activation)
            .ok_or_else(|| unknown("activation", &args.activation))?,
        learning_rate: args.lr,
        batch_size: args.batch_size as usize,
        optimizer: OptimizerKind::from_name(&args.optimizer)
            .ok_or_else(|| unknown("optimizer", &args.optimizer))?,
        seed,
        network: None,
    })
}

