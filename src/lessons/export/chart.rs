//! One report chart drawn with plotters, laid out for paper: the title, a legend row under it,
//! then the plot with named axes and ticks, and a colour key beside a heatmap.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::text::ChartBackend;
use super::{data_ranges, heatmap_colors, heatmap_level};
use crate::colors::PALETTE;
use crate::lessons::{ChartSeries, Heatmap, ReportChart, SeriesStyle};

const TEXT: RGBColor = RGBColor(30, 30, 30);
const AXIS: RGBColor = RGBColor(70, 70, 70);
const GRID: RGBColor = RGBColor(225, 225, 225);
/// How strongly a spread band tints the paper.
const BAND_ALPHA: f64 = 0.25;
const X_TICKS: usize = 10;
const Y_TICKS: usize = 10;
const FONT: &str = "sans-serif";

/// Where the parts of a chart landed, in pixels: the tests look there.
#[derive(Debug)]
#[cfg_attr(not(test), allow(dead_code))]
pub struct Layout {
    /// Rows taken by the title.
    pub title: Range<i32>,
    /// Rows taken by the legend, when there is one.
    pub legend: Option<Range<i32>>,
    /// The plot area: columns, rows.
    pub plot: (Range<i32>, Range<i32>),
}

/// Sizes in pixels, scaled from the hand-out size (1600 × 1000: a page's width at 190 dpi).
struct Sizes {
    title: f64,
    legend: f64,
    axis: f64,
    tick: f64,
    margin: i32,
    tick_mark: i32,
    line: u32,
    path_line: u32,
    marker: u32,
    path_marker: u32,
    /// A light edge around marks that need one.
    edge: u32,
}

impl Sizes {
    fn new(width: u32, height: u32) -> Self {
        let s = (width as f64 / 1600.0).min(height as f64 / 1000.0).max(0.05);
        let px = |v: f64| (v * s).round().max(1.0);
        Self {
            title: px(40.0).max(6.0),
            legend: px(28.0).max(6.0),
            axis: px(30.0).max(6.0),
            tick: px(26.0).max(6.0),
            margin: px(28.0) as i32,
            tick_mark: px(8.0) as i32,
            line: px(4.0) as u32,
            path_line: px(3.0) as u32,
            marker: px(7.0) as u32,
            path_marker: px(5.0) as u32,
            edge: px(2.0) as u32,
        }
    }
}

fn color(number: usize) -> RGBColor {
    let [r, g, b] = PALETTE[number % PALETTE.len()];
    RGBColor(r, g, b)
}

fn failed(error: impl std::fmt::Display) -> String {
    format!("drawing a chart failed: {error}")
}

fn text_style(size: f64, color: &RGBColor) -> TextStyle<'static> {
    (FONT, size).into_font().color(color)
}

/// Draws `chart` into a white RGB buffer, three bytes a pixel.
pub fn draw(chart: &ReportChart, width: u32, height: u32) -> Result<(Vec<u8>, Layout), String> {
    let mut rgb = vec![255u8; width as usize * height as usize * 3];
    let layout = {
        let root = ChartBackend::new(&mut rgb, (width, height))?.into_drawing_area();
        let sizes = Sizes::new(width, height);
        let title = title_ui(&root, &chart.title, &sizes)?;
        let legend = legend_ui(&root, &chart.series, title.end, &sizes)?;
        let header = legend.as_ref().map_or(title.end, |rows| rows.end);
        let (_, body) = root.split_vertically(header);
        let plot = plot_ui(&body, chart, &sizes)?;
        root.present().map_err(failed)?;
        Layout { title, legend, plot }
    };
    Ok((rgb, layout))
}

/// The title, centred, on as many lines as it needs (shrunk when it would take more than two).
fn title_ui(
    root: &DrawingArea<ChartBackend, Shift>,
    title: &str,
    sizes: &Sizes,
) -> Result<Range<i32>, String> {
    let top = sizes.margin / 2;
    if title.trim().is_empty() {
        return Ok(top..top);
    }
    let (width, _) = root.dim_in_pixel();
    let room = width as i32 - 2 * sizes.margin;
    let mut size = sizes.title;
    let mut lines = wrap(root, title, size, room)?;
    while lines.len() > 2 && size > sizes.tick {
        size *= 0.9;
        lines = wrap(root, title, size, room)?;
    }
    let style = text_style(size, &TEXT).pos(Pos::new(HPos::Center, VPos::Top));
    let line_height = (size * 1.25).round() as i32;
    for (number, line) in lines.iter().enumerate() {
        let y = top + number as i32 * line_height;
        root.draw_text(line, &style, (width as i32 / 2, y)).map_err(failed)?;
    }
    Ok(top..top + lines.len() as i32 * line_height)
}

