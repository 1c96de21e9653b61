//! Random forest: bootstrap samples, a random subset of features per split, trees grown in
//! parallel on the machine's cores; probabilities are the mean of the trees' leaf class shares
//! (scikit-learn's soft vote). Not smartcore's: its forest votes without probabilities, keeps its
//! trees private (no importances, no tree view) and grows them one by one, 8–10× slower on
//! the digits (`learnscope smartcore-parity`).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::tree::{Criterion, Tree, TreeSettings, TreeTarget};
use crate::data::Task;
use crate::models::insight::ModelInsight;
use crate::models::learner::class_width;
use crate::models::learner::{Learner, ModelError, Prediction, PreparedData};
use crate::models::learner::{check_features, check_width, not_fitted, require_classes};
use crate::models::params::Params;

pub struct RandomForestModel {
    task: Task,
    classes: usize,
    trees_wanted: usize,
    max_features: String,
    settings: TreeSettings,
    fitted: Option<Forest>,
}

struct Forest {
    trees: Vec<Tree>,
    outputs: usize,
    n_features: usize,
}

/// A per-tree seed that does not depend on which thread grows the tree.
fn tree_seed(seed: u64, tree: usize) -> u64 {
    let mut z = seed.wrapping_add((tree as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl RandomForestModel {
    pub fn new(task: Task, classes: usize, params: &Params, seed: u64) -> Self {
        let mut settings = TreeSettings::from_params(params, seed);
        settings.min_samples_split = 2;
        Self {
            task,
            classes,
            trees_wanted: params.int("n_estimators").max(1) as usize,
            max_features: params.choice("max_features").to_string(),
            settings,
            fitted: None,
        }
    }

    fn features_per_split(&self, d: usize) -> usize {
        let sqrt = (d as f64).sqrt().floor() as usize;
        match (self.max_features.as_str(), self.task) {
            ("sqrt", _) | ("auto", Task::Classification) => sqrt.max(1),
            ("log2", _) => ((d as f64).log2().floor() as usize).max(1),
            _ => d,
        }
    }
}

impl Learner for RandomForestModel {
    fn train_epoch(&mut self, train: &PreparedData, _epoch: usize) -> Result<(), ModelError> {
        if self.fitted.is_some() {
            return Ok(());
        }
        let labels;
        let (target, criterion, outputs) = match self.task {
            Task::Classification => {
                labels = require_classes(train)?;
                let width = class_width(self.classes, &labels);
                (TreeTarget::Classes(&labels, width), self.settings.criterion, width)
            }
            Task::Regression => {
                check_features(train)?;
                (TreeTarget::Values(&train.targets), Criterion::SquaredError, 1)
            }
        };
        let (n, d) = (train.rows(), train.n_features);
        let mut columns = vec![0.0; n * d];
        for (i, row) in train.features.chunks_exact(d).enumerate() {
            for (f, &v) in row.iter().enumerate() {
                columns[f * n + i] = v;
            }
        }
        let base =
            TreeSettings { criterion, max_features: Some(self.features_per_split(d)), ..self.settings };
        let grow = |t: usize| {
            let seed = tree_seed(self.settings.seed, t);
            let mut rng = StdRng::seed_from_u64(seed);
            let mut counts = vec![0.0; n];
            for _ in 0..n {
                counts[rng.random_range(0..n)] += 1.0;
            }
            let samples: Vec<u32> = (0..n as u32).filter(|&i| counts[i as usize] > 0.0).collect();
            Tree::fit_columns(&columns, n, d, target, Some(&counts), samples, TreeSettings { seed, ..base })
        };
        let threads = std::thread::available_parallelism().map_or(1, |c| c.get()).min(self.trees_wanted);
        let wanted = self.trees_wanted;
        // One tree after another where there is one core (or, in the browser, no threads).
        let mut grown: Vec<(usize, Tree)> = if threads <= 1 {
            (0..wanted).map(|t| (t, grow(t))).collect()
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..threads)
                    .map(|w| {
                        let grow = &grow;
                        scope.spawn(move || {
                            (w..wanted).step_by(threads).map(|t| (t, grow(t))).collect::<Vec<_>>()
                        })
                    })
                    .collect();
                let mut all = Vec::with_capacity(wanted);
                for h in handles {
                    match h.join() {
                        Ok(trees) => all.extend(trees),
                        Err(_) => {
                            return Err(ModelError::Failed("growing a tree of the forest failed".into()));
                        }
                    }
                }
                Ok(all)
            })?
        };
        grown.sort_by_key(|(t, _)| *t);
        self.fitted =
            Some(Forest { trees: grown.into_iter().map(|(_, t)| t).collect(), outputs, n_features: d });
        Ok(())
    }

    fn predict(&self, features: &[f64], n_features: usize) -> Result<Prediction, ModelError> {
        let forest = self.fitted.as_ref().ok_or_else(not_fitted)?;
        let rows = check_width(features, n_features, forest.n_features)?;
        let k = forest.outputs;
        let mut sums = vec![0.0f64; rows * k];
        for (row, out) in features.chunks_exact(n_features).zip(sums.chunks_exact_mut(k)) {
            for tree in &forest.trees {
                out.iter_mut().zip(tree.leaf_value(row)).for_each(|(o, v)| *o += v);
            }
        }
        let count = forest.trees.len() as f64;
        Ok(match self.task {
            Task::Classification => Prediction::Probabilities {
                classes: k,
                probs: sums.iter().map(|s| (s / count) as f32).collect(),
            },
            Task::Regression => Prediction::Values(sums.iter().map(|s| s / count).collect()),
        })
    }

    fn parameter_count(&self) -> usize {
        self.fitted.as_ref().map_or(0, |f| f.trees.iter().map(Tree::node_count).sum())
    }

    fn insight(&self) -> Option<ModelInsight> {
        let forest = self.fitted.as_ref()?;
        let mut importances = vec![0.0; forest.n_features];
        for tree in &forest.trees {
            importances.iter_mut().zip(tree.feature_importances()).for_each(|(a, b)| *a += b);
        }
        let total: f64 = importances.iter().sum();
        importances.iter_mut().for_each(|v| *v = if total > 0.0 { *v / total } else { 0.0 });
        Some(ModelInsight::Forest {
            feature_importances: importances,
            trees: forest.trees.iter().map(Tree::insight).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::ModelKind;
    use crate::models::classical::tree::tests::three_blobs;
    use crate::models::params::validate;

    fn forest(task: Task, trees: i64) -> RandomForestModel {
        let mut given = std::collections::BTreeMap::new();
        given.insert("n_estimators".to_string(), crate::models::params::ParamValue::Int(trees));
        RandomForestModel::new(task, 3, &validate(ModelKind::RandomForest, &given).unwrap(), 7)
    }

    #[test]
    fn forest_votes_sum_to_one_and_separate_blobs() {
        let data = three_blobs(20);
        let mut model = forest(Task::Classification, 10);
        model.train_epoch(&data, 0).unwrap();
        let pred = model.predict(&data.features, 2).unwrap();
        assert_eq!(crate::metrics::accuracy(&pred.classes().unwrap(), &data.labels()), 1.0);
        let Prediction::Probabilities { probs, classes } = pred else { panic!() };
        assert!(probs.chunks_exact(classes).all(|p| (p.iter().sum::<f32>() - 1.0).abs() < 1e-5));
        let Some(ModelInsight::Forest { trees, feature_importances }) = model.insight() else { panic!() };
        assert_eq!(trees.len(), 10);
        assert!((feature_importances.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn the_same_seed_grows_the_same_forest() {
        let data = three_blobs(10);
        let (mut a, mut b) = (forest(Task::Classification, 5), forest(Task::Classification, 5));
        a.train_epoch(&data, 0).unwrap();
        b.train_epoch(&data, 0).unwrap();
        let grid = [0.3, 0.1, -1.0, 1.0, 1.5, 0.0];
        assert_eq!(a.predict(&grid, 2).unwrap(), b.predict(&grid, 2).unwrap());
    }

    #[test]
    fn regression_forest_follows_a_line() {
        let features: Vec<f64> = (0..50).map(|i| i as f64 / 10.0).collect();
        let targets: Vec<f64> = features.iter().map(|x| 2.0 * x).collect();
        let data = PreparedData { features, n_features: 1, targets, task: Task::Regression, classes: 0 };
        let mut model = forest(Task::Regression, 20);
        model.train_epoch(&data, 0).unwrap();
        let Prediction::Values(v) = model.predict(&[2.5], 1).unwrap() else { panic!() };
        assert!((v[0] - 5.0).abs() < 0.3, "{v:?}");
    }
}
