//! Differences 2 and 5, feature engineering and the algorithms: models side by side, and the features a network makes for itself.

use std::sync::atomic::AtomicBool;

use super::{Progress, figure, measure_model};
use crate::data::{Dataset, Standardizer};
use crate::lessons::duel::rows_table;
use crate::lessons::{ComparisonPart, Heatmap, LessonData, LessonError, LessonReport, ReportChart};
use crate::models::network::NetworkLearner;

pub(super) fn comparison(
    settings: &LessonData,
    parts: &[ComparisonPart],
    quick: bool,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<LessonReport, LessonError> {
    let mut report = LessonReport::default();
    let total: usize = parts.iter().map(|p| p.models.len()).sum::<usize>().max(1);
    let mut done = 0;
    let mut findings = Vec::new();
    for part in parts {
        let part_settings = part.data.as_ref().unwrap_or(settings);
        let data = part_settings.load(quick)?;
        let mut rows = Vec::new();
        let mut unit_maps_done = !part.unit_maps;
        for model in &part.models {
            progress(done as f32 / total as f32, &format!("training {}", model.label()));
            done += 1;
            let (measured, model_data, _) = measure_model(&data, part_settings, model, quick, cancel)?;
            let name = match model.figure {
                Some(_) => model.figure_name(),
                None => format!("{}{}", part.figure_prefix, model.figure_name()),
            };
            report.figures.push(figure(name, measured.row.accuracy));
            if !unit_maps_done
                && model.features.is_empty()
                && let Some(net) = measured.session.network()
                && model_data.n_features() == 2
            {
                report.charts.extend(unit_map_charts(
                    &model_data,
                    &model.label(),
                    net,
                    measured.session.scaler(),
                )?);
                unit_maps_done = true;
            }
            rows.push(measured.row);
        }
        let summary: Vec<String> = rows.iter().map(|r| format!("{} {:.3}", r.label, r.accuracy)).collect();
        findings.push(format!("{}: {}.", part.title, summary.join(", ")));
        report.tables.push(rows_table(&part.title, &rows));
    }
    report.finding = format!("Test accuracy on the same split. {}", findings.join(" "));
    Ok(report)
}

/// One heatmap per unit of the network's first hidden layer (after its activation), over the
/// plane of the two raw features: the features the network made for itself.
pub(super) fn unit_map_charts(
    data: &Dataset,
    label: &str,
    net: &NetworkLearner,
    scaler: &Standardizer,
) -> Result<Vec<ReportChart>, LessonError> {
    const RESOLUTION: usize = 24;
    let bounds = data.feature_bounds();
    let pad = |(lo, hi): (f64, f64)| (lo - (hi - lo) * 0.05, hi + (hi - lo) * 0.05);
    let (x_range, y_range) = (pad(bounds[0]), pad(bounds[1]));
    let at =
        |range: (f64, f64), i: usize| range.0 + (range.1 - range.0) * (i as f64 + 0.5) / RESOLUTION as f64;
    let mut features = Vec::with_capacity(RESOLUTION * RESOLUTION * 2);
    for row in 0..RESOLUTION {
        for column in 0..RESOLUTION {
            scaler.transform_row(&[at(x_range, column), at(y_range, row)], &mut features);
        }
    }
    let maps = net
        .unit_maps(&features, 2)
        .map_err(|error| LessonError::Model { model: label.to_string(), error })?;
    // The first map after an activation; a network that starts with a dense layer has its
    // pre-activation map first.
    let Some(layer) = maps.iter().find(|m| !m.layer.starts_with("dense")).or(maps.first()) else {
        return Ok(Vec::new());
    };
    let names = &data.feature_names;
    Ok(layer
        .units
        .iter()
        .enumerate()
        .map(|(u, values)| ReportChart {
            title: format!("{label}: hidden unit {} of layer {} ({})", u + 1, layer.index, layer.layer),
            x_label: names[0].clone(),
            y_label: names[1].clone(),
            log_x: false,
            series: Vec::new(),
            heatmap: Some(Heatmap {
                x_range,
                y_range,
                width: RESOLUTION,
                height: RESOLUTION,
                values: values.iter().map(|&v| f64::from(v)).collect(),
            }),
        })
        .collect())
}
