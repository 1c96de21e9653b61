//! A lesson's report on screen: the finding, the tables (as grids) and the charts (egui_plot:
//! lines, points, optimizer paths with markers, spread bands, a heatmap behind them, log-x sizes).

use egui::{Color32, ColorImage, TextureHandle, TextureOptions};
use egui_plot::{
    ColorConflictHandling, FilledArea, Legend, Line, MarkerShape, Plot, PlotImage, PlotPoint, Points,
};

use super::palette::class_color;
use crate::lessons::export::heatmap_colors;
use crate::lessons::{ChartSeries, Heatmap, LessonReport, ReportChart, ReportTable, SeriesStyle};

/// The least height of one chart in the report.
pub const MIN_CHART_HEIGHT: f32 = 220.0;

/// Textures of the charts' heatmaps, rebuilt when a new report arrives.
#[derive(Default)]
pub struct ReportView {
    heatmaps: Vec<Option<TextureHandle>>,
    /// Which report the textures belong to (its charts), so a new run rebuilds them.
    built_for: Option<Vec<ReportChart>>,
}

impl ReportView {
    /// The charts, each `chart_height` tall (the picture comes first in a lesson window).
    pub fn charts_ui(&mut self, ui: &mut egui::Ui, report: &LessonReport, chart_height: f32) {
        self.prepare_heatmaps(ui.ctx(), &report.charts);
        let is_map = |chart: &ReportChart| chart.series.is_empty() && chart.heatmap.is_some();
        let mut index = 0;
        while let Some(chart) = report.charts.get(index) {
            let run = scatter_run(&report.charts[index..]);
            if run >= 2 {
                ui.add_space(6.0);
                scatter_gallery_ui(ui, &report.charts[index..index + run], index);
                index += run;
                continue;
            }
            if !is_map(chart) {
                ui.add_space(6.0);
                let texture = self.heatmaps.get(index).and_then(Option::as_ref);
                chart_ui(ui, chart, index, texture, chart_height);
            }
            index += 1;
        }
        let maps: Vec<(usize, &ReportChart)> =
            report.charts.iter().enumerate().filter(|(_, c)| is_map(c)).collect();
        if !maps.is_empty() {
            ui.add_space(6.0);
            self.map_gallery_ui(ui, &maps);
        }
    }

    /// Charts that are only a heatmap (a hidden unit's response over the plane) as a grid of small
    /// pictures, so eight of them do not need eight screens of scrolling.
    fn map_gallery_ui(&self, ui: &mut egui::Ui, maps: &[(usize, &ReportChart)]) {
        let (heading, _) = split_title(&maps[0].1.title);
        ui.strong(heading);
        ui.label(
            egui::RichText::new("Dark is low, light is high. Hover a picture for its full title.").weak(),
        );
        // A grid sized to the current width: wrapped rows would widen a window instead of wrapping.
        let cell = MAP_SIZE + ui.spacing().item_spacing.x;
        let columns = ((ui.available_width() / cell).floor() as usize).max(1);
        egui::Grid::new("lesson_map_gallery").num_columns(columns).show(ui, |ui| {
            for (number, &(index, chart)) in maps.iter().enumerate() {
                let Some(texture) = self.heatmaps.get(index).and_then(Option::as_ref) else { continue };
                ui.vertical(|ui| {
                    ui.set_width(MAP_SIZE);
                    ui.add(egui::Image::from_texture((texture.id(), egui::vec2(MAP_SIZE, MAP_SIZE))))
                        .on_hover_text(&chart.title);
                    ui.label(egui::RichText::new(split_title(&chart.title).1).small());
                });
                if (number + 1) % columns == 0 {
                    ui.end_row();
                }
            }
        });
    }

    fn prepare_heatmaps(&mut self, ctx: &egui::Context, charts: &[ReportChart]) {
        if self.built_for.as_deref() == Some(charts) {
            return;
        }
        self.heatmaps = charts
            .iter()
            .enumerate()
            .map(|(index, chart)| {
                let heatmap = chart.heatmap.as_ref()?;
                let image = heatmap_image(heatmap)?;
                Some(ctx.load_texture(format!("lesson-heatmap-{index}"), image, TextureOptions::LINEAR))
            })
            .collect();
        self.built_for = Some(charts.to_vec());
    }
}

