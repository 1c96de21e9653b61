//! Training: a synchronous `TrainingSession` (one epoch at a time) and the `TrainingWorker` that
//! runs it on a background thread for the studio, the CLI and the tests alike.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::data::features::EngineeredFeature;
use crate::data::{Dataset, Split, Standardizer, Task};
use crate::metrics::{self, Evaluation};
use crate::models::insight::ModelInsight;
use crate::models::{Learner, ModelConfig, ModelError, Prediction, PreparedData};

/// Everything a training run needs. The data is shared, never copied per frame.
#[derive(Clone)]
pub struct TrainJob {
    pub dataset: Arc<Dataset>,
    pub split: Split,
    pub model: ModelConfig,
    /// Standardize features (fitted on the training rows only).
    pub scale: bool,
    /// Stop after this many epochs; `None` trains until paused.
    pub max_epochs: Option<usize>,
    /// Where to evaluate the decision grid; `None` skips it (the CLI).
    pub grid: Option<GridSpec>,
}

/// One row of the training history.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct EpochRecord {
    pub epoch: usize,
    pub train_loss: f64,
    pub test_loss: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub train_accuracy: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_accuracy: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_r2: Option<f64>,
}

/// A grid over two features, in the data's own units; the other features sit at their mean,
/// except engineered ones, which are computed from the cell's x and y.
#[derive(Clone, Debug, PartialEq)]
pub struct GridSpec {
    pub x_feature: usize,
    pub y_feature: usize,
    pub resolution: usize,
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    /// Features appended after the first two (x², sin x…), in column order from column 2.
    pub derived: Vec<EngineeredFeature>,
    /// When set, the grid spans this plane (e.g. the first two principal components) instead of
    /// two feature axes.
    pub plane: Option<GridPlane>,
}

/// A plane through feature space: cell (a, b) is the row `mean + scale ⊙ (a·u + b·v)`.
#[derive(Clone, Debug, PartialEq)]
pub struct GridPlane {
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
    pub u: Vec<f64>,
    pub v: Vec<f64>,
}

impl GridPlane {
    /// The plane coordinates of a row (its projection).
    pub fn project(&self, row: &[f64]) -> [f64; 2] {
        let mut a = 0.0;
        let mut b = 0.0;
        for (j, value) in row.iter().enumerate() {
            let z = (value - self.mean[j]) / self.scale[j];
            a += z * self.u[j];
            b += z * self.v[j];
        }
        [a, b]
    }

    /// The row at plane coordinates (a, b).
    pub fn row_at(&self, a: f64, b: f64, out: &mut [f64]) {
        for (j, slot) in out.iter_mut().enumerate() {
            *slot = self.mean[j] + self.scale[j] * (a * self.u[j] + b * self.v[j]);
        }
    }
}

/// A range widened by a tenth on each side (at least 0.1), so no point sits on the plot's edge.
fn pad_range((lo, hi): (f64, f64)) -> (f64, f64) {
    let margin = ((hi - lo) * 0.1).max(0.1);
    (lo - margin, hi + margin)
}

impl GridSpec {
    /// Covers the data with a margin, on the first two features.
    pub fn around(data: &Dataset, resolution: usize) -> Option<Self> {
        if data.n_features() < 2 {
            return None;
        }
        let bounds = data.feature_bounds();
        Some(Self {
            x_feature: 0,
            y_feature: 1,
            resolution,
            x_range: pad_range(bounds[0]),
            y_range: pad_range(bounds[1]),
            derived: Vec::new(),
            plane: None,
        })
    }

    /// One-feature data: a single row of `resolution` cells along the feature (the fitted curve);
    /// `y_range` spans the target, for the plot only.
    pub fn along_one_feature(data: &Dataset, resolution: usize) -> Option<Self> {
        if data.n_features() != 1 || data.rows() == 0 {
            return None;
        }
        let targets = (0..data.rows()).map(|i| data.target_value(i));
        let y = targets.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        Some(Self {
            x_feature: 0,
            y_feature: 0,
            resolution,
            x_range: pad_range(data.feature_bounds()[0]),
            y_range: pad_range(y),
            derived: Vec::new(),
            plane: None,
        })
    }

