//! `learnscope bench`: times the workloads of ../shared/bench against the same CSV files.

use std::path::PathBuf;

use clap::Args;

use super::{CliError, print_json};

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// The folder make_bench_data.py wrote (moons500.csv, digits_train.csv, ...).
    #[arg(long, value_name = "DIR")]
    pub data_dir: PathBuf,
    /// Run only these workloads, e.g. W1,W4.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Print one JSON object (seconds per workload).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &BenchArgs) -> Result<(), CliError> {
    if let Some(bad) =
        args.only.iter().find(|k| !crate::bench::WORKLOADS.iter().any(|w| w.eq_ignore_ascii_case(k)))
    {
        return Err(CliError::Usage(format!("unknown workload '{bad}': choose from W1 to W8")));
    }
    if !args.data_dir.is_dir() {
        return Err(CliError::Usage(format!("{} is not a folder of bench data", args.data_dir.display())));
    }
    let report = crate::bench::run(&args.data_dir, &args.only).map_err(CliError::Failure)?;
    if args.json {
        return print_json(&report);
    }
    for (key, value) in &report {
        println!("{key:<20} {value:.4}");
    }
    Ok(())
}
