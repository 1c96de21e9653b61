//! Bench workloads W5–W8: the classical models on the files of make_bench_data.py, timed like
//! peer_sklearn.py (median of 3 fits, data loading and preparation excluded).

use web_time::Instant;

use super::BenchReport;
use crate::data::Standardizer;
use crate::models::params::ParamValue;
use crate::models::{ModelConfig, ModelKind, PreparedData};

/// The workload's model and data file, with scikit-learn's settings for it.
fn workload(key: &str) -> Option<(&'static str, ModelKind, Vec<(&'static str, ParamValue)>)> {
    Some(match key {
        // RandomForestClassifier(n_estimators=100, random_state=0)
        "W5" => ("clf10k.csv", ModelKind::RandomForest, vec![("n_estimators", ParamValue::Int(100))]),
        // SVC(kernel='rbf', C=1.0, gamma='scale')
        "W6" => (
            "clf5k_scaled.csv",
            ModelKind::Svm,
            vec![
                ("kernel", ParamValue::Choice("rbf".into())),
                ("c", ParamValue::Float(1.0)),
                ("gamma", ParamValue::Float(0.0)),
            ],
        ),
        // KMeans(n_clusters=8, n_init=1, random_state=0)
        "W7" => (
            "blobs100k.csv",
            ModelKind::KMeans,
            vec![("n_clusters", ParamValue::Int(8)), ("n_init", ParamValue::Int(1))],
        ),
        // DecisionTreeClassifier(random_state=0)
        "W8" => ("clf100k.csv", ModelKind::DecisionTree, vec![]),
        _ => return None,
    })
}

pub fn run(key: &str, files: super::BenchFiles<'_>, report: &mut BenchReport) -> Result<(), String> {
    let (file, kind, params) =
        workload(key).ok_or_else(|| format!("workload {key} is not a classical one"))?;
    let data = files(file)?;
    let rows: Vec<usize> = (0..data.rows()).collect();
    // The peers fit on the file's values as they are: no standardization here.
    let prepared: PreparedData =
        crate::evaluation::prepare(&data, &rows, &Standardizer::identity(data.n_features()));
    let config = ModelConfig {
        kind,
        seed: 0,
        params: params.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        ..ModelConfig::default()
    };
    let mut times = Vec::with_capacity(3);
    for _ in 0..3 {
        let mut learner = config
            .build(data.n_features(), data.task(), data.class_count())
            .map_err(|e| format!("{key}: {e}"))?;
        let start = Instant::now();
        learner.train_epoch(&prepared, 0).map_err(|e| format!("{key}: {e}"))?;
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    report.insert(key.to_string(), times[1]);
    Ok(())
}
