//! Each experiment kind, measured and written up as a `LessonReport`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::descent::TwoWeightLogistic;
use super::duel::{Contender, DuelRow, Measured, measure, rows_table};
use super::{
    ChartSeries, ComparisonPart, Experiment, Figure, Heatmap, Lesson, LessonData, LessonError, LessonModel,
    LessonReport, ReportChart, ReportTable, RunOptions, SeriesStyle,
};
use crate::data::{Dataset, Split, Standardizer, add_features, stratified_split};
use crate::experiments::learning_curve::{CurveError, CurveModel, CurveSettings, learning_curve, summarize};
use crate::models::ModelKind;
use crate::models::insight::ModelInsight;
use crate::network::{DeviceChoice, LayerSpec, NetworkLearner, NetworkSpec, OptimizerKind};

type Progress<'a> = &'a dyn Fn(f32, &str);

pub fn run(
    lesson: &Lesson,
    options: &RunOptions,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<LessonReport, LessonError> {
    let quick = options.quick;
    match &lesson.experiment {
        Experiment::LearningCurve { models, sizes, seeds, quick_sizes, quick_seeds, fixed_split } => {
            let sizes = if quick && !quick_sizes.is_empty() { quick_sizes } else { sizes };
            let seeds = if quick { quick_seeds.unwrap_or(*seeds) } else { *seeds };
            curve(&lesson.data, models, (sizes, seeds, *fixed_split), quick, progress, cancel)
        }
        Experiment::Comparison { parts } => comparison(&lesson.data, parts, quick, progress, cancel),
        Experiment::Cost { models } => cost(&lesson.data, models, quick, progress, cancel),
        Experiment::Explain { tree, network, point } => {
            explain(&lesson.data, tree, network, *point, quick, progress, cancel)
        }
        Experiment::LossSurface { learning_rate, steps, start, span, resolution } => {
            loss_surface(&lesson.data, *learning_rate, *steps, *start, *span, *resolution, quick)
        }
        Experiment::CrossValidation { models, folds } => {
            cross_validation(&lesson.data, models, *folds, quick, progress, cancel)
        }
        Experiment::EpochsToLoss { models, target_loss } => {
            epochs_to_loss(&lesson.data, models, *target_loss, quick, progress, cancel)
        }
        Experiment::GradientFlow { models } => gradient_flow(&lesson.data, models, quick, progress, cancel),
    }
}

fn figure(name: impl Into<String>, value: f64) -> Figure {
    Figure { name: name.into(), value }
}

fn split_of(data: &Dataset, settings: &LessonData) -> Result<Split, LessonError> {
    stratified_split(data, settings.test_fraction, settings.seed)
        .map_err(|e| LessonError::Invalid(e.to_string()))
}

/// The identifier a model's figures start with ("logistic_regression", "mlp_raw").
fn slug(model: &LessonModel) -> String {
    let name = model.figure_name();
    name.strip_suffix("_accuracy").unwrap_or(&name).to_string()
}

fn contender(model: &LessonModel, seed: u64, quick: bool) -> Result<Contender, LessonError> {
    Ok(Contender { label: model.label(), config: model.config(seed)?, epochs: model.epochs(quick) })
}

/// Trains one lesson model on its own copy of the data (with its engineered features) and the
/// lesson's split.
fn measure_model(
    data: &Dataset,
    settings: &LessonData,
    model: &LessonModel,
    quick: bool,
    cancel: &AtomicBool,
) -> Result<(Measured, Arc<Dataset>, Split), LessonError> {
    let data = Arc::new(
        add_features(data, &model.features)
            .map_err(|e| LessonError::Invalid(format!("{}: {e}", model.label())))?,
    );
    let split = split_of(&data, settings)?;
    let measured = measure(&data, &split, &contender(model, settings.seed, quick)?, settings.scale, cancel)?;
    Ok((measured, data, split))
}

fn check_cancel(cancel: &AtomicBool) -> Result<(), LessonError> {
    if cancel.load(Ordering::Relaxed) { Err(LessonError::Cancelled) } else { Ok(()) }
}

// ---------------------------------------------------------------------------------------------
// Difference 1: data dependency.

fn curve(
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
    points: &[crate::experiments::CurvePoint],
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

// ---------------------------------------------------------------------------------------------
// Differences 2 and 5: models side by side.

fn comparison(
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
                && let Some(net) = measured.session.learner().as_any().downcast_ref::<NetworkLearner>()
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
fn unit_map_charts(
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

// ---------------------------------------------------------------------------------------------
// Difference 3: model complexity and compute.

fn cost(
    settings: &LessonData,
    models: &[LessonModel],
    quick: bool,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<LessonReport, LessonError> {
    let data = settings.load(quick)?;
    let cuda = crate::network::select_device(DeviceChoice::Cuda).0.is_cuda();
    let mut rows: Vec<DuelRow> = Vec::new();
    let mut cuda_rows: Vec<Option<DuelRow>> = Vec::new();
    let mut figures = Vec::new();
    for (i, model) in models.iter().enumerate() {
        progress(i as f32 / models.len().max(1) as f32, &format!("timing {}", model.label()));
        let (measured, model_data, split) = measure_model(&data, settings, model, quick, cancel)?;
        let row = measured.row;
        let s = slug(model);
        figures.extend([
            figure(format!("{s}_parameters"), row.parameters as f64),
            figure(format!("{s}_fit_seconds"), row.fit_seconds),
            figure(format!("{s}_predict_ms_per_1000"), row.predict_ms_per_1000),
            figure(model.figure_name(), row.accuracy),
        ]);
        cuda_rows.push(if cuda && row.model == ModelKind::Mlp.name() {
            let mut on_gpu = contender(model, settings.seed, quick)?;
            on_gpu.config.network = Some(network_on(&on_gpu.config, &model_data, DeviceChoice::Cuda));
            let measured = measure(&model_data, &split, &on_gpu, settings.scale, cancel)?;
            figures.push(figure(format!("{s}_fit_seconds_cuda"), measured.row.fit_seconds));
            Some(measured.row)
        } else {
            None
        });
        rows.push(row);
    }
    let mut table = rows_table("Cost of each model (CPU)", &rows);
    if cuda {
        table.columns.extend(["fit s (CUDA)".to_string(), "predict ms / 1,000 rows (CUDA)".to_string()]);
        for (cells, gpu) in table.rows.iter_mut().zip(&cuda_rows) {
            match gpu {
                Some(r) => {
                    cells.extend([format!("{:.3}", r.fit_seconds), format!("{:.2}", r.predict_ms_per_1000)])
                }
                None => cells.extend(["-".to_string(), "-".to_string()]),
            }
        }
    }
    let by = |key: fn(&DuelRow) -> f64| {
        let min = rows.iter().min_by(|a, b| key(a).total_cmp(&key(b)));
        let max = rows.iter().max_by(|a, b| key(a).total_cmp(&key(b)));
        min.zip(max)
    };
    let mut finding = String::new();
    if let (Some((fast, slow)), Some((quick, sluggish)), Some((_, largest))) =
        (by(|r| r.fit_seconds), by(|r| r.predict_ms_per_1000), by(|r| r.parameters as f64))
    {
        finding = format!(
            "Fitting: fastest {} ({:.3} s), slowest {} ({:.3} s). Answering 1,000 rows: fastest {} ({:.2} ms), slowest {} ({:.2} ms). Most parameters: {} ({}).{}",
            fast.label,
            fast.fit_seconds,
            slow.label,
            slow.fit_seconds,
            quick.label,
            quick.predict_ms_per_1000,
            sluggish.label,
            sluggish.predict_ms_per_1000,
            largest.label,
            largest.parameters,
            if cuda { "" } else { " No CUDA device in this build or on this machine: CPU only." }
        );
    }
    Ok(LessonReport { finding, tables: vec![table], figures, ..Default::default() })
}

/// The config's network (an MLP written out when it has none) placed on `device`.
fn network_on(config: &crate::models::ModelConfig, data: &Dataset, device: DeviceChoice) -> NetworkSpec {
    let mut spec = config.network.clone().unwrap_or_else(|| {
        let mut spec = NetworkSpec::mlp(&config.hidden_layers, config.activation);
        if data.input_shape != crate::data::InputShape::Vector {
            spec.layers.insert(0, LayerSpec::Flatten);
        }
        spec
    });
    spec.options.device = device;
    spec
}

// ---------------------------------------------------------------------------------------------
// Difference 4: interpretability.

fn explain(
    settings: &LessonData,
    tree: &LessonModel,
    network: &LessonModel,
    point: usize,
    quick: bool,
    progress: Progress<'_>,
    cancel: &AtomicBool,
) -> Result<LessonReport, LessonError> {
    let data = settings.load(quick)?;
    if !tree.features.is_empty() || !network.features.is_empty() {
        return Err(LessonError::Invalid("explain both models on the same raw features".into()));
    }
    progress(0.0, "training the tree");
    let (tree_fit, data, split) = measure_model(&data, settings, tree, quick, cancel)?;
    progress(0.5, "training the network");
    let (net_fit, _, _) = measure_model(&data, settings, network, quick, cancel)?;
    let row_index = split.test[point.min(split.test.len() - 1)];
    let raw = data.row(row_index).to_vec();
    let names = &data.feature_names;
    let class_names = data.class_names();
    let class_name = |c: u32| class_names.get(c as usize).cloned().unwrap_or_else(|| c.to_string());
    let predict = |fit: &Measured, label: &str| -> Result<u32, LessonError> {
        let mut row = Vec::new();
        fit.session.scaler().transform_row(&raw, &mut row);
        let p = fit
            .session
            .learner()
            .predict(&row, row.len())
            .map_err(|error| LessonError::Model { model: label.to_string(), error })?;
        Ok(p.classes().and_then(|c| c.first().copied()).unwrap_or(0))
    };

    // The tree: its rule path, thresholds back in the data's own units.
    let scaler = tree_fit.session.scaler();
    let mut standardized = Vec::new();
    scaler.transform_row(&raw, &mut standardized);
    let Some(ModelInsight::Tree(insight)) = tree_fit.session.learner().insight() else {
        return Err(LessonError::Invalid(format!("'{}' must be a decision_tree", tree.label())));
    };
    let path = insight.decision_path(&standardized);
    let mut rules = Vec::new();
    for pair in path.windows(2) {
        let node = &insight.nodes[pair[0]];
        let Some(f) = node.feature else { continue };
        let threshold = node.threshold * scaler.scale[f] + scaler.mean[f];
        let op = if Some(pair[1]) == node.left { "<=" } else { ">" };
        rules.push(vec![
            (rules.len() + 1).to_string(),
            format!("{} {op} {threshold:.3}  (this point: {:.3})", names[f], raw[f]),
            node.samples.to_string(),
        ]);
    }
    let leaf = path.last().map(|&i| &insight.nodes[i]);
    let tree_class = predict(&tree_fit, &tree.label())?;
    if let Some(leaf) = leaf {
        let share = leaf.value.get(tree_class as usize).copied().unwrap_or(0.0);
        rules.push(vec![
            "leaf".into(),
            format!("-> {} ({:.0}% of the training rows here)", class_name(tree_class), share * 100.0),
            leaf.samples.to_string(),
        ]);
    }

    // The network: the gradient of its answer with respect to each input.
    let net = net_fit
        .session
        .learner()
        .as_any()
        .downcast_ref::<NetworkLearner>()
        .ok_or_else(|| LessonError::Invalid(format!("'{}' must be a network", network.label())))?;
    let mut net_row = Vec::new();
    net_fit.session.scaler().transform_row(&raw, &mut net_row);
    let saliency = crate::network::explain::saliency(net, &net_row)
        .map_err(|error| LessonError::Model { model: network.label(), error })?;
    let total: f64 = saliency.iter().map(|s| s.abs()).sum::<f64>().max(f64::MIN_POSITIVE);
    let net_class = predict(&net_fit, &network.label())?;
    let saliency_rows: Vec<Vec<String>> = saliency
        .iter()
        .enumerate()
        .map(|(f, s)| {
            vec![
                names[f].clone(),
                format!("{:.3}", raw[f]),
                format!("{s:+.3}"),
                format!("{:.0}%", s.abs() / total * 100.0),
            ]
        })
        .collect();
    let top = saliency
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
        .map(|(f, s)| (f, s.abs() / total))
        .unwrap_or((0, 0.0));

    let mut figures = vec![
        figure("tree_rules", (rules.len().saturating_sub(1)) as f64),
        figure("tree_class", tree_class as f64),
        figure("network_class", net_class as f64),
        figure("tree_accuracy", tree_fit.row.accuracy),
        figure("network_accuracy", net_fit.row.accuracy),
    ];
    for (f, s) in saliency.iter().enumerate() {
        figures.push(figure(format!("saliency_{}", names[f]), *s));
    }
    let rule_text: Vec<String> = rules.iter().filter(|r| r[0] != "leaf").map(|r| r[1].clone()).collect();
    let finding = format!(
        "Test point {} ({}). The tree answers '{}' by {} readable rule(s): {}. The network answers '{}'; its answer moves most with {} ({:.0}% of the saliency), but no rule says why.",
        point,
        names.iter().zip(&raw).map(|(n, v)| format!("{n} = {v:.2}")).collect::<Vec<_>>().join(", "),
        class_name(tree_class),
        rule_text.len(),
        rule_text.iter().map(|r| r.split("  (").next().unwrap_or(r)).collect::<Vec<_>>().join(" and "),
        class_name(net_class),
        names[top.0],
        top.1 * 100.0
    );
    // The test points by class, with the explained point on top (2-D data).
    let mut charts = Vec::new();
    if data.n_features() == 2
        && let Some(labels) = data.labels()
    {
        let mut series: Vec<ChartSeries> = class_names
            .iter()
            .map(|c| ChartSeries {
                name: format!("class {c}"),
                points: Vec::new(),
                band: Vec::new(),
                style: SeriesStyle::Points,
            })
            .collect();
        for &i in &split.test {
            let r = data.row(i);
            series[labels[i] as usize].points.push([r[0], r[1]]);
        }
        series.push(ChartSeries {
            name: "explained point".into(),
            points: vec![[raw[0], raw[1]]],
            band: Vec::new(),
            style: SeriesStyle::Points,
        });
        charts.push(ReportChart {
            title: "The explained point among the test rows".into(),
            x_label: names[0].clone(),
            y_label: names[1].clone(),
            log_x: false,
            series,
            heatmap: None,
        });
    }
    Ok(LessonReport {
        finding,
        tables: vec![
            ReportTable {
                title: format!("{}: the rule path of this point", tree.label()),
                columns: ["step", "rule", "training rows reaching it"].map(String::from).to_vec(),
                rows: rules,
            },
            ReportTable {
                title: format!(
                    "{}: input saliency (gradient of its answer per standardized input)",
                    network.label()
                ),
                columns: ["feature", "value", "saliency", "share"].map(String::from).to_vec(),
                rows: saliency_rows,
            },
            rows_table("Both models on the test set", &[tree_fit.row.clone(), net_fit.row.clone()]),
        ],
        charts,
        figures,
        ..Default::default()
    })
}

// ---------------------------------------------------------------------------------------------
// Difference 6: training and optimization.

fn loss_surface(
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

fn cross_validation(
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
        let report = crate::experiments::cross_validate(
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

fn epochs_to_loss(
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

fn gradient_flow(
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
            .learner()
            .as_any()
            .downcast_ref::<NetworkLearner>()
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
