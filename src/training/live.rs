//! The network views' side of the training worker: a snapshot of a session's network, the
//! answer to "why this prediction?" and the test rows as each layer sees them, computed on the
//! worker thread from the session's rows.

use crate::data::{Dataset, InputShape};
use crate::models::learner::ModelError;
use crate::models::network::explain::{self, Explanation};
use crate::models::network::representations::{self, Representations};
use crate::models::network::snapshot::{self, NetworkInsight, SnapshotInputs, UNIT_MAP_RESOLUTION};
use crate::models::network::stepper::BackpropStep;
use crate::training::grid::GridSpec;
use crate::training::session::TrainingSession;

/// What the student asked to see explained.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ExplainTarget {
    /// A row of the data set (a digit, a sequence), by its index.
    Row(usize),
    /// A point of the boundary plot, in its coordinates (other features at their mean).
    Point([f64; 2]),
}

/// The session's network as the views draw it; `None` for classical models.
pub fn session_snapshot(
    session: &TrainingSession,
    grid: Option<&GridSpec>,
) -> Option<Result<NetworkInsight, ModelError>> {
    let learner = session.network()?;
    let coarse = grid.map(|spec| {
        let mut spec = spec.clone();
        spec.resolution = UNIT_MAP_RESOLUTION;
        spec
    });
    let rows = coarse.as_ref().map(|spec| grid_rows(session, spec));
    let train = session.train_data();
    let inputs = SnapshotInputs {
        grid: rows.as_deref().zip(coarse.as_ref().map(|s| s.resolution)),
        sample: &train.features,
        sample_targets: &train.targets,
    };
    Some(snapshot::snapshot(learner, session.epoch(), &inputs))
}

/// The session's test rows (the first `MAX_REPRESENTATION_ROWS`) on each layer's first two
/// principal components, turned to agree with `previous` so the pictures do not mirror from one
/// update to the next; `None` for classical models.
pub fn session_representations(
    session: &TrainingSession,
    previous: Option<&Representations>,
) -> Option<Result<Representations, ModelError>> {
    let learner = session.network()?;
    Some(representations::representations(learner, session.test_data()).map(|mut r| {
        r.epoch = session.epoch();
        if let Some(previous) = previous {
            r.align_to(previous);
        }
        r
    }))
}

/// Saliency, every layer's activation and hidden states for a row or a plot point.
pub fn session_explain(
    session: &TrainingSession,
    data: &Dataset,
    grid: Option<&GridSpec>,
    target: ExplainTarget,
) -> Option<Result<Explanation, ModelError>> {
    let learner = session.network()?;
    let row = match target {
        ExplainTarget::Row(index) if index < data.rows() && data.n_features() == learner.n_features() => {
            let mut row = Vec::with_capacity(data.n_features());
            session.scaler().transform_row(data.row(index), &mut row);
            row
        }
        ExplainTarget::Row(index) => {
            return Some(Err(ModelError::Unsuitable(format!(
                "row {} is not in the data ({} rows)",
                index + 1,
                data.rows()
            ))));
        }
        ExplainTarget::Point([x, y]) => match grid {
            Some(spec) if data.input_shape == InputShape::Vector || spec.plane.is_some() => {
                point_row(session, spec, x, y)
            }
            _ => return Some(Err(ModelError::Unsuitable("this data has no plane to click on".into()))),
        },
    };
    Some(explain::explain(learner, &row))
}

/// Data row `row` as the network reads it (standardized) and its target.
fn stepper_point(
    session: &TrainingSession,
    data: &Dataset,
    row: usize,
) -> Result<(Vec<f64>, f64), ModelError> {
    if row >= data.rows() || data.n_features() != session.train_data().n_features {
        return Err(ModelError::Unsuitable(format!(
            "row {} is not in the data ({} rows)",
            row + 1,
            data.rows()
        )));
    }
    let mut x = Vec::with_capacity(data.n_features());
    session.scaler().transform_row(data.row(row), &mut x);
    Ok((x, data.target_value(row)))
}

/// The backprop stepper's walk through one training step on data row `row`, worked out by hand
/// from the network as it is; `None` for classical models.
pub fn session_backprop(
    session: &TrainingSession,
    data: &Dataset,
    row: usize,
    training_row: bool,
) -> Option<Result<BackpropStep, ModelError>> {
    let learner = session.network()?;
    Some(stepper_point(session, data, row).and_then(|(x, y)| {
        let mut step = learner.backprop_step(&x, &[y])?;
        (step.row, step.training_row) = (Some(row), training_row);
        Ok(step)
    }))
}

/// The stepper's step taken for real: one gradient step on data row `row` alone.
pub fn session_apply_step(
    session: &mut TrainingSession,
    data: &Dataset,
    row: usize,
) -> Result<(), ModelError> {
    let (x, y) = stepper_point(session, data, row)?;
    let net = session
        .network_mut()
        .ok_or_else(|| ModelError::Unsuitable("only networks take single steps".into()))?;
    net.step_rows(&x, &[y])?;
    session.refresh_predictions()
}

/// A weight typed by hand: layer `layer` (1-based), from its input `from` to its unit `to`.
pub fn session_set_weight(
    session: &mut TrainingSession,
    layer: usize,
    from: usize,
    to: usize,
    value: f64,
) -> Result<(), ModelError> {
    let net = session
        .network_mut()
        .ok_or_else(|| ModelError::Unsuitable("only networks have weights to set".into()))?;
    net.set_weight(layer, from, to, value)?;
    session.refresh_predictions()
}

