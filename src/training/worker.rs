//! The training worker: a `TrainingSession` on its own thread, driven by commands and reporting
//! events, for the studio, the CLI and the tests alike.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use web_time::Instant;

use crate::data::{Standardizer, Task};
use crate::models::ModelError;
use crate::models::insight::ModelInsight;
use crate::models::network::explain::Explanation;
use crate::models::network::representations::Representations;
use crate::models::network::snapshot::NetworkInsight;
use crate::models::network::stepper::BackpropStep;
use crate::training::grid::DecisionGrid;
use crate::training::history::EpochRecord;
use crate::training::live::{self, ExplainTarget};
use crate::training::scores::Scores;
use crate::training::session::{TrainJob, TrainingSession};

/// What the studio (or CLI) asks of a running worker.
#[derive(Clone, Debug, PartialEq)]
pub enum WorkerCommand {
    Play,
    Pause,
    /// One epoch, then pause.
    Step,
    /// One mini-batch (one gradient step) of a network, then pause; answered by `Batch`.
    StepBatch,
    SetLearningRate(f64),
    /// At most this many epochs a second while playing (so a class sees the boundary bend into
    /// place); `None` trains as fast as it goes.
    SetPace(Option<f64>),
    /// Save the network as trained so far (`PATH.safetensors` + `PATH.json`); answered by `Saved`.
    SaveNetwork(std::path::PathBuf),
    /// "Why this prediction?" for a network's row or plot point; answered by `Explained`.
    Explain(ExplainTarget),
    /// The view of each layer's representation opened (`true`) or closed: while it is open, a
    /// network's worker sends `Representations` at once and then as it trains.
    WatchRepresentations(bool),
    /// The backprop stepper shows one training step on this data row (`None`: it closed): a
    /// network's worker answers with `Backprop` at once and again whenever the network changes.
    Backprop(Option<usize>),
    /// A weight typed by hand: dense layer `layer` (1-based, as in the stepper), from its input
    /// `from` to its unit `to`; the boundary and the stepper follow.
    SetWeight {
        layer: usize,
        from: usize,
        to: usize,
        value: f64,
    },
    /// Take the stepper's step for real: one gradient step on its row alone.
    ApplyBackpropStep,
    /// The boundary plot shows this part of the plane now (after a pan or a zoom): the grid
    /// covers it from the next snapshot on, at the same resolution; a paused or finished
    /// worker sends it at once.
    ViewBounds {
        x_range: (f64, f64),
        y_range: (f64, f64),
    },
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
    Scores(Arc<Scores>),
    /// What the model learned so far (classical models, studio runs only).
    Insight(Arc<ModelInsight>),
    Epoch(EpochRecord),
    /// Step by batch: batches taken in the current epoch, of how many (`taken` is 0 once they
    /// completed an epoch, which comes as `Epoch` too).
    Batch(crate::training::session::BatchProgress),
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
    Network(Arc<NetworkInsight>),
    /// The answer to `Explain`.
    Explained(ExplainTarget, Result<Arc<Explanation>, String>),
    /// The test rows as each layer sees them (only while watched, at most every
    /// `REPRESENTATIONS_INTERVAL`), or why they could not be projected.
    Representations(Result<Arc<Representations>, String>),
    /// The backprop stepper's walk through one step on its row, or why there is none.
    Backprop(Result<Arc<BackpropStep>, String>),
}

/// Called after each event so a sleeping UI wakes up (`request_repaint` in the studio).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// A training run on its own thread; in the browser, which has no threads, it trains in short
/// slices whenever the UI drains its events.
pub struct TrainingWorker {
    commands: Sender<WorkerCommand>,
    events: Receiver<TrainEvent>,
    #[cfg(not(target_arch = "wasm32"))]
    thread: Option<std::thread::JoinHandle<()>>,
    #[cfg(target_arch = "wasm32")]
    slices: std::cell::RefCell<Option<(WorkerLoop, Receiver<WorkerCommand>)>>,
}

/// How often a running worker refreshes the decision grid (≥ 10 per second).
const GRID_INTERVAL: Duration = Duration::from_millis(66);
/// How often a running worker refreshes the network snapshot (it costs a few grid passes).
const NETWORK_INTERVAL: Duration = Duration::from_millis(250);
/// How often a watched view of the layers' representations is refreshed while training: one
/// forward pass and a PCA per layer over at most 500 test rows.
const REPRESENTATIONS_INTERVAL: Duration = Duration::from_millis(400);
/// In the browser: training time per frame, leaving the rest of a 60 Hz frame to drawing.
#[cfg(target_arch = "wasm32")]
const SLICE: Duration = Duration::from_millis(6);

