//! Export: any plot (or any rectangle of the window) as PNG, and the metrics history as CSV.
//!
//! Any panel can use it; a `PlotExporter` lives as long as the panel and is polled each frame:
//!
//! ```ignore
//! // Before drawing: pick up saves that finished (their message stays until the next one).
//! exporter.poll();
//! let wants_png = export::png_button(ui);               // a small "Save PNG" button
//! let rect = my_plot.show(ui, |plot| ...).response.rect; // the plot's place on screen
//! if wants_png {
//!     exporter.save_png(ui.ctx(), "loss-curve", rect);   // screenshot, crop, ask where, write
//! }
//! if export::csv_button(ui) {
//!     exporter.save_metrics_csv("metrics", history.to_vec());
//! }
//! exporter.message_ui(ui);                              // "Saved loss-curve.png" or the error
//! ```
//!
//! `save_png` asks egui for a screenshot of the next frame (`Context::request_screenshot`),
//! crops it to `rect × pixels_per_point` (`crop_screenshot`), then encodes it and asks where to
//! save it in a background task (`platform::save_bytes`; a download in the browser); nothing
//! blocks the UI thread. `write_metrics_csv` writes the history atomically and is what tests
//! call directly.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use egui::{ColorImage, Rect};

use super::background::{BackgroundTasks, Task};
use super::platform::save_bytes;
use crate::files::{WriteError, encode_png, write_bytes_atomically};
use crate::training::EpochRecord;

/// How a save ended: the path written, or a message for the user.
pub type SaveOutcome = Result<PathBuf, String>;

/// Saves under way; a screenshot arrives a frame later and starts its save from egui's callback.
type PendingSaves = Arc<Mutex<Vec<Task<SaveOutcome>>>>;

pub struct PlotExporter {
    tasks: BackgroundTasks,
    pending: PendingSaves,
    /// The last save's outcome, shown under the buttons.
    pub last: Option<SaveOutcome>,
}

impl PlotExporter {
    pub fn new(tasks: BackgroundTasks) -> Self {
        Self { tasks, pending: PendingSaves::default(), last: None }
    }

    /// Picks up saves that finished since the last frame.
    pub fn poll(&mut self) {
        let Ok(mut pending) = self.pending.lock() else { return };
        pending.retain(|task| match task.poll() {
            Ok(None) => true,
            Ok(Some(outcome)) => {
                self.last = Some(outcome);
                false
            }
            Err(message) => {
                self.last = Some(Err(message));
                false
            }
        });
    }

    /// Screenshots the next frame, crops it to `rect` and saves it where the user says.
    pub fn save_png(&self, ctx: &egui::Context, name: &str, rect: Rect) {
        let pixels_per_point = ctx.pixels_per_point();
        let (tasks, pending) = (self.tasks.clone(), Arc::clone(&self.pending));
        let name = name.to_string();
        ctx.request_screenshot(move |image| {
            let task = match crop_screenshot(&image, rect, pixels_per_point) {
                Some((width, height, rgba)) => {
                    save_bytes(&tasks, format!("{name}.png"), ("PNG images", "png"), move || {
                        encode_png(width, height, &rgba)
                    })
                }
                None => tasks.spawn("save-dialog", move |_| {
                    Err(format!("{name} is not on screen, so there is nothing to save"))
                }),
            };
            if let Ok(mut pending) = pending.lock() {
                pending.push(task);
            }
        });
        ctx.request_repaint();
    }

    /// Asks where to save the metrics history, then writes it as CSV.
    pub fn save_metrics_csv(&self, name: &str, records: Vec<EpochRecord>) {
        let task = save_bytes(&self.tasks, format!("{name}.csv"), ("CSV tables", "csv"), move || {
            Ok(metrics_csv(&records).into_bytes())
        });
        if let Ok(mut pending) = self.pending.lock() {
            pending.push(task);
        }
    }

    /// The last save's outcome, in a line.
    pub fn message_ui(&self, ui: &mut egui::Ui) {
        match &self.last {
            Some(Ok(path)) => {
                ui.label(format!("Saved {}", path.display()));
            }
            Some(Err(message)) => {
                ui.colored_label(ui.visuals().warn_fg_color, message);
            }
            None => {}
        }
    }
}

/// A small "Save PNG" button; true when clicked.
pub fn png_button(ui: &mut egui::Ui) -> bool {
    ui.small_button("Save PNG").on_hover_text("Save this plot as a PNG image.").clicked()
}

/// A small "Save CSV" button; true when clicked.
pub fn csv_button(ui: &mut egui::Ui) -> bool {
    ui.small_button("Save CSV")
        .on_hover_text("Save the metrics history (one row per epoch shown on the curves) as CSV.")
        .clicked()
}

