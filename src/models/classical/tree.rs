//! A CART decision tree written for Learnscope (scikit-learn's algorithm: best split over sorted
//! feature values, gini/entropy or squared error, midpoint thresholds). Written here rather than
//! taken from smartcore because the views need every node, the forest needs weighted bootstrap
//! fits, and it is faster on the bench workloads.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::data::Task;
use crate::models::insight::{ModelInsight, TreeInsight, TreeNode};
use crate::models::learner::{Learner, ModelError, Prediction, PreparedData};
use crate::models::learner::{check_features, check_width, class_width, not_fitted, require_classes};
use crate::models::params::Params;

/// Two feature values closer than this count as equal (scikit-learn's FEATURE_THRESHOLD).
const FEATURE_THRESHOLD: f64 = 1e-7;
const LEAF: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Criterion {
    Gini,
    Entropy,
    SquaredError,
}

/// How a tree grows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TreeSettings {
    /// `None`: grow until the leaves are pure.
    pub max_depth: Option<usize>,
    pub min_samples_split: usize,
    pub min_samples_leaf: usize,
    /// Gini or entropy for classes; regression always uses the squared error.
    pub criterion: Criterion,
    /// Features examined per split; `None` means all.
    pub max_features: Option<usize>,
    pub seed: u64,
}

impl TreeSettings {
    pub fn from_params(params: &Params, seed: u64) -> Self {
        let depth = params.int("max_depth");
        Self {
            max_depth: (depth > 0).then_some(depth as usize),
            min_samples_split: params.int("min_samples_split").max(2) as usize,
            min_samples_leaf: params.int("min_samples_leaf").max(1) as usize,
            criterion: if params.choice("criterion") == "entropy" {
                Criterion::Entropy
            } else {
                Criterion::Gini
            },
            max_features: None,
            seed,
        }
    }
}

impl Default for TreeSettings {
    fn default() -> Self {
        Self {
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            criterion: Criterion::Gini,
            max_features: None,
            seed: 0,
        }
    }
}

