//! `learnscope train`: one model, one data set, scores and history.

use std::sync::Arc;

use clap::Args;
use serde::Serialize;

use super::args::{DataArgs, ModelArgs, load_data, model_config};
use super::{CliError, print_json};
use std::path::Path;

use crate::data::{Dataset, Standardizer, Task, stratified_split};
use crate::models::network::NetworkLearner;
use crate::models::{Learner, ModelConfig};
use crate::training::{EpochRecord, TrainJob, TrainingSession, score};
use crate::ui::StudioSettings;

#[derive(Args, Debug)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Save the trained network as PATH.safetensors (weights) + PATH.json (spec, input, scaling).
    #[arg(long, value_name = "PATH")]
    pub save: Option<std::path::PathBuf>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Train a saved studio experiment (NAME.learnscope.json) instead: its data, split and model,
    /// and its trained network when one was saved with it. --epochs, --evaluate and --save apply.
    #[arg(long, value_name = "FILE")]
    pub experiment: Option<std::path::PathBuf>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_mae: Option<f64>,
    /// Clustering: adjusted Rand index of the clusters against the target classes (test rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ari: Option<f64>,
    /// k-means: sum of squared distances to the nearest centre (training rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inertia: Option<f64>,
    /// Classification: precision, recall, F1 and support per class (test rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_class: Option<Vec<crate::metrics::ClassScores>>,
    /// Classification: `confusion_matrix[true class][predicted class]` (test rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confusion_matrix: Option<Vec<Vec<usize>>>,
    pub history: Vec<EpochRecord>,
}

pub fn run(args: &TrainArgs) -> Result<(), CliError> {
    let epochs = args.model.epochs as usize;
    if let Some(path) = &args.experiment {
        let (dataset, holdout, model, start) = experiment_job(path, args)?;
        let report = train(dataset, &holdout, model, epochs, start, args.save.as_deref())?;
        return print_report(&report, args.json);
    }
    let dataset = load_data(&args.data)?;
    let report = if let Some(path) = &args.model.load {
        let (net, saved) =
            crate::models::network::save::load(path).map_err(|e| CliError::Usage(e.to_string()))?;
        if saved.n_features != dataset.n_features() || saved.task != dataset.task() {
            return Err(CliError::Usage(format!(
                "{} was trained on {} features for {}, but this data has {} features for {}",
                path.display(),
                saved.n_features,
                saved.task.name(),
                dataset.n_features(),
                dataset.task().name()
            )));
        }
        if saved.task == Task::Classification && saved.classes != dataset.class_count() {
            return Err(CliError::Usage(format!(
                "{} was trained on {} classes, but this data has {}: its answers would name the wrong classes",
                path.display(),
                saved.classes,
                dataset.class_count()
            )));
        }
        let model = ModelConfig {
            kind: crate::models::ModelKind::Mlp,
            network: Some(saved.spec.clone()),
            learning_rate: args.model.lr,
            seed: args.data.seed,
            ..ModelConfig::default()
        };
        // Training further goes on at the learning rate asked for (--lr), not the saved one.
        let mut net = net;
        net.set_learning_rate(args.model.lr);
        let start =
            Start::Loaded { net: Box::new(net), scaler: saved.scaler, evaluate_only: args.model.evaluate };
        train(dataset, &Holdout::of(&args.data), model, epochs, start, args.save.as_deref())?
    } else {
        let model = model_config(&args.model, args.data.seed)?;
        train(dataset, &Holdout::of(&args.data), model, epochs, Start::Fresh, args.save.as_deref())?
    };
    print_report(&report, args.json)
}

