//! `learnscope smartcore-parity [--runs N] [--json]`: each of our classical families beside
//! smartcore 0.7's equivalent, on the same built-in data and the same split. Per family:
//! the test score (accuracy, R², adjusted Rand index against the classes, or for PCA the |cosine|
//! between our components and smartcore's), the median seconds of fit plus predict over `runs`
//! runs (data preparation excluded), and a note on what smartcore does not expose that our views
//! draw, with the smartcore source file and line. Build with `--release` for times that mean
//! anything. A smartcore call that fails or panics scores NaN and says why in the note.

use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::Serialize;
use smartcore::algorithm::neighbour::KNNAlgorithmName;
use smartcore::cluster::dbscan::{DBSCAN, DBSCANParameters};
use smartcore::cluster::kmeans::{KMeans, KMeansParameters};
use smartcore::decomposition::pca::{PCA, PCAParameters};
use smartcore::ensemble::random_forest_classifier::{
    RandomForestClassifier, RandomForestClassifierParameters,
};
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::lasso::{Lasso, LassoParameters};
use smartcore::linear::ridge_regression::{RidgeRegression, RidgeRegressionParameters};
use smartcore::metrics::distance::euclidian::Euclidian;
use smartcore::naive_bayes::gaussian::{GaussianNB, GaussianNBParameters};
use smartcore::neighbors::knn_classifier::{KNNClassifier, KNNClassifierParameters};
use smartcore::tree::decision_tree_classifier::{DecisionTreeClassifier, DecisionTreeClassifierParameters};
use web_time::Instant;

use crate::data::{BuiltinDataset, Dataset, GeneratorSettings, Standardizer, stratified_split};
use crate::evaluation::prepare;
use crate::metrics;
use crate::models::classical::clustering::Projection2d;
use crate::models::classical::linear::to_matrix;
use crate::models::insight::ModelInsight;
use crate::models::params::ParamValue;
use crate::models::{ModelConfig, ModelKind, Prediction, PreparedData};

const RIDGE_ALPHA: f64 = 1.0;
/// scikit-learn's alpha; smartcore weighs its L1 term half as much, so it gets twice this.
const LASSO_ALPHA: f64 = 5.0;
/// Standardized moons with noise 0.05: the arcs lie about one unit apart, points far closer.
const DBSCAN_EPS: f64 = 0.3;
const DBSCAN_MIN_SAMPLES: usize = 7;
const TEST_FRACTION: f64 = 0.25;

/// One family on one data set: our score and time beside smartcore's.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParityRow {
    pub family: String,
    pub data: String,
    /// `accuracy`, `r2`, `ari` or `abs_cosine`.
    pub metric: &'static str,
    pub ours: f64,
    pub smartcore: f64,
    /// Median seconds of fit plus predict.
    pub ours_seconds: f64,
    pub smartcore_seconds: f64,
    /// What failed, and what smartcore lacks that our views need.
    pub notes: String,
}

/// Runs every family `runs` times (at least once) and returns one row per family and data set.
pub fn run(runs: usize) -> Vec<ParityRow> {
    type Family = fn(usize) -> Result<Vec<ParityRow>, String>;
    let runs = runs.max(1);
    let families: [(&str, Family); 7] = [
        ("ridge/lasso", linear_rows),
        ("naive_bayes", naive_bayes_rows),
        ("knn", knn_rows),
        ("decision_tree/random_forest", tree_rows),
        ("kmeans", kmeans_rows),
        ("dbscan", dbscan_rows),
        ("pca", pca_rows),
    ];
    let mut rows = Vec::new();
    for (name, family) in families {
        match family(runs) {
            Ok(more) => rows.extend(more),
            // Only the data preparation can fail here; the fits report their own failures.
            Err(error) => rows.push(ParityRow {
                family: name.to_string(),
                data: String::new(),
                metric: "",
                ours: f64::NAN,
                smartcore: f64::NAN,
                ours_seconds: f64::NAN,
                smartcore_seconds: f64::NAN,
                notes: format!("could not prepare the data: {error}"),
            }),
        }
    }
    rows
}

/// One side's score and median time, or why it failed.
#[derive(Clone, Debug)]
struct Side {
    score: f64,
    seconds: f64,
    error: Option<String>,
}