    /// True for the single row of cells of one-feature data (see `along_one_feature`).
    pub fn is_one_feature(&self) -> bool {
        self.plane.is_none() && self.x_feature == self.y_feature
    }

    /// Covers the given plot coordinates with a margin (the view's axes or plane).
    pub fn covering(
        points: &[[f64; 2]],
        x_feature: usize,
        y_feature: usize,
        resolution: usize,
    ) -> Option<Self> {
        if points.is_empty() {
            return None;
        }
        let (mut x_range, mut y_range) =
            ((f64::INFINITY, f64::NEG_INFINITY), (f64::INFINITY, f64::NEG_INFINITY));
        for [x, y] in points {
            x_range = (x_range.0.min(*x), x_range.1.max(*x));
            y_range = (y_range.0.min(*y), y_range.1.max(*y));
        }
        let pad = |(lo, hi): (f64, f64)| {
            let margin = ((hi - lo) * 0.1).max(0.1);
            (lo - margin, hi + margin)
        };
        Some(Self {
            x_feature,
            y_feature,
            resolution,
            x_range: pad(x_range),
            y_range: pad(y_range),
            derived: Vec::new(),
            plane: None,
        })
    }

    /// Centre of cell (column, row); row 0 is the bottom.
    pub fn cell_center(&self, column: usize, row: usize) -> (f64, f64) {
        let step_x = (self.x_range.1 - self.x_range.0) / self.resolution as f64;
        let step_y = (self.y_range.1 - self.y_range.0) / self.resolution as f64;
        (self.x_range.0 + (column as f64 + 0.5) * step_x, self.y_range.0 + (row as f64 + 0.5) * step_y)
    }
}

/// The model's answer over a grid: what the decision-boundary view draws.
#[derive(Clone, Debug, PartialEq)]
pub struct DecisionGrid {
    pub spec: GridSpec,
    /// Cells row by row, bottom row first (a single row for one-feature data).
    pub values: GridValues,
    /// Increases with every snapshot a run sends.
    pub revision: u64,
    /// The classes the model gave the training and test rows at this snapshot (classification,
    /// after at least one epoch): what the boundary view marks as misclassified.
    pub rows: Option<Arc<RowPredictions>>,
}

/// Predicted class of each training and test row, in the split's order.
#[derive(Clone, Debug, PartialEq)]
pub struct RowPredictions {
    pub train: Vec<u32>,
    pub test: Vec<u32>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum GridValues {
    /// Most likely class per cell and its probability.
    Classes {
        classes: usize,
        class: Vec<u16>,
        confidence: Vec<f32>,
    },
    Values(Vec<f32>),
}

/// A model plus its prepared data, trained one epoch at a time.
pub struct TrainingSession {
    learner: Box<dyn Learner>,
    train: PreparedData,
    test: PreparedData,
    scaler: Standardizer,
    feature_means: Vec<f64>,
    epoch: usize,
    learning_rate: f64,
    max_epochs: Option<usize>,
    train_seconds: f64,
    grid_revision: u64,
    /// The last epoch's predictions on the training and test rows, kept for the views.
    last_predictions: Option<(Prediction, Prediction)>,
}

/// Standardizes the rows of `data` picked by `rows`, ready for a model.
pub fn prepare(data: &Dataset, rows: &[usize], scaler: &Standardizer) -> PreparedData {
    let mut features = Vec::with_capacity(rows.len() * data.n_features());
    for &i in rows {
        scaler.transform_row(data.row(i), &mut features);
    }
    PreparedData {
        features,
        n_features: data.n_features(),
        targets: rows.iter().map(|&i| data.target_value(i)).collect(),
        task: data.task(),
        classes: data.class_count(),
    }
}

impl TrainingSession {
    pub fn new(job: &TrainJob) -> Result<Self, ModelError> {
        let data = &job.dataset;
        let learner =
            job.model.build_for(data.input_shape, data.n_features(), data.task(), data.class_count())?;
        Self::with_learner(job, learner, None)
    }