/// Splits `text` into lines no wider than `room` pixels at `size`, at spaces.
fn wrap(
    root: &DrawingArea<ChartBackend, Shift>,
    text: &str,
    size: f64,
    room: i32,
) -> Result<Vec<String>, String> {
    let style = text_style(size, &TEXT);
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        if let Some(line) = lines.last_mut() {
            let longer = format!("{line} {word}");
            let (w, _) = root.estimate_text_size(&longer, &style).map_err(failed)?;
            if w as i32 <= room {
                *line = longer;
                continue;
            }
        }
        lines.push(word.to_string());
    }
    Ok(lines)
}

/// One entry per series (its mark, band and name), in centred rows under the title.
fn legend_ui(
    root: &DrawingArea<ChartBackend, Shift>,
    series: &[ChartSeries],
    top: i32,
    sizes: &Sizes,
) -> Result<Option<Range<i32>>, String> {
    if series.is_empty() {
        return Ok(None);
    }
    let (width, _) = root.dim_in_pixel();
    let style = text_style(sizes.legend, &TEXT).pos(Pos::new(HPos::Left, VPos::Center));
    let swatch = (sizes.legend * 2.4).round() as i32;
    let gap = (sizes.legend * 0.4).round() as i32;
    let spacing = (sizes.legend * 1.4).round() as i32;
    let row_height = (sizes.legend * 1.5).round() as i32;
    let room = width as i32 - 2 * sizes.margin;
    // Entries as (series number, width), packed into rows.
    let mut rows: Vec<Vec<(usize, i32)>> = vec![Vec::new()];
    let mut row_width = 0;
    for (number, s) in series.iter().enumerate() {
        let (text_width, _) = root.estimate_text_size(&s.name, &style).map_err(failed)?;
        let entry = swatch + gap + text_width as i32;
        let needed = if row_width == 0 { entry } else { row_width + spacing + entry };
        if row_width > 0 && needed > room {
            rows.push(Vec::new());
            row_width = entry;
        } else {
            row_width = needed;
        }
        rows.last_mut().expect("one row at least").push((number, entry));
    }
    let top = top + sizes.margin / 3;
    for (index, row) in rows.iter().enumerate() {
        let total: i32 = row.iter().map(|(_, w)| w).sum::<i32>() + spacing * (row.len() as i32 - 1);
        let mut x = (width as i32 - total) / 2;
        let y = top + index as i32 * row_height + row_height / 2;
        for &(number, entry) in row {
            swatch_ui(root, &series[number], color(number), (x, y), swatch, sizes)?;
            root.draw_text(&series[number].name, &style, (x + swatch + gap, y)).map_err(failed)?;
            x += entry + spacing;
        }
    }
    Ok(Some(top..top + rows.len() as i32 * row_height))
}

/// A series' mark in the legend: its band as a tinted box, its line, its marker.
fn swatch_ui(
    root: &DrawingArea<ChartBackend, Shift>,
    series: &ChartSeries,
    color: RGBColor,
    (x, y): (i32, i32),
    width: i32,
    sizes: &Sizes,
) -> Result<(), String> {
    let half = (sizes.legend * 0.4).round() as i32;
    if !series.band.is_empty() {
        let band = Rectangle::new([(x, y - half), (x + width, y + half)], color.mix(BAND_ALPHA).filled());
        root.draw(&band).map_err(failed)?;
    }
    let middle = (x + width / 2, y);
    match series.style {
        SeriesStyle::Line => {
            root.draw(&PathElement::new(vec![(x, y), (x + width, y)], color.stroke_width(sizes.line)))
        }
        SeriesStyle::Points => root.draw(&Circle::new(middle, sizes.marker, color.filled())),
        SeriesStyle::Path => root
            .draw(&PathElement::new(vec![(x, y), (x + width, y)], color.stroke_width(sizes.path_line)))
            .and_then(|_| root.draw(&Circle::new(middle, sizes.path_marker + 1, color.filled()))),
    }
    .map_err(failed)
}

