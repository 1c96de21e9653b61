//! Writing a lesson report to a folder: `report.md` and one PNG per chart. The charts are drawn
//! here into plain RGBA pixels, so the export works for charts that are not on screen, headless,
//! and in tests.

use std::path::{Path, PathBuf};

use super::{Heatmap, LessonReport, ReportChart, SeriesStyle};

pub const CHART_WIDTH: u32 = 800;
pub const CHART_HEIGHT: u32 = 500;

/// Space around the plot area for the frame and ticks: left, right, top, bottom.
const MARGIN: [f64; 4] = [64.0, 24.0, 16.0, 36.0];

const SERIES_COLORS: [[u8; 3]; 6] =
    [[242, 142, 43], [78, 121, 167], [89, 161, 79], [225, 87, 89], [176, 122, 161], [118, 183, 178]];

/// Each heatmap cell's colour: a grey ramp, dark where the value is low (a loss surface's
/// valley), so the coloured paths drawn over it stay readable.
pub fn heatmap_colors(map: &Heatmap) -> Vec<[u8; 3]> {
    let finite = map.values.iter().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let span = (hi - lo).max(1e-12);
    map.values
        .iter()
        .map(|&v| {
            let t = if v.is_finite() { ((v - lo) / span).clamp(0.0, 1.0) } else { 1.0 };
            let level = (30.0 + 190.0 * t).round() as u8;
            [level, level, level]
        })
        .collect()
}

/// Writes `chart-1.png`, `chart-2.png`… and `report.md` (which links them) into `folder`,
/// creating it if needed. Returns the files written.
pub fn export_report(report: &LessonReport, folder: &Path) -> Result<Vec<PathBuf>, String> {
    let (mut written, names) = write_charts(report, folder, "")?;
    let markdown_path = folder.join("report.md");
    let markdown = markdown_with_charts(report, &names);
    crate::files::write_bytes_atomically(&markdown_path, markdown.as_bytes()).map_err(|e| e.to_string())?;
    written.push(markdown_path);
    Ok(written)
}

/// The files `export_report` writes, as (name, contents): the charts as PNG, then `report.md`.
/// The browser offers each as a download.
pub fn report_files(report: &LessonReport) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut files = Vec::new();
    for (index, chart) in report.charts.iter().enumerate() {
        let pixels = rasterize_chart(chart, CHART_WIDTH, CHART_HEIGHT);
        files.push((
            format!("chart-{}.png", index + 1),
            crate::files::encode_png(CHART_WIDTH, CHART_HEIGHT, &pixels)?,
        ));
    }
    let names: Vec<String> = files.iter().map(|(name, _)| name.clone()).collect();
    files.push(("report.md".to_string(), markdown_with_charts(report, &names).into_bytes()));
    Ok(files)
}

/// Draws every chart into `folder` (created if needed) as `{prefix}chart-1.png`… Returns the
/// files written and their names, for the Markdown to link.
pub fn write_charts(
    report: &LessonReport,
    folder: &Path,
    prefix: &str,
) -> Result<(Vec<PathBuf>, Vec<String>), String> {
    std::fs::create_dir_all(folder).map_err(|e| format!("could not create {}: {e}", folder.display()))?;
    let mut written = Vec::new();
    let mut names = Vec::new();
    for (index, chart) in report.charts.iter().enumerate() {
        let name = format!("{prefix}chart-{}.png", index + 1);
        let path = folder.join(&name);
        let pixels = rasterize_chart(chart, CHART_WIDTH, CHART_HEIGHT);
        crate::files::write_png(&path, CHART_WIDTH, CHART_HEIGHT, &pixels).map_err(|e| e.to_string())?;
        written.push(path);
        names.push(name);
    }
    Ok((written, names))
}

/// The report as Markdown with its charts (`names`, as [`write_charts`] wrote them) linked and
/// explained.
pub fn markdown_with_charts(report: &LessonReport, names: &[String]) -> String {
    let mut markdown = report.to_markdown(names);
    markdown.push_str(&chart_legends(report, names));
    markdown
}