    /// A session around a model that already exists (a saved network loaded to continue or to
    /// evaluate); `scaler` is the standardization it was trained behind, fitted anew when `None`.
    pub fn with_learner(
        job: &TrainJob,
        learner: Box<dyn Learner>,
        scaler: Option<Standardizer>,
    ) -> Result<Self, ModelError> {
        let data = &job.dataset;
        if data.n_features() == 0 {
            return Err(ModelError::Unsuitable("the data has no feature columns to learn from".into()));
        }
        if job.split.train.is_empty() || job.split.test.is_empty() {
            return Err(ModelError::Unsuitable("both the training and the test set need rows".into()));
        }
        let train_rows = data.subset(&job.split.train);
        let scaler = match scaler {
            Some(scaler) if scaler.mean.len() == data.n_features() => scaler,
            Some(_) => {
                return Err(ModelError::Unsuitable(format!(
                    "the saved model was trained on a different number of features than this data's {}",
                    data.n_features()
                )));
            }
            None if job.scale => Standardizer::fit(&train_rows),
            None => Standardizer::identity(data.n_features()),
        };
        let feature_means = Standardizer::fit(&train_rows).mean;
        let train = prepare(data, &job.split.train, &scaler);
        let test = prepare(data, &job.split.test, &scaler);
        Ok(Self {
            learner,
            train,
            test,
            scaler,
            feature_means,
            epoch: 0,
            learning_rate: job.model.learning_rate,
            max_epochs: job.max_epochs,
            train_seconds: 0.0,
            grid_revision: 0,
            last_predictions: None,
        })
    }

    pub fn parameter_count(&self) -> usize {
        self.learner.parameter_count()
    }

    /// The model as trained so far (for saving, or a view's downcast to its own type).
    pub fn learner(&self) -> &dyn Learner {
        self.learner.as_ref()
    }

    /// The standardization fitted on the training rows; saved models need it to predict.
    pub fn scaler(&self) -> &Standardizer {
        &self.scaler
    }

    /// The standardized training rows (the network views sample them).
    pub fn train_data(&self) -> &PreparedData {
        &self.train
    }

    /// Each feature's mean over the training rows, in the data's units (what the boundary
    /// holds the unseen features at).
    pub fn feature_means(&self) -> &[f64] {
        &self.feature_means
    }

    pub fn epoch(&self) -> usize {
        self.epoch
    }

    pub fn train_rows(&self) -> usize {
        self.train.rows()
    }

    pub fn test_rows(&self) -> usize {
        self.test.rows()
    }

    pub fn task(&self) -> Task {
        self.train.task
    }

    /// Seconds spent fitting, evaluation excluded.
    pub fn train_seconds(&self) -> f64 {
        self.train_seconds
    }

    /// True once more epochs would change nothing (one-shot fit done, or the epoch budget spent).
    pub fn is_finished(&self) -> bool {
        (self.epoch > 0 && !self.learner.is_iterative())
            || self.max_epochs.is_some_and(|max| self.epoch >= max)
    }

    pub fn set_learning_rate(&mut self, lr: f64) {
        self.learning_rate = lr;
        self.learner.set_learning_rate(lr);
    }

    /// Trains one epoch without scoring it (runs that only need the end result).
    pub fn train_only(&mut self) -> Result<(), ModelError> {
        let start = Instant::now();
        self.learner.train_epoch(&self.train, self.epoch)?;
        self.train_seconds += start.elapsed().as_secs_f64();
        self.epoch += 1;
        Ok(())
    }

    /// Trains one epoch and scores the model on both sets.
    pub fn step(&mut self) -> Result<EpochRecord, ModelError> {
        let start = Instant::now();
        self.learner.train_epoch(&self.train, self.epoch)?;
        self.train_seconds += start.elapsed().as_secs_f64();
        self.epoch += 1;
        let train_prediction = self.learner.predict(&self.train.features, self.train.n_features)?;
        let test_prediction = self.learner.predict(&self.test.features, self.test.n_features)?;
        let train_eval = metrics::evaluate(&train_prediction, &self.train.targets);
        let test_eval = metrics::evaluate(&test_prediction, &self.test.targets);
        self.last_predictions = Some((train_prediction, test_prediction));
        if !train_eval.loss.is_finite() {
            return Err(ModelError::Diverged {
                epoch: self.epoch,
                loss: train_eval.loss,
                lr: self.learning_rate,
            });
        }
        Ok(self.record(&train_eval, &test_eval))
    }

