//! Differences 2 and 5, feature engineering and the algorithms: models side by side, the features a network makes for itself, and the test rows as each of its layers sees them.

use std::sync::atomic::AtomicBool;

use super::{Progress, figure, measure_model};
use crate::data::{Dataset, Standardizer};
use crate::lessons::duel::rows_table;
use crate::lessons::{
    ChartSeries, ComparisonPart, Heatmap, LessonData, LessonError, LessonReport, ReportChart, SeriesStyle,
};
use crate::models::network::NetworkLearner;
use crate::models::network::representations::{Representations, representations};

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
        let mut representations_done = !part.representations;
        let mut seen = String::new();
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
            if !representations_done && let Some(net) = measured.session.network() {
                let projected = representations(net, measured.session.test_data())
                    .map_err(|error| LessonError::Model { model: model.label(), error })?;
                report.charts.extend(representation_charts(&model.label(), &projected, &model_data));
                seen = representations_finding(&model.label(), &projected);
                representations_done = true;
            }
            rows.push(measured.row);
        }
        let summary: Vec<String> = rows.iter().map(|r| format!("{} {:.3}", r.label, r.accuracy)).collect();
        findings.push(format!("{}: {}.{seen}", part.title, summary.join(", ")));
        report.tables.push(rows_table(&part.title, &rows));
    }
    report.finding = format!("Test accuracy on the same split. {}", findings.join(" "));
    Ok(report)
}

/// One scatter per layer, raw input first: the test rows on that layer's first two principal
/// components, a series per class.
fn representation_charts(label: &str, projected: &Representations, data: &Dataset) -> Vec<ReportChart> {
    let names = data.class_names();
    projected
        .layers
        .iter()
        .map(|layer| {
            let mut series: Vec<ChartSeries> = (0..projected.classes.max(1))
                .map(|class| ChartSeries {
                    name: names.get(class).cloned().unwrap_or_else(|| format!("class {class}")),
                    points: Vec::new(),
                    band: Vec::new(),
                    style: SeriesStyle::Points,
                })
                .collect();
            for (row, &point) in layer.points.iter().enumerate() {
                let class = projected.class(row).unwrap_or(0);
                if let Some(s) = series.get_mut(class) {
                    s.points.push(point);
                }
            }
            let apart = layer.separation.map_or_else(String::new, |s| {
                format!(" ({:.0}% nearest their own class's centre)", s * 100.0)
            });
            ReportChart {
                title: format!("{label}, the test rows as each layer sees them: {}{apart}", layer.title()),
                x_label: "principal component 1".into(),
                y_label: "principal component 2".into(),
                log_x: false,
                series,
                heatmap: None,
            }
        })
        .collect()
}

/// One sentence for the finding: the share of test rows nearest their own class's centre in the
/// raw input's picture and in the best hidden layer's (empty for regression).
fn representations_finding(label: &str, projected: &Representations) -> String {
    let hidden = &projected.layers[1..projected.layers.len().saturating_sub(1).max(1)];
    let best = hidden.iter().filter_map(|l| Some((l, l.separation?))).max_by(|a, b| a.1.total_cmp(&b.1));
    match (projected.layers.first().and_then(|l| l.separation), best) {
        (Some(raw), Some((layer, share))) => format!(
            " Seen in 2-D, {:.0}% of the test rows lie nearest their own class's centre in the raw input and \
             {:.0}% after {} of the {label}.",
            raw * 100.0,
            share * 100.0,
            layer.title()
        ),
        _ => String::new(),
    }
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use crate::lessons::{Experiment, SeriesStyle, builtin_lesson};

    #[test]
    fn the_circles_part_shows_the_test_rows_as_each_layer_of_its_network_sees_them() {
        let lesson = builtin_lesson("feature-engineering").unwrap();
        let Experiment::Comparison { parts } = &lesson.experiment else { panic!("a comparison") };
        let parts: Vec<_> = parts.iter().filter(|p| p.representations).cloned().collect();
        assert_eq!(parts.len(), 1, "the circles part");
        let report =
            super::comparison(&lesson.data, &parts, true, &|_, _| {}, &AtomicBool::new(false)).unwrap();
        // The input, the two dense + tanh blocks and the output layer, one series per ring.
        let titles: Vec<&str> =
            report.charts.iter().filter(|c| c.heatmap.is_none()).map(|c| c.title.as_str()).collect();
        assert_eq!(titles.len(), 4, "{titles:?}");
        assert!(titles[0].contains("sees them: input ("), "{titles:?}");
        assert!(titles[2].contains("sees them: layers 3-4 dense(8) + tanh ("), "{titles:?}");
        assert!(titles[3].contains("sees them: layer 5 output dense(1) ("), "{titles:?}");
        let scatters: Vec<_> = report.charts.iter().filter(|c| c.heatmap.is_none()).collect();
        let rows: Vec<usize> =
            scatters.iter().map(|c| c.series.iter().map(|s| s.points.len()).sum()).collect();
        assert!(rows.iter().all(|&n| n == rows[0] && n > 0), "{rows:?}");
        assert!(
            scatters
                .iter()
                .all(|c| c.series.len() == 2 && c.series.iter().all(|s| s.style == SeriesStyle::Points))
        );
        assert!(report.finding.contains("in the raw input and"), "{}", report.finding);
    }
}