/// Times `fit` (fit plus predict) `runs` times, stopping at the first failure or panic, and
/// scores the last output; that output comes back too for the notes.
fn measure<T>(
    runs: usize,
    mut fit: impl FnMut() -> Result<T, String>,
    score: impl FnOnce(&T) -> f64,
) -> (Side, Option<T>) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let outcome = attempt(&mut fit);
        let seconds = start.elapsed().as_secs_f64();
        match outcome {
            Ok(output) => {
                times.push(seconds);
                last = Some(output);
            }
            Err(error) => {
                let side = Side { score: f64::NAN, seconds: median(times), error: Some(error) };
                return (side, None);
            }
        }
    }
    let score = last.as_ref().map_or(f64::NAN, score);
    (Side { score, seconds: median(times), error: None }, last)
}

/// Runs `f`, turning a panic into an error so one bad library call cannot end the whole run.
fn attempt<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_string());
        Err(format!("panicked: {message}"))
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 { values[mid] } else { (values[mid - 1] + values[mid]) / 2.0 }
}

fn text<E: std::fmt::Display>(error: E) -> String {
    error.to_string()
}

/// A row from both sides; failures go first in the notes so they are not missed.
fn row(family: &str, data: &str, metric: &'static str, ours: Side, theirs: Side, notes: &str) -> ParityRow {
    let mut all = Vec::new();
    if let Some(error) = &ours.error {
        all.push(format!("ours failed: {error}"));
    }
    if let Some(error) = &theirs.error {
        all.push(format!("smartcore failed: {error}"));
    }
    if !notes.is_empty() {
        all.push(notes.to_string());
    }
    ParityRow {
        family: family.to_string(),
        data: data.to_string(),
        metric,
        ours: ours.score,
        smartcore: theirs.score,
        ours_seconds: ours.seconds,
        smartcore_seconds: theirs.seconds,
        notes: all.join("; "),
    }
}

/// A built-in set; the shipped tables ignore the settings.
fn builtin(set: BuiltinDataset, samples: usize, noise: f64, classes: usize) -> Dataset {
    set.generate(&GeneratorSettings { samples, noise, seed: 0, classes })
}

fn table(set: BuiltinDataset) -> Dataset {
    set.generate(&GeneratorSettings::default())
}

/// The stratified 75/25 split (seed 0), standardized on its training rows when `scale`.
fn split(data: &Dataset, scale: bool) -> Result<(PreparedData, PreparedData), String> {
    let split = stratified_split(data, TEST_FRACTION, 0).map_err(text)?;
    let scaler = if scale {
        Standardizer::fit(&data.subset(&split.train))
    } else {
        Standardizer::identity(data.n_features())
    };
    Ok((prepare(data, &split.train, &scaler), prepare(data, &split.test, &scaler)))
}

/// Every row, standardized: clustering and PCA learn without a target, so nothing is held out.
fn all_rows(data: &Dataset) -> PreparedData {
    let rows: Vec<usize> = (0..data.rows()).collect();
    prepare(data, &rows, &Standardizer::fit(data))
}

fn matrix(data: &PreparedData) -> Result<DenseMatrix<f64>, String> {
    to_matrix(&data.features, data.n_features).map_err(text)
}

fn config(kind: ModelKind, params: &[(&str, ParamValue)]) -> ModelConfig {
    ModelConfig {
        kind,
        seed: 0,
        params: params.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        ..ModelConfig::default()
    }
}

/// Builds, fits and predicts one of ours through the project's one factory.
fn ours(config: &ModelConfig, train: &PreparedData, test: &PreparedData) -> Result<Prediction, String> {
    let mut learner = config.build(train.n_features, train.task, train.classes).map_err(text)?;
    learner.train_epoch(train, 0).map_err(text)?;
    learner.predict(&test.features, test.n_features).map_err(text)
}

fn accuracy_of(prediction: &Prediction, truth: &PreparedData) -> f64 {
    prediction.classes().map_or(f64::NAN, |c| metrics::accuracy(&c, &truth.labels()))
}

fn r2_of(prediction: &Prediction, truth: &PreparedData) -> f64 {
    match prediction {
        Prediction::Values(values) => metrics::r2(values, &truth.targets),
        Prediction::Probabilities { .. } => f64::NAN,
    }
}

fn ari_of(clusters: &[u32], truth: &PreparedData) -> f64 {
    let found: Vec<usize> = clusters.iter().map(|&c| c as usize).collect();
    let classes: Vec<usize> = truth.labels().into_iter().map(|c| c as usize).collect();
    metrics::adjusted_rand_index(&found, &classes)
}

fn smartcore_lasso_params() -> LassoParameters {
    LassoParameters::default().with_alpha(2.0 * LASSO_ALPHA).with_normalize(false)
}