    /// Scores the model as it is, without training (a saved network just opened).
    pub fn evaluation_record(&self) -> Result<EpochRecord, ModelError> {
        let train_eval = self.evaluate(&self.train)?;
        let test_eval = self.evaluate(&self.test)?;
        Ok(self.record(&train_eval, &test_eval))
    }

    fn record(&self, train: &Evaluation, test: &Evaluation) -> EpochRecord {
        EpochRecord {
            epoch: self.epoch,
            train_loss: train.loss,
            test_loss: test.loss,
            train_accuracy: train.accuracy,
            test_accuracy: test.accuracy,
            test_r2: test.r2,
        }
    }

    fn evaluate(&self, data: &PreparedData) -> Result<Evaluation, ModelError> {
        let prediction = self.learner.predict(&data.features, data.n_features)?;
        Ok(metrics::evaluate(&prediction, &data.targets))
    }

    /// Test-set scores of the model as it is now.
    pub fn test_evaluation(&self) -> Result<Evaluation, ModelError> {
        self.evaluate(&self.test)
    }

    /// Confusion matrix and per-class scores on the test set; `None` for regression.
    pub fn test_scores(&self) -> Result<Option<TestScores>, ModelError> {
        let prediction = self.learner.predict(&self.test.features, self.test.n_features)?;
        let Some(predicted) = prediction.classes() else { return Ok(None) };
        let classes = match &prediction {
            Prediction::Probabilities { classes, .. } => *classes,
            Prediction::Values(_) => return Ok(None),
        };
        let confusion = metrics::confusion_matrix(&predicted, &self.test.labels(), classes);
        let per_class = metrics::per_class_scores(&confusion);
        Ok(Some(TestScores { confusion, per_class }))
    }