/// The PNGs carry no text, so the Markdown says what each one shows: axes, ranges and the colour
/// of every series.
fn chart_legends(report: &LessonReport, names: &[String]) -> String {
    if report.charts.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n## How to read the charts\n");
    for (chart, name) in report.charts.iter().zip(names) {
        let canvas = Canvas {
            width: 0,
            height: 0,
            pixels: Vec::new(),
            x_range: (0.0, 1.0),
            y_range: (0.0, 1.0),
            log_x: chart.log_x,
        };
        let ((x0, x1), (y0, y1)) = data_ranges(chart, &canvas);
        let (x0, x1) = if chart.log_x { (10f64.powf(x0), 10f64.powf(x1)) } else { (x0, x1) };
        let scale = if chart.log_x { ", log scale" } else { "" };
        out.push_str(&format!(
            "\n- `{name}` ({}): x is {} from {} to {}{scale}; y is {} from {} to {}.",
            chart.title,
            or_unnamed(&chart.x_label),
            short(x0),
            short(x1),
            or_unnamed(&chart.y_label),
            short(y0),
            short(y1)
        ));
        if chart.heatmap.is_some() {
            out.push_str(" The grey background is a heatmap: dark is low, light is high.");
        }
        let colours: Vec<String> = chart
            .series
            .iter()
            .enumerate()
            .map(|(i, series)| {
                let band = if series.band.is_empty() { "" } else { " with its spread shaded" };
                format!("{} {}{band}", COLOUR_NAMES[i % COLOUR_NAMES.len()], series.name)
            })
            .collect();
        if !colours.is_empty() {
            out.push_str(&format!(" Colours: {}.", colours.join(", ")));
        }
    }
    out.push('\n');
    out
}

fn or_unnamed(label: &str) -> &str {
    if label.is_empty() { "unnamed" } else { label }
}

/// A number for a sentence: three significant digits at most.
fn short(value: f64) -> String {
    if value.abs() >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{:.3}", value).trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Names of `SERIES_COLORS`, in the same order.
const COLOUR_NAMES: [&str; 6] = ["orange", "blue", "green", "red", "purple", "teal"];

/// An RGBA canvas with the chart's data-to-pixel mapping.
struct Canvas {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
    x_range: (f64, f64),
    y_range: (f64, f64),
    log_x: bool,
}

impl Canvas {
    fn plot_left(&self) -> f64 {
        MARGIN[0]
    }
    fn plot_right(&self) -> f64 {
        self.width as f64 - MARGIN[1]
    }
    fn plot_top(&self) -> f64 {
        MARGIN[2]
    }
    fn plot_bottom(&self) -> f64 {
        self.height as f64 - MARGIN[3]
    }

    fn data_x(&self, x: f64) -> Option<f64> {
        if self.log_x { (x > 0.0).then(|| x.log10()) } else { Some(x) }
    }

    /// Pixel column of a data x (already on the log scale where the chart uses one).
    fn px(&self, x: f64) -> f64 {
        let (lo, hi) = self.x_range;
        self.plot_left() + (x - lo) / (hi - lo) * (self.plot_right() - self.plot_left())
    }

    fn py(&self, y: f64) -> f64 {
        let (lo, hi) = self.y_range;
        self.plot_bottom() - (y - lo) / (hi - lo) * (self.plot_bottom() - self.plot_top())
    }

    /// Blends a colour into one pixel; `alpha` in [0, 1].
    fn blend(&mut self, x: i64, y: i64, color: [u8; 3], alpha: f64) {
        if x < 0 || y < 0 || x as usize >= self.width || y as usize >= self.height {
            return;
        }
        let at = (y as usize * self.width + x as usize) * 4;
        for (pixel, &target) in self.pixels[at..at + 3].iter_mut().zip(&color) {
            let old = *pixel as f64;
            *pixel = (old + (target as f64 - old) * alpha).round() as u8;
        }
    }

    fn fill_rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, color: [u8; 3], alpha: f64) {
        let (left, right) = (x0.min(x1).round() as i64, x0.max(x1).round() as i64);
        let (top, bottom) = (y0.min(y1).round() as i64, y0.max(y1).round() as i64);
        for y in top..bottom.max(top + 1) {
            for x in left..right.max(left + 1) {
                self.blend(x, y, color, alpha);
            }
        }
    }

    fn disc(&mut self, cx: f64, cy: f64, radius: f64, color: [u8; 3]) {
        let r = radius.ceil() as i64;
        for dy in -r..=r {
            for dx in -r..=r {
                if ((dx * dx + dy * dy) as f64) <= radius * radius {
                    self.blend(cx.round() as i64 + dx, cy.round() as i64 + dy, color, 1.0);
                }
            }
        }
    }

    fn segment(&mut self, from: (f64, f64), to: (f64, f64), color: [u8; 3], thickness: f64) {
        let steps = (to.0 - from.0).abs().max((to.1 - from.1).abs()).ceil().max(1.0) as usize;
        for step in 0..=steps {
            let t = step as f64 / steps as f64;
            let (x, y) = (from.0 + (to.0 - from.0) * t, from.1 + (to.1 - from.1) * t);
            self.disc(x, y, thickness / 2.0, color);
        }
    }
}

