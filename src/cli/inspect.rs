//! `learnscope inspect`: what the loader made of a file, before any training.

use clap::Args;
use serde::Serialize;

use super::args::{DataArgs, load_file, with_features};
use super::{CliError, print_json};
use crate::data::Target;
use crate::data::csv_loader::ColumnReport;

#[derive(Args, Debug)]
pub struct InspectArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct TargetReport {
    name: String,
    task: &'static str,
    classes: Vec<String>,
}

#[derive(Serialize)]
struct InspectReport {
    file: String,
    rows: usize,
    dropped_rows: usize,
    features: usize,
    /// The model's inputs after one-hot encoding and any `--features` (x2, r...).
    feature_names: Vec<String>,
    columns: Vec<ColumnReport>,
    /// How the rows are read (`vector`, `image 28×28`, `sequence of 40`).
    layout: String,
    /// The layout the column count and names suggest (`--image` / `--sequence`), if any.
    suggested_layout: Option<String>,
    target: TargetReport,
    warnings: Vec<String>,
    /// Seconds the loader took (reading, parsing and encoding), measured in-process so it
    /// compares with `pandas.read_csv` timed inside Python.
    load_seconds: f64,
}

pub fn run(args: &InspectArgs) -> Result<(), CliError> {
    let path = args
        .data
        .data
        .as_ref()
        .ok_or_else(|| CliError::Usage("inspect needs a file: --data FILE.csv".into()))?;
    let started = web_time::Instant::now();
    let crate::data::csv_loader::LoadedCsv { dataset, columns, rows, dropped_rows, warnings } =
        load_file(path, &args.data)?;
    let load_seconds = started.elapsed().as_secs_f64();
    let dataset = match args.data.image.or(args.data.sequence) {
        Some(shape) => {
            dataset.read_as(shape, &path.display().to_string()).map_err(|e| CliError::Usage(e.to_string()))?
        }
        None => dataset,
    };
    let data = &with_features(dataset, &args.data.features)?;
    let report = InspectReport {
        file: path.display().to_string(),
        rows,
        dropped_rows,
        features: data.n_features(),
        feature_names: data.feature_names.clone(),
        columns,
        layout: data.input_shape.describe(),
        suggested_layout: crate::data::InputShape::suggested(&data.feature_names)
            .filter(|s| *s != data.input_shape)
            .map(|s| s.describe()),
        target: TargetReport {
            name: data.target_name.clone(),
            task: data.task().name(),
            classes: match &data.target {
                Target::Classes { class_names, .. } => class_names.clone(),
                Target::Values(_) => Vec::new(),
            },
        },
        warnings,
        load_seconds,
    };
    if args.json {
        return print_json(&report);
    }
    println!(
        "{}: {} rows kept, {} dropped, {} feature inputs",
        report.file, report.rows, report.dropped_rows, report.features
    );
    println!("{:<24} {:<12} missing", "column", "kind");
    for column in &report.columns {
        let kind = serde_json::to_value(column.kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let marker = if column.name == report.target.name { "  (target)" } else { "" };
        println!("{:<24} {:<12} {}{marker}", column.name, kind, column.missing);
    }
    println!("rows read as {}", report.layout);
    if let Some(suggested) = &report.suggested_layout {
        println!("the columns look like a {suggested}: add --image or --sequence to read them so");
    }
    println!(
        "target {} ({}), classes: {}",
        report.target.name,
        report.target.task,
        report.target.classes.join(", ")
    );
    for warning in &report.warnings {
        println!("warning: {warning}");
    }
    Ok(())
}