/// Ridge and lasso on the diabetes table, standardized on the training rows.
fn linear_rows(runs: usize) -> Result<Vec<ParityRow>, String> {
    let (train, test) = split(&table(BuiltinDataset::Diabetes), true)?;
    let (x, xt) = (matrix(&train)?, matrix(&test)?);
    let smartcore_ridge = |normalize: bool| -> Result<Vec<f64>, String> {
        let params = RidgeRegressionParameters::default().with_alpha(RIDGE_ALPHA).with_normalize(normalize);
        let model: RidgeRegression<f64, f64, DenseMatrix<f64>, Vec<f64>> =
            RidgeRegression::fit(&x, &train.targets, params).map_err(text)?;
        model.predict(&xt).map_err(text)
    };
    let ridge_config = config(ModelKind::Ridge, &[("alpha", ParamValue::Float(RIDGE_ALPHA))]);
    let (ours_ridge, _) =
        measure(runs, || ours(&ridge_config, &train, &test), |p: &Prediction| r2_of(p, &test));
    // normalize=true is the only way smartcore's ridge fits an intercept.
    let (their_ridge, _) =
        measure(runs, || smartcore_ridge(true), |p: &Vec<f64>| metrics::r2(p, &test.targets));
    let without_intercept =
        attempt(|| smartcore_ridge(false)).map_or(f64::NAN, |p| metrics::r2(&p, &test.targets));
    let ridge_note = format!(
        "with normalize=false smartcore fits no intercept (linear/ridge_regression.rs:359) and scores R² \
         {without_intercept:.3} here, so it runs with normalize=true: that rescales by the training rows' \
         population std (linalg/basic/arrays.rs:472-521), 1 on our standardized rows, so both solve \
         scikit-learn's objective; coefficients() and intercept() are public (ridge_regression.rs:413, 418)"
    );

    let lasso_config = config(ModelKind::Lasso, &[("alpha", ParamValue::Float(LASSO_ALPHA))]);
    let (ours_lasso, _) =
        measure(runs, || ours(&lasso_config, &train, &test), |p: &Prediction| r2_of(p, &test));
    let (their_lasso, _) = measure(
        runs,
        || {
            let model: Lasso<f64, f64, DenseMatrix<f64>, Vec<f64>> =
                Lasso::fit(&x, &train.targets, smartcore_lasso_params()).map_err(text)?;
            model.predict(&xt).map_err(text)
        },
        |p: &Vec<f64>| metrics::r2(p, &test.targets),
    );
    let lasso_note = format!(
        "smartcore minimises |y - Xw|² + alpha·n·|w|₁ (linear/lasso.rs:340, \
         linear/lasso_optimizer.rs:175), half scikit-learn's L1 weight, so it is given alpha {} for our \
         {LASSO_ALPHA}; normalize=false still fits the intercept as the mean of y (lasso.rs:410), right on \
         our centred training rows; {}",
        2.0 * LASSO_ALPHA,
        lasso_zeros(&lasso_config, &train, &x)
    );
    Ok(vec![
        row("ridge", "diabetes", "r2", ours_ridge, their_ridge, &ridge_note),
        row("lasso", "diabetes", "r2", ours_lasso, their_lasso, &lasso_note),
    ])
}

/// How many lasso coefficients are exactly zero on each side: the features an L1 view shows as
/// dropped (an interior-point solver may leave them tiny instead).
fn lasso_zeros(config: &ModelConfig, train: &PreparedData, x: &DenseMatrix<f64>) -> String {
    let ours = attempt(|| {
        let mut learner = config.build(train.n_features, train.task, train.classes).map_err(text)?;
        learner.train_epoch(train, 0).map_err(text)?;
        match learner.insight() {
            Some(ModelInsight::Coefficients { weights, .. }) => {
                Ok(weights.first().map_or(0, |w| w.iter().filter(|v| **v == 0.0).count()))
            }
            _ => Err("no coefficients".to_string()),
        }
    });
    let theirs = attempt(|| {
        let model: Lasso<f64, f64, DenseMatrix<f64>, Vec<f64>> =
            Lasso::fit(x, &train.targets, smartcore_lasso_params()).map_err(text)?;
        let weights = model.coefficients();
        Ok((0..train.n_features).filter(|&j| *weights.get((j, 0)) == 0.0).count())
    });
    let show =
        |count: Result<usize, String>| count.map_or_else(|e| format!("unknown ({e})"), |c| c.to_string());
    format!(
        "coefficients exactly zero, of {}: ours {}, smartcore {}",
        train.n_features,
        show(ours),
        show(theirs)
    )
}