/// What the tree predicts.
#[derive(Clone, Copy, Debug)]
pub enum TreeTarget<'a> {
    /// Class index per row, and how many classes the probability vectors hold.
    Classes(&'a [u32], usize),
    Values(&'a [f64]),
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Node {
    /// `LEAF` for a leaf.
    feature: u32,
    threshold: f64,
    left: u32,
    right: u32,
    impurity: f64,
    samples: u32,
    weight: f64,
    depth: u32,
}

/// A fitted tree. Node values (class shares or the mean) are stored `outputs` per node.
#[derive(Clone, Debug, PartialEq)]
pub struct Tree {
    nodes: Vec<Node>,
    values: Vec<f64>,
    outputs: usize,
    n_features: usize,
    task: Task,
    /// Impurity decrease per feature, not normalised.
    importance: Vec<f64>,
}

/// Scratch buffers reused across nodes.
struct Grower<'a> {
    /// Column-major copy of the features: one feature's values are contiguous.
    columns: &'a [f64],
    rows: usize,
    target: TreeTarget<'a>,
    weights: Option<&'a [f64]>,
    settings: TreeSettings,
    rng: StdRng,
    pairs: Vec<(f64, u32)>,
    left: Vec<f64>,
    right: Vec<f64>,
    order: Vec<usize>,
}

struct Split {
    feature: usize,
    threshold: f64,
    score: f64,
}

impl Tree {
    /// Grows a tree on row-major `features` (`n_features` wide). `weights` (bootstrap counts)
    /// multiply each row; rows with weight 0 must be left out of `samples` by the caller.
    pub fn fit(
        features: &[f64],
        n_features: usize,
        target: TreeTarget<'_>,
        weights: Option<&[f64]>,
        samples: Vec<u32>,
        settings: TreeSettings,
    ) -> Tree {
        let rows = features.len() / n_features.max(1);
        let mut columns = vec![0.0; features.len()];
        for (i, row) in features.chunks_exact(n_features).enumerate() {
            for (f, &v) in row.iter().enumerate() {
                columns[f * rows + i] = v;
            }
        }
        Self::fit_columns(&columns, rows, n_features, target, weights, samples, settings)
    }

    /// As `fit`, from a column-major copy (shared by all trees of a forest).
    pub fn fit_columns(
        columns: &[f64],
        rows: usize,
        n_features: usize,
        target: TreeTarget<'_>,
        weights: Option<&[f64]>,
        mut samples: Vec<u32>,
        settings: TreeSettings,
    ) -> Tree {
        let (outputs, task) = match target {
            TreeTarget::Classes(_, k) => (k.max(1), Task::Classification),
            TreeTarget::Values(_) => (1, Task::Regression),
        };
        let mut grower = Grower {
            columns,
            rows,
            target,
            weights,
            settings,
            rng: StdRng::seed_from_u64(settings.seed),
            pairs: Vec::with_capacity(samples.len()),
            left: vec![0.0; outputs],
            right: vec![0.0; outputs],
            order: (0..n_features).collect(),
        };
        let mut tree = Tree {
            nodes: Vec::new(),
            values: Vec::new(),
            outputs,
            n_features,
            task,
            importance: vec![0.0; n_features],
        };
        // (start, end, depth, parent, is_left)
        let mut stack = vec![(0usize, samples.len(), 0u32, LEAF, false)];
        while let Some((start, end, depth, parent, is_left)) = stack.pop() {
            let id = tree.nodes.len() as u32;
            if parent != LEAF {
                let p = &mut tree.nodes[parent as usize];
                if is_left { p.left = id } else { p.right = id }
            }
            let (weight, impurity) = grower.node_stats(&samples[start..end], &mut tree.values);
            let n = end - start;
            let mut node = Node {
                feature: LEAF,
                threshold: 0.0,
                left: LEAF,
                right: LEAF,
                impurity,
                samples: n as u32,
                weight,
                depth,
            };
            let s = &grower.settings;
            let can_split = s.max_depth.is_none_or(|m| (depth as usize) < m)
                && n >= s.min_samples_split
                && n >= 2 * s.min_samples_leaf
                && impurity > f64::EPSILON;
            if can_split && let Some(split) = grower.best_split(&samples[start..end]) {
                let column = &columns[split.feature * rows..(split.feature + 1) * rows];
                let range = &mut samples[start..end];
                let mut lo = 0;
                for i in 0..range.len() {
                    if column[range[i] as usize] <= split.threshold {
                        range.swap(lo, i);
                        lo += 1;
                    }
                }
                let mid = start + lo;
                node.feature = split.feature as u32;
                node.threshold = split.threshold;
                tree.nodes.push(node);
                stack.push((mid, end, depth + 1, id, false));
                stack.push((start, mid, depth + 1, id, true));
            } else {
                tree.nodes.push(node);
            }
        }
        // Importance: weighted impurity decrease of each split.
        for i in 0..tree.nodes.len() {
            let n = tree.nodes[i];
            if n.feature != LEAF {
                let (l, r) = (tree.nodes[n.left as usize], tree.nodes[n.right as usize]);
                tree.importance[n.feature as usize] +=
                    n.weight * n.impurity - l.weight * l.impurity - r.weight * r.impurity;
            }
        }
        tree
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn depth(&self) -> usize {
        self.nodes.iter().map(|n| n.depth as usize).max().unwrap_or(0)
    }

    /// The leaf a row lands in.
    fn leaf(&self, row: &[f64]) -> usize {
        let mut at = 0;
        loop {
            let n = &self.nodes[at];
            if n.feature == LEAF {
                return at;
            }
            at = if row[n.feature as usize] <= n.threshold { n.left } else { n.right } as usize;
        }
    }

    /// The leaf's class shares (classification) or mean (regression).
    pub fn leaf_value(&self, row: &[f64]) -> &[f64] {
        let at = self.leaf(row);
        &self.values[at * self.outputs..(at + 1) * self.outputs]
    }

    /// Importance per feature, normalised to sum to 1 (all zero for a single leaf).
    pub fn feature_importances(&self) -> Vec<f64> {
        let total: f64 = self.importance.iter().sum();
        self.importance.iter().map(|v| if total > 0.0 { v / total } else { 0.0 }).collect()
    }

    pub fn insight(&self) -> TreeInsight {
        let nodes = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let value = self.values[i * self.outputs..(i + 1) * self.outputs].to_vec();
                let class = (self.task == Task::Classification).then(|| {
                    value
                        .iter()
                        .enumerate()
                        .fold((0, f64::NEG_INFINITY), |b, (c, &v)| if v > b.1 { (c, v) } else { b })
                        .0 as u32
                });
                let leaf = n.feature == LEAF;
                TreeNode {
                    feature: (!leaf).then_some(n.feature as usize),
                    threshold: if leaf { 0.0 } else { n.threshold },
                    impurity: n.impurity,
                    samples: n.weight.round() as usize,
                    value,
                    class,
                    left: (!leaf).then_some(n.left as usize),
                    right: (!leaf).then_some(n.right as usize),
                    depth: n.depth as usize,
                }
            })
            .collect();
        TreeInsight { nodes, feature_importances: self.feature_importances() }
    }
}

