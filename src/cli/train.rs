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
    pub history: Vec<EpochRecord>,
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

pub fn run(args: &TrainArgs) -> Result<(), CliError> {
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

