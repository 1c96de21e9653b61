//! The command line of ../shared/CLI.md: the same core as the studio, headless, with JSON output.

use std::process::ExitCode;
use std::sync::Arc;

use clap::builder::PossibleValuesParser;
use clap::{Args, Parser, Subcommand};
use serde::Serialize;

use crate::data::{BuiltinDataset, Dataset, GeneratorSettings, Task, stratified_split};
use crate::models::{ModelConfig, ModelError, ModelKind};
use crate::network::{Activation, OptimizerKind};
use crate::training::{EpochRecord, TrainEvent, TrainJob, TrainingWorker, WorkerCommand};

#[derive(Parser, Debug)]
#[command(
    name = "learnscope",
    version,
    about = "Learnscope: see the difference between classical machine learning and deep learning.",
    long_about = "Learnscope opens a studio window when run without a command. The commands below run the same \
                  core headless, for scripted lessons, benchmarks and tests."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open the studio, optionally on a given data set.
    Gui(GuiArgs),
    /// List the built-in data sets.
    Datasets {
        /// Print one JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Train one model on one data set and report its scores.
    Train(TrainArgs),
}

#[derive(Args, Debug)]
pub struct GuiArgs {
    /// A built-in data set to open the studio on.
    #[arg(long, value_parser = dataset_names())]
    pub dataset: Option<String>,
}

fn dataset_names() -> PossibleValuesParser {
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
    /// A built-in data set.
    #[arg(long, value_parser = dataset_names(), default_value = "moons")]
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

#[derive(Args, Debug)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// A failure of a command, with the exit code CLI.md promises.
#[derive(Debug)]
pub enum CliError {
    /// Bad usage or bad data: exit code 2.
    Usage(String),
    /// Anything else: exit code 1.
    Failure(String),
}

impl From<ModelError> for CliError {
    fn from(e: ModelError) -> Self {
        match e {
            ModelError::Unsuitable(_) => CliError::Usage(e.to_string()),
            _ => CliError::Failure(e.to_string()),
        }
    }
}

/// The JSON of `learnscope train`.
#[derive(Debug, Serialize)]
pub struct TrainReport {
    pub model: String,
    pub dataset: String,
    pub task: Task,
    pub train_rows: usize,
    pub test_rows: usize,
    pub parameters: usize,
    pub epochs: usize,
    pub train_seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_accuracy: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_r2: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_rmse: Option<f64>,
    pub history: Vec<EpochRecord>,
}

pub fn load_data(args: &DataArgs) -> Result<Dataset, CliError> {
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
    })
}

/// Trains on the background worker, exactly as the studio does, and waits for the result.
pub fn train(
    dataset: Dataset,
    data: &DataArgs,
    model: ModelConfig,
    epochs: usize,
) -> Result<TrainReport, CliError> {
    let split = stratified_split(&dataset, data.test_fraction, data.seed)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    if let Some(warning) = &split.warning {
        eprintln!("warning: {warning}");
    }
    let model_name = model.kind.name().to_string();
    let dataset_name = dataset.name.clone();
    let job = TrainJob {
        dataset: Arc::new(dataset),
        split,
        model,
        scale: !data.no_scale,
        max_epochs: Some(epochs),
        grid: None,
    };
    let worker = TrainingWorker::spawn(job, Arc::new(|| {}));
    worker.send(WorkerCommand::Play);
    let mut history = Vec::new();
    let (mut train_rows, mut test_rows, mut task) = (0, 0, Task::Classification);
    loop {
        match worker.recv() {
            Some(TrainEvent::Ready { train_rows: a, test_rows: b, task: t, .. }) => {
                (train_rows, test_rows, task) = (a, b, t);
            }
            Some(TrainEvent::Epoch(record)) => history.push(record),
            Some(TrainEvent::Finished { epochs, train_seconds, parameters }) => {
                let last = history.last().copied();
                let iterative = history.len() > 1 || epochs > 1;
                return Ok(TrainReport {
                    model: model_name,
                    dataset: dataset_name,
                    task,
                    train_rows,
                    test_rows,
                    parameters,
                    epochs,
                    train_seconds,
                    test_accuracy: last.and_then(|r| r.test_accuracy),
                    test_r2: last.and_then(|r| r.test_r2),
                    test_rmse: match task {
                        Task::Regression => last.map(|r| r.test_loss.sqrt()),
                        Task::Classification => None,
                    },
                    // One-shot fits have no curve to show.
                    history: if iterative { history } else { Vec::new() },
                });
            }
            Some(TrainEvent::Failed(error)) => return Err(error.into()),
            Some(TrainEvent::Grid(_) | TrainEvent::Running(_)) => {}
            None => return Err(CliError::Failure("the training worker stopped unexpectedly".into())),
        }
    }
}

fn print_json(value: &impl Serialize) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| CliError::Failure(e.to_string()))?;
    println!("{text}");
    Ok(())
}

fn run_train(args: &TrainArgs) -> Result<(), CliError> {
    let dataset = load_data(&args.data)?;
    let model = model_config(&args.model, args.data.seed)?;
    let report = train(dataset, &args.data, model, args.model.epochs as usize)?;
    if args.json {
        return print_json(&report);
    }
    println!("model        {}", report.model);
    println!(
        "data         {} ({}), {} train rows, {} test rows",
        report.dataset,
        report.task.name(),
        report.train_rows,
        report.test_rows
    );
    println!("parameters   {}", report.parameters);
    println!("epochs       {}", report.epochs);
    println!("train time   {:.3} s", report.train_seconds);
    if let Some(acc) = report.test_accuracy {
        println!("test accuracy {acc:.4}");
    }
    if let (Some(r2), Some(rmse)) = (report.test_r2, report.test_rmse) {
        println!("test R²      {r2:.4}\ntest RMSE    {rmse:.4}");
    }
    Ok(())
}

#[derive(Serialize)]
struct DatasetEntry {
    name: &'static str,
    task: Task,
    kind: &'static str,
    description: &'static str,
}

fn run_datasets(json: bool) -> Result<(), CliError> {
    let entries: Vec<DatasetEntry> = BuiltinDataset::ALL
        .iter()
        .map(|d| DatasetEntry {
            name: d.name(),
            task: if d.is_regression() { Task::Regression } else { Task::Classification },
            kind: "generated",
            description: d.description(),
        })
        .collect();
    if json {
        return print_json(&serde_json::json!({ "datasets": entries }));
    }
    for e in entries {
        println!("{:<14} {:<15} {}", e.name, e.task.name(), e.description);
    }
    Ok(())
}

/// Parses the arguments, runs the command and maps errors to CLI.md's exit codes.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        None => crate::ui::run_studio(None).map_err(CliError::Failure),
        Some(Command::Gui(args)) => {
            crate::ui::run_studio(args.dataset.as_deref().and_then(BuiltinDataset::from_name))
                .map_err(CliError::Failure)
        }
        Some(Command::Datasets { json }) => run_datasets(*json),
        Some(Command::Train(args)) => run_train(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(CliError::Failure(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}
