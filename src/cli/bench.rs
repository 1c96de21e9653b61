//! `learnscope bench`: times the workloads of ../shared/bench against the same CSV files.
//! `learnscope smartcore-parity`: our classical models beside smartcore's (see `bench::smartcore`).

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
    /// The networks' seed (weights and shuffling); the peers use 0. Other seeds show how much
    /// the test accuracies move by chance.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

pub fn run(args: &BenchArgs) -> Result<(), CliError> {
    if let Some(bad) =
        args.only.iter().find(|k| !crate::bench::WORKLOADS.iter().any(|w| w.eq_ignore_ascii_case(k)))
    {
        return Err(CliError::Usage(format!("unknown workload '{bad}': choose from W1 to W10")));
    }
    if !args.data_dir.is_dir() {
        return Err(CliError::Usage(format!("{} is not a folder of bench data", args.data_dir.display())));
    }
    let report = crate::bench::run(&args.data_dir, &args.only, args.seed).map_err(CliError::Failure)?;
    if args.json {
        return print_json(&report);
    }
    for (key, value) in &report {
        println!("{key:<20} {value:.4}");
    }
    Ok(())
}

#[derive(Args, Debug)]
pub struct ParityArgs {
    /// Fits per model and side; the median time is reported.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub runs: u64,
    /// Print one JSON object (`runs` and one entry per row) instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run_parity(args: &ParityArgs) -> Result<(), CliError> {
    let rows = crate::bench::smartcore::run(args.runs as usize);
    if args.json {
        return print_json(&serde_json::json!({ "runs": args.runs, "rows": rows }));
    }
    println!(
        "{:<18} {:<9} {:<10} {:>9} {:>9} {:>10} {:>11}",
        "family", "data", "metric", "ours", "smartcore", "ours s", "smartcore s"
    );
    for r in &rows {
        println!(
            "{:<18} {:<9} {:<10} {:>9.4} {:>9.4} {:>10.5} {:>11.5}",
            r.family, r.data, r.metric, r.ours, r.smartcore, r.ours_seconds, r.smartcore_seconds
        );
        if !r.notes.is_empty() {
            println!("    {}", r.notes);
        }
    }
    println!(
        "seconds: median of {} run(s) of fit plus predict; NaN: that side failed (see its note)",
        args.runs
    );
    if cfg!(debug_assertions) {
        println!("a debug build: build with --release for times worth comparing");
    }
    Ok(())
}
