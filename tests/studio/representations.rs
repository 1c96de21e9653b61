//! The Representations tab: the test rows as each layer of a network sees them, one scatter per
//! layer, refreshed while the network trains; a sentence instead for classical models.

use crate::common::{step_until, studio_sized};

use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use learnscope::data::BuiltinDataset;
use learnscope::models::ModelKind;
use learnscope::models::network::NetworkSpec;
use learnscope::ui::StudioApp;

fn count(harness: &Harness<'_, StudioApp>, label: &str) -> usize {
    harness.query_all_by_label_contains(label).count()
}

#[test]
fn an_mlp_on_digits_shows_one_projection_per_layer_while_it_trains() {
    let mut harness = studio_sized(1400.0, 1000.0);
    harness.run_steps(2);
    harness.state_mut().open_builtin(BuiltinDataset::Digits);
    harness.state_mut().settings_mut().model.network = NetworkSpec::parse("flatten dense(16) relu").ok();
    harness.get_by_label("Reset").click();
    harness.run_steps(2);
    assert_eq!(harness.state().representation_updates(), 0, "nothing is projected while nobody looks");

    harness.get_by_label("Representations").click();
    // Opening the view asks the worker at once: the untrained network's layers.
    assert!(
        step_until(&mut harness, Duration::from_secs(30), |app| app.representations().is_some()),
        "error {:?}",
        harness.state().error()
    );
    assert_eq!(harness.state().representations().map(|r| r.epoch), Some(0));

    harness.get_by_label("Play").click();
    assert!(
        step_until(&mut harness, Duration::from_secs(90), |app| app
            .representations()
            .is_some_and(|r| r.epoch >= 3)),
        "error {:?}",
        harness.state().error()
    );
    harness.get_by_label("Pause").click();
    harness.run_steps(4);

    // Flatten gives the input's own numbers again, so it has no plot of its own.
    let r = harness.state().representations().cloned().unwrap();
    let titles: Vec<String> = r.layers.iter().map(|l| l.title()).collect();
    assert_eq!(titles, ["input", "layers 2-3 dense(16) + relu", "layer 4 output dense(10)"]);
    assert_eq!(count(&harness, "representation plot: "), 3);
    for title in &titles {
        assert_eq!(count(&harness, &format!("representation plot: {title}")), 1, "{title}");
    }
    assert!(r.layers.iter().all(|l| l.points.len() == r.targets.len() && l.separation.is_some()));
    assert_eq!(count(&harness, "What to look for"), 1);
    assert_eq!(count(&harness, "nearest their own class's centre here"), 3);
}

#[test]
fn classical_models_are_told_that_representations_are_for_networks() {
    let mut harness = studio_sized(1280.0, 800.0);
    harness.run_steps(2);
    harness.get_by_label("Model kind").click();
    harness.run_steps(2);
    harness.get_by_label(ModelKind::LogisticRegression.label()).click();
    harness.run_steps(2);
    harness.get_by_label("Representations").click();
    harness.run_steps(4);
    assert_eq!(count(&harness, "Representations are for networks"), 1);
    assert_eq!(count(&harness, "representation plot: "), 0);
    std::thread::sleep(Duration::from_millis(300));
    harness.run_steps(2);
    assert_eq!(harness.state().representation_updates(), 0);
}
