//! The data tab: a summary, per-column kinds and missing counts, class balance, and a table that
//! only lays out the rows and columns on screen, so 1M rows or 2,000 columns stay fast.

use egui::{Align2, FontId, Sense, vec2};

use super::palette::class_color;
use crate::data::csv_loader::{ColumnKind, ColumnReport};
use crate::data::{Dataset, InputShape, Target, Task};

const CELL_WIDTH: f32 = 84.0;
const ROW_HEIGHT: f32 = 18.0;

pub fn summary_ui(ui: &mut egui::Ui, data: &Dataset, columns: Option<&[ColumnReport]>, warnings: &[String]) {
    ui.horizontal_wrapped(|ui| {
        ui.strong(&data.name);
        ui.label(format!(
            "{} rows · {} feature inputs · target '{}' ({})",
            data.rows(),
            data.n_features(),
            data.target_name,
            data.task().name()
        ));
        match data.input_shape {
            InputShape::Vector => {}
            InputShape::Image { channels, height, width } => {
                ui.label(format!("· images {channels}×{height}×{width}"));
            }
            InputShape::Sequence { steps, channels } => {
                ui.label(format!("· sequences of {steps} steps × {channels}"));
            }
        }
    });
    if let Target::Classes { class_names, .. } = &data.target {
        let counts = data.class_counts();
        let total = data.rows().max(1) as f32;
        ui.horizontal_wrapped(|ui| {
            ui.label("Class balance:");
            for (class, (name, count)) in class_names.iter().zip(&counts).enumerate() {
                ui.colored_label(
                    class_color(class),
                    format!("{name}: {count} ({:.0}%)", 100.0 * *count as f32 / total),
                );
            }
        });
    }
    if let Some(columns) = columns {
        egui::CollapsingHeader::new(format!("Columns in the file ({})", columns.len()))
            .default_open(columns.len() <= 30)
            .show(ui, |ui| {
                egui::Grid::new("column_kinds").striped(true).show(ui, |ui| {
                    ui.strong("column");
                    ui.strong("kind");
                    ui.strong("missing");
                    ui.end_row();
                    for column in columns.iter().take(500) {
                        ui.label(&column.name);
                        let kind = if column.name == data.target_name {
                            match data.task() {
                                Task::Classification => "target (classes)",
                                Task::Regression => "target (a number)",
                            }
                        } else {
                            match column.kind {
                                ColumnKind::Numeric => "numeric",
                                ColumnKind::Categorical => "categorical (one-hot)",
                                ColumnKind::Text => "text (ignored)",
                            }
                        };
                        ui.label(kind);
                        ui.label(column.missing.to_string());
                        ui.end_row();
                    }
                });
                if columns.len() > 500 {
                    ui.label(format!("… and {} more columns", columns.len() - 500));
                }
            });
    }
    for warning in warnings {
        ui.colored_label(ui.visuals().warn_fg_color, warning);
    }
}

/// The first rows of image data drawn as pictures, with their class, so digits look like digits.
pub fn image_gallery_ui(ui: &mut egui::Ui, data: &Dataset, count: usize) {
    let InputShape::Image { channels, height, width } = data.input_shape else { return };
    let pixel = 4.0;
    let (lo, hi) =
        data.features.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let span = (hi - lo).max(1e-9);
    ui.horizontal_wrapped(|ui| {
        for i in 0..count.min(data.rows()) {
            let row = data.row(i);
            ui.vertical(|ui| {
                let (rect, response) =
                    ui.allocate_exact_size(vec2(width as f32 * pixel, height as f32 * pixel), Sense::hover());
                // The first channel only: every shipped image set is grey.
                paint_grey_image(&ui.painter_at(rect), rect, row, width, height, (lo, span));
                response.widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::Image, true, format!("image row {}", i + 1))
                });
                response.on_hover_text(format!("row {} ({channels} channel)", i + 1));
                ui.small(row_target(data, i));
            });
        }
    });
}

/// The first rows of sequence data drawn as small line plots (one line per channel), with
/// their class, so a student sees the shapes a network is asked to tell apart.
pub fn sequence_gallery_ui(ui: &mut egui::Ui, data: &Dataset, count: usize) {
    let InputShape::Sequence { steps, channels } = data.input_shape else { return };
    let (lo, hi) =
        data.features.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let span = (hi - lo).max(1e-9);
    let size = vec2(150.0, 48.0);
    ui.horizontal_wrapped(|ui| {
        for i in 0..count.min(data.rows()) {
            let row = data.row(i);
            ui.vertical(|ui| {
                let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
                let painter = ui.painter_at(rect);
                painter.rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
                for channel in 0..channels {
                    let points: Vec<egui::Pos2> = (0..steps)
                        .map(|t| {
                            let v = (row[t * channels + channel] - lo) / span;
                            let x = rect.left() + rect.width() * t as f32 / (steps.max(2) - 1) as f32;
                            egui::pos2(x, rect.bottom() - rect.height() * v as f32)
                        })
                        .collect();
                    painter.add(egui::Shape::line(points, egui::Stroke::new(1.5, class_color(channel))));
                }
                response.widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::Image, true, format!("sequence row {}", i + 1))
                });
                response.on_hover_text(format!("row {}: {steps} steps × {channels} channel(s)", i + 1));
                ui.small(row_target(data, i));
            });
        }
    });
}

