//! The training history: one record per epoch, and the overfitting watch that reads it (for any
//! model that trains over epochs, networks or not).

use serde::Serialize;

use crate::models::network::diagnostics::{Diagnostic, Severity};

/// Epochs since the best test loss before rising test loss counts as overfitting.
const OVERFIT_PATIENCE: usize = 5;

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

/// Test loss rising for several epochs while the training loss keeps falling.
pub fn overfitting(history: &[EpochRecord]) -> Option<Diagnostic> {
    let mut watch = OverfitWatch::default();
    history.iter().for_each(|r| watch.push(r));
    watch.diagnostic()
}

/// Follows the epoch records in constant memory (the best test loss and the latest record),
/// so a view can judge overfitting over hours of training.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct OverfitWatch {
    best: Option<EpochRecord>,
    last: Option<EpochRecord>,
}

impl OverfitWatch {
    pub fn push(&mut self, record: &EpochRecord) {
        if self.best.is_none_or(|b| record.test_loss < b.test_loss) {
            self.best = Some(*record);
        }
        self.last = Some(*record);
    }

    pub fn diagnostic(&self) -> Option<Diagnostic> {
        let (best, last) = (self.best?, self.last?);
        let rising = last.epoch >= best.epoch + OVERFIT_PATIENCE && last.test_loss > best.test_loss * 1.05;
        let train_falling = last.train_loss < best.train_loss;
        (rising && train_falling).then(|| {
            Diagnostic::new(
                Severity::Warning,
                format!(
                    "test loss rising while train loss falls (best test loss {:.3} at epoch {}, now \
                     {:.3}): overfitting. Try dropout, L2, more data or stopping earlier.",
                    best.test_loss, best.epoch, last.test_loss
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(epoch: usize, train_loss: f64, test_loss: f64) -> EpochRecord {
        EpochRecord { epoch, train_loss, test_loss, train_accuracy: None, test_accuracy: None, test_r2: None }
    }

    #[test]
    fn flags_overfitting_only_when_test_loss_rises_as_train_loss_falls() {
        // Both fall for 10 epochs, then test loss turns up while train loss keeps falling.
        let mut history: Vec<_> = (1..=10).map(|e| record(e, 1.0 / e as f64, 1.0 / e as f64 + 0.2)).collect();
        assert!(overfitting(&history).is_none());
        for e in 11..=20 {
            history.push(record(e, 1.0 / e as f64, 0.3 + 0.02 * (e - 10) as f64));
        }
        let found = overfitting(&history).expect("overfitting");
        assert!(found.text.starts_with("test loss rising while train loss falls"), "{}", found.text);
        assert!(found.text.contains("epoch 10"), "{}", found.text);
        // Both losses rising (a too-large learning rate) is not overfitting.
        let diverging: Vec<_> = (1..=20).map(|e| record(e, 0.1 * e as f64, 0.1 * e as f64)).collect();
        assert!(overfitting(&diverging).is_none());
    }
}
