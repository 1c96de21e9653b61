//! The classical half of the studio, clicked through by label.

use crate::common::{step_until, studio_sized};

use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use learnscope::models::ModelKind;
use learnscope::ui::{RunStatus, StudioApp};

fn studio() -> Harness<'static, StudioApp> {
    studio_sized(1400.0, 900.0)
}

fn pick_model(harness: &mut Harness<'_, StudioApp>, label: &str) {
    harness.get_by_label("Model kind").click();
    harness.run_steps(2);
    harness.get_by_label(label).click();
    harness.run_steps(2);
}

#[test]
fn every_classifier_fits_from_the_picker_and_shows_boundary_and_scores() {
    let mut harness = studio();
    harness.run_steps(2);
    let classifiers = ModelKind::ALL.into_iter().filter(|k| {
        !k.is_network() && !matches!(k, ModelKind::LinearRegression | ModelKind::Ridge | ModelKind::Lasso)
    });
    for kind in classifiers {
        pick_model(&mut harness, kind.label());
        assert_eq!(harness.state().settings().model.kind, kind);
        let fitted = step_until(&mut harness, Duration::from_secs(60), |app| {
            app.status() == RunStatus::Finished && app.boundary_refreshes() >= 1
        });
        assert!(
            fitted,
            "{}: status {:?}, error {:?}",
            kind.name(),
            harness.state().status(),
            harness.state().error()
        );
        harness.get_by_label("Metrics").click();
        harness.run_steps(2);
        assert!(harness.query_by_label("precision").is_some(), "{}: no per-class scores shown", kind.name());
        harness.get_by_label("Curves").click();
        harness.run_steps(1);
    }
}

#[test]
fn a_regression_model_on_class_data_says_why_it_cannot_fit() {
    let mut harness = studio();
    harness.run_steps(2);
    pick_model(&mut harness, ModelKind::LinearRegression.label());
    assert!(step_until(&mut harness, Duration::from_secs(20), |app| app.status() == RunStatus::Failed));
    let error = harness.state().error().unwrap_or_default().to_string();
    assert!(error.contains("classes"), "{error}");
    assert!(harness.query_all_by_label_contains("classes").next().is_some());
}

#[test]
fn the_tree_viewer_draws_the_fitted_tree_and_a_hyper_parameter_change_refits() {
    let mut harness = studio();
    harness.run_steps(2);
    pick_model(&mut harness, ModelKind::DecisionTree.label());
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| app.status() == RunStatus::Finished));
    harness.get_by_label("What it learned").click();
    harness.run_steps(2);
    assert!(
        harness.query_all_by_label_contains("leaves, depth").next().is_some(),
        "the tree summary is shown"
    );
    let questions = harness.query_all_by_label_contains("≤").count();
    assert!(questions >= 3, "the tree's questions are drawn ({questions})");
    // Folding the root hides everything below it.
    harness.query_all_by_label_contains("≤").next().expect("the root").click();
    harness.run_steps(2);
    assert_eq!(harness.query_all_by_label_contains("≤").count(), 1, "only the folded root remains");

    // A shallower tree: change max depth and the model refits on its own.
    let before = harness.state().boundary_refreshes();
    harness
        .state_mut()
        .settings_mut()
        .model
        .params
        .insert("max_depth".into(), learnscope::models::params::ParamValue::Int(2));
    harness.state_mut().refit();
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| {
        app.status() == RunStatus::Finished && app.boundary_refreshes() >= 1
    }));
    harness.run_steps(3);
    assert!(
        harness.query_all_by_label_contains("leaves, depth 2.").next().is_some(),
        "before: {before} refreshes"
    );
}

#[test]
fn engineered_features_let_logistic_regression_separate_circles() {
    let mut harness = studio();
    harness.run_steps(2);
    harness.state_mut().open_builtin(learnscope::data::BuiltinDataset::Circles);
    pick_model(&mut harness, ModelKind::LogisticRegression.label());
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| app.status() == RunStatus::Finished));
    let raw = harness.state().latest().and_then(|r| r.test_accuracy).expect("an accuracy");
    assert!(raw < 0.7, "a straight line cannot separate two circles: {raw}");

    harness.get_by_label("x²").click();
    harness.run_steps(2);
    harness.get_by_label("y²").click();
    harness.run_steps(2);
    assert_eq!(harness.state().data().n_features(), 4);
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| app.status() == RunStatus::Finished
        && app.latest().and_then(|r| r.test_accuracy).is_some()));
    let engineered = harness.state().latest().and_then(|r| r.test_accuracy).expect("an accuracy");
    assert!(engineered >= raw + 0.2, "with x² and y² the circle becomes a line: {raw} -> {engineered}");
}

#[test]
fn data_with_more_features_picks_its_axes_or_the_pca_plane() {
    let mut harness = studio();
    harness.run_steps(2);
    assert!(harness.query_all_by_label("Noise").next().is_some(), "the moons generator's slider");
    harness.state_mut().open_builtin(learnscope::data::BuiltinDataset::Iris);
    harness.run_steps(2);
    pick_model(&mut harness, ModelKind::DecisionTree.label());
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| app.status() == RunStatus::Finished
        && app.boundary_refreshes() >= 1));
    assert!(harness.query_by_label("x axis").is_some() && harness.query_by_label("y axis").is_some());
    // A shipped table has its own rows: no generator sliders, and a new split instead of new points.
    assert!(
        harness.query_all_by_label("Noise").next().is_none()
            && harness.query_all_by_label("Samples").next().is_none()
    );
    assert!(harness.query_by_label("New split").is_some());
    assert!(harness.query_all_by_label_contains("other 2 features at their mean").next().is_some());

    harness.get_by_label("PCA plane").click();
    harness.run_steps(2);
    assert!(harness.state().settings().view.pca);
    assert!(harness.query_by_label("x axis").is_none(), "the plane replaces the axis pickers");
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| app.status() == RunStatus::Finished
        && app.boundary_refreshes() >= 1));
}
