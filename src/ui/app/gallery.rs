//! Image data in the Model view: a boundary over two of many pixels says nothing, so the test
//! images are shown instead, each framed in the colour of the class the model gave it.

use egui::{Color32, Sense, Stroke, vec2};

use super::StudioApp;
use crate::data::{Dataset, InputShape};
use crate::ui::data_view::paint_grey_image;
use crate::ui::palette::{class_color, class_color_name};
use crate::ui::state::CentralTab;

/// Test images shown at most: enough to see the model's habits, few enough to draw every frame.
const MAX_SHOWN: usize = 60;

impl StudioApp {
    /// Replaces the boundary plot on image data. The predictions are the ones the worker sent
    /// with its latest decision grid (the same snapshot the status line and metrics show).
    pub(super) fn prediction_gallery_ui(&mut self, ui: &mut egui::Ui, data: &Dataset) {
        let InputShape::Image { height, width, .. } = data.input_shape else { return };
        ui.strong("Test images, framed by the model's answer");
        ui.label(format!(
            "No boundary is drawn: a boundary over two of {} pixels would show nothing. Here are the \
             test {} coloured by the model's answer; a red cross marks a wrong one, with its true class.",
            data.n_features(),
            if width * height == 64 { "digits" } else { "images" },
        ));
        if self.settings.model.kind.is_network()
            && ui
                .link("See how each layer of the network sorts them: Representations")
                .on_hover_text("The test rows as each layer of the network sees them.")
                .clicked()
        {
            self.views.tab = CentralTab::Representations;
        }
        let rows = self.views.rewind.on_view().and_then(|s| s.grid.rows.clone());
        let test = &self.input.split.test;
        let predicted = rows.as_ref().map(|r| r.test.as_slice()).filter(|p| p.len() == test.len());
        let Some(predicted) = predicted else {
            ui.label("Train the model to see its answers on the test images.");
            gallery(ui, data, test, None, ui.available_width());
            return;
        };
        let wrong = test
            .iter()
            .zip(predicted)
            .filter(|&(&row, &p)| data.labels().is_some_and(|l| l[row] != p))
            .count();
        ui.label(format!("{wrong} of {} test images wrong.", test.len()));
        let width = ui.available_width();
        egui::ScrollArea::vertical().id_salt("prediction_gallery").show(ui, |ui| {
            // The images wrap at the column's width, leaving the side view its room.
            ui.set_max_width(width);
            gallery(ui, data, test, Some(predicted), width);
        });
    }
}

/// The first test images; with predictions, each framed in its predicted class's colour and
/// named by it, the wrong ones (shown first) crossed and given their true class.
fn gallery(ui: &mut egui::Ui, data: &Dataset, test: &[usize], predicted: Option<&[u32]>, room: f32) {
    let InputShape::Image { height, width, .. } = data.input_shape else { return };
    let (Some(labels), names) = (data.labels(), data.class_names()) else { return };
    let name = |c: u32| names.get(c as usize).cloned().unwrap_or_else(|| format!("class {c}"));
    let (lo, hi) =
        data.features.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let span = (hi - lo).max(1e-9);
    let side = if width.max(height) <= 8 { 40.0 } else { 56.0 };
    // Mistakes first: they are what a student should look at.
    let mut order: Vec<usize> = (0..test.len()).collect();
    if let Some(p) = predicted {
        order.sort_by_key(|&k| labels[test[k]] == p[k]);
    }
    // Rows of a fixed count, so the images wrap at the column's edge.
    let cell = side + 12.0;
    let columns = ((room / cell).floor() as usize).max(1);
    order.truncate(MAX_SHOWN);
    for chunk in order.chunks(columns) {
        ui.horizontal_top(|ui| {
            for &k in chunk {
                let row = test[k];
                let truth = labels[row];
                ui.vertical(|ui| {
                    ui.set_width(cell - ui.spacing().item_spacing.x);
                    let (rect, response) = ui.allocate_exact_size(vec2(side, side), Sense::hover());
                    let image = rect.shrink(3.0);
                    paint_grey_image(&ui.painter_at(rect), image, data.row(row), width, height, (lo, span));
                    let Some(p) = predicted.map(|p| p[k]) else {
                        ui.small(name(truth));
                        return;
                    };
                    let painter = ui.painter_at(rect);
                    painter.rect_stroke(
                        rect,
                        2.0,
                        Stroke::new(3.0, class_color(p as usize)),
                        egui::StrokeKind::Inside,
                    );
                    let label = if p == truth {
                        format!("test image {}: predicted {}", row + 1, name(p))
                    } else {
                        // A small cross in the corner: the digit itself stays readable.
                        let red = Stroke::new(2.0, Color32::from_rgb(220, 40, 40));
                        let corner =
                            egui::Rect::from_min_size(rect.right_top() + vec2(-11.0, 1.0), vec2(10.0, 10.0));
                        painter.rect_filled(corner, 1.0, Color32::WHITE);
                        painter.line_segment([corner.left_top(), corner.right_bottom()], red);
                        painter.line_segment([corner.right_top(), corner.left_bottom()], red);
                        format!(
                            "test image {}: predicted {}, wrong (truly {})",
                            row + 1,
                            name(p),
                            name(truth)
                        )
                    };
                    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &label));
                    response.on_hover_text(format!("{label}; frame colour {}", class_color_name(p as usize)));
                    if p == truth {
                        ui.small(name(p));
                    } else {
                        ui.small(format!("{}, is {}", name(p), name(truth)))
                            .on_hover_text("the model's answer, then the true class");
                    }
                });
            }
        });
    }
}