/// An axis: linear, or logarithmic (training-set sizes) with ticks at round sizes; only whole
/// ticks where the data are counts (folds, layers, epochs).
#[derive(Clone)]
struct Axis {
    range: Range<f64>,
    log: bool,
    whole: bool,
}

impl Axis {
    fn linear_part(&self, x: f64) -> f64 {
        if self.log { x.log10() } else { x }
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let (lo, hi) = (self.linear_part(self.range.start), self.linear_part(self.range.end));
        let t = (self.linear_part(*value) - lo) / (hi - lo);
        limit.0 + (t * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        let linear = || RangedCoordf64::from(self.range.clone()).key_points(hint.max_num_points());
        if self.whole {
            let whole: Vec<f64> = linear().into_iter().filter(|x| x.fract() == 0.0).collect();
            return if whole.len() >= 2 { whole } else { linear() };
        }
        if !self.log {
            return linear();
        }
        let ticks = log_ticks(self.range.clone(), hint.max_num_points());
        if ticks.len() >= 2 { ticks } else { linear() }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// Round values in a log-scaled span: every 1-9 of each decade where that fits, else 1, 2, 5,
/// else the powers of ten.
pub fn log_ticks(range: Range<f64>, max: usize) -> Vec<f64> {
    if !(range.start > 0.0 && range.end > range.start) {
        return Vec::new();
    }
    let within = |steps: &[f64]| {
        let mut ticks = Vec::new();
        for decade in range.start.log10().floor() as i32..=range.end.log10().ceil() as i32 {
            for &step in steps {
                // Dividing by a power of ten keeps 0.3 from printing as 0.30000000000000004.
                let value = if decade < 0 { step / 10f64.powi(-decade) } else { step * 10f64.powi(decade) };
                if range.start <= value && value <= range.end {
                    ticks.push(value);
                }
            }
        }
        ticks
    };
    let all: [&[f64]; 3] = [&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], &[1.0, 2.0, 5.0], &[1.0]];
    all.iter().map(|steps| within(steps)).find(|ticks| ticks.len() <= max).unwrap_or_else(|| within(&[1.0]))
}

/// A round value on a log axis: 20, 1500, 0.05.
pub fn log_tick_label(value: f64) -> String {
    if value >= 1.0 { format!("{value:.0}") } else { format!("{}", (value * 1e6).round() / 1e6) }
}

/// The fewest decimals that write every tick exactly (0.25 needs two, 0.5 one).
pub fn tick_decimals(ticks: &[f64]) -> usize {
    (0..6)
        .find(|&decimals| {
            let scale = 10f64.powi(decimals as i32);
            ticks.iter().all(|t| ((t * scale).round() - t * scale).abs() < 1e-6)
        })
        .unwrap_or(6)
}

/// A tick with `decimals` decimals; never "-0".
pub fn tick_label(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
        text.trim_start_matches('-').into()
    } else {
        text
    }
}

/// Formats an axis' ticks as [`Ranged::key_points`] will pick them.
fn tick_formatter(axis: &Axis, max: usize) -> impl Fn(&f64) -> String + use<> {
    let log = axis.log && log_ticks(axis.range.clone(), max).len() >= 2;
    let decimals = tick_decimals(&axis.key_points(max));
    move |value: &f64| if log { log_tick_label(*value) } else { tick_label(*value, decimals) }
}

/// The plot: frame, ticks, axis names, then heatmap, bands, lines and points. Returns the plot
/// area in pixels.
fn plot_ui(
    area: &DrawingArea<ChartBackend, Shift>,
    chart: &ReportChart,
    sizes: &Sizes,
) -> Result<(Range<i32>, Range<i32>), String> {
    let ((x0, x1), (y0, y1)) = data_ranges(chart);
    let unlog = |x: f64| if chart.log_x { 10f64.powf(x) } else { x };
    let x_axis =
        Axis { range: unlog(x0)..unlog(x1), log: chart.log_x, whole: !chart.log_x && whole_xs(chart) };
    let y_axis = Axis { range: y0..y1, log: false, whole: false };
    let format_x = tick_formatter(&x_axis, X_TICKS);
    let format_y = tick_formatter(&y_axis, Y_TICKS);

    let tick_style = text_style(sizes.tick, &TEXT);
    let axis_style = text_style(sizes.axis, &TEXT);
    let widest_y_tick = y_axis
        .key_points(Y_TICKS)
        .iter()
        .map(|y| area.estimate_text_size(&format_y(y), &tick_style).map(|(w, _)| w as i32))
        .collect::<Result<Vec<i32>, _>>()
        .map_err(failed)?
        .into_iter()
        .max()
        .unwrap_or(0);
    // Plotters puts a tick label twice the tick mark's length from the axis, and the axis' name
    // at the label area's outer edge.
    let name_room = |name: &str| if name.is_empty() { 0 } else { (sizes.axis * 1.5).round() as i32 };
    let y_label_area = widest_y_tick + 2 * sizes.tick_mark + name_room(&chart.y_label) + sizes.margin / 3;
    let x_label_area = 2 * sizes.tick_mark + sizes.tick.round() as i32 + name_room(&chart.x_label);

    let heatmap = chart.heatmap.as_ref().filter(|map| is_drawable(map));
    let (width, _) = area.dim_in_pixel();
    let key_width = if heatmap.is_some() { (sizes.tick * 6.0).round() as i32 } else { 0 };
    let (main, key) = area.split_horizontally(width as i32 - key_width);
    let mut plot = ChartBuilder::on(&main)
        .margin_top(sizes.margin / 2)
        .margin_right(sizes.margin)
        .margin_bottom(sizes.margin / 2)
        .margin_left(sizes.margin / 3)
        .x_label_area_size(x_label_area)
        .y_label_area_size(y_label_area)
        .build_cartesian_2d(x_axis.clone(), y0..y1)
        .map_err(failed)?;
    let mut mesh = plot.configure_mesh();
    mesh.x_labels(X_TICKS)
        .y_labels(Y_TICKS)
        .x_label_formatter(&format_x)
        .y_label_formatter(&format_y)
        .label_style(tick_style.clone())
        .axis_desc_style(axis_style)
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .bold_line_style(GRID.stroke_width(1))
        .max_light_lines(0)
        .axis_style(AXIS.stroke_width(2))
        .set_all_tick_mark_size(sizes.tick_mark);
    if heatmap.is_some() {
        mesh.disable_mesh();
    }
    mesh.draw().map_err(failed)?;

    if let Some(map) = heatmap {
        heatmap_ui(&mut plot, map, chart.log_x)?;
        key_ui(&key, map, x_label_area, &tick_style, sizes)?;
    }
    series_ui(&mut plot, chart, sizes)?;
    Ok(plot.plotting_area().get_pixel_range())
}

/// Whether every x drawn is a whole number (a count), so ticks between them mean nothing.
fn whole_xs(chart: &ReportChart) -> bool {
    let mut xs = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p[0]).chain(s.band.iter().map(|b| b[0])))
        .filter(|x| x.is_finite())
        .peekable();
    xs.peek().is_some() && xs.all(|x| x.fract() == 0.0)
}

