//! Where the views evaluate a model: a grid over two features (or a plane through the data),
//! and what the model predicts on it.

use std::sync::Arc;

use crate::data::features::EngineeredFeature;
use crate::data::{Dataset, Standardizer};
use crate::models::classical::clustering::Projection2d;

/// A grid over two features, in the data's own units; the other features sit at their mean,
/// except engineered ones, which are computed from the cell's x and y.
#[derive(Clone, Debug, PartialEq)]
pub struct GridSpec {
    pub x_feature: usize,
    pub y_feature: usize,
    pub resolution: usize,
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    /// Features appended after the first two (x², sin x…), in column order from column 2.
    pub derived: Vec<EngineeredFeature>,
    /// When set, the grid spans this plane (e.g. the first two principal components) instead of
    /// two feature axes.
    pub plane: Option<GridPlane>,
}

/// A plane through feature space: cell (a, b) is the row `mean + scale ⊙ (a·u + b·v)`.
#[derive(Clone, Debug, PartialEq)]
pub struct GridPlane {
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
    pub u: Vec<f64>,
    pub v: Vec<f64>,
}

impl GridPlane {
    /// The plane coordinates of a row (its projection).
    pub fn project(&self, row: &[f64]) -> [f64; 2] {
        let mut a = 0.0;
        let mut b = 0.0;
        for (j, value) in row.iter().enumerate() {
            let z = (value - self.mean[j]) / self.scale[j];
            a += z * self.u[j];
            b += z * self.v[j];
        }
        [a, b]
    }

    /// The row at plane coordinates (a, b).
    pub fn row_at(&self, a: f64, b: f64, out: &mut [f64]) {
        for (j, slot) in out.iter_mut().enumerate() {
            *slot = self.mean[j] + self.scale[j] * (a * self.u[j] + b * self.v[j]);
        }
    }
}

/// A range widened by a tenth on each side (at least 0.1), so no point sits on the plot's edge.
fn pad_range((lo, hi): (f64, f64)) -> (f64, f64) {
    let margin = ((hi - lo) * 0.1).max(0.1);
    (lo - margin, hi + margin)
}

impl GridSpec {
    /// Covers the data with a margin, on the first two features.
    pub fn around(data: &Dataset, resolution: usize) -> Option<Self> {
        if data.n_features() < 2 {
            return None;
        }
        let bounds = data.feature_bounds();
        Some(Self {
            x_feature: 0,
            y_feature: 1,
            resolution,
            x_range: pad_range(bounds[0]),
            y_range: pad_range(bounds[1]),
            derived: Vec::new(),
            plane: None,
        })
    }

    /// One-feature data: a single row of `resolution` cells along the feature (the fitted curve);
    /// `y_range` spans the target, for the plot only.
    pub fn along_one_feature(data: &Dataset, resolution: usize) -> Option<Self> {
        if data.n_features() != 1 || data.rows() == 0 {
            return None;
        }
        let targets = (0..data.rows()).map(|i| data.target_value(i));
        let y = targets.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        Some(Self {
            x_feature: 0,
            y_feature: 0,
            resolution,
            x_range: pad_range(data.feature_bounds()[0]),
            y_range: pad_range(y),
            derived: Vec::new(),
            plane: None,
        })
    }

    /// True for the single row of cells of one-feature data (see `along_one_feature`).
    pub fn is_one_feature(&self) -> bool {
        self.plane.is_none() && self.x_feature == self.y_feature
    }

    /// Covers the given plot coordinates with a margin (the view's axes or plane).
    pub fn covering(
        points: &[[f64; 2]],
        x_feature: usize,
        y_feature: usize,
        resolution: usize,
    ) -> Option<Self> {
        if points.is_empty() {
            return None;
        }
        let (mut x_range, mut y_range) =
            ((f64::INFINITY, f64::NEG_INFINITY), (f64::INFINITY, f64::NEG_INFINITY));
        for [x, y] in points {
            x_range = (x_range.0.min(*x), x_range.1.max(*x));
            y_range = (y_range.0.min(*y), y_range.1.max(*y));
        }
        let pad = |(lo, hi): (f64, f64)| {
            let margin = ((hi - lo) * 0.1).max(0.1);
            (lo - margin, hi + margin)
        };
        Some(Self {
            x_feature,
            y_feature,
            resolution,
            x_range: pad(x_range),
            y_range: pad(y_range),
            derived: Vec::new(),
            plane: None,
        })
    }

    /// Centre of cell (column, row); row 0 is the bottom.
    pub fn cell_center(&self, column: usize, row: usize) -> (f64, f64) {
        let step_x = (self.x_range.1 - self.x_range.0) / self.resolution as f64;
        let step_y = (self.y_range.1 - self.y_range.0) / self.resolution as f64;
        (self.x_range.0 + (column as f64 + 0.5) * step_x, self.y_range.0 + (row as f64 + 0.5) * step_y)
    }
}

/// The model's answer over a grid: what the decision-boundary view draws.
#[derive(Clone, Debug, PartialEq)]
pub struct DecisionGrid {
    pub spec: GridSpec,
    /// Cells row by row, bottom row first (a single row for one-feature data).
    pub values: GridValues,
    /// Increases with every snapshot a run sends.
    pub revision: u64,
    /// The classes the model gave the training and test rows at this snapshot (classification,
    /// after at least one epoch): what the boundary view marks as misclassified.
    pub rows: Option<Arc<RowPredictions>>,
}

/// Predicted class of each training and test row, in the split's order.
#[derive(Clone, Debug, PartialEq)]
pub struct RowPredictions {
    pub train: Vec<u32>,
    pub test: Vec<u32>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum GridValues {
    /// Most likely class per cell and its probability.
    Classes {
        classes: usize,
        class: Vec<u16>,
        confidence: Vec<f32>,
    },
    Values(Vec<f32>),
}

/// Each row's place on a boundary plot of columns `x` and `y`, or on the data's first two
/// principal components when `pca` (with that plane, for the grid). One-feature data is drawn
/// against its target.
pub fn view_coordinates(data: &Dataset, x: usize, y: usize, pca: bool) -> (Vec<[f64; 2]>, Option<GridPlane>) {
    let d = data.n_features();
    if d == 1 {
        // One feature: the points against their target, under the fitted curve.
        return ((0..data.rows()).map(|i| [data.row(i)[0], data.target_value(i)]).collect(), None);
    }
    if d < 2 {
        return (Vec::new(), None);
    }
    if pca && d > 2 {
        let scaler = Standardizer::fit(data);
        let scaled = scaler.transform(data);
        if let Ok(projection) = Projection2d::fit(&scaled.features, d) {
            let plane = GridPlane {
                mean: scaler.mean.clone(),
                scale: scaler.scale.clone(),
                u: projection.components[0].clone(),
                v: projection.components[1].clone(),
            };
            let coords = (0..data.rows()).map(|i| plane.project(data.row(i))).collect();
            return (coords, Some(plane));
        }
    }
    ((0..data.rows()).map(|i| [data.row(i)[x], data.row(i)[y]]).collect(), None)
}