impl TrainingWorker {
    pub fn spawn(job: TrainJob, waker: Waker) -> Self {
        Self::spawn_inner(job, None, waker)
    }

    /// A worker that starts from a saved network (`PATH.safetensors` + `PATH.json`) instead of
    /// fresh weights; a file that cannot be loaded or does not fit the data arrives as `Failed`.
    pub fn spawn_from_saved(job: TrainJob, saved: std::path::PathBuf, waker: Waker) -> Self {
        Self::spawn_inner(job, Some(saved), waker)
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn spawn_inner(job: TrainJob, saved: Option<std::path::PathBuf>, waker: Waker) -> Self {
        let (command_tx, command_rx) = mpsc::channel();
        let (event_tx, event_rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("training-worker".into())
            .spawn(move || {
                let report = (event_tx.clone(), Arc::clone(&waker));
                let run =
                    std::panic::AssertUnwindSafe(|| run_worker(job, saved, command_rx, event_tx, waker));
                // A panic is reported with its message, so the studio never waits on a dead worker.
                if let Err(panic) = std::panic::catch_unwind(run) {
                    let _ = report.0.send(TrainEvent::Failed(ModelError::Failed(format!(
                        "the training worker stopped: {}",
                        panic_message(panic.as_ref())
                    ))));
                    (report.1)();
                }
            })
            .expect("spawning a thread only fails when the OS is out of resources");
        Self { commands: command_tx, events: event_rx, thread: Some(thread) }
    }

    #[cfg(target_arch = "wasm32")]
    fn spawn_inner(job: TrainJob, saved: Option<std::path::PathBuf>, waker: Waker) -> Self {
        let (command_tx, command_rx) = mpsc::channel();
        let (event_tx, event_rx) = mpsc::channel();
        let started = start(job, saved, event_tx, waker).map(|worker| (worker, command_rx));
        Self { commands: command_tx, events: event_rx, slices: std::cell::RefCell::new(started) }
    }

    /// Whether the worker's thread has ended: it ends only when its owner goes, so for a live
    /// owner this means it died (a failure it could not report).
    pub fn has_stopped(&self) -> bool {
        #[cfg(not(target_arch = "wasm32"))]
        return self.thread.as_ref().is_none_or(|thread| thread.is_finished());
        #[cfg(target_arch = "wasm32")]
        return false;
    }

    pub fn send(&self, command: WorkerCommand) {
        // A worker that has already stopped has nothing left to do with a command.
        let _ = self.commands.send(command);
    }

    /// Events that have arrived, without waiting (in the browser, after a slice of training).
    pub fn drain(&self) -> Vec<TrainEvent> {
        #[cfg(target_arch = "wasm32")]
        self.train_slice(SLICE);
        self.events.try_iter().collect()
    }

    /// Blocks until the next event; `None` once the worker is gone.
    pub fn recv(&self) -> Option<TrainEvent> {
        self.recv_timeout(Duration::MAX)
    }

    /// Blocks until the next event or the timeout.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn recv_timeout(&self, timeout: Duration) -> Option<TrainEvent> {
        self.events.recv_timeout(timeout).ok()
    }

    /// Trains slice after slice until an event arrives or the timeout passes.
    #[cfg(target_arch = "wasm32")]
    pub fn recv_timeout(&self, timeout: Duration) -> Option<TrainEvent> {
        let started = Instant::now();
        loop {
            if let Ok(event) = self.events.try_recv() {
                return Some(event);
            }
            if self.slices.borrow().is_none() || started.elapsed() >= timeout {
                return None;
            }
            self.train_slice(SLICE);
        }
    }

    /// Handles the commands that arrived and trains for at most `budget` (an epoch is never cut).
    #[cfg(target_arch = "wasm32")]
    fn train_slice(&self, budget: Duration) {
        let mut slot = self.slices.borrow_mut();
        let Some((worker, commands)) = slot.as_mut() else { return };
        let deadline = Instant::now() + budget;
        loop {
            let mut step_once = false;
            for command in commands.try_iter().collect::<Vec<_>>() {
                match worker.handle(command) {
                    Handled::Continue => {}
                    Handled::StepOnce => step_once = true,
                    Handled::Stop => {
                        *slot = None;
                        return;
                    }
                }
            }
            if !(worker.running || step_once) {
                return;
            }
            if !step_once && worker.pace_wait().is_some() {
                // Not yet time for the next epoch: the UI comes back next frame.
                break;
            }
            if !worker.train_once(step_once) {
                *slot = None;
                return;
            }
            if Instant::now() >= deadline {
                break;
            }
        }
        // More to train: the UI comes back next frame.
        worker.wake();
    }
}

impl Drop for TrainingWorker {
    fn drop(&mut self) {
        let _ = self.commands.send(WorkerCommand::Stop);
        // Detach rather than join: an epoch in progress must never freeze the UI thread.
        #[cfg(not(target_arch = "wasm32"))]
        drop(self.thread.take());
    }
}

/// The text of a panic's payload.
#[cfg(not(target_arch = "wasm32"))]
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "an internal error".to_string())
}

