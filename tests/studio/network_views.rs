//! "What it learned" for networks: the diagram, hidden-unit maps, diagnostics, histograms, conv
//! filters, activation maps for a chosen digit and hidden states for a chosen sequence.

use crate::common::{step_until, studio_sized};

use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use learnscope::data::BuiltinDataset;
use learnscope::models::network::NetworkSpec;
use learnscope::ui::StudioApp;

fn studio() -> Harness<'static, StudioApp> {
    studio_sized(1400.0, 1800.0)
}

fn count(harness: &Harness<'_, StudioApp>, label: &str) -> usize {
    harness.query_all_by_label_contains(label).count()
}

fn open_learned(harness: &mut Harness<'_, StudioApp>) {
    harness.get_by_label("What it learned").click();
    harness.run_steps(3);
}

#[test]
fn an_mlp_on_moons_shows_its_diagram_unit_maps_diagnostics_histograms_and_saliency() {
    let mut harness = studio();
    harness.run_steps(2);
    open_learned(&mut harness);
    // The untrained network is already on show, from its first snapshot.
    assert!(step_until(&mut harness, Duration::from_secs(20), |app| app.network_insight().is_some()));
    harness.run_steps(2);
    assert_eq!(count(&harness, "Epoch 0, 0 gradient steps."), 1);

    // The default network: two hidden layers of 8, tanh.
    harness.get_by_label("Play").click();
    assert!(
        step_until(&mut harness, Duration::from_secs(60), |app| app.epoch() >= 30
            && app.network_insight().is_some_and(|s| s.epoch >= 20)),
        "error {:?}",
        harness.state().error()
    );
    harness.get_by_label("Pause").click();
    harness.run_steps(5);

    assert_eq!(count(&harness, "network diagram: inputs (2) | dense(8) | dense(8) | output dense(1)"), 1);
    assert_eq!(count(&harness, "Layers: inputs (2) | dense(8) | dense(8) | output dense(1)"), 1);

    // 8 maps after each tanh and 1 for the output unit.
    assert_eq!(count(&harness, "unit map: layer"), 17);
    assert_eq!(count(&harness, "unit map: layer 2 unit"), 8);
    assert_eq!(count(&harness, "enlarged unit map"), 0);
    harness.get_by_label("unit map: layer 4 unit 3").click();
    harness.run_steps(2);
    assert_eq!(count(&harness, "enlarged unit map"), 1);
    assert_eq!(count(&harness, "Unit 3 of layer 4 tanh, enlarged"), 1);

    // Each diagnostic the snapshot holds is shown as a sentence, or the all-clear one.
    let diagnostics: Vec<String> = harness
        .state()
        .network_insight()
        .map(|s| s.diagnostics.iter().map(|d| d.text.clone()).collect())
        .unwrap_or_default();
    // The view adds its own overfitting sentence from the epoch history when test loss rises.
    let overfitting_shown = count(&harness, "overfitting.") > 0;
    if diagnostics.is_empty() && !overfitting_shown {
        assert_eq!(count(&harness, "No warning signs"), 1);
    } else {
        assert_eq!(count(&harness, "No warning signs"), 0);
    }
    for text in &diagnostics {
        assert_eq!(count(&harness, text), 1, "{text}");
    }

    // Histograms: weights and gradients of the three dense layers.
    assert_eq!(count(&harness, "weights histogram, layer"), 0, "closed at first");
    harness.get_by_label("Weight and gradient histograms").click();
    harness.run_steps(2);
    assert_eq!(count(&harness, "weights histogram, layer"), 3);
    assert_eq!(count(&harness, "gradients histogram, layer"), 3);
    harness.get_by_label("Gradient norms").click();
    harness.run_steps(2);
    assert_eq!(count(&harness, "Each layer's gradient size per step"), 1);

    // Why this prediction? for a row: saliency per feature and each layer's activations.
    harness.get_by_label("Explain row").click();
    assert!(step_until(&mut harness, Duration::from_secs(20), |app| app.network_explanation().is_some()));
    harness.run_steps(3);
    let explanation = harness.state().network_explanation().cloned().unwrap();
    assert_eq!(explanation.saliency.len(), 2);
    assert_eq!(count(&harness, "saliency of "), 2);
    assert_eq!(count(&harness, "activations of layer"), 5, "dense, tanh, dense, tanh, output");
    assert!(count(&harness, "Row 1: predicted") == 1);
}

