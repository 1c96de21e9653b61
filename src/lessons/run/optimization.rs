//! Difference 6, training and optimization: loss surfaces, cross-validation, epochs to a loss, gradient flow.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::{Progress, check_cancel, figure, measure_model, slug, split_of};
use crate::data::{Standardizer, add_features};
use crate::lessons::descent::TwoWeightLogistic;
use crate::lessons::{
    ChartSeries, Heatmap, LessonData, LessonError, LessonModel, LessonReport, ReportChart, ReportTable,
    SeriesStyle,
};
use crate::models::network::OptimizerKind;

pub(super) fn loss_surface(
    settings: &LessonData,
    learning_rate: f64,
    steps: usize,
    start: [f64; 2],
    span: f64,
    resolution: usize,
    quick: bool,
) -> Result<LessonReport, LessonError> {
    let data = settings.load(quick)?;
    if data.n_features() != 2 || data.class_count() != 2 {
        return Err(LessonError::Invalid(format!(
            "the loss surface needs 2-D data with two classes; {} has {} features and {} classes",
            data.name,
            data.n_features(),
            data.class_count()
        )));
    }
    let split = split_of(&data, settings)?;
    let data = data.imputed_from(&split.train);
    let scaler = Standardizer::fit(&data.subset(&split.train));
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    for &i in &split.train {
        let mut row = Vec::new();
        scaler.transform_row(data.row(i), &mut row);
        rows.push([row[0], row[1]]);
        labels.push(data.target_value(i));
    }
    let problem = TwoWeightLogistic { rows, labels };
    let resolution = if quick { resolution.min(30) } else { resolution }.max(2);
    let surface = problem.surface(span, resolution);
    let best = surface.iter().copied().fold(f64::INFINITY, f64::min);
    let optimizers =
        [("sgd", OptimizerKind::Sgd), ("momentum", OptimizerKind::Momentum), ("adam", OptimizerKind::Adam)];
    let mut paths = Vec::new();
    let mut losses = Vec::new();
    let mut figures = vec![figure("start_loss", problem.loss(start)), figure("grid_best_loss", best)];
    let mut table_rows = Vec::new();
    for (name, kind) in optimizers {
        let path = problem.path(kind, start, learning_rate, steps);
        let end = *path.last().unwrap_or(&start);
        let end_loss = problem.loss(end);
        figures.push(figure(format!("{name}_final_loss"), end_loss));
        table_rows.push(vec![
            name.to_string(),
            format!("{:.4}", end_loss),
            format!("({:.2}, {:.2})", end[0], end[1]),
        ]);
        losses.push(ChartSeries {
            name: name.into(),
            points: path.iter().enumerate().map(|(t, w)| [t as f64, problem.loss(*w)]).collect(),
            band: Vec::new(),
            style: SeriesStyle::Line,
        });
        paths.push(ChartSeries {
            name: name.into(),
            points: path.iter().map(|w| [w[0], w[1]]).collect(),
            band: Vec::new(),
            style: SeriesStyle::Path,
        });
    }
    let finding = format!(
        "From weights ({:.1}, {:.1}) with learning rate {learning_rate} and {steps} steps: plain gradient descent ends at loss {:.3}, momentum at {:.3}, Adam at {:.3} (the lowest point of the surface shown is {:.3}).",
        start[0], start[1], figures[2].value, figures[3].value, figures[4].value, best
    );
    Ok(LessonReport {
        finding,
        tables: vec![ReportTable {
            title: "Where each optimizer ends".into(),
            columns: ["optimizer", "final loss", "final weights (w1, w2)"].map(String::from).to_vec(),
            rows: table_rows,
        }],
        charts: vec![
            ReportChart {
                title: "Loss surface of a two-weight logistic regression, with each optimizer's path".into(),
                x_label: format!("weight on {}", data.feature_names[0]),
                y_label: format!("weight on {}", data.feature_names[1]),
                log_x: false,
                series: paths,
                heatmap: Some(Heatmap {
                    x_range: (-span, span),
                    y_range: (-span, span),
                    width: resolution,
                    height: resolution,
                    values: surface,
                }),
            },
            ReportChart {
                title: "Loss after each step".into(),
                x_label: "step".into(),
                y_label: "training loss".into(),
                log_x: false,
                series: losses,
                heatmap: None,
            },
        ],
        figures,
        ..Default::default()
    })
}

