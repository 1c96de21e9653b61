//! Rewind: snapshots of what the views showed (boundary grid, epoch record, test scores), kept
//! while a model trains so a timeline slider can scrub back through training. Memory stays
//! bounded: past `MAX_SNAPSHOTS` every other old snapshot is dropped and the spacing doubles.

use std::sync::Arc;

use crate::training::{DecisionGrid, EpochRecord, Scores};

/// Snapshots kept at most (each is one 64×64 grid plus scores: about 30 kB).
pub const MAX_SNAPSHOTS: usize = 200;

/// What the views showed at one moment of training.
#[derive(Clone)]
pub struct Snapshot {
    pub grid: Arc<DecisionGrid>,
    pub record: Option<EpochRecord>,
    pub scores: Option<Arc<Scores>>,
}

impl Snapshot {
    pub fn epoch(&self) -> usize {
        self.record.map_or(0, |r| r.epoch)
    }
}

/// What the timeline asked the boundary to show.
#[derive(Clone, Debug, PartialEq)]
pub enum RewindChange {
    /// Show this past snapshot's grid.
    Show(Arc<DecisionGrid>),
    /// Follow training again, from this latest grid.
    Live(Option<Arc<DecisionGrid>>),
}

pub struct Rewind {
    snapshots: Vec<Snapshot>,
    /// Epochs at least between two kept snapshots; doubles each time the store is thinned.
    min_gap: usize,
    /// The snapshot shown instead of the live view; `None` follows training.
    shown: Option<usize>,
}

impl Default for Rewind {
    fn default() -> Self {
        Self { snapshots: Vec::new(), min_gap: 1, shown: None }
    }
}

impl Rewind {
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    pub fn len(&self) -> usize {
        self.snapshots.len()
    }

    pub fn is_live(&self) -> bool {
        self.shown.is_none()
    }

    /// The snapshot the boundary shows: the past one picked, or the newest.
    pub fn on_view(&self) -> Option<&Snapshot> {
        self.shown().or(self.snapshots.last())
    }

    /// The past snapshot on view, if the timeline left the live view.
    pub fn shown(&self) -> Option<&Snapshot> {
        self.shown.and_then(|i| self.snapshots.get(i))
    }

    #[cfg(test)]
    fn snapshots(&self) -> &[Snapshot] {
        &self.snapshots
    }

    /// Keeps a new grid snapshot. The newest snapshot is always kept: one that comes too soon
    /// after the previous kept one replaces it instead of adding to the store.
    pub fn record(
        &mut self,
        grid: Arc<DecisionGrid>,
        record: Option<EpochRecord>,
        scores: Option<Arc<Scores>>,
    ) {
        let snapshot = Snapshot { grid, record, scores };
        let epoch = snapshot.epoch();
        let n = self.snapshots.len();
        let too_soon = n >= 2 && epoch < self.snapshots[n - 2].epoch() + self.min_gap;
        let same_epoch = n >= 1 && self.snapshots[n - 1].epoch() == epoch;
        let last_on_view = self.shown == Some(n.wrapping_sub(1));
        if (too_soon || same_epoch) && !last_on_view {
            self.snapshots[n - 1] = snapshot;
            return;
        }
        self.snapshots.push(snapshot);
        if self.snapshots.len() > MAX_SNAPSHOTS {
            self.thin();
        }
    }

    /// Test scores arrive just after their grid: they complete the newest snapshot.
    pub fn attach_scores(&mut self, scores: Arc<Scores>) {
        if let Some(last) = self.snapshots.last_mut() {
            last.scores = Some(scores);
        }
    }

    /// Drops every other snapshot (the first and the newest stay).
    fn thin(&mut self) {
        let last = self.snapshots.len() - 1;
        let mut index = 0;
        self.snapshots.retain(|_| {
            let keep = index % 2 == 0 || index == last;
            index += 1;
            keep
        });
        self.min_gap *= 2;
        if let Some(shown) = self.shown {
            self.shown = Some((shown / 2).min(self.snapshots.len() - 1));
        }
    }

    /// Shows snapshot `index` (clamped) instead of the live view.
    pub fn show(&mut self, index: usize) -> Option<RewindChange> {
        let index = index.min(self.snapshots.len().checked_sub(1)?);
        self.shown = Some(index);
        Some(RewindChange::Show(Arc::clone(&self.snapshots[index].grid)))
    }