/// A session around a saved network, behind the standardization it was trained with.
fn session_from_saved(job: &TrainJob, path: &std::path::Path) -> Result<TrainingSession, ModelError> {
    let (net, saved) =
        crate::models::network::save::load(path).map_err(|e| ModelError::Unsuitable(e.to_string()))?;
    let scaler = saved.scaler.or_else(|| Some(Standardizer::identity(job.dataset.n_features())));
    TrainingSession::with_learner(job, Box::new(net), scaler)
}

fn save_network(session: &TrainingSession, path: &std::path::Path) -> Result<std::path::PathBuf, String> {
    let net = session
        .network()
        .ok_or("only networks have weights to save; classical models refit from their settings")?;
    crate::models::network::save::save(net, path, Some(session.scaler()))
        .map(|(weights, _)| weights)
        .map_err(|e| e.to_string())
}

#[cfg(not(target_arch = "wasm32"))]
fn run_worker(
    job: TrainJob,
    saved: Option<std::path::PathBuf>,
    commands: Receiver<WorkerCommand>,
    events: Sender<TrainEvent>,
    waker: Waker,
) {
    let Some(mut worker) = start(job, saved, events, waker) else { return };
    while let Some(pending) = worker.next_commands(&commands) {
        let mut step_once = false;
        for command in pending {
            match worker.handle(command) {
                Handled::Continue => {}
                Handled::StepOnce => step_once = true,
                Handled::Stop => return,
            }
        }
        if (step_once || (worker.running && worker.pace_wait().is_none())) && !worker.train_once(step_once) {
            return;
        }
    }
}

/// Builds the session (fresh or from saved weights) and reports it; `None` when it failed, which
/// has been reported too.
fn start(
    job: TrainJob,
    saved: Option<std::path::PathBuf>,
    events: Sender<TrainEvent>,
    waker: Waker,
) -> Option<WorkerLoop> {
    let emit = |event: TrainEvent| {
        let delivered = events.send(event).is_ok();
        waker();
        delivered
    };
    let started = match &saved {
        Some(path) => session_from_saved(&job, path),
        None => TrainingSession::new(&job),
    };
    let session = match started {
        Ok(session) => session,
        Err(e) => {
            emit(TrainEvent::Failed(e));
            return None;
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
                return None;
            }
        }
    }
    let mut worker = WorkerLoop {
        job,
        session,
        events,
        waker,
        running: false,
        failed: false,
        last_grid: Instant::now(),
        last_network: None,
        network_cost: Duration::ZERO,
        representations: RepresentationsWatch::default(),
        pace: None,
        next_epoch_at: Instant::now(),
        stepper_row: None,
    };
    // An untrained model's boundary is still worth showing, except one-shot fits have none yet.
    if worker.session.learner().is_iterative() {
        worker.send_views();
    }
    Some(worker)
}

/// The layers' representations, computed only while the studio shows them.
#[derive(Default)]
struct RepresentationsWatch {
    watched: bool,
    /// When they were last sent (`None`: send at the next chance), and what that cost, so they
    /// never take more than a tenth of the worker's time.
    last: Option<Instant>,
    cost: Duration,
    /// The last ones sent: the next turn their axes to agree.
    previous: Option<Arc<Representations>>,
}