/// The standardized row at plot point (x, y), built the way `decision_grid` builds its cells.
pub fn point_row(session: &TrainingSession, spec: &GridSpec, x: f64, y: f64) -> Vec<f64> {
    let mut raw = session.feature_means().to_vec();
    if let Some(plane) = &spec.plane {
        plane.row_at(x, y, &mut raw);
    } else {
        if let Some(slot) = raw.get_mut(spec.x_feature) {
            *slot = x;
        }
        // One-feature data: the plot's y axis is the target, not an input.
        if !spec.is_one_feature()
            && let Some(slot) = raw.get_mut(spec.y_feature)
        {
            *slot = y;
        }
        for (offset, feature) in spec.derived.iter().enumerate() {
            if let Some(slot) = raw.get_mut(2 + offset) {
                *slot = feature.value(x, y);
            }
        }
    }
    let mut row = Vec::with_capacity(raw.len());
    session.scaler().transform_row(&raw, &mut row);
    row
}

/// Standardized rows at every cell centre of `spec`, bottom row first.
fn grid_rows(session: &TrainingSession, spec: &GridSpec) -> Vec<f64> {
    let n = spec.resolution;
    let mut rows = Vec::with_capacity(n * n * session.feature_means().len());
    for r in 0..n {
        for c in 0..n {
            let (x, y) = spec.cell_center(c, r);
            rows.extend(point_row(session, spec, x, y));
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::data::{BuiltinDataset, GeneratorSettings, stratified_split};
    use crate::models::{ModelConfig, ModelKind};
    use crate::training::TrainJob;

    fn job(kind: ModelKind) -> TrainJob {
        let data = BuiltinDataset::Moons.generate(&GeneratorSettings { samples: 120, ..Default::default() });
        let split = stratified_split(&data, 0.2, 0).unwrap();
        let grid = GridSpec::around(&data, 40);
        TrainJob {
            dataset: Arc::new(data),
            split,
            model: ModelConfig { kind, ..Default::default() },
            scale: true,
            max_epochs: Some(5),
            grid,
        }
    }

    #[test]
    fn a_session_snapshot_maps_units_on_a_coarse_grid_and_explains_points_and_rows() {
        let j = job(ModelKind::Mlp);
        let mut session = TrainingSession::new(&j).unwrap();
        session.step().unwrap();
        let s = session_snapshot(&session, j.grid.as_ref()).unwrap().unwrap();
        assert_eq!(s.epoch, 1);
        assert!(!s.unit_maps.is_empty());
        assert!(s.unit_maps.iter().all(|m| m.resolution == UNIT_MAP_RESOLUTION
            && m.maps.iter().all(|u| u.len() == UNIT_MAP_RESOLUTION * UNIT_MAP_RESOLUTION)));
        let e = session_explain(&session, &j.dataset, j.grid.as_ref(), ExplainTarget::Point([0.5, 0.2]))
            .unwrap()
            .unwrap();
        assert_eq!(e.saliency.len(), 2);
        let e =
            session_explain(&session, &j.dataset, j.grid.as_ref(), ExplainTarget::Row(3)).unwrap().unwrap();
        assert_eq!(e.layers.last().map(|l| l.values.len()), Some(1));
        let err = session_explain(&session, &j.dataset, None, ExplainTarget::Row(10_000)).unwrap();
        assert!(err.unwrap_err().to_string().contains("not in the data"));
    }

    #[test]
    fn the_stepper_walks_a_row_and_its_step_and_a_typed_weight_change_the_network() {
        let j = job(ModelKind::Mlp);
        let mut session = TrainingSession::new(&j).unwrap();
        session.step().unwrap();
        let row = j.split.train[0];
        let walk = session_backprop(&session, &j.dataset, row, true).unwrap().unwrap();
        assert_eq!((walk.row, walk.training_row, walk.layers.len()), (Some(row), true, 3));
        session_apply_step(&mut session, &j.dataset, row).unwrap();
        let weights = session.network().unwrap().weights().unwrap();
        for (layer, real) in walk.layers.iter().zip(&weights) {
            for (ours, theirs) in layer.new_weights.iter().zip(&real.weights) {
                assert!((ours - f64::from(*theirs)).abs() < 1e-5, "{ours} vs {theirs}");
            }
        }
        // Layers 1-4 are dense(8) tanh dense(8) tanh; 5 is the output.
        session_set_weight(&mut session, 5, 0, 0, 1.5).unwrap();
        assert_eq!(session.network().unwrap().weights().unwrap()[2].weights[0], 1.5);
        assert!(session_set_weight(&mut session, 2, 0, 0, 1.5).is_err(), "layer 2 is a tanh");
        let err = session_backprop(&session, &j.dataset, 10_000, true).unwrap().unwrap_err();
        assert!(err.to_string().contains("not in the data"), "{err}");
    }

    #[test]
    fn classical_sessions_have_no_network_snapshot() {
        let j = job(ModelKind::LogisticRegression);
        let mut session = TrainingSession::new(&j).unwrap();
        session.step().unwrap();
        assert!(session_snapshot(&session, j.grid.as_ref()).is_none());
        assert!(session_representations(&session, None).is_none());
        assert!(session_backprop(&session, &j.dataset, 0, true).is_none());
    }

    #[test]
    fn a_session_projects_its_test_rows_layer_by_layer() {
        let j = job(ModelKind::Mlp);
        let mut session = TrainingSession::new(&j).unwrap();
        session.step().unwrap();
        let r = session_representations(&session, None).unwrap().unwrap();
        assert_eq!(r.epoch, 1);
        assert_eq!(r.targets.len(), j.split.test.len());
        let titles: Vec<String> = r.layers.iter().map(|l| l.title()).collect();
        assert_eq!(
            titles,
            ["input", "layers 1-2 dense(8) + tanh", "layers 3-4 dense(8) + tanh", "layer 5 output dense(1)"]
        );
        assert!(r.layers.iter().all(|l| l.points.len() == j.split.test.len()));
    }
}
