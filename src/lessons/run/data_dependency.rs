//! Difference 1, data dependency: learning curves of every model over training sizes.

use std::sync::atomic::AtomicBool;

use super::{Progress, figure};
use crate::evaluation::learning_curve::{CurveError, CurveModel, CurveSettings, learning_curve, summarize};
use crate::lessons::{
    ChartSeries, LessonData, LessonError, LessonModel, LessonReport, ReportChart, ReportTable, SeriesStyle,
};

pub(super) fn curve(
    settings: &LessonData,
    models: &[LessonModel],
    (sizes, seeds, fixed_split): (&[usize], usize, bool),
    quick: bool,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<LessonReport, LessonError> {
    let data = settings.load(quick)?;
    let curve_models = models
        .iter()
        .map(|m| {
            if !m.features.is_empty() {
                return Err(LessonError::Invalid(
                    "learning curves take models without engineered features".into(),
                ));
            }
            Ok(CurveModel { label: m.label(), config: m.config(settings.seed)?, epochs: m.epochs(quick) })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let curve_settings = CurveSettings {
        sizes: sizes.to_vec(),
        seeds,
        base_seed: settings.seed,
        test_fraction: settings.test_fraction,
        scale: settings.scale,
        fixed_split,
    };
    let points =
        learning_curve(&data, &curve_models, &curve_settings, progress, cancel).map_err(|e| match e {
            CurveError::Cancelled => LessonError::Cancelled,
            CurveError::Model { model, error, .. } => LessonError::Model { model, error },
            other => LessonError::Invalid(other.to_string()),
        })?;
    let is_network: Vec<(String, bool)> =
        curve_models.iter().map(|m| (m.label.clone(), m.config.kind.is_network())).collect();
    Ok(curve_report(&points, &is_network, seeds))
}

/// The chart, table and overtaking figures of a learning curve (shared with the CLI's summary).
pub fn curve_report(
    points: &[crate::evaluation::CurvePoint],
    is_network: &[(String, bool)],
    seeds: usize,
) -> LessonReport {
    let summary = summarize(points);
    let mut series: Vec<ChartSeries> = Vec::new();
    for s in &summary {
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
    let table = ReportTable {
        title: format!("Test accuracy over {seeds} seed(s): mean (lowest to highest)"),
        columns: ["model", "training rows", "mean accuracy", "lowest", "highest", "mean fit s"]
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
                    format!("{:.3}", s.mean_seconds),
                ]
            })
            .collect(),
    };
    let mut sizes: Vec<usize> = summary.iter().map(|s| s.train_size).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let mean_of = |model: &str, size: usize| {
        summary.iter().find(|s| s.model == model && s.train_size == size).map(|s| s.mean)
    };
    let networks: Vec<&str> = is_network.iter().filter(|(_, n)| *n).map(|(l, _)| l.as_str()).collect();
    let classical: Vec<&str> = is_network.iter().filter(|(_, n)| !*n).map(|(l, _)| l.as_str()).collect();
    let best_classical =
        |size: usize| classical.iter().filter_map(|m| mean_of(m, size)).fold(f64::NEG_INFINITY, f64::max);
    let mut figures = Vec::new();
    let mut finding = String::new();
    if let (Some(net), false, Some(&smallest), Some(&largest)) =
        (networks.first(), classical.is_empty(), sizes.first(), sizes.last())
    {
        let net_at = |size| mean_of(net, size).unwrap_or(f64::NAN);
        // The smallest size from which the network stays at or above the best classical model.
        let overtake = sizes
            .iter()
            .position(|&n| sizes.iter().filter(|&&m| m >= n).all(|&m| net_at(m) >= best_classical(m)))
            .map(|i| sizes[i]);
        figures.extend([
            figure("network_accuracy_smallest", net_at(smallest)),
            figure("best_classical_accuracy_smallest", best_classical(smallest)),
            figure("network_accuracy_largest", net_at(largest)),
            figure("best_classical_accuracy_largest", best_classical(largest)),
            figure("overtake_size", overtake.map_or(-1.0, |n| n as f64)),
        ]);
        finding = format!(
            "On {smallest} training rows the network ({net}) reaches {:.3} against {:.3} for the best classical model; on {largest} rows {:.3} against {:.3}. ",
            net_at(smallest),
            best_classical(smallest),
            net_at(largest),
            best_classical(largest)
        );
        for other in &networks {
            let at = |size| mean_of(other, size).unwrap_or(f64::NAN);
            let from = sizes
                .iter()
                .position(|&n| sizes.iter().filter(|&&m| m >= n).all(|&m| at(m) >= best_classical(m)))
                .map(|i| sizes[i]);
            finding.push_str(&match from {
                Some(n) if n == smallest => {
                    format!("{other} is level with or ahead of the classical models at every size measured. ")
                }
                Some(n) => format!("{other} catches up with the best classical model from {n} training rows on. "),
                None => format!(
                    "{other} does not overtake the best classical model within the sizes measured ({:.3} against {:.3} on {largest} rows). ",
                    at(largest),
                    best_classical(largest)
                ),
            });
        }
        finding = finding.trim_end().to_string();
    }
    for s in &summary {
        figures.push(figure(format!("{}@{}", s.model, s.train_size), s.mean));
    }
    // How far apart the seeds land, on average over the sizes: the width of each band.
    for (model, _) in is_network {
        let widths: Vec<f64> = summary.iter().filter(|s| &s.model == model).map(|s| s.high - s.low).collect();
        if !widths.is_empty() {
            figures.push(figure(format!("{model}_spread"), widths.iter().sum::<f64>() / widths.len() as f64));
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