    pub fn go_live(&mut self) -> RewindChange {
        self.shown = None;
        RewindChange::Live(self.snapshots.last().map(|s| Arc::clone(&s.grid)))
    }

    /// The timeline: a slider over the snapshots, a "Live" button, and what is on view.
    pub fn timeline_ui(&mut self, ui: &mut egui::Ui, training: bool) -> Option<RewindChange> {
        if self.snapshots.len() < 2 {
            return None;
        }
        let mut change = None;
        ui.horizontal(|ui| {
            let last = self.snapshots.len() - 1;
            let mut index = self.shown.unwrap_or(last);
            ui.spacing_mut().slider_width = (ui.available_width() - 140.0).clamp(80.0, 320.0);
            let slider = egui::Slider::new(&mut index, 0..=last).text("Rewind").show_value(false);
            let response = ui.add(slider).on_hover_text(
                "Scrub back through training: the boundary and the metrics as they were. \
                 Training goes on meanwhile; press Live to follow it again.",
            );
            if response.changed() {
                change = self.show(index);
            }
            let live = self.is_live();
            if ui
                .add_enabled(!live, egui::Button::new("Live"))
                .on_hover_text("Follow training again.")
                .clicked()
            {
                change = Some(self.go_live());
            }
        });
        // On its own line, so a long status wraps instead of widening the column.
        match self.shown() {
            Some(snapshot) => {
                let accuracy = snapshot
                    .record
                    .and_then(|r| r.test_accuracy)
                    .map(|a| format!(" (test accuracy {:.1}%)", a * 100.0))
                    .unwrap_or_default();
                let note = if training { "; training goes on" } else { "" };
                ui.label(format!(
                    "Showing epoch {}{accuracy}, snapshot {} of {}{note}.",
                    snapshot.epoch(),
                    self.shown.unwrap_or(0) + 1,
                    self.snapshots.len()
                ));
            }
            None => {
                ui.label(format!("Live; {} snapshots kept to rewind through.", self.snapshots.len()));
            }
        }
        change
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::{GridSpec, GridValues};

    fn grid(revision: u64) -> Arc<DecisionGrid> {
        let spec = GridSpec {
            x_feature: 0,
            y_feature: 1,
            resolution: 1,
            x_range: (0.0, 1.0),
            y_range: (0.0, 1.0),
            derived: Vec::new(),
            plane: None,
        };
        Arc::new(DecisionGrid { spec, values: GridValues::Values(vec![0.0]), revision, rows: None })
    }

    fn record(epoch: usize) -> Option<EpochRecord> {
        Some(EpochRecord {
            epoch,
            train_loss: 1.0,
            test_loss: 1.0,
            train_accuracy: None,
            test_accuracy: Some(epoch as f64 / 1e5),
            test_r2: None,
        })
    }

    #[test]
    fn long_runs_keep_a_bounded_spread_of_snapshots_and_the_newest() {
        let mut rewind = Rewind::default();
        for epoch in 0..=50_000 {
            rewind.record(grid(epoch as u64), record(epoch), None);
        }
        let epochs: Vec<usize> = rewind.snapshots().iter().map(Snapshot::epoch).collect();
        assert!(epochs.len() <= MAX_SNAPSHOTS && epochs.len() > MAX_SNAPSHOTS / 4, "{}", epochs.len());
        assert_eq!(epochs[0], 0);
        assert_eq!(*epochs.last().unwrap(), 50_000, "the newest snapshot is always kept");
        assert!(epochs.windows(2).all(|w| w[0] < w[1]));
        assert!(epochs[epochs.len() / 2] > 10_000, "old snapshots were thinned, not the recent ones dropped");
    }

    #[test]
    fn scrubbing_shows_a_past_snapshot_until_live() {
        let mut rewind = Rewind::default();
        for epoch in 0..10 {
            rewind.record(grid(epoch as u64), record(epoch), None);
        }
        assert!(rewind.is_live());
        let Some(RewindChange::Show(shown)) = rewind.show(3) else { panic!() };
        assert_eq!((shown.revision, rewind.shown().unwrap().epoch()), (3, 3));
        // Training goes on; the view stays on epoch 3.
        rewind.record(grid(10), record(10), None);
        assert_eq!(rewind.shown().unwrap().epoch(), 3);
        let RewindChange::Live(Some(latest)) = rewind.go_live() else { panic!() };
        assert_eq!(latest.revision, 10);
        assert!(rewind.shown().is_none());
    }
}
