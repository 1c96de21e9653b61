//! Writing a lesson report to a folder: `report.md` and one PNG per chart, sized to be printed
//! and handed out (title, named axes, ticks, a legend, spread bands, heatmaps with a colour key).
//! The charts are drawn with plotters rather than by hand: it brings the axis layout, nice tick
//! values and anti-aliased text that a hand-out needs, and with only its bitmap backend it draws
//! into a plain pixel buffer, headless and in the browser alike. The text goes through our own
//! backend (`text`) with egui's compiled-in font, so no system font is ever needed, and the PNG
//! encoding is the project's own (`crate::files`), so plotters pulls in no image crate.

mod chart;
mod text;

use std::path::{Path, PathBuf};

use super::{Heatmap, LessonReport, ReportChart};
use crate::colors::{PALETTE, PALETTE_NAMES};

/// A chart's size in pixels: A4's text width at about 190 dpi, readable on paper.
pub const CHART_WIDTH: u32 = 1600;
pub const CHART_HEIGHT: u32 = 1000;

/// Each heatmap cell's colour: a grey ramp, dark where the value is low (a loss surface's
/// valley), so the coloured paths drawn over it stay readable.
pub fn heatmap_colors(map: &Heatmap) -> Vec<[u8; 3]> {
    let finite = map.values.iter().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let span = (hi - lo).max(1e-12);
    map.values
        .iter()
        .map(|&v| heatmap_level(if v.is_finite() { ((v - lo) / span).clamp(0.0, 1.0) } else { 1.0 }))
        .collect()
}

/// The grey ramp's colour at `t` in [0, 1], lowest value to highest.
fn heatmap_level(t: f64) -> [u8; 3] {
    let level = (30.0 + 190.0 * t.clamp(0.0, 1.0)).round() as u8;
    [level, level, level]
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
        let pixels = rasterize_chart(chart, CHART_WIDTH, CHART_HEIGHT)?;
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
        let pixels = rasterize_chart(chart, CHART_WIDTH, CHART_HEIGHT)?;
        crate::files::write_png(&path, CHART_WIDTH, CHART_HEIGHT, &pixels).map_err(|e| e.to_string())?;
        written.push(path);
        names.push(name);
    }
    Ok((written, names))
}

/// Draws a chart (title, legend, axes with their names and ticks, heatmap, spread bands, lines,
/// points) into RGBA pixels, row-major, `width` × `height`.
pub fn rasterize_chart(chart: &ReportChart, width: u32, height: u32) -> Result<Vec<u8>, String> {
    let (rgb, _) = chart::draw(chart, width, height)?;
    Ok(rgb.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect())
}

/// The report as Markdown with its charts (`names`, as [`write_charts`] wrote them) linked and
/// explained.
pub fn markdown_with_charts(report: &LessonReport, names: &[String]) -> String {
    let mut markdown = report.to_markdown(names);
    markdown.push_str(&chart_legends(report, names));
    markdown
}