/// How many charts from the first are points only and share the heading before their last ": "
/// (the test rows as each layer sees them): such a run is drawn small, side by side.
fn scatter_run(charts: &[ReportChart]) -> usize {
    let points_only = |c: &ReportChart| {
        c.heatmap.is_none() && !c.series.is_empty() && c.series.iter().all(|s| s.style == SeriesStyle::Points)
    };
    let Some(first) = charts.first().filter(|c| points_only(c) && c.title.contains(": ")) else { return 0 };
    let heading = split_title(&first.title).0;
    charts.iter().take_while(|c| points_only(c) && split_title(&c.title).0 == heading).count()
}

/// Side of one plot in a scatter gallery.
const SCATTER_SIZE: f32 = 190.0;

/// Point charts that belong together, small and side by side, captioned by their short names,
/// with one legend for all (their series are the same classes).
fn scatter_gallery_ui(ui: &mut egui::Ui, charts: &[ReportChart], first_index: usize) {
    ui.strong(split_title(&charts[0].title).0);
    let cell = SCATTER_SIZE + ui.spacing().item_spacing.x;
    let columns = ((ui.available_width() / cell).floor() as usize).max(1);
    egui::Grid::new(("lesson_scatter_gallery", first_index)).num_columns(columns).show(ui, |ui| {
        for (number, chart) in charts.iter().enumerate() {
            ui.vertical(|ui| {
                ui.set_width(SCATTER_SIZE);
                let response = super::representations_view::bare_plot(
                    egui::IdSalt::new(("lesson_scatter", first_index + number)),
                    SCATTER_SIZE,
                )
                .show(ui, |plot| {
                    for (class, series) in chart.series.iter().enumerate() {
                        plot.points(
                            Points::new(series.name.clone(), series_points(chart, series))
                                .color(class_color(class))
                                .radius(2.0)
                                .filled(true),
                        );
                    }
                })
                .response;
                response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &chart.title));
                response.on_hover_text(&chart.title);
                ui.label(egui::RichText::new(split_title(&chart.title).1).small());
            });
            if (number + 1) % columns == 0 {
                ui.end_row();
            }
        }
    });
    ui.horizontal_wrapped(|ui| {
        for (class, series) in charts[0].series.iter().enumerate() {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
            ui.painter().circle_filled(rect.center(), 4.0, class_color(class));
            ui.label(&series.name);
        }
    });
}

/// Side of one picture in the map gallery.
const MAP_SIZE: f32 = 128.0;

/// "MLP 8-8: hidden unit 3" -> ("MLP 8-8", "hidden unit 3"); a title without ": " is both.
pub fn split_title(title: &str) -> (&str, &str) {
    title.rsplit_once(": ").unwrap_or((title, title))
}

/// A results table as a striped grid; the first row is the header.
pub fn table_ui(ui: &mut egui::Ui, table: &ReportTable, index: usize) {
    ui.strong(&table.title);
    egui::Grid::new(("lesson_table", index)).striped(true).spacing([16.0, 4.0]).show(ui, |ui| {
        for column in &table.columns {
            ui.strong(column);
        }
        ui.end_row();
        for row in &table.rows {
            for cell in row {
                ui.label(cell);
            }
            ui.end_row();
        }
    });
}

/// Where a value lands on the chart's x axis: sizes are drawn on log10.
fn chart_x(chart: &ReportChart, x: f64) -> Option<f64> {
    if chart.log_x { (x > 0.0).then(|| x.log10()) } else { Some(x) }
}

fn series_points(chart: &ReportChart, series: &ChartSeries) -> Vec<[f64; 2]> {
    series.points.iter().filter_map(|&[x, y]| Some([chart_x(chart, x)?, y])).collect()
}

/// The report's tables as grids.
pub fn tables_ui(ui: &mut egui::Ui, report: &LessonReport) {
    for (index, table) in report.tables.iter().enumerate() {
        ui.add_space(6.0);
        table_ui(ui, table, index);
    }
}

