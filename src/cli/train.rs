//! `learnscope train`: one model, one data set, scores and history.

use std::sync::Arc;

use clap::Args;
use serde::Serialize;

use super::args::{DataArgs, ModelArgs, load_data, model_config};
use super::{CliError, print_json};
use crate::data::{Dataset, Task, stratified_split};
use crate::models::ModelConfig;
use crate::training::{EpochRecord, TrainEvent, TrainJob, TrainingWorker, WorkerCommand};

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

/// Trains on the background worker, exactly as the studio does, and waits for the result.
pub fn train(
    dataset: Dataset,
    data: &DataArgs,
    model: ModelConfig,
    epochs: usize,
) -> Result<TrainReport, CliError> {
    if !model.kind.is_network() {
        return train_classical(dataset, data, model, epochs);
    }
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
            Some(TrainEvent::Saved(_) | TrainEvent::Network(_) | TrainEvent::Explained(..)) => {}
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
                    test_mae: None,
                    ari: None,
                    inertia: None,
                    per_class: None,
                    confusion_matrix: None,
                    // One-shot fits have no curve to show.
                    history: if iterative { history } else { Vec::new() },
                });
            }
            Some(TrainEvent::Failed(error)) => return Err(error.into()),
            Some(
                TrainEvent::Grid(_) | TrainEvent::Running(_) | TrainEvent::Scores(_) | TrainEvent::Insight(_),
            ) => {}
            None => return Err(CliError::Failure("the training worker stopped unexpectedly".into())),
        }
    }
}

pub fn run(args: &TrainArgs) -> Result<(), CliError> {
    let dataset = load_data(&args.data)?;
    let epochs = args.model.epochs as usize;
    let report = if let Some(path) = &args.model.load {
        let (net, saved) = crate::network::save::load(path).map_err(|e| CliError::Usage(e.to_string()))?;
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
        let model = ModelConfig {
            kind: crate::models::ModelKind::Mlp,
            network: Some(saved.spec.clone()),
            learning_rate: args.model.lr,
            seed: args.data.seed,
            ..ModelConfig::default()
        };
        let start =
            Start::Loaded { net: Box::new(net), scaler: saved.scaler, evaluate_only: args.model.evaluate };
        train_in_thread(dataset, &args.data, model, epochs, start, args.save.as_deref())?
    } else {
        let model = model_config(&args.model, args.data.seed)?;
        match &args.save {
            Some(path) => train_in_thread(dataset, &args.data, model, epochs, Start::Fresh, Some(path))?,
            None => train(dataset, &args.data, model, epochs)?,
        }
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

/// Where an in-thread run starts from.
enum Start {
    /// A new model built from the config.
    Fresh,
    /// A saved network, trained further or only scored.
    Loaded {
        net: Box<crate::network::NetworkLearner>,
        scaler: Option<crate::data::Standardizer>,
        evaluate_only: bool,
    },
}

/// Trains in this thread (the learner must outlive training to be saved), then saves it when asked.
fn train_in_thread(
    dataset: Dataset,
    data: &DataArgs,
    model: ModelConfig,
    epochs: usize,
    start: Start,
    save_to: Option<&std::path::Path>,
) -> Result<TrainReport, CliError> {
    if !model.kind.is_network() {
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
    let (model_name, dataset_name) = (model.kind.name().to_string(), dataset.name.clone());
    let job = TrainJob {
        dataset: Arc::new(dataset),
        split,
        model,
        scale: !data.no_scale,
        max_epochs: Some(epochs),
        grid: None,
    };
    let (mut session, evaluate_only) = match start {
        Start::Fresh => (crate::training::TrainingSession::new(&job)?, false),
        Start::Loaded { net, scaler, evaluate_only } => {
            // A saved network keeps the standardization it learned behind, or none.
            let scaler =
                scaler.or_else(|| Some(crate::data::Standardizer::identity(job.dataset.n_features())));
            (crate::training::TrainingSession::with_learner(&job, net, scaler)?, evaluate_only)
        }
    };
    let mut history = Vec::new();
    while !evaluate_only && !session.is_finished() {
        history.push(session.step()?);
    }
    if let Some(path) = save_to {
        let net = session
            .learner()
            .as_any()
            .downcast_ref::<crate::network::NetworkLearner>()
            .ok_or_else(|| CliError::Failure("the trained model is not a network".into()))?;
        let scaler = Some(session.scaler())
            .filter(|s| s.scale.iter().any(|&v| v != 1.0) || s.mean.iter().any(|&v| v != 0.0));
        let (weights, meta) =
            crate::network::save::save(net, path, scaler).map_err(|e| CliError::Failure(e.to_string()))?;
        eprintln!("saved {} and {}", weights.display(), meta.display());
    }
    let evaluation = session.test_evaluation()?;
    let task = session.task();
    Ok(TrainReport {
        model: model_name,
        dataset: dataset_name,
        task,
        train_rows: session.train_rows(),
        test_rows: session.test_rows(),
        parameters: session.parameter_count(),
        epochs: session.epoch(),
        train_seconds: session.train_seconds(),
        test_accuracy: evaluation.accuracy,
        test_r2: evaluation.r2,
        test_rmse: evaluation.rmse,
        test_mae: None,
        ari: None,
        inertia: None,
        per_class: None,
        confusion_matrix: None,
        history,
    })
}

/// Classical models train through a `TrainingSession` in this thread, so the fitted model can
/// then be scored in full: per-class scores, confusion matrix, clustering agreement.
fn train_classical(
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
    let (kind, dataset_name) = (model.kind, dataset.name.clone());
    let job = TrainJob {
        dataset: Arc::new(dataset),
        split,
        model,
        scale: !data.no_scale,
        max_epochs: Some(epochs),
        grid: None,
    };
    let mut session = crate::training::TrainingSession::new(&job)?;
    while !session.is_finished() {
        session.step()?;
    }
    let test = crate::experiments::prepare(&job.dataset, &job.split.test, session.scaler());
    let scores = crate::experiments::score(session.learner(), kind, &test)?;
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
        history: Vec::new(),
    })
}