fn print_report(report: &TrainReport, json: bool) -> Result<(), CliError> {
    if json {
        return print_json(report);
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
    if let Some(ari) = report.ari {
        println!("ARI          {ari:.4}  (clusters vs classes: 1 = same grouping, 0 = chance)");
    }
    if let Some(inertia) = report.inertia {
        println!("inertia      {inertia:.4}");
    }
    if let Some(matrix) = &report.confusion_matrix {
        println!("confusion matrix (rows: true class, columns: predicted)");
        for row in matrix {
            println!("  {}", row.iter().map(|c| format!("{c:>6}")).collect::<String>());
        }
    }
    Ok(())
}

/// How the rows are shared out and prepared: the test share, the seed, and standardization.
pub struct Holdout {
    pub test_fraction: f64,
    pub seed: u64,
    pub scale: bool,
}

impl Holdout {
    pub fn of(data: &DataArgs) -> Self {
        Self { test_fraction: data.test_fraction, seed: data.seed, scale: !data.no_scale }
    }
}

/// A saved experiment as a training job, the way the studio opens it: its rows (kept in the
/// file, read from its CSV, or generated again from its settings), its engineered features, its
/// split and model, and its trained network when one was saved beside it.
fn experiment_job(path: &Path, args: &TrainArgs) -> Result<(Dataset, Holdout, ModelConfig, Start), CliError> {
    let experiment =
        crate::experiment::load::<StudioSettings>(path).map_err(|e| CliError::Usage(e.to_string()))?;
    let settings = experiment.settings;
    settings.check().map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    let base = match (experiment.data, &settings.csv_path) {
        (Some(data), _) => data,
        (None, Some(csv)) => {
            let csv = path.parent().map_or_else(|| csv.clone(), |dir| dir.join(csv));
            crate::data::csv_loader::load_csv(&csv, &settings.csv_options())
                .map_err(|e| CliError::Usage(e.to_string()))?
                .dataset
                .read_as(settings.csv_layout, &csv.display().to_string())
                .map_err(|e| CliError::Usage(e.to_string()))?
        }
        (None, None) => settings.dataset.generate(&settings.generator),
    };
    let features = settings.active_features(&base);
    let dataset = if features.is_empty() {
        base
    } else {
        crate::data::add_features(&base, &features).map_err(|e| CliError::Usage(e.to_string()))?
    };
    let seed = settings.generator.seed;
    let holdout = Holdout { test_fraction: settings.test_fraction, seed, scale: true };
    let model = ModelConfig { seed, ..settings.model };
    let start = match (&experiment.weights, model.kind.is_network()) {
        (Some(name), true) => {
            let (mut net, saved) = crate::models::network::save::load(&path.with_file_name(name))
                .map_err(|e| CliError::Usage(e.to_string()))?;
            net.set_learning_rate(model.learning_rate);
            Start::Loaded { net: Box::new(net), scaler: saved.scaler, evaluate_only: args.model.evaluate }
        }
        _ => Start::Fresh,
    };
    Ok((dataset, holdout, model, start))
}

/// Where a run starts from.
pub enum Start {
    /// A new model built from the config.
    Fresh,
    /// A saved network, trained further or only scored.
    Loaded { net: Box<NetworkLearner>, scaler: Option<Standardizer>, evaluate_only: bool },
}

/// The one training path of the CLI: a `TrainingSession` in this thread (so the model outlives
/// training and can be saved and scored in full), for every kind of model.
pub fn train(
    dataset: Dataset,
    holdout: &Holdout,
    model: ModelConfig,
    epochs: usize,
    start: Start,
    save_to: Option<&Path>,
) -> Result<TrainReport, CliError> {
    if save_to.is_some() && !model.kind.is_network() {
        return Err(CliError::Usage(format!(
            "--save stores networks only; {} is not one (use --net SPEC or --model mlp)",
            model.kind.name()
        )));
    }
    let split = stratified_split(&dataset, holdout.test_fraction, holdout.seed)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    if let Some(warning) = &split.warning {
        eprintln!("warning: {warning}");
    }
    let (kind, dataset_name) = (model.kind, dataset.name.clone());
    let job = TrainJob {
        dataset: Arc::new(dataset),
        split,
        model,
        scale: holdout.scale,
        max_epochs: Some(epochs),
        grid: None,
    };
    let (mut session, evaluate_only) = match start {
        Start::Fresh => (TrainingSession::new(&job)?, false),
        Start::Loaded { net, scaler, evaluate_only } => {
            // A saved network keeps the standardization it learned behind, or none.
            let scaler = scaler.or_else(|| Some(Standardizer::identity(job.dataset.n_features())));
            (TrainingSession::with_learner(&job, net, scaler)?, evaluate_only)
        }
    };
    let mut history = Vec::new();
    while !evaluate_only && !session.is_finished() {
        history.push(session.step()?);
    }
    if let Some(path) = save_to {
        save_network(&session, path)?;
    }
    let scores = score(session.learner(), kind, session.test_data())?;
    Ok(TrainReport {
        model: kind.name().to_string(),
        dataset: dataset_name,
        task: session.task(),
        train_rows: session.train_rows(),
        test_rows: session.test_rows(),
        parameters: session.parameter_count(),
        epochs: session.epoch(),
        train_seconds: session.train_seconds(),
        test_accuracy: scores.accuracy,
        test_r2: scores.r2,
        test_rmse: scores.rmse,
        test_mae: scores.mae,
        ari: scores.ari,
        inertia: scores.inertia,
        per_class: scores.per_class,
        confusion_matrix: scores.confusion_matrix,
        // One-shot fits have no curve to show.
        history: if session.learner().is_iterative() { history } else { Vec::new() },
    })
}

fn save_network(session: &TrainingSession, path: &Path) -> Result<(), CliError> {
    let net =
        session.network().ok_or_else(|| CliError::Failure("the trained model is not a network".into()))?;
    let scaler = Some(session.scaler())
        .filter(|s| s.scale.iter().any(|&v| v != 1.0) || s.mean.iter().any(|&v| v != 0.0));
    let (weights, meta) = crate::models::network::save::save(net, path, scaler)
        .map_err(|e| CliError::Failure(e.to_string()))?;
    eprintln!("saved {} and {}", weights.display(), meta.display());
    Ok(())
}