impl Grower<'_> {
    fn weight(&self, s: u32) -> f64 {
        self.weights.map_or(1.0, |w| w[s as usize])
    }

    /// Total weight and impurity of a node; pushes its value (class shares or mean).
    fn node_stats(&mut self, samples: &[u32], values: &mut Vec<f64>) -> (f64, f64) {
        match self.target {
            TreeTarget::Classes(labels, k) => {
                let mut counts = vec![0.0; k.max(1)];
                for &s in samples {
                    counts[labels[s as usize] as usize] += self.weight(s);
                }
                let total: f64 = counts.iter().sum();
                let impurity = match self.settings.criterion {
                    Criterion::Entropy => -counts
                        .iter()
                        .filter(|&&c| c > 0.0)
                        .map(|c| (c / total) * (c / total).log2())
                        .sum::<f64>(),
                    _ => 1.0 - counts.iter().map(|c| (c / total) * (c / total)).sum::<f64>(),
                };
                values.extend(counts.iter().map(|c| c / total));
                (total, impurity)
            }
            TreeTarget::Values(y) => {
                let (mut w, mut sum, mut sq) = (0.0, 0.0, 0.0);
                for &s in samples {
                    let (wi, v) = (self.weight(s), y[s as usize]);
                    w += wi;
                    sum += wi * v;
                    sq += wi * v * v;
                }
                let mean = sum / w;
                values.push(mean);
                (w, (sq / w - mean * mean).max(0.0))
            }
        }
    }

    /// The best split of this node over (a random subset of) the features, or `None`.
    fn best_split(&mut self, samples: &[u32]) -> Option<Split> {
        let d = self.order.len();
        self.order.shuffle(&mut self.rng);
        let max_features = self.settings.max_features.unwrap_or(d).clamp(1, d);
        let min_leaf = self.settings.min_samples_leaf;
        let n = samples.len();
        let mut best: Option<Split> = None;
        let mut visited = 0;
        for oi in 0..d {
            if visited >= max_features {
                break;
            }
            let f = self.order[oi];
            let column = &self.columns[f * self.rows..(f + 1) * self.rows];
            self.pairs.clear();
            self.pairs.extend(samples.iter().map(|&s| (column[s as usize], s)));
            let (lo, hi) = self
                .pairs
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.0), b.max(p.0)));
            if hi <= lo + FEATURE_THRESHOLD {
                continue; // constant here: costs nothing and does not count, as in scikit-learn
            }
            visited += 1;
            self.pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
            let found = match self.target {
                TreeTarget::Classes(labels, _) => self.scan_classes(labels, n, min_leaf),
                TreeTarget::Values(y) => self.scan_values(y, n, min_leaf),
            };
            if let Some((p, score)) = found
                && best.as_ref().is_none_or(|b| score > b.score)
            {
                let (a, b) = (self.pairs[p - 1].0, self.pairs[p].0);
                let mut threshold = a / 2.0 + b / 2.0;
                if threshold >= b || !threshold.is_finite() {
                    threshold = a;
                }
                best = Some(Split { feature: f, threshold, score });
            }
        }
        best
    }

    /// Scans sorted `pairs` for the position that best separates the classes. Returns the first
    /// index of the right side and a score to maximise.
    fn scan_classes(&mut self, labels: &[u32], n: usize, min_leaf: usize) -> Option<(usize, f64)> {
        let entropy = self.settings.criterion == Criterion::Entropy;
        self.left.iter_mut().for_each(|c| *c = 0.0);
        self.right.iter_mut().for_each(|c| *c = 0.0);
        for &(_, s) in &self.pairs {
            let w = self.weights.map_or(1.0, |w| w[s as usize]);
            self.right[labels[s as usize] as usize] += w;
        }
        let xlogx = |v: f64| if v > 0.0 { v * v.ln() } else { 0.0 };
        let mut wl = 0.0;
        let mut wr: f64 = self.right.iter().sum();
        // Gini: maximise sum_sq_l / w_l + sum_sq_r / w_r. Entropy: minimise
        // (w_l ln w_l - sum c ln c)_l + (..)_r, tracked as its negative.
        let (mut sl, mut sr) = if entropy {
            (0.0, self.right.iter().map(|&c| xlogx(c)).sum::<f64>())
        } else {
            (0.0, self.right.iter().map(|c| c * c).sum::<f64>())
        };
        let mut best: Option<(usize, f64)> = None;
        for p in 1..n {
            let s = self.pairs[p - 1].1;
            let w = self.weights.map_or(1.0, |w| w[s as usize]);
            let c = labels[s as usize] as usize;
            let (cl, cr) = (self.left[c], self.right[c]);
            if entropy {
                sl += xlogx(cl + w) - xlogx(cl);
                sr += xlogx(cr - w) - xlogx(cr);
            } else {
                sl += 2.0 * cl * w + w * w;
                sr += -2.0 * cr * w + w * w;
            }
            self.left[c] = cl + w;
            self.right[c] = cr - w;
            wl += w;
            wr -= w;
            if p < min_leaf || n - p < min_leaf || self.pairs[p].0 <= self.pairs[p - 1].0 + FEATURE_THRESHOLD
            {
                continue;
            }
            let score = if entropy { sl - xlogx(wl) + sr - xlogx(wr) } else { sl / wl + sr / wr };
            if best.is_none_or(|b| score > b.1) {
                best = Some((p, score));
            }
        }
        best
    }

    /// As `scan_classes` for a continuous target: maximise sum_l^2 / w_l + sum_r^2 / w_r.
    fn scan_values(&self, y: &[f64], n: usize, min_leaf: usize) -> Option<(usize, f64)> {
        let (mut wl, mut sl) = (0.0, 0.0);
        let (mut wr, mut sr) = (0.0, 0.0);
        for &(_, s) in &self.pairs {
            let w = self.weights.map_or(1.0, |w| w[s as usize]);
            wr += w;
            sr += w * y[s as usize];
        }
        let mut best: Option<(usize, f64)> = None;
        for p in 1..n {
            let s = self.pairs[p - 1].1;
            let w = self.weights.map_or(1.0, |w| w[s as usize]);
            let v = w * y[s as usize];
            wl += w;
            sl += v;
            wr -= w;
            sr -= v;
            if p < min_leaf || n - p < min_leaf || self.pairs[p].0 <= self.pairs[p - 1].0 + FEATURE_THRESHOLD
            {
                continue;
            }
            let score = sl * sl / wl + sr * sr / wr;
            if best.is_none_or(|b| score > b.1) {
                best = Some((p, score));
            }
        }
        best
    }
}

