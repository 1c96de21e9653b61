//! What a fitted classical model learned, in plain data the views can draw: tree nodes,
//! coefficients, feature importances, centroids per iteration, support vectors.

use serde::Serialize;

/// One node of a decision tree, in the order the tree was grown (node 0 is the root).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TreeNode {
    /// The feature this node asks about; `None` for a leaf.
    pub feature: Option<usize>,
    /// Rows with `feature <= threshold` go left (standardized units when the data was scaled).
    pub threshold: f64,
    /// Gini, entropy or squared error of the training rows that reached this node.
    pub impurity: f64,
    /// Training rows that reached this node (bootstrap duplicates counted).
    pub samples: usize,
    /// Share of each class among those rows (classification) or their mean (regression, one value).
    pub value: Vec<f64>,
    /// The most common class here (classification).
    pub class: Option<u32>,
    pub left: Option<usize>,
    pub right: Option<usize>,
    pub depth: usize,
}

/// A whole tree, ready for the tree viewer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TreeInsight {
    pub nodes: Vec<TreeNode>,
    /// Impurity-based importance per feature, summing to 1 (all zero for a single leaf).
    pub feature_importances: Vec<f64>,
}

impl TreeInsight {
    /// Node indices from the root to the leaf that `row` (standardized like the training rows)
    /// lands in: what the tree viewer highlights for a hovered point.
    pub fn decision_path(&self, row: &[f64]) -> Vec<usize> {
        let mut path = Vec::new();
        let mut at = 0;
        while let Some(node) = self.nodes.get(at) {
            path.push(at);
            match (node.feature, node.left, node.right) {
                (Some(f), Some(l), Some(r)) => {
                    at = if row.get(f).copied().unwrap_or(0.0) <= node.threshold { l } else { r };
                }
                _ => break,
            }
        }
        path
    }

    pub fn depth(&self) -> usize {
        self.nodes.iter().map(|n| n.depth).max().unwrap_or(0)
    }

    pub fn leaves(&self) -> usize {
        self.nodes.iter().filter(|n| n.feature.is_none()).count()
    }
}

/// What a fitted model learned.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelInsight {
    /// A linear model: one row of weights per output (one for regression and binary logistic
    /// regression, one per class otherwise), with its intercept.
    Coefficients { weights: Vec<Vec<f64>>, intercepts: Vec<f64>, outputs: Vec<String> },
    /// A single decision tree.
    Tree(TreeInsight),
    /// A forest: its importances (mean over trees) and the trees themselves.
    Forest { feature_importances: Vec<f64>, trees: Vec<TreeInsight> },
    /// An SVM: the training rows that hold up the boundary.
    SupportVectors {
        /// Row-major support vectors, `n_features` wide (standardized units).
        vectors: Vec<f64>,
        n_features: usize,
        /// Index of each support vector among the training rows.
        indices: Vec<usize>,
        /// Its dual coefficient (alpha times label; alpha - alpha* for regression).
        coefficients: Vec<f64>,
    },
    /// k-means: the centres after each iteration (the first entry is the k-means++ start).
    Centroids {
        /// Each entry is `k × n_features`, row-major.
        iterations: Vec<Vec<f64>>,
        k: usize,
        n_features: usize,
        inertia: f64,
    },
    /// DBSCAN: the cluster of every training row (`None` for noise) and which rows are cores.
    DensityClusters { labels: Vec<Option<usize>>, core: Vec<bool>, clusters: usize },
    /// Gaussian naive Bayes: per-class mean and variance of each feature.
    ClassGaussians { means: Vec<Vec<f64>>, variances: Vec<Vec<f64>>, priors: Vec<f64> },
    /// k-nearest neighbours keeps the training rows themselves.
    Neighbours { k: usize, rows: usize },
}
