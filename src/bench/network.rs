//! Bench workloads (filled in by the issue that owns them).

use std::path::Path;

use super::BenchReport;

pub fn run(key: &str, _data_dir: &Path, _report: &mut BenchReport) -> Result<(), String> {
    Err(format!("workload {key} is not available in this build yet"))
}
