//! What the network views cost the training worker: one snapshot (diagram, unit maps,
//! histograms, gradient histograms, diagnostics) and one "why this prediction?" answer, on the
//! studio's default MLP over moons, the LeNet-style CNN over digits and a GRU over waveforms.
//! Prints one JSON object per workload (median and 95th percentile in ms, wall clock).
//!
//!     cargo bench --bench network_views [-- CALLS]

use std::sync::Arc;
use std::time::Instant;

use learnscope::data::{BuiltinDataset, GeneratorSettings, stratified_split};
use learnscope::models::network::NetworkSpec;
use learnscope::models::network::spec::presets;
use learnscope::models::{ModelConfig, ModelKind};
use learnscope::training::live::{ExplainTarget, session_explain, session_snapshot};
use learnscope::training::{GridSpec, TrainJob, TrainingSession};

fn percentiles(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    let pick = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    (pick(0.5), pick(0.95))
}

fn time(calls: usize, mut f: impl FnMut()) -> (f64, f64) {
    f();
    percentiles(
        (0..calls)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed().as_secs_f64() * 1000.0
            })
            .collect(),
    )
}

fn main() {
    let calls: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(30);
    let workloads = [
        ("moons, dense(8) tanh dense(8) tanh", BuiltinDataset::Moons, presets::PLAYGROUND_MLP, 3),
        ("digits, LeNet-style CNN", BuiltinDataset::Digits, presets::LENET_DIGITS, 1),
        ("waveforms, gru(16) dense(16) relu", BuiltinDataset::Waveforms, "gru(16) dense(16) relu", 1),
    ];
    for (name, dataset, spec, epochs) in workloads {
        let data = dataset.load(&GeneratorSettings::default()).expect("built-in data loads");
        let split = stratified_split(&data, 0.2, 0).expect("split");
        // The studio's grid: 64 cells a side over the first two features.
        let grid = GridSpec::around(&data, 64);
        let job = TrainJob {
            dataset: Arc::new(data),
            split,
            model: ModelConfig {
                kind: ModelKind::Mlp,
                network: Some(NetworkSpec::parse(spec).expect("spec parses")),
                ..Default::default()
            },
            scale: true,
            max_epochs: None,
            grid,
        };
        let mut session = TrainingSession::new(&job).expect("the network builds");
        let start = Instant::now();
        for _ in 0..epochs {
            session.step().expect("an epoch trains");
        }
        let epoch_ms = start.elapsed().as_secs_f64() * 1000.0 / epochs as f64;
        let (snapshot_median, snapshot_p95) = time(calls, || {
            session_snapshot(&session, job.grid.as_ref()).expect("a network").expect("a snapshot");
        });
        let (explain_median, explain_p95) = time(calls, || {
            session_explain(&session, &job.dataset, job.grid.as_ref(), ExplainTarget::Row(5))
                .expect("a network")
                .expect("an explanation");
        });
        println!(
            "{{\"workload\": \"{name}\", \"epoch_ms\": {epoch_ms:.1}, \"snapshot_median_ms\": {snapshot_median:.2}, \
             \"snapshot_p95_ms\": {snapshot_p95:.2}, \"explain_median_ms\": {explain_median:.2}, \
             \"explain_p95_ms\": {explain_p95:.2}, \"calls\": {calls}}}"
        );
    }
}
