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
    let dataset = load_data(&args.data)?;
    let epochs = args.model.epochs as usize;
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
        train(dataset, &args.data, model, epochs, start, args.save.as_deref())?
    } else {
        let model = model_config(&args.model, args.data.seed)?;
        train(dataset, &args.data, model, epochs, Start::Fresh, args.save.as_deref())?
    };
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
    data: &DataArgs,
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
    let split = stratified_split(&dataset, data.test_fraction, data.seed)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    if let Some(warning) = &split.warning {
        eprintln!("warning: {warning}");
    }
    let (kind, dataset_name) = (model.kind, dataset.name.clone());
    let job = TrainJob {
        dataset: Arc::new(dataset),
        split,
        model,
        scale: !data.no_scale,
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