/// Draws a chart (frame, ticks, heatmap, spread bands, lines, points) into RGBA pixels, row-major.
pub fn rasterize_chart(chart: &ReportChart, width: u32, height: u32) -> Vec<u8> {
    let (width, height) = (width.max(100) as usize, height.max(80) as usize);
    let mut canvas = Canvas {
        width,
        height,
        pixels: [255u8, 255, 255, 255].repeat(width * height),
        x_range: (0.0, 1.0),
        y_range: (0.0, 1.0),
        log_x: chart.log_x,
    };
    let (x_range, y_range) = data_ranges(chart, &canvas);
    canvas.x_range = x_range;
    canvas.y_range = y_range;

    if let Some(map) = &chart.heatmap
        && map.width > 0
        && map.height > 0
        && map.values.len() == map.width * map.height
        && let (Some(x0), Some(x1)) = (canvas.data_x(map.x_range.0), canvas.data_x(map.x_range.1))
    {
        let colors = heatmap_colors(map);
        let (cell_w, cell_h) =
            ((x1 - x0) / map.width as f64, (map.y_range.1 - map.y_range.0) / map.height as f64);
        for row in 0..map.height {
            for column in 0..map.width {
                let (left, bottom) = (x0 + column as f64 * cell_w, map.y_range.0 + row as f64 * cell_h);
                let (a, b) = (canvas.px(left), canvas.py(bottom));
                let (c, d) = (canvas.px(left + cell_w), canvas.py(bottom + cell_h));
                canvas.fill_rect(a, b, c, d, colors[row * map.width + column], 0.85);
            }
        }
    }

    for (number, series) in chart.series.iter().enumerate() {
        let color = SERIES_COLORS[number % SERIES_COLORS.len()];
        let band: Vec<(f64, f64, f64)> = series
            .band
            .iter()
            .filter_map(|&[x, lo, hi]| Some((canvas.px(canvas.data_x(x)?), canvas.py(lo), canvas.py(hi))))
            .collect();
        for pair in band.windows(2) {
            let ((xa, la, ha), (xb, lb, hb)) = (pair[0], pair[1]);
            let (start, end) = (xa.min(xb).round() as i64, xa.max(xb).round() as i64);
            for column in start..=end {
                let t = if (xb - xa).abs() < 1e-9 { 0.0 } else { (column as f64 - xa) / (xb - xa) };
                let (low, high) = (la + (lb - la) * t, ha + (hb - ha) * t);
                let (top, bottom) = (low.min(high).round() as i64, low.max(high).round() as i64);
                for y in top..=bottom {
                    canvas.blend(column, y, color, 0.25);
                }
            }
        }
        let points: Vec<(f64, f64)> = series
            .points
            .iter()
            .filter_map(|&[x, y]| Some((canvas.px(canvas.data_x(x)?), canvas.py(y))))
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
        if matches!(series.style, SeriesStyle::Line | SeriesStyle::Path) {
            for pair in points.windows(2) {
                canvas.segment(pair[0], pair[1], color, 2.0);
            }
        }
        if matches!(series.style, SeriesStyle::Points | SeriesStyle::Path) {
            let radius = if series.style == SeriesStyle::Points { 3.5 } else { 2.5 };
            for &(x, y) in &points {
                canvas.disc(x, y, radius, color);
            }
        }
    }
    draw_frame(&mut canvas);
    canvas.pixels
}

/// The plot area's frame with five ticks on each axis, each with its value.
fn draw_frame(canvas: &mut Canvas) {
    let black = [40, 40, 40];
    let (l, r, t, b) = (canvas.plot_left(), canvas.plot_right(), canvas.plot_top(), canvas.plot_bottom());
    canvas.segment((l, t), (r, t), black, 1.0);
    canvas.segment((l, b), (r, b), black, 1.0);
    canvas.segment((l, t), (l, b), black, 1.0);
    canvas.segment((r, t), (r, b), black, 1.0);
    let (x_range, y_range) = (canvas.x_range, canvas.y_range);
    for tick in 0..=4 {
        let f = tick as f64 / 4.0;
        let x = l + (r - l) * f;
        let y = b - (b - t) * f;
        canvas.segment((x, b), (x, b + 5.0), black, 1.0);
        canvas.segment((l - 5.0, y), (l, y), black, 1.0);
        let x_value = x_range.0 + (x_range.1 - x_range.0) * f;
        let x_text = if canvas.log_x {
            size_label(10f64.powf(x_value))
        } else {
            tick_label(x_value, x_range.1 - x_range.0)
        };
        let y_text = tick_label(y_range.0 + (y_range.1 - y_range.0) * f, y_range.1 - y_range.0);
        draw_text(canvas, x - text_width(&x_text) / 2.0, b + 9.0, &x_text, black);
        draw_text(canvas, l - 9.0 - text_width(&y_text), y - GLYPH_SCALE * 2.5, &y_text, black);
    }
}