/// A decision tree for classes (class shares of the leaf as probabilities) or values.
pub struct DecisionTreeModel {
    task: Task,
    classes: usize,
    settings: TreeSettings,
    tree: Option<Tree>,
}

impl DecisionTreeModel {
    pub fn new(task: Task, classes: usize, settings: TreeSettings) -> Self {
        Self { task, classes, settings, tree: None }
    }

    pub fn tree(&self) -> Option<&Tree> {
        self.tree.as_ref()
    }
}

impl Learner for DecisionTreeModel {
    fn train_epoch(&mut self, train: &PreparedData, _epoch: usize) -> Result<(), ModelError> {
        if self.tree.is_some() {
            return Ok(());
        }
        let samples: Vec<u32> = (0..train.rows() as u32).collect();
        let tree = match self.task {
            Task::Classification => {
                let labels = require_classes(train)?;
                let width = class_width(self.classes, &labels);
                Tree::fit(
                    &train.features,
                    train.n_features,
                    TreeTarget::Classes(&labels, width),
                    None,
                    samples,
                    self.settings,
                )
            }
            Task::Regression => {
                check_features(train)?;
                let settings = TreeSettings { criterion: Criterion::SquaredError, ..self.settings };
                Tree::fit(
                    &train.features,
                    train.n_features,
                    TreeTarget::Values(&train.targets),
                    None,
                    samples,
                    settings,
                )
            }
        };
        self.tree = Some(tree);
        Ok(())
    }

    fn predict(&self, features: &[f64], n_features: usize) -> Result<Prediction, ModelError> {
        let tree = self.tree.as_ref().ok_or_else(not_fitted)?;
        check_width(features, n_features, tree.n_features)?;
        Ok(match self.task {
            Task::Classification => Prediction::Probabilities {
                classes: tree.outputs,
                probs: features
                    .chunks_exact(n_features)
                    .flat_map(|r| tree.leaf_value(r).iter().map(|&p| p as f32))
                    .collect(),
            },
            Task::Regression => {
                Prediction::Values(features.chunks_exact(n_features).map(|r| tree.leaf_value(r)[0]).collect())
            }
        })
    }

