//! The backprop stepper: its forward, loss, backward and update stages show the numbers of a
//! real training step on the same point, read back from the labels on screen and held to candle
//! (activations, autograd's gradients, the weights after `step_rows`) on a copy of the network
//! saved from the studio; "Apply this step" takes exactly that step; a typed weight moves the
//! boundary.

use crate::common::{step_until, studio_sized};

use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use learnscope::models::network::stepper::{StepStage, parse_number};
use learnscope::models::network::{LayerWeights, NetworkLearner};
use learnscope::ui::StudioApp;

const TOLERANCE: f64 = 1e-5;

/// Labels on screen that start with `prefix`.
fn lines(harness: &Harness<'_, StudioApp>, prefix: &str) -> Vec<String> {
    harness
        .query_all_by_label_contains(prefix)
        // A label's text is its accessible value.
        .filter_map(|node| node.accesskit_node().label().or_else(|| node.accesskit_node().value()))
        .filter(|label| label.starts_with(prefix))
        .collect()
}

/// The number printed right after `key` in `line`.
fn after(line: &str, key: &str) -> f64 {
    let start = line.find(key).unwrap_or_else(|| panic!("no '{key}' in {line}")) + key.len();
    let token = line[start..].split([',', ' ']).find(|s| !s.is_empty()).unwrap();
    parse_number(token).unwrap_or_else(|| panic!("no number after '{key}' in {line}"))
}

/// "hidden 2 w(3,5): …" → (3, 5), 1-based.
fn edge_of(line: &str, name: &str) -> (usize, usize) {
    let rest = &line[name.len() + 3..];
    let (from, to) = rest[..rest.find(')').unwrap()].split_once(',').unwrap();
    (from.parse().unwrap(), to.parse().unwrap())
}

/// What a line of layer `name` is about: 'u' a unit, 'b' a bias, 'w' a weight.
fn kind_of(line: &str, name: &str) -> char {
    line[name.len() + 1..].chars().next().unwrap()
}

/// "hidden 2 unit 5: …" or "hidden 2 b5: …" → 5.
fn unit_of(line: &str) -> usize {
    let head = &line[..line.find(':').unwrap()];
    head.rsplit([' ', 'b']).next().unwrap().parse().unwrap()
}

fn assert_close(what: &str, shown: f64, real: f64) {
    assert!((shown - real).abs() <= TOLERANCE, "{what}: shown {shown}, real step {real}");
}

/// What candle computes for one step of the saved copy on the same point.
struct RealStep {
    /// Every layer's output (dense sums and activations in turn), as `activations` reports them.
    outputs: Vec<Vec<f32>>,
    gradients: Vec<LayerWeights>,
    before: Vec<LayerWeights>,
    after: Vec<LayerWeights>,
    loss: f64,
}

fn real_step(mut net: NetworkLearner, x: &[f64], y: f64) -> RealStep {
    let outputs: Vec<Vec<f32>> = net.activations(x, x.len()).unwrap().into_iter().map(|a| a.values).collect();
    let gradients = net.gradients(x, &[y]).unwrap();
    // Binary cross-entropy on the output logit, in candle's stable form.
    let z = f64::from(outputs.last().unwrap()[0]);
    let loss = z.max(0.0) - z * y + (-z.abs()).exp().ln_1p();
    let before = net.weights().unwrap();
    net.step_rows(x, &[y]).unwrap();
    let after = net.weights().unwrap();
    RealStep { outputs, gradients, before, after, loss }
}

/// Checks the stage on screen against the real step; returns how many numbers it compared.
fn check_stage(harness: &Harness<'_, StudioApp>, stage: StepStage, real: &RealStep) -> usize {
    let step = harness.state().backprop_step().unwrap();
    let mut checked = 0;
    match stage {
        StepStage::Input | StepStage::Loss => {
            if stage == StepStage::Loss {
                let loss = lines(harness, "loss L = ");
                assert_eq!(loss.len(), 1);
                assert_close("loss", after(&loss[0], "L = "), real.loss);
                checked += 1;
            }
        }
        StepStage::Forward(k) => {
            let layer = &step.layers[k];
            for line in lines(harness, &format!("{} unit ", layer.name)) {
                let u = unit_of(&line) - 1;
                let z = real.outputs[layer.index - 1][u];
                assert_close(&line, after(&line, "z = "), f64::from(z));
                if line.contains("(z) = ") {
                    assert_close(&line, after(&line, "(z) = "), f64::from(real.outputs[layer.index][u]));
                }
                checked += 1;
            }
            assert_eq!(checked, layer.units, "one line per unit");
        }
        StepStage::Backward(k) => {
            let (layer, gradients) = (&step.layers[k], &real.gradients[k]);
            for line in lines(harness, &format!("{} ", layer.name)) {
                let real = match kind_of(&line, &layer.name) {
                    // For one point a unit's error signal is its bias's gradient.
                    'u' | 'b' => gradients.biases[unit_of(&line) - 1],
                    _ => {
                        let (from, to) = edge_of(&line, &layer.name);
                        gradients.weights[(from - 1) * layer.units + to - 1]
                    }
                };
                assert_close(
                    &line,
                    line.rsplit("= ").next().and_then(parse_number).unwrap(),
                    f64::from(real),
                );
                checked += 1;
            }
            assert_eq!(checked, 2 * layer.units + layer.inputs * layer.units);
        }
        StepStage::Update => {
            for (k, layer) in step.layers.iter().enumerate() {
                for line in lines(harness, &format!("{} ", layer.name)) {
                    let (old, new) = (after(&line, ": "), after(&line, "new "));
                    let (before, after) = if kind_of(&line, &layer.name) == 'b' {
                        let u = unit_of(&line) - 1;
                        (real.before[k].biases[u], real.after[k].biases[u])
                    } else {
                        let (from, to) = edge_of(&line, &layer.name);
                        let j = (from - 1) * layer.units + to - 1;
                        (real.before[k].weights[j], real.after[k].weights[j])
                    };
                    assert_close(&format!("{line} (old)"), old, f64::from(before));
                    assert_close(&format!("{line} (new)"), new, f64::from(after));
                    checked += 1;
                }
            }
        }
    }
    checked
}

