//! A synchronous training session: a model and its prepared rows, trained one epoch at a time.
//! The worker runs one on a thread; lessons and the CLI drive it directly.

use std::sync::Arc;
use web_time::Instant;

use crate::data::{Dataset, Split, Standardizer, Task};
use crate::metrics::{self, Evaluation};
use crate::models::network::NetworkLearner;
use crate::models::{Learner, ModelConfig, ModelError, Prediction, PreparedData};
use crate::training::grid::{DecisionGrid, GridSpec, GridValues, RowPredictions};
use crate::training::history::EpochRecord;
use crate::training::scores::Scores;

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
    /// Mini-batches taken one at a time (Step by batch) in the epoch not yet complete.
    batches_in_epoch: usize,
}

/// Where Step by batch stands: the batches taken in the current epoch and how many make one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchProgress {
    pub taken: usize,
    pub per_epoch: usize,
}

/// Standardizes the rows of `data` picked by `rows`, ready for a model.
pub fn prepare(data: &Dataset, rows: &[usize], scaler: &Standardizer) -> PreparedData {
    PreparedData::from_rows(data, rows, scaler)
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
        // Missing cells take the training rows' means: the test rows never shape the inputs.
        let data = &*job.dataset.imputed_from(&job.split.train);
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
            None if job.scale && job.model.kind.standardizes() => Standardizer::fit(&train_rows),
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
            batches_in_epoch: 0,
        })
    }

    pub fn parameter_count(&self) -> usize {
        self.learner.parameter_count()
    }

    /// The model as trained so far (for saving, or a view's downcast to its own type).
    /// The session's network, for the network views; `None` for classical models.
    pub fn network(&self) -> Option<&NetworkLearner> {
        self.learner.downcast_ref::<NetworkLearner>()
    }

    /// The session's network, to change by hand between epochs (the backprop stepper's typed
    /// weights and single steps); `refresh_predictions` afterwards keeps the views' marks true.
    pub fn network_mut(&mut self) -> Option<&mut NetworkLearner> {
        self.learner.downcast_mut::<NetworkLearner>()
    }

    /// Predicts the training and test rows again after the model changed outside an epoch.
    pub fn refresh_predictions(&mut self) -> Result<(), ModelError> {
        if self.last_predictions.is_some() {
            let train = self.learner.predict(&self.train.features, self.train.n_features)?;
            let test = self.learner.predict(&self.test.features, self.test.n_features)?;
            self.last_predictions = Some((train, test));
        }
        Ok(())
    }

    pub fn learner(&self) -> &dyn Learner {
        self.learner.as_ref()
    }

    /// The standardization fitted on the training rows; saved models need it to predict.
    pub fn scaler(&self) -> &Standardizer {
        &self.scaler
    }

    /// The standardized test rows, for scoring.
    pub fn test_data(&self) -> &PreparedData {
        &self.test
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
        self.finish_epoch()
    }

    /// One gradient step of a network on one mini-batch (Step by batch): a fresh random batch of
    /// the training rows, as the epoch's own batches are. Once as many batches as an epoch holds
    /// are taken, they count as that epoch and its record comes back; before, `None` and the
    /// predictions are refreshed so the views show the step.
    pub fn step_batch(&mut self) -> Result<Option<EpochRecord>, ModelError> {
        let rows = self.train.rows();
        let Some(net) = self.learner.downcast_mut::<NetworkLearner>() else {
            return Err(ModelError::Unsuitable(
                "a classical model fits in one go; only networks train batch by batch".into(),
            ));
        };
        let per_epoch = net.steps_per_epoch(rows);
        let start = Instant::now();
        net.epoch_limited(&self.train, self.epoch, 1)?;
        self.train_seconds += start.elapsed().as_secs_f64();
        self.batches_in_epoch += 1;
        if self.batches_in_epoch >= per_epoch {
            return self.finish_epoch().map(Some);
        }
        let train = self.learner.predict(&self.train.features, self.train.n_features)?;
        let test = self.learner.predict(&self.test.features, self.test.n_features)?;
        self.last_predictions = Some((train, test));
        Ok(None)
    }

    /// Batches taken by Step by batch in the current epoch, of how many; `None` for classical
    /// models.
    pub fn batch_progress(&self) -> Option<BatchProgress> {
        let net = self.learner.downcast_ref::<NetworkLearner>()?;
        Some(BatchProgress {
            taken: self.batches_in_epoch,
            per_epoch: net.steps_per_epoch(self.train.rows()),
        })
    }

    /// Counts the epoch done and scores it.
    fn finish_epoch(&mut self) -> Result<EpochRecord, ModelError> {
        self.batches_in_epoch = 0;
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
    pub fn test_scores(&self) -> Result<Option<Scores>, ModelError> {
        let prediction = self.learner.predict(&self.test.features, self.test.n_features)?;
        let Some(predicted) = prediction.classes() else { return Ok(None) };
        let classes = match &prediction {
            Prediction::Probabilities { classes, .. } => *classes,
            Prediction::Values(_) => return Ok(None),
        };
        Ok(Some(Scores::of_classes(&predicted, &self.test.labels(), classes)))
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