/// What a command asks of the loop.
enum Handled {
    Continue,
    StepOnce,
    Stop,
}

/// The worker's state between two commands.
struct WorkerLoop {
    job: TrainJob,
    session: TrainingSession,
    events: Sender<TrainEvent>,
    waker: Waker,
    running: bool,
    failed: bool,
    last_grid: Instant,
    /// The network snapshot costs more than the grid: refreshed at most every NETWORK_INTERVAL...
    last_network: Option<Instant>,
    /// ...and never more than a tenth of the worker's time, however large the network.
    network_cost: Duration,
    representations: RepresentationsWatch,
    /// Epochs a second at most while playing; `None`: as fast as it goes.
    pace: Option<f64>,
    /// When the next epoch may start, at that pace.
    next_epoch_at: Instant,
    /// The data row the backprop stepper shows, while it is open.
    stepper_row: Option<usize>,
}

impl WorkerLoop {
    #[cfg(target_arch = "wasm32")]
    fn wake(&self) {
        (self.waker)();
    }

    /// Sends an event and wakes the UI; false once nobody listens.
    fn emit(&self, event: TrainEvent) -> bool {
        let delivered = self.events.send(event).is_ok();
        (self.waker)();
        delivered
    }

    /// Commands that arrived: all waiting ones while training, else the next one (blocking).
    #[cfg(not(target_arch = "wasm32"))]
    /// `None` once the owner is gone.
    fn next_commands(&self, commands: &Receiver<WorkerCommand>) -> Option<Vec<WorkerCommand>> {
        if !self.running {
            return commands.recv().ok().map(|c| vec![c]);
        }
        let mut pending = Vec::new();
        // Waiting for the pace, a command still gets an answer at once.
        if let Some(wait) = self.pace_wait() {
            match commands.recv_timeout(wait) {
                Ok(c) => pending.push(c),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return None,
            }
        }
        loop {
            match commands.try_recv() {
                Ok(c) => pending.push(c),
                Err(mpsc::TryRecvError::Empty) => return Some(pending),
                Err(mpsc::TryRecvError::Disconnected) => return None,
            }
        }
    }

    /// How long until the pace lets the next epoch start; `None` when it may start now.
    fn pace_wait(&self) -> Option<Duration> {
        self.pace?;
        let now = Instant::now();
        (self.next_epoch_at > now).then(|| self.next_epoch_at - now)
    }

    fn handle(&mut self, command: WorkerCommand) -> Handled {
        match command {
            WorkerCommand::Play if !self.failed && !self.session.is_finished() => {
                self.running = true;
                self.emit(TrainEvent::Running(true));
            }
            WorkerCommand::Play => {
                self.emit(TrainEvent::Running(false));
            }
            WorkerCommand::Pause => {
                if self.running {
                    self.running = false;
                    self.last_network = None;
                    self.representations.last = None;
                    self.send_views();
                }
                self.emit(TrainEvent::Running(false));
            }
            WorkerCommand::Step if !self.failed && !self.session.is_finished() => return Handled::StepOnce,
            WorkerCommand::Step => {}
            WorkerCommand::StepBatch if !self.failed && !self.session.is_finished() => self.step_batch(),
            WorkerCommand::StepBatch => {}
            WorkerCommand::SetLearningRate(lr) => self.session.set_learning_rate(lr),
            WorkerCommand::SetPace(pace) => {
                self.pace = pace.filter(|p| p.is_finite() && *p > 0.0);
                self.next_epoch_at = Instant::now();
            }
            WorkerCommand::SaveNetwork(path) => {
                self.emit(TrainEvent::Saved(save_network(&self.session, &path)));
            }
            WorkerCommand::Explain(target) => {
                let grid = self.job.grid.as_ref();
                if let Some(result) = live::session_explain(&self.session, &self.job.dataset, grid, target) {
                    self.emit(TrainEvent::Explained(target, result.map(Arc::new).map_err(|e| e.to_string())));
                }
            }
            WorkerCommand::WatchRepresentations(watched) => {
                self.representations.watched = watched;
                self.representations.last = None;
                self.send_representations();
            }
            WorkerCommand::Backprop(row) => {
                self.stepper_row = row;
                self.send_backprop();
            }
            WorkerCommand::SetWeight { layer, from, to, value } => {
                let changed = live::session_set_weight(&mut self.session, layer, from, to, value);
                self.after_hand_change(changed);
            }
            WorkerCommand::ApplyBackpropStep => {
                if let Some(row) = self.stepper_row {
                    let changed = live::session_apply_step(&mut self.session, &self.job.dataset, row);
                    self.after_hand_change(changed);
                }
            }
            WorkerCommand::ViewBounds { x_range, y_range } => self.set_view_bounds(x_range, y_range),
            WorkerCommand::Stop => return Handled::Stop,
        }
        Handled::Continue
    }