#[test]
fn the_stepper_shows_a_real_steps_activations_gradients_and_new_weights() {
    let mut harness = studio_sized(1400.0, 1600.0);
    harness.run_steps(2);
    // A few epochs of the default network (moons, two hidden tanh layers of 8, AdamW), paused.
    for epoch in 1..=3 {
        harness.get_by_label("Step").click();
        assert!(step_until(&mut harness, Duration::from_secs(30), |app| app.epoch() == epoch));
    }
    harness.get_by_label("Backprop stepper").click();
    assert!(
        step_until(&mut harness, Duration::from_secs(30), |app| app.backprop_step().is_some()),
        "no walk: {:?}",
        harness.state().error()
    );
    harness.run_steps(2);
    let step = harness.state().backprop_step().unwrap().clone();
    let row = step.row.expect("a training point");
    assert!(step.training_row);
    assert_eq!(step.layers.len(), 3);

    // The studio's network as it is, saved and loaded back: the real step runs on this copy.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stepper.json");
    harness.state_mut().save_experiment(path.clone());
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| !app.is_saving()));
    let (net, saved) =
        learnscope::models::network::save::load(&learnscope::experiment::weights_base(&path)).unwrap();
    let mut x = Vec::new();
    saved.scaler.unwrap().transform_row(harness.state().data().row(row), &mut x);
    let y = harness.state().data().target_value(row);
    let real = real_step(net, &x, y);

    let stages = step.stages();
    let mut checked = 0;
    for (position, &stage) in stages.iter().enumerate() {
        assert_eq!(harness.state().stepper_stage(), Some(stage));
        assert_eq!(lines(&harness, &format!("Stage {} of {}: ", position + 1, stages.len())).len(), 1);
        checked += check_stage(&harness, stage, &real);
        if position + 1 < stages.len() {
            harness.get_by_label("Forward").click();
            harness.run_steps(2);
        }
    }
    // Forward 8 + 8 + 1, loss 1, backward 16 + 80 + 10 weights and signals, update 3 layers.
    assert_eq!(checked, 17 + 1 + (2 * 8 + 16) + (2 * 8 + 64) + (2 + 8) + (24 + 72 + 9));

    // "Apply this step" takes exactly that step: the network's weights become the new ones.
    harness.get_by_label("Apply this step").click();
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| {
        app.backprop_step().is_some_and(|s| s.steps_before == step.steps_before + 1)
    }));
    let applied = harness.state().backprop_step().unwrap().clone();
    for (layer, after) in applied.layers.iter().zip(&real.after) {
        for (shown, real) in layer.weights.iter().zip(&after.weights) {
            assert_close(&format!("{} after Apply", layer.name), *shown, f64::from(*real));
        }
    }

    // A typed weight: the output layer's first weight, and the boundary is drawn again.
    let refreshes = harness.state().boundary_refreshes();
    let field = egui::accesskit::Role::TextInput;
    harness.get_by_role_and_label(field, "new weight").click();
    harness.run_steps(1);
    harness.get_by_role_and_label(field, "new weight").type_text("2.5");
    harness.run_steps(1);
    harness.get_by_label("Set weight").click();
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| {
        app.boundary_refreshes() > refreshes
            && app.backprop_step().is_some_and(|s| s.layers[2].weights[0] == 2.5)
    }));
}

#[test]
fn a_network_too_large_for_the_stepper_gets_one_sentence() {
    let mut harness = studio_sized(1400.0, 1000.0);
    harness.run_steps(2);
    let spec = learnscope::models::network::NetworkSpec::parse("dense(16) relu dense(8) relu").unwrap();
    harness.state_mut().settings_mut().model.network = Some(spec);
    harness.state_mut().refit();
    harness.run_steps(2);
    harness.state_mut().set_stepper_open(true);
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| app.stepper_updates() > 0));
    harness.run_steps(2);
    assert_eq!(lines(&harness, "The stepper shows networks up to 3 hidden layers of 8 units.").len(), 1);
    assert!(harness.query_by_label("Forward").is_none(), "nothing else is offered");
}