type Plot<'a, 'b> = ChartContext<'a, ChartBackend<'b>, Cartesian2d<Axis, RangedCoordf64>>;

fn is_drawable(map: &Heatmap) -> bool {
    map.width > 0 && map.height > 0 && map.values.len() == map.width * map.height
}

/// The heatmap's cells, in the studio's grey ramp.
fn heatmap_ui(plot: &mut Plot, map: &Heatmap, log_x: bool) -> Result<(), String> {
    let colors = heatmap_colors(map);
    let axis = |x: f64| if log_x { x.log10() } else { x };
    let unaxis = |x: f64| if log_x { 10f64.powf(x) } else { x };
    let (x0, x1) = (axis(map.x_range.0), axis(map.x_range.1));
    if !(x0.is_finite() && x1.is_finite()) {
        return Ok(());
    }
    let cell_w = (x1 - x0) / map.width as f64;
    let cell_h = (map.y_range.1 - map.y_range.0) / map.height as f64;
    let cells = (0..map.height).flat_map(|row| (0..map.width).map(move |column| (row, column)));
    plot.draw_series(cells.map(|(row, column)| {
        let [r, g, b] = colors[row * map.width + column];
        let left = unaxis(x0 + column as f64 * cell_w);
        let right = unaxis(x0 + (column + 1) as f64 * cell_w);
        let bottom = map.y_range.0 + row as f64 * cell_h;
        Rectangle::new([(left, bottom), (right, bottom + cell_h)], RGBColor(r, g, b).filled())
    }))
    .map_err(failed)?;
    Ok(())
}

