//! Test-set scores: the confusion matrix and per-class precision, recall and F1.

use super::palette::{class_color, mix};
use crate::metrics::ClassScores;

pub fn confusion_ui(
    ui: &mut egui::Ui,
    confusion: &[Vec<usize>],
    scores: &[ClassScores],
    class_names: &[String],
) {
    let name = |c: usize| class_names.get(c).cloned().unwrap_or_else(|| format!("class {c}"));
    let largest = confusion.iter().flatten().copied().max().unwrap_or(1).max(1) as f32;
    let background = ui.visuals().extreme_bg_color;
    ui.label("Rows: the true class. Columns: what the model said. The diagonal counts the right answers.")
        .on_hover_text(
            "A confusion matrix shows which classes the model mixes up, not only how often it is wrong.",
        );
    egui::Grid::new("confusion_matrix").spacing([6.0, 4.0]).show(ui, |ui| {
        ui.label("true \\ predicted");
        for c in 0..confusion.len() {
            ui.colored_label(class_color(c), name(c));
        }
        ui.end_row();
        for (t, row) in confusion.iter().enumerate() {
            ui.colored_label(class_color(t), name(t));
            for (p, &count) in row.iter().enumerate() {
                let tint = if t == p {
                    egui::Color32::from_rgb(89, 161, 79)
                } else {
                    egui::Color32::from_rgb(225, 87, 89)
                };
                let fill = mix(background, tint, 0.15 + 0.7 * count as f32 / largest);
                egui::Frame::new().fill(fill).inner_margin(4.0).show(ui, |ui| {
                    ui.label(count.to_string());
                });
            }
            ui.end_row();
        }
    });
    ui.add_space(6.0);
    egui::Grid::new("class_scores").striped(true).show(ui, |ui| {
        ui.strong("class");
        ui.strong("precision")
            .on_hover_text("Of the points the model put in this class, the share that truly belong there.");
        ui.strong("recall").on_hover_text("Of the points truly in this class, the share the model found.");
        ui.strong("F1").on_hover_text("The balance of precision and recall (their harmonic mean).");
        ui.strong("support").on_hover_text("How many test points truly belong to this class.");
        ui.end_row();
        for (c, s) in scores.iter().enumerate() {
            ui.colored_label(class_color(c), name(c));
            ui.label(format!("{:.3}", s.precision));
            ui.label(format!("{:.3}", s.recall));
            ui.label(format!("{:.3}", s.f1));
            ui.label(s.support.to_string());
            ui.end_row();
        }
    });
}