/// Pixels per glyph cell: 3 × 5 glyphs drawn at twice their size.
const GLYPH_SCALE: f64 = 2.0;

/// A tiny font for tick labels: digits, point, minus and k (thousands), 3 bits per row.
fn glyph(c: char) -> Option<[u8; 5]> {
    Some(match c {
        '0' => [0b111, 0b101, 0b101, 0b101, 0b111],
        '1' => [0b010, 0b110, 0b010, 0b010, 0b111],
        '2' => [0b111, 0b001, 0b111, 0b100, 0b111],
        '3' => [0b111, 0b001, 0b111, 0b001, 0b111],
        '4' => [0b101, 0b101, 0b111, 0b001, 0b001],
        '5' => [0b111, 0b100, 0b111, 0b001, 0b111],
        '6' => [0b111, 0b100, 0b111, 0b101, 0b111],
        '7' => [0b111, 0b001, 0b001, 0b001, 0b001],
        '8' => [0b111, 0b101, 0b111, 0b101, 0b111],
        '9' => [0b111, 0b101, 0b111, 0b001, 0b111],
        '.' => [0b000, 0b000, 0b000, 0b000, 0b010],
        '-' => [0b000, 0b000, 0b111, 0b000, 0b000],
        'k' => [0b100, 0b101, 0b110, 0b101, 0b101],
        _ => return None,
    })
}

fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * 4.0 * GLYPH_SCALE - GLYPH_SCALE
}

/// Draws `text` with its top-left corner at (x, y); characters the font lacks are skipped.
fn draw_text(canvas: &mut Canvas, x: f64, y: f64, text: &str, color: [u8; 3]) {
    let scale = GLYPH_SCALE as i64;
    for (index, c) in text.chars().enumerate() {
        let Some(rows) = glyph(c) else { continue };
        let left = x.round() as i64 + index as i64 * 4 * scale;
        for (row, bits) in rows.iter().enumerate() {
            for column in 0..3 {
                if bits & (0b100 >> column) != 0 {
                    for dy in 0..scale {
                        for dx in 0..scale {
                            let px = left + column as i64 * scale + dx;
                            canvas.blend(px, y.round() as i64 + row as i64 * scale + dy, color, 1.0);
                        }
                    }
                }
            }
        }
    }
}

/// A tick value with as many decimals as the axis span needs.
fn tick_label(value: f64, span: f64) -> String {
    let step = (span / 4.0).abs().max(1e-12);
    let decimals = (1 - step.log10().floor() as i64).clamp(0, 3) as usize;
    let text = format!("{value:.decimals$}");
    // "-0.00" reads as zero.
    if text.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
        text.trim_start_matches('-').into()
    } else {
        text
    }
}

/// A training-set size: 50, 1.2k.
fn size_label(value: f64) -> String {
    if value >= 1000.0 { format!("{:.1}k", value / 1000.0) } else { format!("{}", value.round()) }
}

