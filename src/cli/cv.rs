//! `learnscope cv`: k-fold cross-validation of one model, with the mean and spread of its scores.

use clap::Args;

use super::args::{DataArgs, ModelArgs, load_data, model_config};
use super::{CliError, print_json};
use crate::evaluation::{CvMetric, ExperimentError, cross_validate};
use crate::models::ModelError;

#[derive(Args, Debug)]
pub struct CvArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// How many folds: each row is tested once, by a model trained on the other folds (2 up to the number of rows).
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

impl From<ExperimentError> for CliError {
    fn from(e: ExperimentError) -> Self {
        match &e {
            ExperimentError::Data(_) => CliError::Usage(e.to_string()),
            ExperimentError::Model(m) | ExperimentError::Fold { error: m, .. } => match m {
                ModelError::Unsuitable(_) => CliError::Usage(e.to_string()),
                _ => CliError::Failure(e.to_string()),
            },
        }
    }
}

pub fn run(args: &CvArgs) -> Result<(), CliError> {
    let dataset = load_data(&args.data)?;
    if args.folds < 2 || args.folds > dataset.rows() {
        return Err(CliError::Usage(format!(
            "--folds must be between 2 and the number of rows ({}), got {}",
            dataset.rows(),
            args.folds
        )));
    }
    let config = model_config(&args.model, args.data.seed)?;
    let report = cross_validate(
        &dataset,
        &config,
        args.folds,
        args.data.seed,
        !args.data.no_scale,
        args.model.epochs as usize,
    )?;
    if let Some(warning) = &report.warning {
        eprintln!("warning: {warning}");
    }
    let metric = report.metric.name();
    if args.json {
        let mut object = serde_json::Map::new();
        object.insert("model".into(), report.model.clone().into());
        object.insert("folds".into(), args.folds.into());
        object.insert("metric".into(), metric.into());
        object.insert(format!("mean_{metric}"), report.mean.into());
        object.insert(format!("std_{metric}"), report.std.into());
        object.insert("scores".into(), report.scores.clone().into());
        return print_json(&serde_json::Value::Object(object));
    }
    let label = match report.metric {
        CvMetric::Accuracy => "accuracy",
        CvMetric::R2 => "R²",
        CvMetric::Ari => "ARI",
    };
    println!("model     {}", report.model);
    println!("folds     {}", args.folds);
    for (i, s) in report.scores.iter().enumerate() {
        println!("fold {:<4} {label} {s:.4}", i + 1);
    }
    println!("mean {label} {:.4} ± {:.4}", report.mean, report.std);
    Ok(())
}
