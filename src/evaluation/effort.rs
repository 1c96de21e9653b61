//! How long a network trains when training sizes are compared. A fixed number of epochs gives a
//! network on 50 rows a handful of gradient steps and one on 20,000 rows thousands, so "networks
//! need more data" would partly be "networks got fewer steps". Two fair rules instead: the same
//! step budget at every size, or early stopping on a validation share of the training rows (best
//! weights restored). Classical models get their usual one fit.

use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};
use web_time::Instant;

use super::{Fitted, prepare_fit};
use crate::data::{Dataset, Split, stratified_split};
use crate::models::network::NetworkLearner;
use crate::models::{ModelConfig, ModelError, Prediction, PreparedData};

/// How much training a network gets at each size.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Effort {
    /// A fixed number of passes over the training rows: small sets then get few steps. Kept for
    /// lessons about epochs; not a fair rule across sizes.
    Epochs(usize),
    /// The same number of gradient steps at every size (an epoch may end part-way).
    Steps(usize),
    /// Train until the score on a held-back share of the training rows stops improving.
    EarlyStopping(EarlyStopping),
}

/// Early stopping's settings: the network trains on all but `validation` of its training rows,
/// scores the held-back rows every epoch (at least every `check_every` steps on tiny sets) and
/// stops once `patience` steps brought no better score; the best weights are put back.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EarlyStopping {
    /// Share of the training rows held back to decide when to stop (stratified).
    pub validation: f64,
    /// Gradient steps without a better validation score before stopping (at least four checks).
    pub patience: usize,
    /// A cap, so a run that never settles still ends; reported as "step cap".
    pub max_steps: usize,
    /// Steps between checks at least (tiny sets finish an epoch in one or two steps).
    pub check_every: usize,
}

impl Default for EarlyStopping {
    fn default() -> Self {
        Self { validation: 0.2, patience: 400, max_steps: 20_000, check_every: 20 }
    }
}

