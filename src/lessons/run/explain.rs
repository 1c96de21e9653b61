//! Difference 4, interpretability: a tree's rule path against a network's saliency for one point.

use std::sync::atomic::AtomicBool;

use super::{Progress, figure, measure_model};
use crate::data::{Dataset, Split};
use crate::lessons::duel::{Measured, rows_table};
use crate::lessons::{
    ChartSeries, LessonData, LessonError, LessonModel, LessonReport, ReportChart, ReportTable, SeriesStyle,
};
use crate::models::insight::ModelInsight;

pub(super) fn explain(
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
    let tree_class = predict(&tree_fit, &tree.label())?;
    let rules = tree_rule_path(&tree_fit, tree, &raw, names, &class_name(tree_class), tree_class)?;

    // The network: the gradient of its answer with respect to each input.
    let net = net_fit
        .session
        .network()
        .ok_or_else(|| LessonError::Invalid(format!("'{}' must be a network", network.label())))?;
    let mut net_row = Vec::new();
    net_fit.session.scaler().transform_row(&raw, &mut net_row);
    let saliency = crate::models::network::explain::saliency(net, &net_row)
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
        figures.push(figure(format!("saliency_share_{}", names[f]), s.abs() / total));
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
    let charts: Vec<ReportChart> = explained_point_chart(&data, &split, &raw).into_iter().collect();
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

/// The rules on the tree's path for this row, thresholds in the data's own units, then the leaf.
fn tree_rule_path(
    tree_fit: &Measured,
    tree: &LessonModel,
    raw: &[f64],
    names: &[String],
    tree_class_name: &str,
    tree_class: u32,
) -> Result<Vec<Vec<String>>, LessonError> {
    let scaler = tree_fit.session.scaler();
    let mut standardized = Vec::new();
    scaler.transform_row(raw, &mut standardized);
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
    if let Some(leaf) = path.last().map(|&i| &insight.nodes[i]) {
        let share = leaf.value.get(tree_class as usize).copied().unwrap_or(0.0);
        rules.push(vec![
            "leaf".into(),
            format!("-> {tree_class_name} ({:.0}% of the training rows here)", share * 100.0),
            leaf.samples.to_string(),
        ]);
    }
    Ok(rules)
}

/// The test points by class with the explained point on top, for 2-D class data.
fn explained_point_chart(data: &Dataset, split: &Split, raw: &[f64]) -> Option<ReportChart> {
    let labels = data.labels().filter(|_| data.n_features() == 2)?;
    let names = &data.feature_names;
    let mut series: Vec<ChartSeries> = data
        .class_names()
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
    Some(ReportChart {
        title: "The explained point among the test rows".into(),
        x_label: names[0].clone(),
        y_label: names[1].clone(),
        log_x: false,
        series,
        heatmap: None,
    })
}