    /// Evaluates the model over `spec`, holding the other features at their training mean.
    pub fn decision_grid(&mut self, spec: &GridSpec) -> Result<DecisionGrid, ModelError> {
        let d = self.train.n_features;
        let n = spec.resolution;
        let mut raw = self.feature_means.clone();
        let mut features = Vec::with_capacity(n * n * d);
        let rows = if d == 1 && spec.is_one_feature() { 1 } else { n };
        for row in 0..rows {
            for column in 0..n {
                let (x, y) = spec.cell_center(column, row);
                if let Some(plane) = &spec.plane {
                    plane.row_at(x, y, &mut raw);
                    self.scaler.transform_row(&raw, &mut features);
                    continue;
                }
                raw[spec.x_feature] = x;
                if rows > 1 {
                    raw[spec.y_feature] = y;
                }
                for (offset, feature) in spec.derived.iter().enumerate() {
                    if let Some(slot) = raw.get_mut(2 + offset) {
                        *slot = feature.value(x, y);
                    }
                }
                self.scaler.transform_row(&raw, &mut features);
            }
        }
        let values = match self.learner.predict(&features, d)? {
            prediction @ Prediction::Probabilities { .. } => {
                let class: Vec<u16> =
                    prediction.classes().unwrap_or_default().into_iter().map(|c| c as u16).collect();
                let Prediction::Probabilities { classes, probs } = prediction else { unreachable!() };
                let confidence =
                    probs.chunks_exact(classes).zip(&class).map(|(p, &c)| p[c as usize]).collect();
                GridValues::Classes { classes, class, confidence }
            }
            Prediction::Values(v) => GridValues::Values(v.into_iter().map(|v| v as f32).collect()),
        };
        self.grid_revision += 1;
        let rows = match &self.last_predictions {
            Some((train, test)) => match (train.classes(), test.classes()) {
                (Some(train), Some(test)) => Some(Arc::new(RowPredictions { train, test })),
                _ => None,
            },
            None => None,
        };
        Ok(DecisionGrid { spec: spec.clone(), values, revision: self.grid_revision, rows })
    }
}

/// Test-set scores for the metrics panel.
#[derive(Clone, Debug, PartialEq)]
pub struct TestScores {
    /// `confusion[true][predicted]`.
    pub confusion: Vec<Vec<usize>>,
    pub per_class: Vec<metrics::ClassScores>,
}

/// What the studio (or CLI) asks of a running worker.
#[derive(Clone, Debug, PartialEq)]
pub enum WorkerCommand {
    Play,
    Pause,
    /// One epoch, then pause.
    Step,
    SetLearningRate(f64),
    /// Save the network as trained so far (`PATH.safetensors` + `PATH.json`); answered by `Saved`.
    SaveNetwork(std::path::PathBuf),
    /// "Why this prediction?" for a network's row or plot point; answered by `Explained`.
    Explain(crate::network::live::ExplainTarget),
    Stop,
}

/// What a worker reports back. The UI drains these each frame.
#[derive(Clone, Debug)]
pub enum TrainEvent {
    Ready {
        parameters: usize,
        train_rows: usize,
        test_rows: usize,
        task: Task,
        scaler: Standardizer,
    },
    /// Test-set confusion matrix and per-class scores (classification, studio runs only).
    Scores(Arc<TestScores>),
    /// What the model learned so far (classical models, studio runs only).
    Insight(Arc<ModelInsight>),
    Epoch(EpochRecord),
    Grid(Arc<DecisionGrid>),
    Running(bool),
    Finished {
        epochs: usize,
        train_seconds: f64,
        parameters: usize,
    },
    Failed(ModelError),
    /// The answer to `SaveNetwork`: the weights file written, or why it could not be.
    Saved(Result<std::path::PathBuf, String>),
    /// Inside the network: diagram, unit maps, histograms, diagnostics (studio runs only, at
    /// most every `NETWORK_INTERVAL` while training).
    Network(Arc<crate::network::snapshot::NetworkInsight>),
    /// The answer to `Explain`.
    Explained(crate::network::live::ExplainTarget, Result<Arc<crate::network::explain::Explanation>, String>),
}

/// Called after each event so a sleeping UI wakes up (`request_repaint` in the studio).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// A training run on its own thread.
pub struct TrainingWorker {
    commands: Sender<WorkerCommand>,
    events: Receiver<TrainEvent>,
    thread: Option<JoinHandle<()>>,
}

/// How often a running worker refreshes the decision grid (≥ 10 per second).
const GRID_INTERVAL: Duration = Duration::from_millis(66);
/// How often a running worker refreshes the network snapshot (it costs a few grid passes).
const NETWORK_INTERVAL: Duration = Duration::from_millis(250);

impl TrainingWorker {
    pub fn spawn(job: TrainJob, waker: Waker) -> Self {
        Self::spawn_inner(job, None, waker)
    }

    /// A worker that starts from a saved network (`PATH.safetensors` + `PATH.json`) instead of
    /// fresh weights; a file that cannot be loaded or does not fit the data arrives as `Failed`.
    pub fn spawn_from_saved(job: TrainJob, saved: std::path::PathBuf, waker: Waker) -> Self {
        Self::spawn_inner(job, Some(saved), waker)
    }

