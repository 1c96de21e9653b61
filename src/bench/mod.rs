//! `learnscope bench`: the workloads of ../shared/bench/README.md, timed the way the peers time
//! them (data loading excluded), so ratios against PyTorch and scikit-learn are fair.

pub mod classical;
pub mod network;
// Only `learnscope smartcore-parity` reads it, and the CLI is not built for the browser.
#[cfg(not(target_arch = "wasm32"))]
pub mod smartcore;

use std::collections::BTreeMap;
use std::path::Path;

use crate::data::Dataset;

/// Every workload key, in the order they run.
pub const WORKLOADS: [&str; 10] = ["W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8", "W9", "W10"];

/// Seconds per workload plus extra figures such as `W3_test_accuracy`.
pub type BenchReport = BTreeMap<String, f64>;

/// Reads one bench file by name (`moons500.csv`...) into a data set.
pub type BenchFiles<'a> = &'a dyn Fn(&str) -> Result<Dataset, String>;

/// Runs the chosen workloads on the CSV files in `data_dir` (written by make_bench_data.py);
/// networks start from `seed` (the peers use 0).
pub fn run(data_dir: &Path, only: &[String], seed: u64) -> Result<BenchReport, String> {
    run_with(&|file| load(data_dir, file), only, seed)
}

/// Runs the chosen workloads on files `files` reads (a folder, or what a web page fetched).
pub fn run_with(files: BenchFiles<'_>, only: &[String], seed: u64) -> Result<BenchReport, String> {
    let mut report = BenchReport::new();
    for key in WORKLOADS {
        if !only.is_empty() && !only.iter().any(|o| o.eq_ignore_ascii_case(key)) {
            continue;
        }
        match key {
            "W1" | "W2" | "W3" | "W4" | "W9" | "W10" => network::run(key, files, seed, &mut report)?,
            _ => classical::run(key, files, &mut report)?,
        }
    }
    Ok(report)
}

/// Loads one of the bench CSV files (features first, integer `target` last).
pub fn load(data_dir: &Path, file: &str) -> Result<Dataset, String> {
    let path = data_dir.join(file);
    crate::data::csv_loader::load_csv(&path, &Default::default())
        .map(|loaded| loaded.dataset)
        .map_err(|e| format!("{e} (write the bench data with ../shared/bench/make_bench_data.py)"))
}