/// Gaussian naive Bayes on the digits and on iris, in the data's own units (as scikit-learn's
/// GaussianNB is used, and as our studio fits it).
fn naive_bayes_rows(runs: usize) -> Result<Vec<ParityRow>, String> {
    let note = "GaussianNBParameters holds only priors (naive_bayes/gaussian.rs:97-101): there is no \
                var_smoothing and class variances are used as they are (gaussian.rs:238), so a feature that \
                is constant within a class makes that class's log-likelihood NaN (the digits' always-blank \
                pixels); no predict_proba, only predict (gaussian.rs:322), so no confidence shading on the \
                boundary plot; theta() and var() are public (gaussian.rs:355, 362)";
    let mut rows = Vec::new();
    for set in [BuiltinDataset::Digits, BuiltinDataset::Iris] {
        let (train, test) = split(&table(set), false)?;
        let (x, xt, y) = (matrix(&train)?, matrix(&test)?, train.labels());
        let bayes = config(ModelKind::NaiveBayes, &[]);
        let (ours_side, _) =
            measure(runs, || ours(&bayes, &train, &test), |p: &Prediction| accuracy_of(p, &test));
        let (theirs, _) = measure(
            runs,
            || {
                let model: GaussianNB<f64, u32, DenseMatrix<f64>, Vec<u32>> =
                    GaussianNB::fit(&x, &y, GaussianNBParameters::default()).map_err(text)?;
                model.predict(&xt).map_err(text)
            },
            |p: &Vec<u32>| metrics::accuracy(p, &test.labels()),
        );
        rows.push(row("naive_bayes", set.name(), "accuracy", ours_side, theirs, note));
    }
    Ok(rows)
}

/// kNN with k = 5 on the standardized digits, against smartcore's default search (a cover tree)
/// and its brute-force linear search.
fn knn_rows(runs: usize) -> Result<Vec<ParityRow>, String> {
    let (train, test) = split(&table(BuiltinDataset::Digits), true)?;
    let (x, xt, y) = (matrix(&train)?, matrix(&test)?, train.labels());
    let knn = config(ModelKind::Knn, &[("n_neighbors", ParamValue::Int(5))]);
    let (ours_side, _) = measure(runs, || ours(&knn, &train, &test), |p: &Prediction| accuracy_of(p, &test));
    let note = "predict_proba exists (neighbors/knn_classifier.rs:343), which is all our boundary view \
                needs; smartcore's default k is 3 (knn_classifier.rs:151), set to 5 here";
    let mut rows = Vec::new();
    for (family, algorithm, search) in [
        ("knn", KNNAlgorithmName::CoverTree, "the default cover tree (algorithm/neighbour/mod.rs:59-60)"),
        ("knn_linear_search", KNNAlgorithmName::LinearSearch, "linear search"),
    ] {
        let (theirs, _) = measure(
            runs,
            || {
                let params = KNNClassifierParameters::default().with_k(5).with_algorithm(algorithm.clone());
                let model: KNNClassifier<f64, u32, DenseMatrix<f64>, Vec<u32>, Euclidian<f64>> =
                    KNNClassifier::fit(&x, &y, params).map_err(text)?;
                model.predict(&xt).map_err(text)
            },
            |p: &Vec<u32>| metrics::accuracy(p, &test.labels()),
        );
        let notes = format!("smartcore searches with {search}; {note}");
        rows.push(row(family, "digits", "accuracy", ours_side.clone(), theirs, &notes));
    }
    Ok(rows)
}