/// The x and y spans of everything drawn, with a little room around them.
fn data_ranges(chart: &ReportChart, canvas: &Canvas) -> ((f64, f64), (f64, f64)) {
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for series in &chart.series {
        for &[x, y] in &series.points {
            xs.extend(canvas.data_x(x));
            ys.push(y);
        }
        for &[x, lo, hi] in &series.band {
            xs.extend(canvas.data_x(x));
            ys.extend([lo, hi]);
        }
    }
    if let Some(map) = &chart.heatmap {
        xs.extend(canvas.data_x(map.x_range.0));
        xs.extend(canvas.data_x(map.x_range.1));
        ys.extend([map.y_range.0, map.y_range.1]);
    }
    let span = |values: &[f64], pad: f64| {
        let finite = values.iter().filter(|v| v.is_finite());
        let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        if !lo.is_finite() {
            return (0.0, 1.0);
        }
        let width = (hi - lo).max(1e-9);
        (lo - width * pad, hi + width * pad)
    };
    // A heatmap fills its frame exactly; lines get some air.
    let pad = if chart.heatmap.is_some() { 0.0 } else { 0.05 };
    (span(&xs, pad), span(&ys, pad))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::{ChartSeries, Heatmap, ReportTable};

    fn pixel(pixels: &[u8], width: u32, x: u32, y: u32) -> [u8; 3] {
        let at = ((y * width + x) * 4) as usize;
        [pixels[at], pixels[at + 1], pixels[at + 2]]
    }

    fn chart() -> ReportChart {
        ReportChart {
            title: "Learning curve".into(),
            x_label: "training rows".into(),
            y_label: "test accuracy".into(),
            log_x: true,
            series: vec![ChartSeries {
                name: "network".into(),
                points: vec![[10.0, 0.5], [100.0, 0.8], [1000.0, 0.95]],
                band: vec![[10.0, 0.4, 0.6], [100.0, 0.7, 0.9], [1000.0, 0.93, 0.97]],
                style: SeriesStyle::Line,
            }],
            heatmap: None,
        }
    }

    #[test]
    fn a_line_chart_puts_the_series_colour_on_the_canvas() {
        let pixels = rasterize_chart(&chart(), 200, 120);
        assert_eq!(pixels.len(), 200 * 120 * 4);
        let coloured = pixels.chunks(4).filter(|p| p[..3] == SERIES_COLORS[0]).count();
        assert!(coloured > 50, "{coloured} pixels of the line's colour");
        // The band is the line's colour at a quarter strength over white.
        let shaded = pixels.chunks(4).filter(|p| p[..3] == [252, 227, 202]).count();
        assert!(shaded > 50, "{shaded} shaded pixels");
    }

    #[test]
    fn tick_labels_fit_the_axis_span() {
        assert_eq!(tick_label(0.925, 0.3), "0.925");
        assert_eq!(tick_label(2.0, 8.0), "2.0");
        assert_eq!(tick_label(-0.0001, 1.0), "0.00");
        assert_eq!(tick_label(250.0, 800.0), "250");
        assert_eq!(size_label(1437.0), "1.4k");
        assert_eq!(text_width("10"), 14.0);
    }

    #[test]
    fn a_heatmap_fills_the_plot_area_dark_where_low() {
        let chart = ReportChart {
            title: "Loss surface".into(),
            heatmap: Some(Heatmap {
                x_range: (-1.0, 1.0),
                y_range: (-1.0, 1.0),
                width: 2,
                height: 1,
                values: vec![0.0, 10.0],
            }),
            ..Default::default()
        };
        let (w, h) = (200, 120);
        let pixels = rasterize_chart(&chart, w, h);
        let left = pixel(&pixels, w, 80, 60);
        let right = pixel(&pixels, w, 165, 60);
        assert!(left[0] < 80 && left[0] == left[2], "low values are dark: {left:?}");
        assert!(right[0] > 180, "high values are light: {right:?}");
    }

    #[test]
    fn export_writes_the_markdown_and_one_png_per_chart() {
        let dir = tempfile::tempdir().unwrap();
        let report = LessonReport {
            lesson_id: "data-dependency".into(),
            title: "Data dependency".into(),
            finding: "The network overtakes at 400 rows.".into(),
            tables: vec![ReportTable {
                title: "Accuracy".into(),
                columns: vec!["model".into(), "accuracy".into()],
                rows: vec![vec!["mlp".into(), "0.95".into()]],
            }],
            charts: vec![chart(), ReportChart { title: "Empty".into(), ..Default::default() }],
            figures: Vec::new(),
        };
        let folder = dir.path().join("lesson-report");
        let written = export_report(&report, &folder).unwrap();
        assert_eq!(written.len(), 3);
        let markdown = std::fs::read_to_string(folder.join("report.md")).unwrap();
        assert!(markdown.contains("![Learning curve](chart-1.png)"), "{markdown}");
        assert!(markdown.contains("| mlp | 0.95 |"), "{markdown}");
        assert!(
            markdown.contains("- `chart-1.png` (Learning curve): x is training rows from ")
                && markdown.contains("log scale; y is test accuracy")
                && markdown.contains("Colours: orange network with its spread shaded."),
            "{markdown}"
        );
        let png = std::fs::read(folder.join("chart-2.png")).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }
}