pub(super) fn cross_validation(
    settings: &LessonData,
    models: &[LessonModel],
    folds: usize,
    quick: bool,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<LessonReport, LessonError> {
    let data = settings.load(quick)?;
    let mut columns = vec!["model".to_string()];
    columns.extend((1..=folds).map(|f| format!("fold {f}")));
    columns.extend(["mean".to_string(), "spread (std)".to_string()]);
    let mut table =
        ReportTable { title: format!("Test accuracy of each of {folds} folds"), columns, rows: Vec::new() };
    let mut series = Vec::new();
    let mut figures = Vec::new();
    let mut findings = Vec::new();
    for (i, model) in models.iter().enumerate() {
        check_cancel(cancel)?;
        progress(i as f32 / models.len().max(1) as f32, &format!("cross-validating {}", model.label()));
        let model_data =
            add_features(&data, &model.features).map_err(|e| LessonError::Invalid(e.to_string()))?;
        let report = crate::evaluation::cross_validate(
            &model_data,
            &model.config(settings.seed)?,
            folds,
            settings.seed,
            settings.scale,
            model.epochs(quick),
        )
        .map_err(|e| LessonError::Invalid(format!("{}: {e}", model.label())))?;
        let mut cells = vec![model.label()];
        cells.extend(report.scores.iter().map(|s| format!("{s:.3}")));
        cells.extend([format!("{:.3}", report.mean), format!("{:.3}", report.std)]);
        table.rows.push(cells);
        let s = slug(model);
        figures.extend([figure(format!("{s}_mean"), report.mean), figure(format!("{s}_std"), report.std)]);
        let (lowest, highest) = report
            .scores
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        figures.push(figure(format!("{s}_fold_range"), highest - lowest));
        for (f, score) in report.scores.iter().enumerate() {
            figures.push(figure(format!("{s}_fold_{}", f + 1), *score));
        }
        let low = report.scores.iter().copied().fold(f64::INFINITY, f64::min);
        let high = report.scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        findings.push(format!("{} {:.3} (folds from {low:.3} to {high:.3})", model.label(), report.mean));
        series.push(ChartSeries {
            name: model.label(),
            points: report.scores.iter().enumerate().map(|(f, s)| [(f + 1) as f64, *s]).collect(),
            band: Vec::new(),
            style: SeriesStyle::Points,
        });
    }
    Ok(LessonReport {
        finding: format!(
            "Each fold is tested once on rows the model never saw. Mean accuracy: {}. One split alone could have told any of these numbers.",
            findings.join("; ")
        ),
        tables: vec![table],
        charts: vec![ReportChart {
            title: "Accuracy of each fold".into(),
            x_label: "fold".into(),
            y_label: "test accuracy".into(),
            log_x: false,
            series,
            heatmap: None,
        }],
        figures,
        ..Default::default()
    })
}

pub(super) fn epochs_to_loss(
    settings: &LessonData,
    models: &[LessonModel],
    target_loss: f64,
    quick: bool,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<LessonReport, LessonError> {
    let data = Arc::new(settings.load(quick)?);
    let split = split_of(&data, settings)?;
    let mut series = Vec::new();
    let mut rows = Vec::new();
    let mut figures = Vec::new();
    let mut findings = Vec::new();
    for (i, model) in models.iter().enumerate() {
        let epochs = model.epochs(quick);
        let job = crate::training::TrainJob {
            dataset: Arc::clone(&data),
            split: split.clone(),
            model: model.config(settings.seed)?,
            scale: settings.scale,
            max_epochs: Some(epochs),
            grid: None,
        };
        let fail = |error| LessonError::Model { model: model.label(), error };
        let mut session = crate::training::TrainingSession::new(&job).map_err(fail)?;
        let mut losses = Vec::new();
        let mut reached = None;
        let mut last = None;
        while !session.is_finished() {
            check_cancel(cancel)?;
            progress(
                (i as f32 + session.epoch() as f32 / epochs as f32) / models.len() as f32,
                &format!("{} epoch {}", model.label(), session.epoch() + 1),
            );
            let record = session.step().map_err(fail)?;
            losses.push([record.epoch as f64, record.train_loss]);
            if reached.is_none() && record.train_loss <= target_loss {
                reached = Some(record.epoch);
            }
            last = Some(record);
        }
        let s = slug(model);
        // Not reaching the target counts as one epoch past the budget, so comparisons still work.
        figures
            .push(figure(format!("{s}_epochs_to_loss"), reached.map_or(epochs as f64 + 1.0, |e| e as f64)));
        if let Some(r) = last {
            figures.push(figure(format!("{s}_final_loss"), r.train_loss));
            figures.push(figure(model.figure_name(), r.test_accuracy.unwrap_or(f64::NAN)));
            rows.push(vec![
                model.label(),
                reached.map_or(format!("not within {epochs}"), |e| e.to_string()),
                format!("{:.4}", r.train_loss),
                format!("{:.3}", r.test_accuracy.unwrap_or(f64::NAN)),
            ]);
        }
        findings.push(match reached {
            Some(e) => format!("{} reaches it after {e} epoch(s)", model.label()),
            None => format!("{} does not reach it in {epochs} epochs", model.label()),
        });
        series.push(ChartSeries {
            name: model.label(),
            points: losses,
            band: Vec::new(),
            style: SeriesStyle::Line,
        });
    }
    Ok(LessonReport {
        finding: format!("Training loss {target_loss}: {}.", findings.join("; ")),
        tables: vec![ReportTable {
            title: format!("Epochs to bring the training loss under {target_loss}"),
            columns: ["network", "epochs", "final training loss", "test accuracy"].map(String::from).to_vec(),
            rows,
        }],
        charts: vec![ReportChart {
            title: "Training loss per epoch".into(),
            x_label: "epoch".into(),
            y_label: "training loss".into(),
            log_x: false,
            series,
            heatmap: None,
        }],
        figures,
        ..Default::default()
    })
}

pub(super) fn gradient_flow(
    settings: &LessonData,
    models: &[LessonModel],
    quick: bool,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<LessonReport, LessonError> {
    let data = settings.load(quick)?;
    let mut series = Vec::new();
    let mut tables = Vec::new();
    let mut figures = Vec::new();
    let mut findings = Vec::new();
    for (i, model) in models.iter().enumerate() {
        progress(i as f32 / models.len().max(1) as f32, &format!("training {}", model.label()));
        let (measured, _, _) = measure_model(&data, settings, model, quick, cancel)?;
        let net = measured
            .session
            .network()
            .ok_or_else(|| LessonError::Invalid(format!("'{}' must be a network", model.label())))?;
        let layers = net.gradient_layers();
        let history = net.gradient_norms();
        // Early training, where vanishing gradients decide whether the first layers learn at all.
        let early = &history[..history.len().min(50)];
        let mean: Vec<f64> = (0..layers.len())
            .map(|l| early.iter().map(|row| f64::from(row[l])).sum::<f64>() / early.len().max(1) as f64)
            .collect();
        let s = slug(model);
        let (first, last) = (mean.first().copied().unwrap_or(0.0), mean.last().copied().unwrap_or(0.0));
        figures.extend([
            figure(format!("{s}_first_layer_gradient"), first),
            figure(format!("{s}_last_layer_gradient"), last),
            figure(format!("{s}_first_to_last_ratio"), first / last.max(f64::MIN_POSITIVE)),
        ]);
        findings.push(format!(
            "in {} the first layer's gradient is {:.2}% of the output layer's",
            model.label(),
            first / last.max(f64::MIN_POSITIVE) * 100.0
        ));
        tables.push(ReportTable {
            title: format!(
                "{}: mean gradient norm per layer over the first {} steps",
                model.label(),
                early.len()
            ),
            columns: ["position", "layer", "gradient norm"].map(String::from).to_vec(),
            rows: layers
                .iter()
                .zip(&mean)
                .enumerate()
                .map(|(p, ((_, name), g))| vec![(p + 1).to_string(), name.clone(), format!("{g:.2e}")])
                .collect(),
        });
        series.push(ChartSeries {
            name: model.label(),
            points: mean.iter().enumerate().map(|(p, g)| [(p + 1) as f64, g.max(1e-12).log10()]).collect(),
            band: Vec::new(),
            style: SeriesStyle::Path,
        });
    }
    Ok(LessonReport {
        finding: format!(
            "Backpropagation carries the error from the output back to the first layer, multiplying by each layer's slope on the way: {}.",
            findings.join("; ")
        ),
        tables,
        charts: vec![ReportChart {
            title: "Gradient norm per layer, input side on the left (log10)".into(),
            x_label: "layer (1 = first, last = output)".into(),
            y_label: "log10 of the mean gradient norm".into(),
            log_x: false,
            series,
            heatmap: None,
        }],
        figures,
        ..Default::default()
    })
}
