//! The command line of ../shared/CLI.md: the same core as the studio, headless, with JSON output.

pub mod args;
pub mod bench;
pub mod compare;
pub mod cv;
pub mod inspect;
pub mod learning_curve;
pub mod lesson;
pub mod train;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;

use crate::data::{BuiltinDataset, Task};
use crate::models::ModelError;

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
    /// Time the benchmark workloads (see ../shared/bench/README.md).
    Bench(bench::BenchArgs),
    /// Our classical models beside smartcore's on the same data and split: scores, median
    /// fit + predict seconds, and what smartcore does not expose that the views need.
    SmartcoreParity(bench::ParityArgs),
    /// What the loader made of a CSV file: columns, kinds, target, warnings.
    Inspect(inspect::InspectArgs),
    /// Train one model on one data set and report its scores.
    Train(train::TrainArgs),
    /// Cross-validate one model: k folds, the mean and spread of its test scores.
    Cv(cv::CvArgs),
    /// Train several models on the same split and compare their scores.
    Compare(compare::CompareArgs),
    /// Test accuracy against training-set size for several models over several seeds.
    LearningCurve(learning_curve::LearningCurveArgs),
    /// Run an ML-vs-DL lesson (built in or from a file); --list shows them.
    Lesson(lesson::LessonArgs),
    /// Open the studio on a share link (the studio's File > Copy share link).
    Open(OpenArgs),
}

#[derive(Args, Debug)]
pub struct OpenArgs {
    /// The link, or just its fragment (#learnscope=1.…).
    pub link: String,
    /// Check the link and print its set-up as JSON instead of opening the studio.
    #[arg(long)]
    pub check: bool,
}

fn run_open(args: &OpenArgs) -> Result<(), CliError> {
    let setup = crate::ui::share::SharedSetup::from_link(&args.link)
        .map_err(|e| CliError::Usage(format!("this link could not be opened: {e}")))?;
    if args.check {
        return print_json(&setup);
    }
    let start = crate::ui::StudioStart { link: Some(args.link.clone()), ..Default::default() };
    crate::ui::run_studio(start).map_err(CliError::Failure)
}

#[derive(Args, Debug)]
pub struct GuiArgs {
    /// A built-in data set to open the studio on.
    #[arg(long, value_parser = args::dataset_names(), conflicts_with = "data")]
    pub dataset: Option<String>,
    /// A CSV file to open the studio on (loaded in the background).
    #[arg(long, value_name = "FILE")]
    pub data: Option<std::path::PathBuf>,
    /// The column of --data to predict (default: the last column).
    #[arg(long, value_name = "COL", requires = "data")]
    pub target: Option<String>,
    /// The model to start with (classical models fit at once).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(crate::models::ModelKind::ALL.map(|k| k.name())))]
    pub model: Option<String>,
    /// A network written layer by layer to start with, e.g. "dense(16) relu dense(16) relu".
    #[arg(long, value_name = "SPEC", conflicts_with = "model")]
    pub net: Option<String>,
    /// A lesson to open in its window (a built-in id such as data-dependency, or a lesson file).
    #[arg(long, value_name = "ID|FILE")]
    pub lesson: Option<String>,
}

impl GuiArgs {
    fn studio_start(&self) -> Result<crate::ui::StudioStart, CliError> {
        let net = match &self.net {
            Some(text) => Some(
                crate::models::network::NetworkSpec::parse(text)
                    .map_err(|e| CliError::Usage(e.to_string()))?,
            ),
            None => None,
        };
        if let Some(path) = &self.data
            && !path.exists()
        {
            return Err(CliError::Usage(format!("{}: no such file or folder", path.display())));
        }
        if let Some(lesson) = &self.lesson
            && crate::lessons::builtin_lesson(lesson).is_none()
            && !std::path::Path::new(lesson).is_file()
        {
            let ids: Vec<String> = crate::lessons::builtin_lessons().into_iter().map(|l| l.id).collect();
            return Err(CliError::Usage(format!(
                "--lesson '{lesson}' is neither a built-in lesson nor a lesson file; built-in lessons: {}",
                ids.join(", ")
            )));
        }
        Ok(crate::ui::StudioStart {
            dataset: self.dataset.as_deref().and_then(BuiltinDataset::from_name),
            data: self.data.clone(),
            target: self.target.clone(),
            model: self.model.as_deref().and_then(crate::models::ModelKind::from_name),
            net,
            link: None,
            lesson: self.lesson.clone(),
        })
    }
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

pub(crate) fn print_json(value: &impl Serialize) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| CliError::Failure(e.to_string()))?;
    println!("{text}");
    Ok(())
}

#[derive(Serialize)]
struct DatasetEntry {
    name: &'static str,
    task: Task,
    /// "generated" (seeded, --samples/--noise apply) or "sample" (a fixed real table).
    kind: &'static str,
    /// Rows of the table; for generators, rows at the default --samples.
    rows: usize,
    features: usize,
    input_shape: crate::data::InputShape,
    description: &'static str,
    source: &'static str,
}

fn run_datasets(json: bool) -> Result<(), CliError> {
    let mut entries = Vec::new();
    for d in BuiltinDataset::ALL {
        let data = d
            .load(&crate::data::GeneratorSettings::default())
            .map_err(|e| CliError::Failure(e.to_string()))?;
        entries.push(DatasetEntry {
            name: d.name(),
            task: data.task(),
            kind: if d.is_generated() { "generated" } else { "sample" },
            rows: data.rows(),
            features: data.n_features(),
            input_shape: data.input_shape,
            description: d.description(),
            source: d.source(),
        });
    }
    if json {
        return print_json(&serde_json::json!({ "datasets": entries }));
    }
    println!("{:<13} {:<15} {:<10} {:>5} {:>8}  description", "name", "task", "kind", "rows", "features");
    for e in entries {
        let rows = if e.kind == "generated" { format!("{}*", e.rows) } else { e.rows.to_string() };
        println!(
            "{:<13} {:<15} {:<10} {:>5} {:>8}  {}",
            e.name,
            e.task.name(),
            e.kind,
            rows,
            e.features,
            e.description
        );
        if e.kind == "sample" {
            println!("{:<13} source: {}", "", e.source);
        }
    }
    println!("* generated sets: rows at the default --samples; change it with --samples N");
    Ok(())
}

/// Parses the arguments, runs the command and maps errors to CLI.md's exit codes.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        None => crate::ui::run_studio(crate::ui::StudioStart::default()).map_err(CliError::Failure),
        Some(Command::Gui(args)) => {
            args.studio_start().and_then(|start| crate::ui::run_studio(start).map_err(CliError::Failure))
        }
        Some(Command::Datasets { json }) => run_datasets(*json),
        Some(Command::Inspect(args)) => inspect::run(args),
        Some(Command::Bench(args)) => bench::run(args),
        Some(Command::SmartcoreParity(args)) => bench::run_parity(args),
        Some(Command::Train(args)) => train::run(args),
        Some(Command::Cv(args)) => cv::run(args),
        Some(Command::Compare(args)) => compare::run(args),
        Some(Command::LearningCurve(args)) => learning_curve::run(args),
        Some(Command::Lesson(args)) => lesson::run(args),
        Some(Command::Open(args)) => run_open(args),
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