/// What each chart shows, in words (axes, ranges and the colour of every series): for readers of
/// the Markdown without the pictures, and for screen readers.
fn chart_legends(report: &LessonReport, names: &[String]) -> String {
    if report.charts.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n## How to read the charts\n");
    for (chart, name) in report.charts.iter().zip(names) {
        let ((x0, x1), (y0, y1)) = data_ranges(chart);
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
                format!("{} {}{band}", PALETTE_NAMES[i % PALETTE.len()], series.name)
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

/// Where x lands on the chart's x axis: sizes are drawn on log10, and only positive ones.
fn axis_x(chart: &ReportChart, x: f64) -> Option<f64> {
    if chart.log_x { (x > 0.0).then(|| x.log10()) } else { Some(x) }
}

/// The x (log10 where the chart is log-scaled) and y spans of everything drawn, with a little
/// room around them.
fn data_ranges(chart: &ReportChart) -> ((f64, f64), (f64, f64)) {
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for series in &chart.series {
        for &[x, y] in &series.points {
            xs.extend(axis_x(chart, x));
            ys.push(y);
        }
        for &[x, lo, hi] in &series.band {
            xs.extend(axis_x(chart, x));
            ys.extend([lo, hi]);
        }
    }
    if let Some(map) = &chart.heatmap {
        xs.extend(axis_x(chart, map.x_range.0));
        xs.extend(axis_x(chart, map.x_range.1));
        ys.extend([map.y_range.0, map.y_range.1]);
    }
    let span = |values: &[f64], pad: f64| {
        let finite = values.iter().filter(|v| v.is_finite());
        let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        if !lo.is_finite() {
            return (0.0, 1.0);
        }
        if hi - lo < 1e-9 {
            // One value: a span around it that the ticks can divide.
            let half = if lo == 0.0 { 0.5 } else { lo.abs() * 0.05 };
            return (lo - half, hi + half);
        }
        let width = hi - lo;
        (lo - width * pad, hi + width * pad)
    };
    // A heatmap fills its frame exactly; lines get some air.
    let pad = if chart.heatmap.is_some() { 0.0 } else { 0.05 };
    (span(&xs, pad), span(&ys, pad))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lessons::{ChartSeries, Heatmap, ReportTable, SeriesStyle};

    const W: u32 = 800;
    const H: u32 = 500;

    /// Drawn at half the hand-out size: the tests run unoptimized.
    fn render(chart: &ReportChart) -> (Vec<u8>, chart::Layout) {
        chart::draw(chart, W, H).unwrap()
    }

    fn pixel(rgb: &[u8], x: i32, y: i32) -> [u8; 3] {
        let at = (y as usize * W as usize + x as usize) * 3;
        [rgb[at], rgb[at + 1], rgb[at + 2]]
    }

    /// Pixels in `rows` (all columns) for which `test` holds.
    fn count_in_rows(rgb: &[u8], rows: std::ops::Range<i32>, test: impl Fn([u8; 3]) -> bool) -> usize {
        rows.flat_map(|y| (0..W as i32).map(move |x| (x, y))).filter(|&(x, y)| test(pixel(rgb, x, y))).count()
    }

    /// Text and axes: dark grey, not a series colour.
    fn ink(p: [u8; 3]) -> bool {
        p.iter().all(|&c| c < 110)
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
    fn a_line_chart_puts_the_series_colour_and_its_band_in_the_plot() {
        let (rgb, layout) = render(&chart());
        assert_eq!(rgb.len(), (W * H * 3) as usize);
        assert_eq!(rasterize_chart(&chart(), W, H).unwrap().len(), (W * H * 4) as usize);
        let (columns, rows) = layout.plot;
        let in_plot = |test: &dyn Fn([u8; 3]) -> bool| {
            rows.clone()
                .flat_map(|y| columns.clone().map(move |x| (x, y)))
                .filter(|&(x, y)| test(pixel(&rgb, x, y)))
                .count()
        };
        let coloured = in_plot(&|p| p == PALETTE[0]);
        assert!(coloured > 500, "{coloured} pixels of the line's colour");
        // The band is the line's colour at a quarter strength over white.
        let tint = PALETTE[0].map(|c| 255.0 - (255.0 - c as f64) * 0.25);
        let shaded = in_plot(&|p| p.iter().zip(tint).all(|(&c, t)| (c as f64 - t).abs() <= 2.0));
        assert!(shaded > 2000, "{shaded} shaded pixels");
    }

    #[test]
    fn the_title_and_the_legend_are_drawn_above_the_plot() {
        let (rgb, layout) = render(&chart());
        let legend = layout.legend.clone().expect("a chart with a series has a legend");
        assert!(layout.title.end <= legend.start && legend.end <= layout.plot.1.start, "{layout:?}");
        let title_ink = count_in_rows(&rgb, layout.title.clone(), ink);
        assert!(title_ink > 150, "{title_ink} dark pixels in the title's rows");
        // The legend shows the series' colour (its line) and its name.
        let swatch = count_in_rows(&rgb, legend.clone(), |p| p == PALETTE[0]);
        let name = count_in_rows(&rgb, legend.clone(), ink);
        assert!(swatch > 50 && name > 40, "legend: {swatch} coloured and {name} dark pixels");

        // Without a title and with an unnamed series, those rows hold no text.
        let mut plain = chart();
        plain.title.clear();
        plain.series[0].name.clear();
        let (plain_rgb, plain_layout) = render(&plain);
        assert!(plain_layout.title.is_empty(), "{plain_layout:?}");
        let legend = plain_layout.legend.expect("the series still has a legend entry");
        let name = count_in_rows(&plain_rgb, legend, ink);
        assert_eq!(name, 0, "an unnamed series' entry has no text");
        assert_eq!(count_in_rows(&plain_rgb, 0..plain_layout.title.end, ink), 0);
    }

    #[test]
    fn the_axes_are_named() {
        let mut unnamed = chart();
        unnamed.x_label.clear();
        unnamed.y_label.clear();
        // Dark pixels under the plot (tick labels, then the x axis' name) and left of it (tick
        // labels, and the y axis' name running up the left edge).
        let ink_around = |chart: &ReportChart| {
            let (rgb, layout) = render(chart);
            let (columns, rows) = layout.plot;
            let ink_in = |xs: std::ops::Range<i32>, ys: std::ops::Range<i32>| {
                ys.flat_map(|y| xs.clone().map(move |x| (x, y)))
                    .filter(|&(x, y)| ink(pixel(&rgb, x, y)))
                    .count()
            };
            (ink_in(0..W as i32, rows.end + 3..H as i32), ink_in(0..columns.start - 3, rows))
        };
        let ((named_below, named_left), (unnamed_below, unnamed_left)) =
            (ink_around(&chart()), ink_around(&unnamed));
        assert!(named_below > unnamed_below + 50, "below the plot: {named_below} / {unnamed_below}");
        assert!(named_left > unnamed_left + 50, "left of the plot: {named_left} / {unnamed_left}");
    }

    #[test]
    fn ticks_are_round_values_written_exactly() {
        assert_eq!(chart::tick_decimals(&[0.8, 0.85, 0.9]), 2);
        assert_eq!(chart::tick_decimals(&[0.0, 0.5, 1.0]), 1);
        assert_eq!(chart::tick_decimals(&[0.0, 200.0, 400.0]), 0);
        assert_eq!(chart::tick_label(0.925, 3), "0.925");
        assert_eq!(chart::tick_label(-0.0001, 2), "0.00");
        // Training-set sizes: every 1-9 of a decade where there is room, else 1, 2, 5.
        assert_eq!(chart::log_ticks(28.0..160.0, 10), [30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0]);
        assert_eq!(chart::log_ticks(17.0..1600.0, 10), [20.0, 50.0, 100.0, 200.0, 500.0, 1000.0]);
        assert_eq!(chart::log_ticks(0.25..0.35, 10), [0.3]);
        assert_eq!(chart::log_tick_label(0.3), "0.3");
        assert_eq!(chart::log_tick_label(1000.0), "1000");
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
        let (rgb, layout) = render(&chart);
        let (columns, rows) = layout.plot;
        let middle = (rows.start + rows.end) / 2;
        let quarter = (columns.end - columns.start) / 4;
        let left = pixel(&rgb, columns.start + quarter, middle);
        let right = pixel(&rgb, columns.end - quarter, middle);
        assert!(left[0] < 80 && left[0] == left[2], "low values are dark: {left:?}");
        assert!(right[0] > 180, "high values are light: {right:?}");
        // The colour key beside it runs from dark (bottom) to light (top).
        let key_x = columns.end + 40;
        let (top, bottom) = (pixel(&rgb, key_x, rows.start + 5), pixel(&rgb, key_x, rows.end - 5));
        assert!(bottom[0] < 60 && top[0] > 190, "key: top {top:?}, bottom {bottom:?}");
    }

    #[test]
    fn every_series_style_draws() {
        let series = |name: &str, style, y: f64| ChartSeries {
            name: name.into(),
            points: vec![[0.0, y], [1.0, y + 1.0], [2.0, y + 0.5]],
            band: Vec::new(),
            style,
        };
        let chart = ReportChart {
            title: "Styles".into(),
            series: vec![
                series("line", SeriesStyle::Line, 0.0),
                series("points", SeriesStyle::Points, 2.0),
                series("path", SeriesStyle::Path, 4.0),
            ],
            ..Default::default()
        };
        let (rgb, layout) = render(&chart);
        for number in 0..3 {
            let count = count_in_rows(&rgb, layout.plot.1.clone(), |p| p == PALETTE[number]);
            assert!(count > 50, "series {number}: {count} pixels");
        }
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
            ..Default::default()
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
        let files = report_files(&report).unwrap();
        assert_eq!(
            files.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>(),
            ["chart-1.png", "chart-2.png", "report.md"]
        );
    }
}