/// A fully grown tree and a forest of 100 trees on the digits' raw pixels (trees ignore scale).
fn tree_rows(runs: usize) -> Result<Vec<ParityRow>, String> {
    let (train, test) = split(&table(BuiltinDataset::Digits), false)?;
    let (x, xt, y) = (matrix(&train)?, matrix(&test)?, train.labels());
    let tree = config(ModelKind::DecisionTree, &[]);
    let (ours_tree, _) = measure(runs, || ours(&tree, &train, &test), |p: &Prediction| accuracy_of(p, &test));
    let (their_tree, _) = measure(
        runs,
        || {
            let params = DecisionTreeClassifierParameters { seed: Some(0), ..Default::default() };
            let model: DecisionTreeClassifier<f64, u32, DenseMatrix<f64>, Vec<u32>> =
                DecisionTreeClassifier::fit(&x, &y, params).map_err(text)?;
            model.predict(&xt).map_err(text)
        },
        |p: &Vec<u32>| metrics::accuracy(p, &test.labels()),
    );
    let tree_note = "the nodes and the Node type are private (tree/decision_tree_classifier.rs:117, 165), \
                     so no tree viewer and no decision path; predict_proba gives 1 to the leaf's majority \
                     class instead of its class shares (decision_tree_classifier.rs:959); \
                     compute_feature_importances is public (decision_tree_classifier.rs:880)";

    let forest = config(ModelKind::RandomForest, &[("n_estimators", ParamValue::Int(100))]);
    let (ours_forest, _) =
        measure(runs, || ours(&forest, &train, &test), |p: &Prediction| accuracy_of(p, &test));
    let (their_forest, _) = measure(
        runs,
        || {
            let params = RandomForestClassifierParameters::default().with_n_trees(100).with_seed(0);
            let model: RandomForestClassifier<f64, u32, DenseMatrix<f64>, Vec<u32>> =
                RandomForestClassifier::fit(&x, &y, params).map_err(text)?;
            model.predict(&xt).map_err(text)
        },
        |p: &Vec<u32>| metrics::accuracy(p, &test.labels()),
    );
    let forest_note = "no predict_proba: a hard majority vote (ensemble/random_forest_classifier.rs:540), \
                       so no soft-vote confidence; the trees are private (random_forest_classifier.rs:108) \
                       and the classifier has no feature importances; ours grows its trees on every core, \
                       smartcore one after another";
    Ok(vec![
        row("decision_tree", "digits", "accuracy", ours_tree, their_tree, tree_note),
        row("random_forest", "digits", "accuracy", ours_forest, their_forest, forest_note),
    ])
}

/// k-means on 3,000 blobs (k = 3) and on the digits (k = 10), standardized; one start each.
fn kmeans_rows(runs: usize) -> Result<Vec<ParityRow>, String> {
    let note = "the centroids and the distortion are private (cluster/kmeans.rs:77-78) and no centres \
                are kept per iteration (the loop at kmeans.rs:297), so no centres-by-iteration view and \
                no inertia; one k-means++ start drawing one candidate per centre (kmeans.rs:356-387), \
                no n_init; it stops when the distortion stops falling (kmeans.rs:307), not at \
                scikit-learn's tolerance";
    let mut rows = Vec::new();
    let blobs = builtin(BuiltinDataset::Blobs, 3000, 0.2, 3);
    for (set, data, k) in
        [(BuiltinDataset::Blobs, blobs, 3usize), (BuiltinDataset::Digits, table(BuiltinDataset::Digits), 10)]
    {
        let all = all_rows(&data);
        let x = matrix(&all)?;
        let kmeans = config(
            ModelKind::KMeans,
            &[
                ("n_clusters", ParamValue::Int(k as i64)),
                ("max_iter", ParamValue::Int(300)),
                ("n_init", ParamValue::Int(1)),
            ],
        );
        let (ours_side, _) = measure(
            runs,
            || ours(&kmeans, &all, &all),
            |p: &Prediction| p.classes().map_or(f64::NAN, |c| ari_of(&c, &all)),
        );
        let (theirs, _) = measure(
            runs,
            || {
                let params = KMeansParameters {
                    seed: Some(0),
                    ..KMeansParameters::default().with_k(k).with_max_iter(300)
                };
                let model: KMeans<f64, u32, DenseMatrix<f64>, Vec<u32>> =
                    KMeans::fit(&x, params).map_err(text)?;
                model.predict(&x).map_err(text)
            },
            |c: &Vec<u32>| ari_of(c, &all),
        );
        rows.push(row("kmeans", set.name(), "ari", ours_side, theirs, note));
    }
    Ok(rows)
}

