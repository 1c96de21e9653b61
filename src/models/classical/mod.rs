//! Classical models, one file per family, and `build`, which turns a kind and its checked
//! hyper-parameters into a `Learner`.
//!
//! Where each comes from: logistic, linear and ridge regression fit through smartcore; lasso,
//! naive Bayes, kNN, trees, forests, the SVM, k-means, DBSCAN and the PCA plane are written here,
//! each because smartcore 0.7 lacks what the views need or is far slower: the first lines of each
//! file say what, and `learnscope smartcore-parity` measures both side by side.

pub mod clustering;
pub mod forest;
pub mod knn;
pub mod linear;
pub mod naive_bayes;
pub mod platt;
pub mod svm;
pub mod tree;

pub use knn::KnnModel;
pub use linear::{LassoModel, LinearFit, LinearRegressionModel, LogisticRegressionModel, RidgeModel};
pub use naive_bayes::NaiveBayesModel;

use crate::data::Task;
use crate::models::kind::ModelKind;
use crate::models::learner::{Learner, ModelError};
use crate::models::params::Params;

/// Builds an untrained classical model of `kind` (networks are built by `ModelConfig`).
pub fn build(
    kind: ModelKind,
    params: &Params,
    task: Task,
    classes: usize,
    seed: u64,
) -> Result<Box<dyn Learner>, ModelError> {
    let classifier_only = |what: &str| {
        ModelError::Unsuitable(format!(
            "{what} predicts classes, but this target holds continuous values: pick a regression model (linear regression, ridge, a tree, a forest, kNN, an SVM) or a network"
        ))
    };
    let regressor_only = |what: &str| {
        ModelError::Unsuitable(format!(
            "{what} predicts a value, but this target holds classes: pick logistic regression, a tree, a forest, kNN, an SVM or naive Bayes"
        ))
    };
    Ok(match kind {
        ModelKind::LogisticRegression if task == Task::Classification => {
            Box::new(LogisticRegressionModel::new(classes).with_c(params.float("c")))
        }
        ModelKind::LogisticRegression => {
            return Err(ModelError::Unsuitable(
                "logistic regression predicts classes, but this target holds continuous values: pick linear regression or a network".into(),
            ));
        }
        ModelKind::LinearRegression if task == Task::Regression => Box::new(LinearRegressionModel::default()),
        ModelKind::LinearRegression => {
            return Err(ModelError::Unsuitable(
                "linear regression predicts a value, but this target holds classes: pick logistic regression or a network".into(),
            ));
        }
        ModelKind::Ridge if task == Task::Regression => Box::new(RidgeModel::new(params.float("alpha"))),
        ModelKind::Ridge => return Err(regressor_only("ridge regression")),
        ModelKind::Lasso if task == Task::Regression => Box::new(LassoModel::new(params.float("alpha"))),
        ModelKind::Lasso => return Err(regressor_only("lasso regression")),
        ModelKind::NaiveBayes if task == Task::Classification => {
            Box::new(NaiveBayesModel::new(classes, params.float("var_smoothing")))
        }
        ModelKind::NaiveBayes => return Err(classifier_only("naive Bayes")),
        ModelKind::Knn => Box::new(KnnModel::new(
            task,
            classes,
            params.int("n_neighbors") as usize,
            params.choice("weights") == "distance",
        )),
        ModelKind::DecisionTree => Box::new(tree::DecisionTreeModel::new(
            task,
            classes,
            tree::TreeSettings::from_params(params, seed),
        )),
        ModelKind::RandomForest => Box::new(forest::RandomForestModel::new(task, classes, params, seed)),
        ModelKind::Svm => Box::new(svm::SvmModel::new(task, classes, params)),
        ModelKind::KMeans => Box::new(clustering::KMeansModel::new(classes, params, seed)),
        ModelKind::Dbscan => Box::new(clustering::DbscanModel::new(classes, params)),
        ModelKind::Mlp => {
            return Err(ModelError::Failed(format!("{} is not built here", kind.name())));
        }
    })
}