impl Effort {
    /// The rule's bounds, checked for lesson files and the command line; the message names the field.
    pub fn check(&self) -> Result<(), String> {
        match *self {
            Effort::Epochs(n) if !(1..=100_000).contains(&n) => {
                Err(format!("'epochs' is {n}; give 1 to 100000"))
            }
            Effort::Steps(n) if !(1..=10_000_000).contains(&n) => {
                Err(format!("'steps' is {n}; give 1 to 10000000"))
            }
            Effort::EarlyStopping(e) => {
                if !(e.validation.is_finite() && (0.05..=0.5).contains(&e.validation)) {
                    return Err(format!("'validation' is {}; give 0.05 to 0.5", e.validation));
                }
                if !(1..=1_000_000).contains(&e.patience) {
                    return Err(format!("'patience' is {}; give 1 to 1000000", e.patience));
                }
                if !(1..=10_000_000).contains(&e.max_steps) {
                    return Err(format!("'max_steps' is {}; give 1 to 10000000", e.max_steps));
                }
                if !(1..=100_000).contains(&e.check_every) {
                    return Err(format!("'check_every' is {}; give 1 to 100000", e.check_every));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// In words, for tables and findings.
    pub fn describe(&self) -> String {
        match self {
            Effort::Epochs(n) => format!("{n} epochs at every size"),
            Effort::Steps(n) => format!("{n} gradient steps at every size"),
            Effort::EarlyStopping(e) => format!(
                "early stopping: {:.0}% of the training rows held back, stop after {} steps without a better validation score, best weights kept",
                e.validation * 100.0,
                e.patience
            ),
        }
    }
}

/// Why a fit ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StopReason {
    /// A classical model's single fit.
    #[serde(rename = "one fit")]
    OneFit,
    #[serde(rename = "epochs")]
    Epochs,
    #[serde(rename = "step budget")]
    StepBudget,
    /// The validation score stopped improving; the best weights were restored.
    #[serde(rename = "early stopping")]
    EarlyStopping,
    /// Early stopping's cap came first: the network may still have been improving.
    #[serde(rename = "step cap")]
    StepCap,
}

impl StopReason {
    pub fn name(self) -> &'static str {
        match self {
            StopReason::OneFit => "one fit",
            StopReason::Epochs => "epochs",
            StopReason::StepBudget => "step budget",
            StopReason::EarlyStopping => "early stopping",
            StopReason::StepCap => "step cap",
        }
    }
}

/// A fitted model and how its training went.
pub struct EffortFit {
    pub fitted: Fitted,
    /// Gradient steps taken (networks only).
    pub steps: Option<usize>,
    pub stop: StopReason,
    /// The step whose weights were kept (early stopping).
    pub best_step: Option<usize>,
}

/// Why `fit_with_effort` returned no model.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EffortError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("cancelled")]
    Cancelled,
}

/// Fits `config` on the split's training rows under `effort` (networks) or once (classical
/// models). `cancel` is checked between epochs. Standardization and imputation are fitted on the
/// rows the model trains on.
pub fn fit_with_effort(
    data: &Dataset,
    split: &Split,
    config: &ModelConfig,
    scale: bool,
    effort: Effort,
    seed: u64,
    cancel: &AtomicBool,
) -> Result<EffortFit, EffortError> {
    let (split, validation) = match effort {
        Effort::EarlyStopping(rule) if config.kind.is_network() => {
            let (fit, held) = validation_share(data, &split.train, rule.validation, seed);
            (Split { train: fit, test: split.test.clone(), warning: None }, held)
        }
        _ => (split.clone(), Vec::new()),
    };
    let (mut fitted, validation) = prepare_fit(data, &split, &validation, config, scale)?;
    let start = Instant::now();
    let outcome = if !fitted.learner.is_iterative() {
        fitted.learner.train_epoch(&fitted.train, 0)?;
        fitted.epochs = 1;
        Ok((None, StopReason::OneFit, None))
    } else {
        train_network(&mut fitted, &validation, effort, cancel)
    };
    fitted.train_seconds = start.elapsed().as_secs_f64();
    let (steps, stop, best_step) = outcome?;
    Ok(EffortFit { fitted, steps, stop, best_step })
}

type Outcome = (Option<usize>, StopReason, Option<usize>);

fn train_network(
    fitted: &mut Fitted,
    validation: &PreparedData,
    effort: Effort,
    cancel: &AtomicBool,
) -> Result<Outcome, EffortError> {
    let rows = fitted.train.rows();
    let Some(network) = fitted.learner.downcast_mut::<NetworkLearner>() else {
        return Err(ModelError::Failed("early stopping and step budgets train networks only".into()).into());
    };
    let per_epoch = network.steps_per_epoch(rows);
    let (mut steps, mut epoch) = (0usize, 0usize);
    let mut one_epoch = |network: &mut NetworkLearner, limit: usize| -> Result<usize, EffortError> {
        if cancel.load(Ordering::Relaxed) {
            return Err(EffortError::Cancelled);
        }
        let taken = network.epoch_limited(&fitted.train, epoch, limit)?;
        epoch += 1;
        Ok(taken)
    };
    let outcome = match effort {
        Effort::Epochs(epochs) => {
            for _ in 0..epochs.max(1) {
                steps += one_epoch(network, usize::MAX)?;
            }
            (Some(steps), StopReason::Epochs, None)
        }
        Effort::Steps(budget) => {
            while steps < budget {
                steps += one_epoch(network, budget - steps)?;
            }
            (Some(steps), StopReason::StepBudget, None)
        }
        Effort::EarlyStopping(rule) => {
            let check_every = rule.check_every.max(per_epoch);
            // At least four checks without progress, so a few noisy checks do not end a run.
            let patience = rule.patience.max(4 * check_every);
            // Best so far: (validation score, step, weights).
            let mut best = (Score::WORST, 0usize, network.weights_copy()?);
            let mut since_check = 0;
            let stop = loop {
                let taken = one_epoch(network, rule.max_steps - steps)?;
                steps += taken;
                since_check += taken;
                if since_check >= check_every {
                    since_check = 0;
                    let score = validation_score(network, validation)?;
                    if score.beats(&best.0) {
                        best = (score, steps, network.weights_copy()?);
                    } else if steps - best.1 >= patience {
                        break StopReason::EarlyStopping;
                    }
                }
                if steps >= rule.max_steps {
                    let score = validation_score(network, validation)?;
                    if score.beats(&best.0) {
                        best = (score, steps, network.weights_copy()?);
                    }
                    break StopReason::StepCap;
                }
            };
            network.restore_weights(&best.2)?;
            (Some(steps), stop, Some(best.1))
        }
    };
    fitted.epochs = epoch;
    Ok(outcome)
}

/// How well the network does on the held-back rows: accuracy first (what the curve reports; the
/// cross-entropy of a classifier can rise from over-confidence while its accuracy still climbs),
/// the loss to break ties. For values only the mean squared error counts.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Score {
    accuracy: f64,
    loss: f64,
}

impl Score {
    const WORST: Score = Score { accuracy: f64::NEG_INFINITY, loss: f64::INFINITY };

    fn beats(&self, other: &Score) -> bool {
        self.accuracy > other.accuracy || (self.accuracy == other.accuracy && self.loss < other.loss)
    }
}

fn validation_score(network: &NetworkLearner, rows: &PreparedData) -> Result<Score, ModelError> {
    use crate::models::Learner as _;
    if rows.rows() == 0 {
        return Ok(Score::WORST);
    }
    let n = rows.rows() as f64;
    let prediction = network.predict(&rows.features, rows.n_features)?;
    let score = match prediction {
        Prediction::Probabilities { classes, probs } => {
            let (mut loss, mut right) = (0.0, 0usize);
            for (i, &t) in rows.targets.iter().enumerate() {
                let row = &probs[i * classes..(i + 1) * classes];
                loss -= f64::from(row[t as usize]).max(1e-12).ln();
                let best = (0..classes).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap_or(0);
                right += usize::from(best == t as usize);
            }
            Score { accuracy: right as f64 / n, loss: loss / n }
        }
        Prediction::Values(values) => Score {
            accuracy: 0.0,
            loss: values.iter().zip(&rows.targets).map(|(v, t)| (v - t) * (v - t)).sum::<f64>() / n,
        },
    };
    // A NaN loss never counts as better; the step itself reports divergence.
    Ok(if score.loss.is_finite() { score } else { Score::WORST })
}