/// The part of a screenshot under `rect` (in points), as RGBA bytes: `(width, height, bytes)`.
/// `None` when the rectangle lies outside the image.
pub fn crop_screenshot(image: &ColorImage, rect: Rect, pixels_per_point: f32) -> Option<(u32, u32, Vec<u8>)> {
    let [image_width, image_height] = image.size;
    let to_pixel = |v: f32, limit: usize| ((v * pixels_per_point).round().max(0.0) as usize).min(limit);
    let (x0, x1) = (to_pixel(rect.min.x, image_width), to_pixel(rect.max.x, image_width));
    let (y0, y1) = (to_pixel(rect.min.y, image_height), to_pixel(rect.max.y, image_height));
    if x1 <= x0 || y1 <= y0 {
        return None;
    }
    let mut rgba = Vec::with_capacity((x1 - x0) * (y1 - y0) * 4);
    for y in y0..y1 {
        for pixel in &image.pixels[y * image_width + x0..y * image_width + x1] {
            rgba.extend_from_slice(&pixel.to_srgba_unmultiplied());
        }
    }
    Some(((x1 - x0) as u32, (y1 - y0) as u32, rgba))
}

/// The metrics history as CSV text: one row per epoch, empty cells where a score does not apply.
pub fn metrics_csv(records: &[EpochRecord]) -> String {
    let mut out = String::from("epoch,train_loss,test_loss,train_accuracy,test_accuracy,test_r2\n");
    let cell = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for r in records {
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            r.epoch,
            r.train_loss,
            r.test_loss,
            cell(r.train_accuracy),
            cell(r.test_accuracy),
            cell(r.test_r2)
        ));
    }
    out
}

/// Writes the metrics history to `path` as CSV, atomically.
pub fn write_metrics_csv(path: &Path, records: &[EpochRecord]) -> Result<(), WriteError> {
    write_bytes_atomically(path, metrics_csv(records).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::write_png;
    use egui::{Color32, pos2};

    #[test]
    fn crop_takes_the_rect_in_physical_pixels() {
        // 8×6 pixels at 2 pixels per point: the pixel at (x, y) has red x and green y.
        let pixels = (0..6).flat_map(|y| (0..8).map(move |x| Color32::from_rgb(x, y, 7))).collect();
        let image = ColorImage::new([8, 6], pixels);
        let rect = Rect::from_min_max(pos2(1.0, 0.5), pos2(3.0, 2.0));
        let (width, height, rgba) = crop_screenshot(&image, rect, 2.0).unwrap();
        assert_eq!((width, height), (4, 3));
        assert_eq!(rgba.len(), 4 * 3 * 4);
        assert_eq!(&rgba[..4], &[2, 1, 7, 255], "top-left is pixel (2, 1)");
        assert_eq!(&rgba[rgba.len() - 4..], &[5, 3, 7, 255], "bottom-right is pixel (5, 3)");
        // Partly off screen: clipped to the image; wholly off screen: nothing.
        let (width, height, _) =
            crop_screenshot(&image, Rect::from_min_max(pos2(3.0, 2.0), pos2(9.0, 9.0)), 2.0).unwrap();
        assert_eq!((width, height), (2, 2));
        assert!(crop_screenshot(&image, Rect::from_min_max(pos2(5.0, 5.0), pos2(9.0, 9.0)), 2.0).is_none());
    }

    #[test]
    fn metrics_csv_has_a_header_and_one_row_per_epoch() {
        let records = [
            EpochRecord {
                epoch: 1,
                train_loss: 0.5,
                test_loss: 0.75,
                train_accuracy: Some(0.8),
                test_accuracy: Some(0.5),
                test_r2: None,
            },
            EpochRecord {
                epoch: 2,
                train_loss: 0.25,
                test_loss: 0.5,
                train_accuracy: Some(0.9),
                test_accuracy: Some(0.75),
                test_r2: None,
            },
        ];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics.csv");
        write_metrics_csv(&path, &records).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "epoch,train_loss,test_loss,train_accuracy,test_accuracy,test_r2",
                "1,0.5,0.75,0.8,0.5,",
                "2,0.25,0.5,0.9,0.75,"
            ]
        );
        let (_, _, png) = crop_screenshot(
            &ColorImage::filled([2, 2], Color32::RED),
            Rect::from_min_max(pos2(0.0, 0.0), pos2(2.0, 2.0)),
            1.0,
        )
        .unwrap();
        write_png(&dir.path().join("plot.png"), 2, 2, &png).unwrap();
        assert_eq!(&std::fs::read(dir.path().join("plot.png")).unwrap()[1..4], b"PNG");
    }
}