/// DBSCAN on 1,000 standardized moons (noise 0.05), the same eps and min_samples for both.
fn dbscan_rows(runs: usize) -> Result<Vec<ParityRow>, String> {
    let data = builtin(BuiltinDataset::Moons, 1000, 0.05, 2);
    let all = all_rows(&data);
    let x = matrix(&all)?;
    let dbscan = config(
        ModelKind::Dbscan,
        &[
            ("eps", ParamValue::Float(DBSCAN_EPS)),
            ("min_samples", ParamValue::Int(DBSCAN_MIN_SAMPLES as i64)),
        ],
    );
    let (ours_side, _) = measure(
        runs,
        || ours(&dbscan, &all, &all),
        |p: &Prediction| p.classes().map_or(f64::NAN, |c| ari_of(&c, &all)),
    );
    let (theirs, _) = measure(
        runs,
        || {
            let params =
                DBSCANParameters::default().with_eps(DBSCAN_EPS).with_min_samples(DBSCAN_MIN_SAMPLES);
            let model: DBSCAN<f64, u32, DenseMatrix<f64>, Vec<u32>, Euclidian<f64>> =
                DBSCAN::fit(&x, params).map_err(text)?;
            model.predict(&x).map_err(text)
        },
        |c: &Vec<u32>| ari_of(c, &all),
    );
    let note = format!(
        "the fitted labels are private (cluster/dbscan.rs:63) and core points are not recorded, so no \
         clusters / cores / noise view; predict (dbscan.rs:366) relabels each row by a majority vote of its \
         eps-neighbours' labels (noise as 0), and that is what is scored; eps {DBSCAN_EPS}, min_samples \
         {DBSCAN_MIN_SAMPLES} for both"
    );
    Ok(vec![row("dbscan", "moons", "ari", ours_side, theirs, &note)])
}

/// |cosine| of each of our two components with the matching one of `theirs`.
fn component_agreement(ours: &Projection2d, theirs: &[Vec<f64>; 2]) -> [f64; 2] {
    let mut out = [f64::NAN; 2];
    for (c, (a, b)) in ours.components.iter().zip(theirs).enumerate() {
        let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        let norms = a.iter().map(|x| x * x).sum::<f64>().sqrt() * b.iter().map(|x| x * x).sum::<f64>().sqrt();
        out[c] = (dot / norms).abs();
    }
    out
}

/// The smaller of the two, NaN if either is (`f64::min` would hide it).
fn smaller([a, b]: [f64; 2]) -> f64 {
    if a.is_nan() || b.is_nan() { f64::NAN } else { a.min(b) }
}

/// PCA to two components on the standardized digits. Our 2-D projection is the reference.
fn pca_rows(runs: usize) -> Result<Vec<ParityRow>, String> {
    let all = all_rows(&table(BuiltinDataset::Digits));
    let x = matrix(&all)?;
    let d = all.n_features;
    let reference = Projection2d::fit(&all.features, d).map_err(text)?;
    let (ours_side, _) = measure(
        runs,
        || {
            let projection = Projection2d::fit(&all.features, d).map_err(text)?;
            projection.project(&all.features);
            Ok(projection)
        },
        |p: &Projection2d| smaller(component_agreement(&reference, &p.components)),
    );
    let (theirs, fitted) = measure(
        runs,
        || {
            let model: PCA<f64, DenseMatrix<f64>> =
                PCA::fit(&x, PCAParameters::default().with_n_components(2)).map_err(text)?;
            model.transform(&x).map_err(text)?;
            // components() is features × components; a column per component.
            let components = model.components();
            if components.shape() != (d, 2) {
                return Err(format!("components() has shape {:?}, not ({d}, 2)", components.shape()));
            }
            Ok([0, 1].map(|c| (0..d).map(|i| *components.get((i, c))).collect::<Vec<f64>>()))
        },
        |components: &[Vec<f64>; 2]| smaller(component_agreement(&reference, components)),
    );
    let cosines = fitted.map_or_else(
        || "no components to compare".to_string(),
        |c| {
            let [first, second] = component_agreement(&reference, &c);
            format!(
                "|cos| per component {first:.4}, {second:.4}; the score is the smaller, ours is the reference"
            )
        },
    );
    let note = format!(
        "{cosines}; the eigenvalues are private (decomposition/pca.rs:66), so no explained-variance share; \
         components() is public (pca.rs:362)"
    );
    Ok(vec![row("pca", "digits", "abs_cosine", ours_side, theirs, &note)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_handles_odd_even_and_empty() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(Vec::new()).is_nan());
    }

    #[test]
    fn a_panicking_fit_becomes_an_error_and_a_nan_score() {
        let (side, output) = measure(3, || -> Result<u32, String> { panic!("boom") }, |_| 1.0);
        assert!(side.score.is_nan() && output.is_none());
        assert!(side.error.as_deref().is_some_and(|e| e.contains("boom")), "{side:?}");
        let (side, output) = measure(3, || Ok(7u32), |v: &u32| f64::from(*v));
        assert_eq!((side.score, output), (7.0, Some(7)));
        assert!(side.seconds >= 0.0 && side.error.is_none());
    }
}