    fn parameter_count(&self) -> usize {
        self.tree.as_ref().map_or(0, Tree::node_count)
    }

    fn insight(&self) -> Option<ModelInsight> {
        self.tree.as_ref().map(|t| ModelInsight::Tree(t.insight()))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Three well separated 2-D classes, iris-like in spirit.
    pub(crate) fn three_blobs(per_class: usize) -> PreparedData {
        let centres = [(-2.0, -2.0), (2.0, -2.0), (0.0, 2.0)];
        let mut features = Vec::new();
        let mut targets = Vec::new();
        for (c, (cx, cy)) in centres.iter().enumerate() {
            for i in 0..per_class {
                let a = i as f64 * 2.399;
                let r = 0.8 * ((i % 7) as f64 / 7.0);
                features.extend([cx + r * a.cos(), cy + r * a.sin()]);
                targets.push(c as f64);
            }
        }
        PreparedData { features, n_features: 2, targets, task: Task::Classification, classes: 3 }
    }

    #[test]
    fn tree_separates_blobs_with_a_small_tree_and_valid_probabilities() {
        let data = three_blobs(30);
        let mut model = DecisionTreeModel::new(Task::Classification, 3, TreeSettings::default());
        model.train_epoch(&data, 0).unwrap();
        let pred = model.predict(&data.features, 2).unwrap();
        let acc = crate::metrics::accuracy(&pred.classes().unwrap(), &data.labels());
        assert_eq!(acc, 1.0);
        let Prediction::Probabilities { probs, classes } = pred else { panic!() };
        assert!(probs.chunks_exact(classes).all(|p| (p.iter().sum::<f32>() - 1.0).abs() < 1e-5));
        let Some(ModelInsight::Tree(insight)) = model.insight() else { panic!() };
        // Three pure classes need exactly two splits: five nodes, three leaves.
        assert_eq!((insight.nodes.len(), insight.leaves()), (5, 3));
        assert_eq!(insight.nodes[0].samples, 90);
        assert!((insight.nodes[0].impurity - (1.0 - 3.0 * (1.0f64 / 9.0))).abs() < 1e-12);
        assert!((insight.feature_importances.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        let path = insight.decision_path(&[0.0, 2.0]);
        let leaf = &insight.nodes[*path.last().unwrap()];
        assert_eq!(leaf.class, Some(2));
    }

    #[test]
    fn max_depth_limits_the_tree() {
        let data = three_blobs(30);
        let settings = TreeSettings { max_depth: Some(1), ..Default::default() };
        let mut model = DecisionTreeModel::new(Task::Classification, 3, settings);
        model.train_epoch(&data, 0).unwrap();
        assert_eq!(model.tree().unwrap().depth(), 1);
        assert_eq!(model.parameter_count(), 3);
    }

    #[test]
    fn regression_tree_fits_a_step() {
        let features: Vec<f64> = (0..40).map(|i| i as f64).collect();
        let targets: Vec<f64> = (0..40).map(|i| if i < 20 { 1.0 } else { 5.0 }).collect();
        let data = PreparedData { features, n_features: 1, targets, task: Task::Regression, classes: 0 };
        let mut model = DecisionTreeModel::new(Task::Regression, 0, TreeSettings::default());
        model.train_epoch(&data, 0).unwrap();
        let Prediction::Values(v) = model.predict(&[3.0, 30.0], 1).unwrap() else { panic!() };
        assert_eq!(v, vec![1.0, 5.0]);
        let Some(ModelInsight::Tree(t)) = model.insight() else { panic!() };
        assert_eq!(t.nodes[0].threshold, 19.5);
    }

    #[test]
    fn tree_refuses_one_class_and_nan() {
        let mut data = three_blobs(5);
        data.targets.iter_mut().for_each(|t| *t = 1.0);
        let err =
            DecisionTreeModel::new(Task::Classification, 3, TreeSettings::default()).train_epoch(&data, 0);
        assert!(err.unwrap_err().to_string().contains("only one class"));
        let mut data = three_blobs(5);
        data.features[3] = f64::NAN;
        let err =
            DecisionTreeModel::new(Task::Classification, 3, TreeSettings::default()).train_epoch(&data, 0);
        assert!(err.unwrap_err().to_string().contains("not a finite number"));
    }
}