    /// The grid follows the plot's visible bounds; when no training will send it soon, the
    /// grid over them goes out at once (a one-shot model not yet fitted has none to send).
    fn set_view_bounds(&mut self, x_range: (f64, f64), y_range: (f64, f64)) {
        let Some(spec) = self.job.grid.as_mut() else { return };
        let valid = |(lo, hi): (f64, f64)| lo.is_finite() && hi.is_finite() && hi > lo;
        if !valid(x_range) || !valid(y_range) || (spec.x_range, spec.y_range) == (x_range, y_range) {
            return;
        }
        spec.x_range = x_range;
        spec.y_range = y_range;
        let fitted = self.session.learner().is_iterative() || self.session.epoch() > 0;
        if !self.running && !self.failed && fitted {
            let spec = spec.clone();
            match self.session.decision_grid(&spec) {
                Ok(grid) => self.emit(TrainEvent::Grid(Arc::new(grid))),
                Err(e) => self.emit(TrainEvent::Failed(e)),
            };
        }
    }

    /// After a weight typed or a step taken by hand: every view at once, or why it failed.
    fn after_hand_change(&mut self, changed: Result<(), ModelError>) {
        match changed {
            Ok(()) => {
                self.last_network = None;
                self.representations.last = None;
                self.send_views();
            }
            Err(e) => {
                self.emit(TrainEvent::Backprop(Err(e.to_string())));
            }
        }
    }

    /// The stepper's walk on its row, while it is open.
    fn send_backprop(&self) {
        let Some(row) = self.stepper_row else { return };
        let training_row = self.job.split.train.contains(&row);
        if let Some(result) = live::session_backprop(&self.session, &self.job.dataset, row, training_row) {
            self.emit(TrainEvent::Backprop(result.map(Arc::new).map_err(|e| e.to_string())));
        }
    }

    /// One mini-batch, then its views at once (the class watches the boundary move a step).
    fn step_batch(&mut self) {
        match self.session.step_batch() {
            Ok(record) => {
                if let Some(progress) = self.session.batch_progress() {
                    self.emit(TrainEvent::Batch(progress));
                }
                if let Some(record) = record {
                    self.emit(TrainEvent::Epoch(record));
                }
                self.last_network = None;
                self.representations.last = None;
                self.send_views();
                self.send_backprop();
            }
            Err(e) => {
                self.failed = true;
                self.running = false;
                self.emit(TrainEvent::Failed(e));
                self.emit(TrainEvent::Running(false));
            }
        }
    }

    /// One epoch, then the views when due; false once nobody listens.
    fn train_once(&mut self, step_once: bool) -> bool {
        if let Some(pace) = self.pace {
            self.next_epoch_at = Instant::now() + Duration::from_secs_f64(1.0 / pace);
        }
        match self.session.step() {
            Ok(record) => {
                if !self.emit(TrainEvent::Epoch(record)) {
                    return false;
                }
            }
            Err(e) => {
                self.failed = true;
                self.running = false;
                self.emit(TrainEvent::Failed(e));
                self.emit(TrainEvent::Running(false));
                return true;
            }
        }
        let finished = self.session.is_finished();
        if step_once || finished || self.last_grid.elapsed() >= GRID_INTERVAL {
            if step_once || finished {
                self.last_network = None;
                self.representations.last = None;
            }
            self.send_views();
            self.last_grid = Instant::now();
        }
        if finished {
            self.running = false;
            self.emit(TrainEvent::Finished {
                epochs: self.session.epoch(),
                train_seconds: self.session.train_seconds(),
                parameters: self.session.parameter_count(),
            });
            self.emit(TrainEvent::Running(false));
        }
        true
    }