pub fn chart_ui(
    ui: &mut egui::Ui,
    chart: &ReportChart,
    index: usize,
    heatmap: Option<&TextureHandle>,
    height: f32,
) {
    ui.strong(&chart.title);
    let mut plot = Plot::new(("lesson_chart", index))
        .height(height.max(MIN_CHART_HEIGHT))
        // In the order the lesson lists its models (classical first, then networks).
        .legend(
            Legend::default()
                .follow_insertion_order(true)
                .color_conflict_handling(ColorConflictHandling::PickFirst),
        )
        .x_axis_label(&chart.x_label)
        .y_axis_label(&chart.y_label)
        .y_grid_spacer(super::axes::round_number_spacer())
        .y_axis_formatter(super::axes::tick_label)
        .allow_scroll(false);
    if chart.log_x {
        plot = plot.x_axis_formatter(|mark, _| format_size(10f64.powf(mark.value)));
    } else {
        plot =
            plot.x_grid_spacer(super::axes::round_number_spacer()).x_axis_formatter(super::axes::tick_label);
    }
    plot.show(ui, |plot| {
        if let (Some(texture), Some(map)) = (heatmap, &chart.heatmap) {
            let (x0, x1) = (chart_x(chart, map.x_range.0), chart_x(chart, map.x_range.1));
            if let (Some(x0), Some(x1)) = (x0, x1) {
                let (y0, y1) = map.y_range;
                let center = PlotPoint::new((x0 + x1) / 2.0, (y0 + y1) / 2.0);
                plot.image(PlotImage::new(
                    "",
                    texture.id(),
                    center,
                    egui::vec2((x1 - x0) as f32, (y1 - y0) as f32),
                ));
            }
        }
        for (number, series) in chart.series.iter().enumerate() {
            let color = class_color(number);
            let points = series_points(chart, series);
            match series.style {
                SeriesStyle::Line => {
                    plot.line(Line::new(series.name.clone(), points).color(color).width(2.0))
                }
                SeriesStyle::Points => plot.points(
                    Points::new(series.name.clone(), points)
                        .color(color)
                        .radius(3.0)
                        .shape(MarkerShape::Circle),
                ),
                SeriesStyle::Path => {
                    plot.line(Line::new(series.name.clone(), points.clone()).color(color).width(1.5));
                    plot.points(
                        Points::new(series.name.clone(), points)
                            .color(color)
                            .radius(2.5)
                            .shape(MarkerShape::Circle)
                            .filled(true),
                    );
                }
            }
        }
        // Bands after the lines: with PickFirst each legend entry takes its line's colour, not
        // the band's faint one; the band is translucent, so the line still shows through.
        for (number, series) in chart.series.iter().enumerate() {
            let color = class_color(number);
            let band: Vec<[f64; 3]> =
                series.band.iter().filter_map(|&[x, lo, hi]| Some([chart_x(chart, x)?, lo, hi])).collect();
            if band.len() >= 2 {
                let xs: Vec<f64> = band.iter().map(|b| b[0]).collect();
                let lows: Vec<f64> = band.iter().map(|b| b[1]).collect();
                let highs: Vec<f64> = band.iter().map(|b| b[2]).collect();
                plot.add(
                    // The series' own name: one legend entry shows and hides line and band together.
                    FilledArea::new(series.name.clone(), &xs, &lows, &highs)
                        .fill_color(color.gamma_multiply(0.25)),
                );
            }
        }
    });
}

/// A training-set size for an axis label: 50, 1.2k.
fn format_size(value: f64) -> String {
    if value >= 1000.0 { format!("{:.1}k", value / 1000.0) } else { format!("{}", value.round()) }
}

/// The heatmap as an image, top row first; `None` when its size and values disagree.
fn heatmap_image(map: &Heatmap) -> Option<ColorImage> {
    let (w, h) = (map.width, map.height);
    if w == 0 || h == 0 || map.values.len() != w * h {
        return None;
    }
    let colors = heatmap_colors(map);
    let mut pixels = vec![Color32::TRANSPARENT; w * h];
    for row in 0..h {
        for column in 0..w {
            let [r, g, b] = colors[row * w + column];
            pixels[(h - 1 - row) * w + column] = Color32::from_rgb(r, g, b);
        }
    }
    Some(ColorImage::new([w, h], pixels))
}