/// Row `i`'s class name or value, written under its picture or plot.
fn row_target(data: &Dataset, i: usize) -> String {
    match &data.target {
        Target::Classes { labels, class_names } => class_names[labels[i] as usize].clone(),
        Target::Values(values) => format_value(values[i]),
    }
}

/// The rows as a table; only the visible cells are drawn.
/// Paints the first `width × height` values of `row` as a grey image filling `rect`: dark ink
/// for high values, scaled by `(low, span)`.
pub fn paint_grey_image(
    painter: &egui::Painter,
    rect: egui::Rect,
    row: &[f64],
    width: usize,
    height: usize,
    (low, span): (f64, f64),
) {
    let pixel = vec2(rect.width() / width as f32, rect.height() / height as f32);
    for y in 0..height {
        for x in 0..width {
            let v = ((row[y * width + x] - low) / span).clamp(0.0, 1.0);
            let cell =
                egui::Rect::from_min_size(rect.min + vec2(x as f32 * pixel.x, y as f32 * pixel.y), pixel);
            painter.rect_filled(cell, 0.0, egui::Color32::from_gray((255.0 * (1.0 - v)) as u8));
        }
    }
}

pub fn table_ui(ui: &mut egui::Ui, data: &Dataset) {
    let columns = data.n_features() + 1;
    let rows = data.rows();
    let total = vec2(CELL_WIDTH * (columns + 1) as f32, ROW_HEIGHT * (rows + 1) as f32);
    let font = FontId::monospace(12.0);
    let text_color = ui.visuals().text_color();
    let header_color = ui.visuals().strong_text_color();
    let stripe = ui.visuals().faint_bg_color;
    egui::ScrollArea::both().id_salt("data_table").auto_shrink(false).show_viewport(ui, |ui, viewport| {
        let (rect, _) = ui.allocate_exact_size(total, Sense::hover());
        let painter = ui.painter_at(rect.intersect(ui.clip_rect()));
        let first_row = (viewport.min.y / ROW_HEIGHT).floor().max(0.0) as usize;
        let last_row = ((viewport.max.y / ROW_HEIGHT).ceil() as usize).min(rows + 1);
        let first_col = (viewport.min.x / CELL_WIDTH).floor().max(0.0) as usize;
        let last_col = ((viewport.max.x / CELL_WIDTH).ceil() as usize).min(columns + 1);
        for r in first_row..last_row {
            let y = rect.min.y + r as f32 * ROW_HEIGHT;
            if r % 2 == 1 {
                let band = egui::Rect::from_min_size(
                    egui::pos2(rect.min.x + viewport.min.x, y),
                    vec2(viewport.width(), ROW_HEIGHT),
                );
                painter.rect_filled(band, 0.0, stripe);
            }
            for c in first_col..last_col {
                let x = rect.min.x + c as f32 * CELL_WIDTH + 4.0;
                let (text, color) = cell(data, r, c, text_color, header_color);
                painter.text(
                    egui::pos2(x, y + ROW_HEIGHT / 2.0),
                    Align2::LEFT_CENTER,
                    text,
                    font.clone(),
                    color,
                );
            }
        }
    });
}

/// Row 0 is the header, column 0 the row number, the last column the target.
fn cell(
    data: &Dataset,
    row: usize,
    column: usize,
    text: egui::Color32,
    header: egui::Color32,
) -> (String, egui::Color32) {
    let d = data.n_features();
    if row == 0 {
        let name = match column {
            0 => "#".to_string(),
            c if c <= d => data.feature_names[c - 1].clone(),
            _ => format!("{} (target)", data.target_name),
        };
        return (truncate(&name), header);
    }
    let i = row - 1;
    match column {
        0 => ((i + 1).to_string(), header),
        c if c <= d => (format_value(data.row(i)[c - 1]), text),
        _ => match &data.target {
            Target::Classes { labels, class_names } => {
                let class = labels[i] as usize;
                (truncate(&class_names[class]), class_color(class))
            }
            Target::Values(values) => (format_value(values[i]), text),
        },
    }
}

fn format_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e9 { format!("{v:.0}") } else { format!("{v:.4}") }
}

fn truncate(text: &str) -> String {
    if text.chars().count() > 11 {
        format!("{}…", text.chars().take(10).collect::<String>())
    } else {
        text.to_string()
    }
}