    /// The views' snapshot: boundary, test scores and insight, and the network when due. CLI
    /// runs (no grid) skip all of them. False once nobody listens.
    fn send_views(&mut self) -> bool {
        let Some(spec) = self.job.grid.as_ref() else { return true };
        let grid = match self.session.decision_grid(spec) {
            Ok(grid) => grid,
            Err(e) => return self.emit(TrainEvent::Failed(e)),
        };
        if !self.emit(TrainEvent::Grid(Arc::new(grid))) {
            return false;
        }
        if self.session.epoch() > 0 {
            if let Ok(Some(scores)) = self.session.test_scores() {
                self.emit(TrainEvent::Scores(Arc::new(scores)));
            }
            if let Some(insight) = self.session.learner().insight() {
                self.emit(TrainEvent::Insight(Arc::new(insight)));
            }
        }
        let due = NETWORK_INTERVAL.max(self.network_cost * 10);
        let started = Instant::now();
        if self.last_network.is_none_or(|t| t.elapsed() >= due)
            && let Some(Ok(insight)) = live::session_snapshot(&self.session, Some(spec))
        {
            self.last_network = Some(Instant::now());
            self.network_cost = started.elapsed();
            self.emit(TrainEvent::Network(Arc::new(insight)));
        }
        self.send_representations();
        self.send_backprop();
        true
    }

