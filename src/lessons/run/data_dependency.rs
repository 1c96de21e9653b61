//! Difference 1, data dependency: learning curves of every model over training sizes, each
//! network trained to convergence at every size (see `evaluation::effort`), in one or more parts.

use std::sync::atomic::AtomicBool;

use super::{Progress, figure};
use crate::evaluation::Effort;
use crate::evaluation::effort::EarlyStopping;
use crate::evaluation::learning_curve::{
    CurveError, CurveModel, CurvePoint, CurveSettings, CurveSummary, learning_curve, summarize,
};
use crate::lessons::{
    ChartSeries, Experiment, Lesson, LessonData, LessonError, LessonModel, LessonReport, ReportChart,
    ReportTable, RunOptions, SeriesStyle,
};

/// One learning curve to measure: its data, models and sizes.
struct PartPlan<'a> {
    title: &'a str,
    data: &'a LessonData,
    models: Vec<&'a LessonModel>,
    sizes: &'a [usize],
    prefix: &'a str,
}

pub(super) fn curve(
    lesson: &Lesson,
    options: &RunOptions,
    progress: Progress<'_>,
    partial: &dyn Fn(&LessonReport),
    cancel: &AtomicBool,
) -> Result<LessonReport, LessonError> {
    let Experiment::LearningCurve {
        models,
        sizes,
        seeds,
        quick_sizes,
        quick_seeds,
        full_sizes,
        full_seeds,
        fixed_split,
        effort,
        title,
        parts,
    } = &lesson.experiment
    else {
        return Err(LessonError::Invalid("not a learning curve".into()));
    };
    let (quick, full) = (options.quick, options.full && !options.quick);
    let (sizes, seeds) = match (quick, full) {
        (true, _) if !quick_sizes.is_empty() => (quick_sizes, quick_seeds.unwrap_or(*seeds)),
        (true, _) => (sizes, quick_seeds.unwrap_or(*seeds)),
        (false, true) if !full_sizes.is_empty() => (full_sizes, full_seeds.unwrap_or(*seeds)),
        (false, true) => (sizes, full_seeds.unwrap_or(*seeds)),
        (false, false) => (sizes, *seeds),
    };
    let effort = effort.unwrap_or(Effort::EarlyStopping(EarlyStopping::default()));
    let runs_in_this_mode = |m: &&LessonModel| full || !m.full_only;
    let mut plans = vec![PartPlan {
        title,
        data: &lesson.data,
        models: models.iter().filter(runs_in_this_mode).collect(),
        sizes,
        prefix: "",
    }];
    for part in parts {
        let part_sizes = if quick { &part.quick_sizes } else { &part.sizes };
        if !part_sizes.is_empty() {
            plans.push(PartPlan {
                title: &part.title,
                data: &part.data,
                models: part.models.iter().filter(runs_in_this_mode).collect(),
                sizes: part_sizes,
                prefix: &part.figure_prefix,
            });
        }
    }
    let skipped: Vec<String> = models
        .iter()
        .chain(parts.iter().flat_map(|p| &p.models))
        .filter(|m| !runs_in_this_mode(m))
        .map(LessonModel::label)
        .collect();
    let mut done: Vec<LessonReport> = Vec::new();
    let shares = plans.len() as f32;
    for (index, plan) in plans.iter().enumerate() {
        let part_progress = |fraction: f32, what: &str| progress((index as f32 + fraction) / shares, what);
        let show_so_far = |points: &[CurvePoint]| {
            let mut reports = done.clone();
            reports.push(part_report(plan, points, seeds, effort));
            partial(&merge(reports));
        };
        let points =
            measure_part(plan, seeds, *fixed_split, effort, options, &part_progress, &show_so_far, cancel)?;
        done.push(part_report(plan, &points, seeds, effort));
    }
    let mut report = merge(done);
    if !skipped.is_empty() {
        report.finding.push_str(&format!(
            " {} train in full runs only (`--full` on the command line, Full in the studio).",
            skipped.join(", ")
        ));
    }
    if quick {
        report.finding.push_str(
            " This was a quick run: fewer sizes, seeds and rows than the lesson, the same training rule.",
        );
    }
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
fn measure_part(
    plan: &PartPlan<'_>,
    seeds: usize,
    fixed_split: bool,
    effort: Effort,
    options: &RunOptions,
    progress: Progress<'_>,
    measured: &dyn Fn(&[CurvePoint]),
    cancel: &AtomicBool,
) -> Result<Vec<CurvePoint>, LessonError> {
    let data = plan.data.load_for(options)?;
    let curve_models = curve_models(plan.data, &plan.models, effort)?;
    let curve_settings = CurveSettings {
        sizes: plan.sizes.to_vec(),
        seeds,
        base_seed: plan.data.seed,
        test_fraction: plan.data.test_fraction,
        scale: plan.data.scale,
        fixed_split,
    };
    learning_curve(&data, &curve_models, &curve_settings, progress, measured, cancel).map_err(|e| match e {
        CurveError::Cancelled => LessonError::Cancelled,
        CurveError::Model { model, error, .. } => LessonError::Model { model, error },
        other => LessonError::Invalid(other.to_string()),
    })
}

fn curve_models(
    settings: &LessonData,
    models: &[&LessonModel],
    effort: Effort,
) -> Result<Vec<CurveModel>, LessonError> {
    models
        .iter()
        .map(|m| {
            if !m.features.is_empty() {
                return Err(LessonError::Invalid(
                    "learning curves take models without engineered features".into(),
                ));
            }
            Ok(CurveModel { label: m.label(), config: m.config(settings.seed)?, effort })
        })
        .collect()
}

fn part_report(plan: &PartPlan<'_>, points: &[CurvePoint], seeds: usize, effort: Effort) -> LessonReport {
    let is_network: Vec<(String, bool)> =
        plan.models.iter().map(|m| (m.label(), m.kind().is_ok_and(|k| k.is_network()))).collect();
    let mut report = curve_report(points, &is_network, seeds);
    if let Some(table) = report.tables.first_mut() {
        table.title = format!("{}; networks: {}", table.title, effort.describe());
    }
    if !plan.title.is_empty() {
        if let Some(chart) = report.charts.first_mut() {
            chart.title = plan.title.to_string();
        }
        for table in &mut report.tables {
            table.title = format!("{}: {}", plan.title, table.title);
        }
        if !report.finding.is_empty() {
            report.finding = format!("{}: {}", plan.title, report.finding);
        }
    }
    for figure in &mut report.figures {
        figure.name = format!("{}{}", plan.prefix, figure.name);
    }
    report
}

/// One report from the parts' reports, in order.
fn merge(reports: Vec<LessonReport>) -> LessonReport {
    let mut out = LessonReport::default();
    for report in reports {
        if !report.finding.is_empty() {
            if !out.finding.is_empty() {
                out.finding.push_str("\n\n");
            }
            out.finding.push_str(&report.finding);
        }
        out.tables.extend(report.tables);
        out.charts.extend(report.charts);
        out.figures.extend(report.figures);
    }
    out
}

/// The chart, table, crossing point and figures of a learning curve (shared with the CLI's summary).
pub fn curve_report(points: &[CurvePoint], is_network: &[(String, bool)], seeds: usize) -> LessonReport {
    let summary = summarize(points);
    let series = curve_series(&summary);
    let table = curve_table(&summary, seeds);
    let mut sizes: Vec<usize> = summary.iter().map(|s| s.train_size).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let at = |model: &str, size: usize| summary.iter().find(|s| s.model == model && s.train_size == size);
    let mean_of = |model: &str, size: usize| at(model, size).map(|s| s.mean);
    let networks: Vec<&str> = is_network.iter().filter(|(_, n)| *n).map(|(l, _)| l.as_str()).collect();
    let classical: Vec<&str> = is_network.iter().filter(|(_, n)| !*n).map(|(l, _)| l.as_str()).collect();
    // The best classical model at a size: its mean and its band's width.
    let best_classical = |size: usize| {
        classical
            .iter()
            .filter_map(|m| at(m, size))
            .max_by(|a, b| a.mean.total_cmp(&b.mean))
            .map(|s| (s.mean, s.high - s.low, s.model.clone()))
    };
    let mut figures = Vec::new();
    let mut finding = String::new();
    for &size in &sizes {
        if let Some((mean, _, _)) = best_classical(size) {
            figures.push(figure(format!("best_classical@{size}"), mean));
        }
    }
    if let (Some(net), false, Some(&smallest), Some(&largest)) =
        (networks.first(), classical.is_empty(), sizes.first(), sizes.last())
    {
        let net_at = |size| mean_of(net, size).unwrap_or(f64::NAN);
        let best_mean = |size| best_classical(size).map_or(f64::NAN, |b| b.0);
        // The crossing point: the smallest size at which the network's mean beats the best
        // classical mean by more than the seeds' spread (the wider of the two bands there).
        let crossing = sizes.iter().copied().find(|&n| {
            let (Some(net_point), Some((best, best_spread, _))) = (at(net, n), best_classical(n)) else {
                return false;
            };
            net_point.mean - best > (net_point.high - net_point.low).max(best_spread)
        });
        let (best_small, best_large) = (best_classical(smallest), best_classical(largest));
        let name = |b: &Option<(f64, f64, String)>| b.as_ref().map_or(String::new(), |b| b.2.clone());
        figures.extend([
            figure("network_accuracy_smallest", net_at(smallest)),
            figure("best_classical_accuracy_smallest", best_mean(smallest)),
            figure("network_accuracy_largest", net_at(largest)),
            figure("best_classical_accuracy_largest", best_mean(largest)),
            figure("lead_largest", net_at(largest) - best_mean(largest)),
            figure("crossing_size", crossing.map_or(-1.0, |n| n as f64)),
            figure("smallest_size", smallest as f64),
            figure("largest_size", largest as f64),
        ]);
        // The smallest size from which the network stays at or above the best classical mean.
        let overtake = sizes
            .iter()
            .position(|&n| sizes.iter().filter(|&&m| m >= n).all(|&m| net_at(m) >= best_mean(m)))
            .map(|i| sizes[i]);
        figures.push(figure("overtake_size", overtake.map_or(-1.0, |n| n as f64)));
        finding = format!(
            "On {smallest} training rows {net} reaches {:.3} against {:.3} for the best classical model ({}); on {largest} rows {:.3} against {:.3} ({}), a lead of {:+.1} points. ",
            net_at(smallest),
            best_mean(smallest),
            name(&best_small),
            net_at(largest),
            best_mean(largest),
            name(&best_large),
            100.0 * (net_at(largest) - best_mean(largest)),
        );
        finding.push_str(&match crossing {
            Some(n) => format!(
                "Crossing point: {n} training rows, the smallest size at which {net} beats the best classical model by more than the spread between seeds. "
            ),
            None => format!(
                "{net} never beats the best classical model by more than the spread between seeds within the sizes measured. "
            ),
        });
        for other in networks.iter().skip(1) {
            let other_at = |size| mean_of(other, size).unwrap_or(f64::NAN);
            let from = sizes
                .iter()
                .position(|&n| sizes.iter().filter(|&&m| m >= n).all(|&m| other_at(m) >= best_mean(m)))
                .map(|i| sizes[i]);
            finding.push_str(&match from {
                Some(n) if n == smallest => {
                    format!("{other} is level with or ahead of the classical models at every size measured. ")
                }
                Some(n) => format!("{other} catches up with the best classical model from {n} training rows on. "),
                None => format!(
                    "{other} does not overtake the best classical model within the sizes measured ({:.3} against {:.3} on {largest} rows). ",
                    other_at(largest),
                    best_mean(largest)
                ),
            });
        }
        let capped: Vec<String> = summary
            .iter()
            .filter(|s| s.stops.iter().any(|(r, _)| *r == crate::evaluation::StopReason::StepCap))
            .map(|s| format!("{} on {}", s.model, s.train_size))
            .collect();
        if !capped.is_empty() {
            finding.push_str(&format!(
                "Not settled: {} reached the step cap while still improving, so those points may be low. ",
                capped.join(", ")
            ));
        }
        finding = finding.trim_end().to_string();
    }
    for s in &summary {
        figures.push(figure(format!("{}@{}", s.model, s.train_size), s.mean));
        if let Some(steps) = s.mean_steps {
            figures.push(figure(format!("{}@{}_steps", s.model, s.train_size), steps));
        }
    }
    // How far apart the seeds land, on average over the sizes: the width of each band.
    for (model, _) in is_network {
        let widths: Vec<f64> = summary.iter().filter(|s| &s.model == model).map(|s| s.high - s.low).collect();
        if let (Some(first), Some(last)) = (widths.first(), widths.last()) {
            figures.push(figure(format!("{model}_spread"), widths.iter().sum::<f64>() / widths.len() as f64));
            figures.push(figure(format!("{model}_spread_smallest"), *first));
            figures.push(figure(format!("{model}_spread_largest"), *last));
        }
    }
    LessonReport {
        finding,
        tables: vec![table],
        charts: vec![ReportChart {
            title: "Test accuracy against training-set size (band: lowest to highest seed)".into(),
            x_label: "training rows".into(),
            y_label: "test accuracy".into(),
            log_x: true,
            series,
            heatmap: None,
        }],
        figures,
        ..Default::default()
    }
}

/// One line per model, with its spread band, in first-seen order.
fn curve_series(summary: &[CurveSummary]) -> Vec<ChartSeries> {
    let mut series: Vec<ChartSeries> = Vec::new();
    for s in summary {
        if series.last().is_none_or(|last| last.name != s.model) {
            series.push(ChartSeries {
                name: s.model.clone(),
                points: Vec::new(),
                band: Vec::new(),
                style: SeriesStyle::Path,
            });
        }
        let line = series.last_mut().expect("pushed above");
        line.points.push([s.train_size as f64, s.mean]);
        line.band.push([s.train_size as f64, s.low, s.high]);
    }
    series
}

/// The table a learning curve prints: accuracy, spread, steps and why each point stopped.
fn curve_table(summary: &[CurveSummary], seeds: usize) -> ReportTable {
    ReportTable {
        title: format!("Test accuracy over {seeds} seed(s): mean (lowest to highest)"),
        columns: [
            "model",
            "training rows",
            "mean accuracy",
            "lowest",
            "highest",
            "gradient steps",
            "stopped by",
            "mean fit s",
        ]
        .map(String::from)
        .to_vec(),
        rows: summary
            .iter()
            .map(|s| {
                vec![
                    s.model.clone(),
                    s.train_size.to_string(),
                    format!("{:.3}", s.mean),
                    format!("{:.3}", s.low),
                    format!("{:.3}", s.high),
                    s.mean_steps.map_or_else(|| "-".to_string(), |n| format!("{n:.0}")),
                    s.stops_text(),
                    format!("{:.3}", s.mean_seconds),
                ]
            })
            .collect(),
    }
}