/// Splits training rows into rows to fit and a stratified validation share (at least one row).
fn validation_share(data: &Dataset, train: &[usize], fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    if train.len() < 4 {
        return (train.to_vec(), Vec::new());
    }
    let sub = data.subset(train);
    match stratified_split(&sub, fraction, seed ^ 0x5eed_0f_ea51) {
        Ok(split) => {
            (split.train.iter().map(|&i| train[i]).collect(), split.test.iter().map(|&i| train[i]).collect())
        }
        Err(_) => (train.to_vec(), Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{BuiltinDataset, GeneratorSettings};

    fn net() -> ModelConfig {
        ModelConfig { hidden_layers: vec![8], ..Default::default() }
    }

    fn moons_split() -> (Dataset, Split) {
        let data = BuiltinDataset::Moons.generate(&GeneratorSettings { samples: 300, ..Default::default() });
        let split = stratified_split(&data, 0.25, 0).unwrap();
        (data, split)
    }

    #[test]
    fn a_step_budget_takes_exactly_that_many_steps_even_mid_epoch() {
        let (data, split) = moons_split();
        let none = AtomicBool::new(false);
        // About 220 training rows in batches of 32: 7 steps an epoch, so 50 steps end mid-epoch.
        let per_epoch = split.train.len().div_ceil(32);
        assert_ne!(50 % per_epoch, 0);
        let fit = fit_with_effort(&data, &split, &net(), true, Effort::Steps(50), 0, &none).unwrap();
        assert_eq!((fit.steps, fit.stop), (Some(50), StopReason::StepBudget));
        let fit = fit_with_effort(&data, &split, &net(), true, Effort::Epochs(3), 0, &none).unwrap();
        assert_eq!((fit.steps, fit.stop), (Some(3 * per_epoch), StopReason::Epochs));
    }

    #[test]
    fn early_stopping_stops_restores_the_best_weights_and_reports_it() {
        let (data, split) = moons_split();
        let none = AtomicBool::new(false);
        let rule = EarlyStopping { patience: 40, max_steps: 5_000, check_every: 8, ..Default::default() };
        let fit =
            fit_with_effort(&data, &split, &net(), true, Effort::EarlyStopping(rule), 0, &none).unwrap();
        let (steps, best) = (fit.steps.unwrap(), fit.best_step.unwrap());
        assert_eq!(fit.stop, StopReason::EarlyStopping, "{steps} steps");
        assert!(steps < 5_000 && steps >= best + 40, "{steps} steps, best at {best}");
        // The validation rows were held back from fitting.
        assert!(fit.fitted.train.rows() < split.train.len());
        // A cap shorter than convergence says so.
        let capped = EarlyStopping { max_steps: 16, ..rule };
        let fit =
            fit_with_effort(&data, &split, &net(), true, Effort::EarlyStopping(capped), 0, &none).unwrap();
        assert_eq!((fit.steps, fit.stop), (Some(16), StopReason::StepCap));
        let cancelled =
            fit_with_effort(&data, &split, &net(), true, Effort::Steps(100), 0, &AtomicBool::new(true));
        assert!(matches!(cancelled, Err(EffortError::Cancelled)));
    }

    #[test]
    fn restored_weights_predict_as_the_copy_did() {
        let (data, split) = moons_split();
        let none = AtomicBool::new(false);
        let mut fit = fit_with_effort(&data, &split, &net(), true, Effort::Steps(30), 0, &none).unwrap();
        let test = fit.fitted.test.clone();
        let network = fit.fitted.learner.downcast_mut::<NetworkLearner>().unwrap();
        let copy = network.weights_copy().unwrap();
        use crate::models::Learner as _;
        let before = network.predict(&test.features, test.n_features).unwrap();
        network.epoch_limited(&fit.fitted.train, 99, 20).unwrap();
        assert_ne!(network.predict(&test.features, test.n_features).unwrap(), before);
        network.restore_weights(&copy).unwrap();
        assert_eq!(network.predict(&test.features, test.n_features).unwrap(), before);
    }

    #[test]
    fn classical_models_fit_once_and_rules_are_bounded() {
        let (data, split) = moons_split();
        let config = ModelConfig { kind: crate::models::ModelKind::Knn, ..Default::default() };
        let rule = Effort::EarlyStopping(EarlyStopping::default());
        let fit = fit_with_effort(&data, &split, &config, true, rule, 0, &AtomicBool::new(false)).unwrap();
        assert_eq!((fit.steps, fit.stop), (None, StopReason::OneFit));
        assert_eq!(fit.fitted.train.rows(), split.train.len(), "no rows held back from a one-shot fit");
        assert!(Effort::Steps(0).check().is_err());
        let bad = Effort::EarlyStopping(EarlyStopping { validation: 0.9, ..Default::default() });
        assert!(bad.check().unwrap_err().contains("'validation'"));
        assert!(rule.check().is_ok());
    }
}