    /// The layers' representations, when watched and due.
    fn send_representations(&mut self) {
        let watch = &self.representations;
        let due = REPRESENTATIONS_INTERVAL.max(watch.cost * 10);
        if !watch.watched || watch.last.is_some_and(|t| t.elapsed() < due) {
            return;
        }
        let started = Instant::now();
        let Some(result) = live::session_representations(&self.session, watch.previous.as_deref()) else {
            return;
        };
        let result = result.map(Arc::new).map_err(|e| e.to_string());
        let watch = &mut self.representations;
        watch.last = Some(Instant::now());
        watch.cost = started.elapsed();
        if let Ok(r) = &result {
            watch.previous = Some(Arc::clone(r));
        }
        self.emit(TrainEvent::Representations(result));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use super::*;
    use crate::data::{BuiltinDataset, GeneratorSettings, stratified_split};
    use crate::models::ModelConfig;
    use crate::models::ModelKind;
    use crate::training::grid::{GridSpec, GridValues};

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
    fn a_pace_holds_the_epochs_back_and_still_answers_commands() {
        let worker = TrainingWorker::spawn(job(ModelKind::Mlp, None), Arc::new(|| {}));
        let epochs_within = |span: Duration| {
            let started = Instant::now();
            let mut epochs = 0;
            while started.elapsed() < span {
                if let Some(TrainEvent::Epoch(_)) = worker.recv_timeout(Duration::from_millis(20)) {
                    epochs += 1;
                }
            }
            epochs
        };
        worker.send(WorkerCommand::SetPace(Some(5.0)));
        worker.send(WorkerCommand::Play);
        // 5 a second for 1 s: never more than 6 (a busy machine may give fewer, not more).
        let paced = epochs_within(Duration::from_secs(1));
        assert!((1..=6).contains(&paced), "{paced} epochs in 1 s at 5 a second");
        // A pause is answered mid-wait; as fast as it goes, an epoch of the moons MLP takes
        // milliseconds, so far more than 6 follow.
        worker.send(WorkerCommand::Pause);
        worker.send(WorkerCommand::SetPace(None));
        worker.send(WorkerCommand::Play);
        let fast = epochs_within(Duration::from_secs(1));
        assert!(fast > 12, "{fast} epochs in 1 s unpaced");
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

    /// The next grid a worker sends (after an epoch, when `trained`), waiting at most 30 s.
    fn next_grid(worker: &TrainingWorker, trained: bool) -> Arc<DecisionGrid> {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut epoch_seen = !trained;
        while Instant::now() < deadline {
            match worker.recv_timeout(Duration::from_secs(1)) {
                Some(TrainEvent::Epoch(_)) => epoch_seen = true,
                Some(TrainEvent::Grid(grid)) if epoch_seen => return grid,
                Some(TrainEvent::Failed(e)) => panic!("{e}"),
                _ => {}
            }
        }
        panic!("no grid came");
    }

    #[test]
    fn a_grid_asked_for_the_view_bounds_covers_exactly_them_paused_or_one_shot() {
        for kind in [ModelKind::Mlp, ModelKind::LogisticRegression] {
            let worker = TrainingWorker::spawn(job(kind, None), Arc::new(|| {}));
            worker.send(WorkerCommand::Step);
            let first = next_grid(&worker, true);
            let (x_range, y_range) = ((-7.5, 3.25), (0.5, 9.0));
            worker.send(WorkerCommand::ViewBounds { x_range, y_range });
            let grid = next_grid(&worker, false);
            assert_eq!((grid.spec.x_range, grid.spec.y_range), (x_range, y_range), "{kind:?}");
            assert_eq!(grid.spec.resolution, first.spec.resolution, "the resolution stays");
            let GridValues::Classes { class, .. } = &grid.values else { panic!() };
            assert_eq!(class.len(), 16 * 16);
            let n = grid.spec.resolution as f64;
            let (x0, y0) = grid.spec.cell_center(0, 0);
            assert!((x0 - (x_range.0 + (x_range.1 - x_range.0) / (2.0 * n))).abs() < 1e-12);
            assert!((y0 - (y_range.0 + (y_range.1 - y_range.0) / (2.0 * n))).abs() < 1e-12);
            // Training on, the grids keep to the bounds last asked for.
            if kind == ModelKind::Mlp {
                worker.send(WorkerCommand::Step);
                let next = next_grid(&worker, true);
                assert_eq!((next.spec.x_range, next.spec.y_range), (x_range, y_range));
            }
        }
    }

    #[test]
    fn representations_come_only_while_watched_and_follow_the_training() {
        let worker = TrainingWorker::spawn(job(ModelKind::Mlp, None), Arc::new(|| {}));
        let next_representations = |limit: Duration| {
            let deadline = Instant::now() + limit;
            while Instant::now() < deadline {
                if let Some(TrainEvent::Representations(r)) = worker.recv_timeout(Duration::from_millis(50)) {
                    return Some(r.expect("projected"));
                }
            }
            None
        };
        worker.send(WorkerCommand::Step);
        assert!(next_representations(Duration::from_secs(2)).is_none(), "not watched yet");
        worker.send(WorkerCommand::WatchRepresentations(true));
        let first = next_representations(Duration::from_secs(20)).expect("sent when the view opens");
        // Input, two dense + tanh blocks, the output; one point per test row.
        assert_eq!(first.layers.len(), 4);
        assert!(first.layers.iter().all(|l| l.points.len() == 40));
        assert_eq!(first.epoch, 1);
        worker.send(WorkerCommand::Play);
        let later = next_representations(Duration::from_secs(20)).expect("refreshed while training");
        assert!(later.epoch > 1);
        worker.send(WorkerCommand::WatchRepresentations(false));
        worker.send(WorkerCommand::Pause);
        // Drain what was under way, then nothing more arrives.
        std::thread::sleep(Duration::from_millis(200));
        while worker.recv_timeout(Duration::from_millis(50)).is_some() {}
        worker.send(WorkerCommand::Step);
        assert!(next_representations(Duration::from_secs(1)).is_none(), "closed");
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
    fn a_worker_that_panics_reports_it_with_its_message() {
        // Rows that do not fill the table (a data set built around `Dataset::new`'s checks)
        // panic while the rows are prepared; the worker says so instead of vanishing.
        let mut j = job(ModelKind::Mlp, Some(5));
        j.grid = None;
        let mut broken = crate::data::Dataset::clone(&j.dataset);
        broken.features.truncate(10);
        j.dataset = Arc::new(broken);
        let worker = TrainingWorker::spawn(j, Arc::new(|| {}));
        worker.send(WorkerCommand::Play);
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut failure = None;
        while failure.is_none() && Instant::now() < deadline {
            if let Some(TrainEvent::Failed(e)) = worker.recv_timeout(Duration::from_millis(200)) {
                failure = Some(e.to_string());
            }
        }
        let failure = failure.expect("the failure is reported");
        assert!(failure.starts_with("training failed: the training worker stopped: "), "{failure}");
    }

    #[test]
    fn divergence_is_reported_with_advice() {
        let mut j = job(ModelKind::Mlp, Some(50));
        j.model.learning_rate = 1e12;
        j.model.optimizer = crate::models::network::OptimizerKind::Sgd;
        j.model.activation = crate::models::network::Activation::Relu;
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