/// The heatmap's colour key: the ramp from its lowest to its highest value, with ticks.
fn key_ui(
    area: &DrawingArea<ChartBackend, Shift>,
    map: &Heatmap,
    x_label_area: i32,
    tick_style: &TextStyle,
    sizes: &Sizes,
) -> Result<(), String> {
    let finite = map.values.iter().copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if !lo.is_finite() {
        return Ok(());
    }
    let hi = if hi > lo { hi } else { lo + 1e-9 };
    let axis = Axis { range: lo..hi, log: false, whole: false };
    let format = tick_formatter(&axis, 6);
    let (width, _) = area.dim_in_pixel();
    let mut key = ChartBuilder::on(area)
        .margin_top(sizes.margin / 2)
        .margin_right(sizes.margin / 2)
        .margin_bottom(sizes.margin / 2)
        .x_label_area_size(x_label_area)
        .right_y_label_area_size(width as i32 / 2)
        .build_cartesian_2d(0.0..1.0, lo..hi)
        .map_err(failed)?;
    key.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(6)
        .y_label_formatter(&format)
        .label_style(tick_style.clone())
        .axis_style(AXIS.stroke_width(1))
        .set_all_tick_mark_size(sizes.tick_mark)
        .draw()
        .map_err(failed)?;
    let steps = 200;
    key.draw_series((0..steps).map(|step| {
        let t = step as f64 / steps as f64;
        let [r, g, b] = heatmap_level((t + 0.5 / steps as f64).min(1.0));
        let (low, high) = (lo + (hi - lo) * t, lo + (hi - lo) * (t + 1.0 / steps as f64));
        Rectangle::new([(0.0, low), (1.0, high)], RGBColor(r, g, b).filled())
    }))
    .map_err(failed)?;
    Ok(())
}

/// Every series' band first, so no band tints another series' line; then lines, then points.
fn series_ui(plot: &mut Plot, chart: &ReportChart, sizes: &Sizes) -> Result<(), String> {
    let keep = |x: f64, y: f64| x.is_finite() && y.is_finite() && (!chart.log_x || x > 0.0);
    for (number, series) in chart.series.iter().enumerate() {
        let band: Vec<[f64; 3]> =
            series.band.iter().copied().filter(|&[x, lo, hi]| keep(x, lo) && keep(x, hi)).collect();
        if band.len() >= 2 {
            let outline: Vec<(f64, f64)> =
                band.iter().map(|b| (b[0], b[1])).chain(band.iter().rev().map(|b| (b[0], b[2]))).collect();
            let style = color(number).mix(BAND_ALPHA).filled();
            plot.draw_series(std::iter::once(Polygon::new(outline, style))).map_err(failed)?;
        }
    }
    let points = |series: &ChartSeries| -> Vec<(f64, f64)> {
        series.points.iter().filter(|&&[x, y]| keep(x, y)).map(|&[x, y]| (x, y)).collect()
    };
    // Over a heatmap a light edge keeps a line readable on dark and light cells alike.
    let halo = chart.heatmap.is_some();
    for (number, series) in chart.series.iter().enumerate() {
        let width = match series.style {
            SeriesStyle::Line => sizes.line,
            SeriesStyle::Path => sizes.path_line,
            SeriesStyle::Points => continue,
        };
        if halo {
            let edge = PathElement::new(points(series), WHITE.mix(0.6).stroke_width(width + 2 * sizes.edge));
            plot.draw_series(std::iter::once(edge)).map_err(failed)?;
        }
        let line = PathElement::new(points(series), color(number).stroke_width(width));
        plot.draw_series(std::iter::once(line)).map_err(failed)?;
    }
    for (number, series) in chart.series.iter().enumerate() {
        // Scattered points get a white ring so that overlapping ones stay apart.
        let (radius, ring) = match series.style {
            SeriesStyle::Points => (sizes.marker, sizes.edge),
            // A path's markers sit close together: rings would merge into a white smear.
            SeriesStyle::Path => (sizes.path_marker, 0),
            SeriesStyle::Line => continue,
        };
        let style = color(number).filled();
        plot.draw_series(points(series).into_iter().flat_map(|p| {
            let ring = (ring > 0).then(|| Circle::new(p, radius + ring, WHITE.filled()));
            ring.into_iter().chain([Circle::new(p, radius, style)])
        }))
        .map_err(failed)?;
    }
    Ok(())
}
