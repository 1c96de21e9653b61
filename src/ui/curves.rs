//! Loss and accuracy curves, kept thin so hours of training cost neither memory nor frame time.

use egui_plot::{Legend, Line, Plot, PlotPoint, PlotPoints, VLine};

use crate::training::EpochRecord;

/// Points kept per series; beyond this every other point is dropped (the shape stays).
const MAX_POINTS: usize = 2000;

#[derive(Default)]
pub struct TrainingCurves {
    pub train_loss: Vec<PlotPoint>,
    pub test_loss: Vec<PlotPoint>,
    pub train_accuracy: Vec<PlotPoint>,
    pub test_accuracy: Vec<PlotPoint>,
    /// The records behind the points, for the CSV export.
    history: Vec<EpochRecord>,
    /// The epoch the rewind timeline shows, marked with a vertical line.
    pub marker: Option<usize>,
    /// Keep one epoch in `stride` (doubles each time the series are thinned).
    stride: usize,
}

impl TrainingCurves {
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    pub fn len(&self) -> usize {
        self.train_loss.len()
    }

    /// The epochs shown on the curves (thinned like them), oldest first.
    pub fn history(&self) -> &[EpochRecord] {
        &self.history
    }

    fn marker_ui(&self, plot: &mut egui_plot::PlotUi<'_>) {
        if let Some(epoch) = self.marker {
            plot.vline(VLine::new("rewound to", epoch as f64).color(egui::Color32::from_rgb(255, 200, 0)));
        }
    }

    pub fn push(&mut self, record: &EpochRecord) {
        let stride = self.stride.max(1);
        if record.epoch % stride != 0 && record.epoch != 1 {
            return;
        }
        let x = record.epoch as f64;
        self.history.push(*record);
        self.train_loss.push(PlotPoint::new(x, record.train_loss));
        self.test_loss.push(PlotPoint::new(x, record.test_loss));
        if let (Some(train), Some(test)) = (record.train_accuracy, record.test_accuracy) {
            self.train_accuracy.push(PlotPoint::new(x, train));
            self.test_accuracy.push(PlotPoint::new(x, test));
        }
        if self.train_loss.len() > MAX_POINTS {
            self.stride = stride * 2;
            for series in
                [&mut self.train_loss, &mut self.test_loss, &mut self.train_accuracy, &mut self.test_accuracy]
            {
                let mut index = 0;
                series.retain(|_| {
                    index += 1;
                    index % 2 == 1
                });
            }
            let mut index = 0;
            self.history.retain(|_| {
                index += 1;
                index % 2 == 1
            });
        }
    }

    /// Draws the loss plot; returns where it sits on screen.
    pub fn loss_ui(&self, ui: &mut egui::Ui, height: f32) -> egui::Rect {
        let response = Plot::new("loss_curves")
            .height(height)
            .x_grid_spacer(super::axes::round_number_spacer())
            .legend(Legend::default())
            .x_axis_label("epoch")
            .y_axis_label("loss")
            // At least ten epochs wide, so the axis has ticks before the first epochs arrive.
            .include_x(0.0)
            .include_x(10.0)
            .include_y(0.0)
            .allow_scroll(false)
            .show(ui, |plot| {
                plot.line(Line::new("train loss", PlotPoints::Borrowed(&self.train_loss)));
                plot.line(Line::new("test loss", PlotPoints::Borrowed(&self.test_loss)));
                self.marker_ui(plot);
            })
            .response;
        response.widget_info(|| summary("loss", &self.train_loss, &self.test_loss));
        response.rect
    }

    /// Draws the accuracy plot; returns where it sits on screen.
    pub fn accuracy_ui(&self, ui: &mut egui::Ui, height: f32) -> egui::Rect {
        let response = Plot::new("accuracy_curves")
            .height(height)
            .x_grid_spacer(super::axes::round_number_spacer())
            .legend(Legend::default())
            .x_axis_label("epoch")
            .y_axis_label("accuracy")
            .include_x(0.0)
            .include_x(10.0)
            .include_y(0.0)
            .include_y(1.0)
            .allow_scroll(false)
            .show(ui, |plot| {
                plot.line(Line::new("train accuracy", PlotPoints::Borrowed(&self.train_accuracy)));
                plot.line(Line::new("test accuracy", PlotPoints::Borrowed(&self.test_accuracy)));
                self.marker_ui(plot);
            })
            .response;
        response.widget_info(|| summary("accuracy", &self.train_accuracy, &self.test_accuracy));
        response.rect
    }
}

/// What a screen reader says for a curve plot: "loss curves to epoch 149, train 0.077, test 0.046".
fn summary(what: &str, train: &[PlotPoint], test: &[PlotPoint]) -> egui::WidgetInfo {
    let text = match (train.last(), test.last()) {
        (Some(t), Some(v)) => format!("{what} curves to epoch {}, train {:.3}, test {:.3}", t.x, t.y, v.y),
        (Some(t), None) => format!("{what} curve to epoch {}, train {:.3}", t.x, t.y),
        _ => format!("{what} curves, no epochs yet"),
    };
    egui::WidgetInfo::labeled(egui::Role::Figure, true, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(epoch: usize) -> EpochRecord {
        EpochRecord {
            epoch,
            train_loss: 1.0 / epoch as f64,
            test_loss: 1.0,
            train_accuracy: Some(0.5),
            test_accuracy: Some(0.5),
            test_r2: None,
        }
    }

    #[test]
    fn long_runs_are_thinned_to_a_bounded_size() {
        let mut curves = TrainingCurves::default();
        for epoch in 1..=100_000 {
            curves.push(&record(epoch));
        }
        assert!(curves.len() <= MAX_POINTS && curves.len() > MAX_POINTS / 4, "{}", curves.len());
        assert_eq!(curves.train_loss[0].x, 1.0);
        assert!(curves.train_loss.last().unwrap().x > 90_000.0);
        assert_eq!(curves.test_accuracy.len(), curves.len());
        assert_eq!(curves.history().len(), curves.len(), "the CSV export has the points shown");
    }
}
