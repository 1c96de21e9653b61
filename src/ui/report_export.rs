//! Writing a lesson report to a folder: `report.md` and one PNG per chart. The charts are drawn
//! here into plain RGBA pixels, so the export works for charts that are not on screen, headless,
//! and in tests.

use std::path::{Path, PathBuf};

use super::report_view::heatmap_colors;
use crate::lessons::{LessonReport, ReportChart, SeriesStyle};

pub const CHART_WIDTH: u32 = 800;
pub const CHART_HEIGHT: u32 = 500;

/// Space around the plot area for the frame and ticks: left, right, top, bottom.
const MARGIN: [f64; 4] = [48.0, 16.0, 16.0, 36.0];

const SERIES_COLORS: [[u8; 3]; 6] =
    [[242, 142, 43], [78, 121, 167], [89, 161, 79], [225, 87, 89], [176, 122, 161], [118, 183, 178]];

/// Writes `chart-1.png`, `chart-2.png`… and `report.md` (which links them) into `folder`,
/// creating it if needed. Returns the files written.
pub fn export_report(report: &LessonReport, folder: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(folder).map_err(|e| format!("could not create {}: {e}", folder.display()))?;
    let mut written = Vec::new();
    let mut names = Vec::new();
    for (index, chart) in report.charts.iter().enumerate() {
        let name = format!("chart-{}.png", index + 1);
        let path = folder.join(&name);
        let pixels = rasterize_chart(chart, CHART_WIDTH, CHART_HEIGHT);
        crate::files::write_png(&path, CHART_WIDTH, CHART_HEIGHT, &pixels).map_err(|e| e.to_string())?;
        written.push(path);
        names.push(name);
    }
    let markdown_path = folder.join("report.md");
    crate::files::write_bytes_atomically(&markdown_path, report.to_markdown(&names).as_bytes())
        .map_err(|e| e.to_string())?;
    written.push(markdown_path);
    Ok(written)
}

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
        for channel in 0..3 {
            let old = self.pixels[at + channel] as f64;
            self.pixels[at + channel] = (old + (color[channel] as f64 - old) * alpha).round() as u8;
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

/// The plot area's frame with five ticks on each axis.
fn draw_frame(canvas: &mut Canvas) {
    let black = [40, 40, 40];
    let (l, r, t, b) = (canvas.plot_left(), canvas.plot_right(), canvas.plot_top(), canvas.plot_bottom());
    canvas.segment((l, t), (r, t), black, 1.0);
    canvas.segment((l, b), (r, b), black, 1.0);
    canvas.segment((l, t), (l, b), black, 1.0);
    canvas.segment((r, t), (r, b), black, 1.0);
    for tick in 0..=4 {
        let f = tick as f64 / 4.0;
        let x = l + (r - l) * f;
        let y = b - (b - t) * f;
        canvas.segment((x, b), (x, b + 5.0), black, 1.0);
        canvas.segment((l - 5.0, y), (l, y), black, 1.0);
    }
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
        let left = pixel(&pixels, w, 60, 60);
        let right = pixel(&pixels, w, 170, 60);
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
        let png = std::fs::read(folder.join("chart-2.png")).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }
}