#[test]
fn a_cnn_on_digits_shows_filters_and_the_activation_maps_of_a_clicked_digit() {
    let mut harness = studio();
    harness.run_steps(2);
    harness.state_mut().open_builtin(BuiltinDataset::Digits);
    harness.state_mut().settings_mut().model.network =
        NetworkSpec::parse("conv2d(4,3,1,1) relu maxpool(2) flatten dense(8) relu").ok();
    harness.get_by_label("Reset").click();
    harness.run_steps(2);
    harness.get_by_label("Step").click();
    assert!(
        step_until(&mut harness, Duration::from_secs(120), |app| app.epoch() == 1
            && app.network_insight().is_some_and(|s| s.epoch == 1)),
        "error {:?}",
        harness.state().error()
    );
    open_learned(&mut harness);
    assert_eq!(count(&harness, "conv filter "), 4);
    assert_eq!(count(&harness, "unit map: layer"), 0, "images have no plane of units");
    // The convolution, pooling and flatten steps stand as blocks in front of the dense nodes.
    assert_eq!(
        count(
            &harness,
            "network diagram: input [1,8,8] -> conv2d(4,3,1,1) + relu [4,8,8] -> maxpool(2) [4,4,4] -> flatten [64] | dense(8) | output dense(10)"
        ),
        1
    );
    assert_eq!(count(&harness, "stage: "), 4);
    assert_eq!(count(&harness, "stage: conv2d(4,3,1,1) + relu, output [4,8,8], 40 parameters"), 1);

    assert_eq!(count(&harness, "digit row "), 12);
    harness.get_by_label_contains("digit row 3 (").click();
    assert!(step_until(&mut harness, Duration::from_secs(20), |app| app.network_explanation().is_some()));
    harness.run_steps(3);
    // conv, relu and maxpool each give 4 feature maps for the digit.
    assert_eq!(count(&harness, "activation map: layer 1 conv2d"), 4);
    assert_eq!(count(&harness, "activation map: "), 12);
    assert_eq!(count(&harness, "saliency image"), 1);
    assert_eq!(count(&harness, "Row 3: predicted"), 1);
}

#[test]
fn a_gru_on_waveforms_shows_the_hidden_state_of_a_chosen_sequence_over_time() {
    let mut harness = studio();
    harness.run_steps(2);
    harness.state_mut().open_builtin(BuiltinDataset::Waveforms);
    harness.state_mut().settings_mut().model.network = NetworkSpec::parse("gru(4)").ok();
    harness.get_by_label("Reset").click();
    harness.run_steps(2);
    harness.get_by_label("Step").click();
    assert!(
        step_until(&mut harness, Duration::from_secs(120), |app| app.epoch() == 1
            && app.network_insight().is_some()),
        "error {:?}",
        harness.state().error()
    );
    open_learned(&mut harness);
    harness.get_by_label("Explain row").click();
    assert!(step_until(&mut harness, Duration::from_secs(20), |app| app.network_explanation().is_some()));
    harness.run_steps(3);
    let explanation = harness.state().network_explanation().cloned().unwrap();
    assert_eq!(explanation.hidden_states.len(), 1);
    assert_eq!(explanation.hidden_states[0].states.len(), 32, "one state per step");
    assert_eq!(count(&harness, "Hidden state over time"), 1);
    assert_eq!(count(&harness, "layer 1 gru(4): each line is one hidden unit"), 1);
}

#[test]
fn a_deep_sigmoid_stack_is_diagnosed_with_vanishing_gradients() {
    let mut harness = studio();
    harness.run_steps(2);
    harness.state_mut().settings_mut().model.network =
        NetworkSpec::parse(&"dense(8) sigmoid ".repeat(6)).ok();
    harness.get_by_label("Reset").click();
    harness.run_steps(2);
    for epoch in 1..=3 {
        harness.get_by_label("Step").click();
        assert!(step_until(&mut harness, Duration::from_secs(30), |app| app.epoch() == epoch
            && app.network_insight().is_some_and(|s| s.epoch == epoch)));
    }
    open_learned(&mut harness);
    let texts: Vec<String> = harness
        .state()
        .network_insight()
        .map(|s| s.diagnostics.iter().map(|d| d.text.clone()).collect())
        .unwrap_or_default();
    assert!(count(&harness, "smaller than layer 13's: vanishing gradients") == 1, "diagnostics: {texts:?}");
    assert_eq!(count(&harness, "layer 1's gradients are "), 1);
}
