//! The network builder in the studio, clicked through by label.

use crate::common::{step_until, studio_sized};

use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use learnscope::data::BuiltinDataset;
use learnscope::ui::{RunStatus, StudioApp};

fn studio() -> Harness<'static, StudioApp> {
    studio_sized(1400.0, 1000.0)
}

#[test]
fn a_cnn_built_from_the_preset_shows_its_shapes_and_trains_an_epoch_on_digits() {
    let mut harness = studio();
    harness.run_steps(2);
    harness.state_mut().open_builtin(BuiltinDataset::Digits);
    harness.run_steps(2);
    assert!(harness.query_by_label("input [1,8,8]").is_some(), "digits enter as 1×8×8 images");

    harness.get_by_label("Presets").click();
    harness.run_steps(2);
    harness.get_by_label("LeNet-style CNN (digits)").click();
    harness.run_steps(2);
    // The shape column follows the image through the layers.
    assert!(
        harness.query_all_by_label_contains("-> [16,8,8]").next().is_some(),
        "conv2d(16,3,1,1) keeps 8×8"
    );
    assert!(harness.query_all_by_label_contains("-> [16,4,4]").next().is_some(), "maxpool(2) halves it");
    assert!(
        harness.query_all_by_label_contains("softmax cross-entropy").next().is_some(),
        "the output layer follows the task"
    );
    assert!(harness.query_all_by_label_contains("parameters in all").next().is_some());

    harness.get_by_label("Step").click();
    assert!(
        step_until(&mut harness, Duration::from_secs(120), |app| app.epoch() == 1),
        "status {:?}, error {:?}",
        harness.state().status(),
        harness.state().error()
    );
    assert_eq!(harness.state().status(), RunStatus::Paused);
}

#[test]
fn an_impossible_layer_is_refused_naming_the_layer_and_both_shapes() {
    let mut harness = studio();
    harness.run_steps(2);
    // Two-moons rows are vectors of 2: a conv2d cannot take them.
    harness.get_by_label("Add layer").click();
    harness.run_steps(2);
    harness.get_by_label("conv2d").click();
    harness.run_steps(3);
    assert!(harness.query_all_by_label_contains("conv2d needs an image").next().is_some());
    assert!(
        harness.state().error().is_some_and(|e| e.contains("does not fit")),
        "{:?}",
        harness.state().error()
    );
    // Removing it makes the network trainable again.
    let removes = harness.query_all_by_label("del").count();
    harness.query_all_by_label("del").last().expect("a remove button per layer").click();
    harness.run_steps(3);
    assert_eq!(harness.query_all_by_label("del").count(), removes - 1);
    // The builder and the error line clear; only the passing notification may still quote it.
    assert!(harness.state().error().is_none(), "{:?}", harness.state().error());
    assert!(harness.query_all_by_label_contains("needs an image").count() <= 1);
    harness.get_by_label("Step").click();
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| app.epoch() == 1));
}

#[test]
fn a_spec_set_from_outside_shows_in_the_builder_with_its_shapes() {
    let mut harness = studio();
    harness.run_steps(2);
    harness.state_mut().settings_mut().model.network =
        learnscope::models::network::NetworkSpec::parse("dense(4) relu").ok();
    harness.state_mut().refit();
    harness.run_steps(3);
    assert!(harness.query_all_by_label_contains("-> [4]").next().is_some());
    assert!(harness.query_all_by_label_contains("17 parameters in all").next().is_some(), "2·4+4 + 4+1");
}

#[test]
fn a_diverging_network_stops_with_advice_and_the_studio_keeps_running() {
    let mut harness = studio();
    harness.run_steps(2);
    // Regression with squared error: a too-large step makes every update bigger than the last.
    harness.state_mut().open_builtin(BuiltinDataset::Plane);
    {
        let settings = harness.state_mut().settings_mut();
        settings.model.learning_rate = 1.0;
        settings.model.optimizer = learnscope::models::network::OptimizerKind::Sgd;
        // No activation: nothing saturates or dies, so a huge step must blow the weights up.
        settings.model.network = learnscope::models::network::NetworkSpec::parse("dense(16) dense(16)").ok();
    }
    harness.get_by_label("Reset").click();
    harness.run_steps(2);
    harness.get_by_label("Play").click();
    assert!(step_until(&mut harness, Duration::from_secs(60), |app| app.status() == RunStatus::Failed));
    let error = harness.state().error().unwrap_or_default().to_string();
    assert!(error.contains("smaller learning rate"), "{error}");
    assert!(harness.query_all_by_label_contains("smaller learning rate").next().is_some());
    // A sane learning rate trains again after Reset.
    harness.state_mut().settings_mut().model.learning_rate = 0.01;
    harness.get_by_label("Reset").click();
    harness.run_steps(2);
    harness.get_by_label("Step").click();
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| app.epoch() == 1));
}

#[test]
fn cuda_that_cannot_be_used_says_why_beside_the_device_picker_and_trains_on_the_cpu() {
    use learnscope::models::network::{DeviceChoice, device::cuda_unavailable_reason};
    let mut harness = studio();
    harness.run_steps(2);
    if let Some(network) = harness.state_mut().settings_mut().model.network.as_mut() {
        network.options.device = DeviceChoice::Cuda;
    }
    harness.run_steps(2);
    // A build without CUDA, or a CUDA build on a machine without a usable GPU.
    if let Some(reason) = cuda_unavailable_reason() {
        assert!(harness.query_by_label(&reason).is_some(), "no warning beside the picker: {reason}");
    }
    harness.get_by_label("Step").click();
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| app.epoch() == 1));
}