    fn spawn_inner(job: TrainJob, saved: Option<std::path::PathBuf>, waker: Waker) -> Self {
        let (command_tx, command_rx) = mpsc::channel();
        let (event_tx, event_rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("training-worker".into())
            .spawn(move || run_worker(job, saved, command_rx, event_tx, waker))
            .expect("spawning a thread only fails when the OS is out of resources");
        Self { commands: command_tx, events: event_rx, thread: Some(thread) }
    }

    pub fn send(&self, command: WorkerCommand) {
        // A worker that has already stopped has nothing left to do with a command.
        let _ = self.commands.send(command);
    }

    /// Events that have arrived, without waiting.
    pub fn drain(&self) -> Vec<TrainEvent> {
        self.events.try_iter().collect()
    }

    /// Blocks until the next event; `None` once the worker is gone.
    pub fn recv(&self) -> Option<TrainEvent> {
        self.events.recv().ok()
    }

    /// Blocks until the next event or the timeout.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<TrainEvent> {
        self.events.recv_timeout(timeout).ok()
    }
}

impl Drop for TrainingWorker {
    fn drop(&mut self) {
        let _ = self.commands.send(WorkerCommand::Stop);
        // Detach rather than join: an epoch in progress must never freeze the UI thread.
        drop(self.thread.take());
    }
}

/// A session around a saved network, behind the standardization it was trained with.
fn session_from_saved(job: &TrainJob, path: &std::path::Path) -> Result<TrainingSession, ModelError> {
    let (net, saved) = crate::network::save::load(path).map_err(|e| ModelError::Unsuitable(e.to_string()))?;
    let scaler = saved.scaler.or_else(|| Some(Standardizer::identity(job.dataset.n_features())));
    TrainingSession::with_learner(job, Box::new(net), scaler)
}

fn save_network(session: &TrainingSession, path: &std::path::Path) -> Result<std::path::PathBuf, String> {
    let net = session
        .learner()
        .as_any()
        .downcast_ref::<crate::network::NetworkLearner>()
        .ok_or("only networks have weights to save; classical models refit from their settings")?;
    crate::network::save::save(net, path, Some(session.scaler()))
        .map(|(weights, _)| weights)
        .map_err(|e| e.to_string())
}

fn run_worker(
    job: TrainJob,
    saved: Option<std::path::PathBuf>,
    commands: Receiver<WorkerCommand>,
    events: Sender<TrainEvent>,
    waker: Waker,
) {
    let emit = |event: TrainEvent| {
        let delivered = events.send(event).is_ok();
        waker();
        delivered
    };
    let started = match &saved {
        Some(path) => session_from_saved(&job, path),
        None => TrainingSession::new(&job),
    };
    let mut session = match started {
        Ok(session) => session,
        Err(e) => {
            emit(TrainEvent::Failed(e));
            return;
        }
    };
    emit(TrainEvent::Ready {
        parameters: session.parameter_count(),
        train_rows: session.train_rows(),
        test_rows: session.test_rows(),
        task: session.task(),
        scaler: session.scaler().clone(),
    });
    if saved.is_some() {
        // A saved network shows its scores at once, before any further training.
        match session.evaluation_record() {
            Ok(record) => {
                emit(TrainEvent::Epoch(record));
            }
            Err(e) => {
                emit(TrainEvent::Failed(e));
                return;
            }
        }
    }
    // The views' snapshot: boundary, test scores and insight. CLI runs (no grid) skip all three.
    // The network snapshot costs more than the grid: refreshed at most every NETWORK_INTERVAL.
    let last_network = std::cell::Cell::new(None::<Instant>);
    // ...and never more than a tenth of the worker's time, however large the network.
    let network_cost = std::cell::Cell::new(Duration::ZERO);
    let send_grid = |session: &mut TrainingSession| -> bool {
        let Some(spec) = job.grid.as_ref() else { return true };
        let grid = match session.decision_grid(spec) {
            Ok(grid) => grid,
            Err(e) => return emit(TrainEvent::Failed(e)),
        };
        if !emit(TrainEvent::Grid(Arc::new(grid))) {
            return false;
        }
        if session.epoch() > 0 {
            if let Ok(Some(scores)) = session.test_scores() {
                emit(TrainEvent::Scores(Arc::new(scores)));
            }
            if let Some(insight) = session.learner().insight() {
                emit(TrainEvent::Insight(Arc::new(insight)));
            }
        }
        let due = NETWORK_INTERVAL.max(network_cost.get() * 10);
        let started = Instant::now();
        if last_network.get().is_none_or(|t| t.elapsed() >= due)
            && let Some(Ok(insight)) = crate::network::live::session_snapshot(session, Some(spec))
        {
            last_network.set(Some(Instant::now()));
            network_cost.set(started.elapsed());
            emit(TrainEvent::Network(Arc::new(insight)));
        }
        true
    };
    // An untrained model's boundary is still worth showing, except one-shot fits have none yet.
    if session.learner.is_iterative() {
        send_grid(&mut session);
    }

    let mut running = false;
    let mut failed = false;
    let mut last_grid = Instant::now();
    loop {
        let mut pending = Vec::new();
        if running {
            loop {
                match commands.try_recv() {
                    Ok(c) => pending.push(c),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => return,
                }
            }
        } else {
            match commands.recv() {
                Ok(c) => pending.push(c),
                Err(_) => return,
            }
        }
        let mut step_once = false;
        for command in pending {
            match command {
                WorkerCommand::Play if !failed && !session.is_finished() => {
                    running = true;
                    emit(TrainEvent::Running(true));
                }
                WorkerCommand::Play => {
                    emit(TrainEvent::Running(false));
                }
                WorkerCommand::Pause => {
                    if running {
                        running = false;
                        last_network.set(None);
                        send_grid(&mut session);
                    }
                    emit(TrainEvent::Running(false));
                }
                WorkerCommand::Step => step_once = !failed && !session.is_finished(),
                WorkerCommand::SetLearningRate(lr) => session.set_learning_rate(lr),
                WorkerCommand::SaveNetwork(path) => {
                    emit(TrainEvent::Saved(save_network(&session, &path)));
                }
                WorkerCommand::Explain(target) => {
                    let grid = job.grid.as_ref();
                    if let Some(result) =
                        crate::network::live::session_explain(&session, &job.dataset, grid, target)
                    {
                        emit(TrainEvent::Explained(target, result.map(Arc::new).map_err(|e| e.to_string())));
                    }
                }
                WorkerCommand::Stop => return,
            }
        }
        if !(running || step_once) {
            continue;
        }
        match session.step() {
            Ok(record) => {
                if !emit(TrainEvent::Epoch(record)) {
                    return;
                }
            }
            Err(e) => {
                failed = true;
                running = false;
                emit(TrainEvent::Failed(e));
                emit(TrainEvent::Running(false));
                continue;
            }
        }
        let finished = session.is_finished();
        if step_once || finished || last_grid.elapsed() >= GRID_INTERVAL {
            if step_once || finished {
                last_network.set(None);
            }
            send_grid(&mut session);
            last_grid = Instant::now();
        }
        if finished {
            running = false;
            emit(TrainEvent::Finished {
                epochs: session.epoch(),
                train_seconds: session.train_seconds(),
                parameters: session.parameter_count(),
            });
            emit(TrainEvent::Running(false));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{BuiltinDataset, GeneratorSettings, stratified_split};
    use crate::models::ModelKind;

    fn job(kind: ModelKind, max_epochs: Option<usize>) -> TrainJob {
        let data = BuiltinDataset::Moons.generate(&GeneratorSettings { samples: 200, ..Default::default() });
        let split = stratified_split(&data, 0.2, 0).unwrap();
        let grid = GridSpec::around(&data, 16);
        TrainJob {
            dataset: Arc::new(data),
            split,
            model: ModelConfig { kind, ..Default::default() },
            scale: true,
            max_epochs,
            grid,
        }
    }

    #[test]
    fn session_trains_and_the_loss_falls() {
        let mut session = TrainingSession::new(&job(ModelKind::Mlp, Some(40))).unwrap();
        let first = session.step().unwrap();
        let mut last = first;
        while !session.is_finished() {
            last = session.step().unwrap();
        }
        assert_eq!(last.epoch, 40);
        assert!(last.train_loss < first.train_loss * 0.8, "{first:?} -> {last:?}");
        assert!(last.test_accuracy.unwrap() > 0.8);
    }

    #[test]
    fn grid_has_one_cell_per_point_and_valid_confidence() {
        let j = job(ModelKind::LogisticRegression, None);
        let mut session = TrainingSession::new(&j).unwrap();
        session.step().unwrap();
        assert!(session.is_finished());
        let grid = session.decision_grid(&j.grid.unwrap()).unwrap();
        let GridValues::Classes { classes, class, confidence } = grid.values else { panic!() };
        assert_eq!((classes, class.len()), (2, 256));
        assert!(confidence.iter().all(|&c| (0.5..=1.0).contains(&c)));
        assert!(class.contains(&0) && class.contains(&1));
    }

    #[test]
    fn one_feature_grid_is_a_curve_and_grids_carry_row_predictions() {
        let data = BuiltinDataset::Sine.generate(&GeneratorSettings { samples: 100, ..Default::default() });
        let spec = GridSpec::along_one_feature(&data, 32).unwrap();
        let j = TrainJob {
            split: stratified_split(&data, 0.2, 0).unwrap(),
            dataset: Arc::new(data),
            model: ModelConfig { kind: ModelKind::DecisionTree, ..Default::default() },
            scale: true,
            max_epochs: None,
            grid: Some(spec.clone()),
        };
        let mut session = TrainingSession::new(&j).unwrap();
        session.step().unwrap();
        let grid = session.decision_grid(&spec).unwrap();
        let GridValues::Values(values) = &grid.values else { panic!("regression gives values") };
        assert_eq!(values.len(), 32, "one row of cells");
        assert!(values.iter().any(|&v| v > 0.5) && values.iter().any(|&v| v < -0.5), "the sine's shape");
        assert!(grid.rows.is_none(), "regression has no classes to mark");

        let j = job(ModelKind::DecisionTree, None);
        let mut session = TrainingSession::new(&j).unwrap();
        session.step().unwrap();
        let rows = session.decision_grid(j.grid.as_ref().unwrap()).unwrap().rows.unwrap();
        assert_eq!((rows.train.len(), rows.test.len()), (j.split.train.len(), j.split.test.len()));
    }

    #[test]
    fn worker_plays_pauses_steps_and_finishes() {
        let worker = TrainingWorker::spawn(job(ModelKind::Mlp, Some(30)), Arc::new(|| {}));
        worker.send(WorkerCommand::Step);
        let mut epochs = Vec::new();
        let mut grids = 0;
        let deadline = Instant::now() + Duration::from_secs(30);
        while epochs.is_empty() && Instant::now() < deadline {
            match worker.recv_timeout(Duration::from_secs(1)) {
                Some(TrainEvent::Epoch(r)) => epochs.push(r.epoch),
                Some(TrainEvent::Grid(_)) => grids += 1,
                _ => {}
            }
        }
        assert_eq!(epochs, vec![1], "a step trains exactly one epoch");
        worker.send(WorkerCommand::Play);
        let mut finished = false;
        while !finished && Instant::now() < deadline {
            match worker.recv_timeout(Duration::from_secs(1)) {
                Some(TrainEvent::Epoch(r)) => epochs.push(r.epoch),
                Some(TrainEvent::Grid(_)) => grids += 1,
                Some(TrainEvent::Finished { epochs: n, .. }) => {
                    assert_eq!(n, 30);
                    finished = true;
                }
                Some(TrainEvent::Failed(e)) => panic!("{e}"),
                _ => {}
            }
        }
        assert!(finished);
        assert_eq!(epochs, (1..=30).collect::<Vec<_>>());
        assert!(grids >= 2);
    }

    #[test]
    fn worker_reports_an_unsuitable_model_instead_of_panicking() {
        let mut j = job(ModelKind::LinearRegression, Some(1));
        j.grid = None;
        let worker = TrainingWorker::spawn(j, Arc::new(|| {}));
        match worker.recv_timeout(Duration::from_secs(10)) {
            Some(TrainEvent::Failed(e)) => assert!(e.to_string().contains("holds classes"), "{e}"),
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn divergence_is_reported_with_advice() {
        let mut j = job(ModelKind::Mlp, Some(50));
        j.model.learning_rate = 1e12;
        j.model.optimizer = crate::network::OptimizerKind::Sgd;
        j.model.activation = crate::network::Activation::Relu;
        let mut session = TrainingSession::new(&j).unwrap();
        let mut error = None;
        for _ in 0..50 {
            if let Err(e) = session.step() {
                error = Some(e);
                break;
            }
        }
        let message = error.expect("a huge learning rate must diverge").to_string();
        assert!(message.contains("smaller learning rate"), "{message}");
    }
}
