use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::super::layers::Pass;
use super::super::{NetworkSpec, TrainSettings};
use super::*;
use crate::data::Task;
use crate::models::learner::{Learner, PreparedData};

const TOLERANCE: f64 = 1e-5;

/// Points in the plane; the target follows from them (two or three classes, or a value).
fn data(task: Task, classes: usize, rows: usize, seed: u64) -> PreparedData {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut features = Vec::new();
    let mut targets = Vec::new();
    for _ in 0..rows {
        let (x, y): (f64, f64) = (rng.random_range(-2.0..2.0), rng.random_range(-2.0..2.0));
        features.extend([x, y]);
        targets.push(match task {
            Task::Regression => (x * 1.3).sin() + 0.3 * y,
            Task::Classification if classes == 2 => f64::from(u8::from(x * y > 0.0)),
            Task::Classification => {
                ((x.atan2(y) + std::f64::consts::PI) * 3.0 / std::f64::consts::TAU).floor() % 3.0
            }
        });
    }
    PreparedData { features, n_features: 2, targets, task, classes }
}

/// A network of `spec` trained a few epochs, so its weights and optimizer state are no longer
/// where they started.
fn trained(spec: &str, l1: f64, l2: f64, optimizer: OptimizerKind, train: &PreparedData) -> NetworkLearner {
    let mut spec = NetworkSpec::parse(spec).unwrap();
    (spec.options.l1, spec.options.l2) = (l1, l2);
    let settings = TrainSettings { learning_rate: 0.05, batch_size: 8, optimizer, seed: 3 };
    let mut net = NetworkLearner::new(&spec, 2, train.task, train.classes, settings).unwrap();
    for epoch in 0..4 {
        net.train_epoch(train, epoch).unwrap();
    }
    net
}

/// Every layer's output and candle's gradient of the loss with respect to it, and the loss.
/// candle keeps gradients of variables only, so each output gets a variable of zeros added:
/// the loss's gradient with respect to that variable is its gradient with respect to the output.
fn candle_pass(net: &NetworkLearner, x: &[f64], y: &[f64]) -> (Vec<Vec<f64>>, Vec<Vec<f64>>, f64) {
    let mut h = net.input_tensor(x, net.n_features).unwrap();
    let mut pass = Pass::eval();
    let mut taps = Vec::new();
    for (i, layer) in net.layers.iter().enumerate() {
        h = layer.forward(i, &h, &mut pass).unwrap();
        let tap = candle_core::Var::zeros(h.shape(), h.dtype(), h.device()).unwrap();
        h = (h + tap.as_tensor()).unwrap();
        taps.push((h.clone(), tap));
    }
    let loss = net.loss(&h, &net.target_tensor(y).unwrap()).unwrap();
    let grads = loss.backward().unwrap();
    let read = |t: &Tensor| -> Vec<f64> {
        t.to_dtype(DType::F64).unwrap().flatten_all().unwrap().to_vec1().unwrap()
    };
    let outputs = taps.iter().map(|(t, _)| read(t)).collect();
    let slopes = taps.iter().map(|(_, tap)| grads.get(tap).map(read).unwrap_or_default()).collect();
    (outputs, slopes, f64::from(loss.to_scalar::<f32>().unwrap()))
}

fn assert_close(what: &str, ours: &[f64], theirs: &[f64]) {
    assert_eq!(ours.len(), theirs.len(), "{what}: lengths");
    for (j, (a, b)) in ours.iter().zip(theirs).enumerate() {
        assert!((a - b).abs() <= TOLERANCE, "{what}[{j}]: stepper {a} vs candle {b}");
    }
}

/// The stepper's numbers against candle on one network and a few points: activations and error
/// signals against autograd, gradients against `gradients`, new weights against a real step.
fn check(mut net: NetworkLearner, x: &[f64], y: &[f64], case: &str) {
    let step = net.backprop_step(x, y).unwrap_or_else(|e| panic!("{case}: {e}"));
    let (outputs, slopes, loss) = candle_pass(&net, x, y);
    assert!(
        (step.loss - loss).abs() <= TOLERANCE * loss.abs().max(1.0),
        "{case}: loss {} vs {loss}",
        step.loss
    );
    for l in &step.layers {
        let i = l.index - 1;
        let what = |s: &str| format!("{case}, {} {s}", l.name);
        assert_close(&what("z"), &l.z, &outputs[i]);
        let a = if l.activation == UnitActivation::Linear { &outputs[i] } else { &outputs[i + 1] };
        assert_close(&what("a"), &l.a, a);
        assert_close(&what("δ"), &l.delta, &slopes[i]);
    }
    let grads = net.gradients(x, y).unwrap();
    assert_eq!(grads.len(), step.layers.len(), "{case}");
    for (l, g) in step.layers.iter().zip(&grads) {
        assert_eq!(l.index, g.index);
        let widen = |v: &[f32]| v.iter().map(|&g| f64::from(g)).collect::<Vec<_>>();
        assert_close(&format!("{case}, {} ∂L/∂w", l.name), &l.weight_grads, &widen(&g.weights));
        assert_close(&format!("{case}, {} ∂L/∂b", l.name), &l.bias_grads, &widen(&g.biases));
    }
    // Not a vacuous comparison: the gradients and the step move the weights visibly.
    let largest = step.layers.iter().flat_map(|l| &l.weight_grads).fold(0f64, |m, g| m.max(g.abs()));
    assert!(largest > 1e-3, "{case}: gradients all near zero ({largest})");
    net.step_rows(x, y).unwrap();
    let after = net.weights().unwrap();
    let mut moved = 0f64;
    for (l, w) in step.layers.iter().zip(&after) {
        let widen = |v: &[f32]| v.iter().map(|&g| f64::from(g)).collect::<Vec<_>>();
        assert_close(&format!("{case}, {} new weights", l.name), &l.new_weights, &widen(&w.weights));
        assert_close(&format!("{case}, {} new biases", l.name), &l.new_biases, &widen(&w.biases));
        moved = l.weights.iter().zip(&l.new_weights).fold(moved, |m, (a, b)| m.max((a - b).abs()));
    }
    assert!(moved > 1e-4, "{case}: the step moved no weight by more than {moved}");
    assert_eq!(net.steps(), step.steps_before + 1);
}

#[test]
fn every_number_matches_candles_autograd_and_a_real_training_step() {
    let cases = [
        ("dense(8) tanh dense(8) tanh", Task::Classification, 2, 0.0, 0.0),
        ("dense(5) relu dense(4) sigmoid dense(3) leaky_relu", Task::Classification, 3, 0.0, 1e-3),
        ("dense(6) dense(3) tanh", Task::Regression, 0, 1e-3, 0.0),
    ];
    for (spec, task, classes, l1, l2) in cases {
        let train = data(task, classes, 48, 1);
        for optimizer in OptimizerKind::ALL {
            for rows in [1, 3] {
                let net = trained(spec, l1, l2, optimizer, &train);
                let x = &train.features[6..6 + 2 * rows];
                let y = &train.targets[3..3 + rows];
                check(net, x, y, &format!("{spec} with {}, {rows} points", optimizer.name()));
            }
        }
    }
}

#[test]
fn the_update_is_the_optimizers_own() {
    let train = data(Task::Classification, 2, 32, 2);
    let x = &train.features[..2];
    let y = &train.targets[..1];
    let rule = |kind| trained("dense(4) tanh", 0.0, 0.0, kind, &train).backprop_step(x, y).unwrap().rule;
    assert_eq!(rule(OptimizerKind::Sgd), UpdateRule::Sgd);
    assert_eq!(rule(OptimizerKind::Momentum), UpdateRule::Momentum { momentum: 0.9, first: false });
    // 32 rows in batches of 8 for 4 epochs: this is step 17.
    assert_eq!(
        rule(OptimizerKind::AdamW),
        UpdateRule::Adam { beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.01, step: 17 }
    );
    let settings =
        TrainSettings { learning_rate: 0.1, batch_size: 8, optimizer: OptimizerKind::Momentum, seed: 1 };
    let fresh = NetworkLearner::new(
        &NetworkSpec::parse("dense(3) relu").unwrap(),
        2,
        Task::Classification,
        2,
        settings,
    )
    .unwrap();
    assert_eq!(fresh.backprop_step(x, y).unwrap().rule, UpdateRule::Momentum { momentum: 0.9, first: true });
}

#[test]
fn other_networks_are_refused_with_the_stepper_message() {
    let settings =
        TrainSettings { learning_rate: 0.1, batch_size: 8, optimizer: OptimizerKind::Sgd, seed: 1 };
    for spec in [
        "dense(9) tanh",
        "dense(4) tanh dense(4) tanh dense(4) tanh dense(4) tanh",
        "dense(8) gelu",
        "dense(8) relu dropout(0.5)",
        "dense(8) batchnorm relu",
        "relu dense(4)",
        "dense(4) relu tanh",
    ] {
        let net =
            NetworkLearner::new(&NetworkSpec::parse(spec).unwrap(), 2, Task::Classification, 2, settings)
                .unwrap();
        let error = net.backprop_step(&[0.1, 0.2], &[1.0]).unwrap_err().to_string();
        assert!(error.contains(SMALL_NETWORKS_ONLY), "{spec}: {error}");
        assert!(net.stepper_fits().is_err());
    }
    let net =
        NetworkLearner::new(&NetworkSpec::parse("dense(3) tanh").unwrap(), 11, Task::Regression, 0, settings)
            .unwrap();
    assert!(net.backprop_step(&[0.0; 11], &[1.0]).unwrap_err().to_string().contains("11 inputs"));
    let net = NetworkLearner::new(
        &NetworkSpec::parse("dense(3) tanh").unwrap(),
        2,
        Task::Classification,
        3,
        settings,
    )
    .unwrap();
    assert!(net.backprop_step(&[0.1, 0.2], &[3.0]).is_err(), "class 3 of 3");
    assert!(net.backprop_step(&[0.1, 0.2], &[]).is_err(), "no point");
}

#[test]
fn a_typed_weight_changes_that_weight_and_the_prediction() {
    let train = data(Task::Classification, 2, 32, 4);
    let mut net = trained("dense(4) tanh", 0.0, 0.0, OptimizerKind::Sgd, &train);
    let x = &train.features[..2];
    let before = net.predict(x, 2).unwrap();
    let old = net.weights().unwrap();
    // Layers: 1 dense(4), 2 tanh, 3 the output dense(1).
    net.set_weight(3, 3, 0, 2.5).unwrap();
    let new = net.weights().unwrap();
    assert_eq!(new[1].weights[3], 2.5);
    assert_eq!(new[0], old[0], "the hidden layer is untouched");
    assert_eq!(new[1].weights[..3], old[1].weights[..3]);
    assert_ne!(net.predict(x, 2).unwrap(), before);
    assert!(net.set_weight(1, 2, 0, 1.0).is_err(), "two inputs: 0 and 1");
    assert!(net.set_weight(3, 0, 0, f64::NAN).is_err());
    assert!(net.set_weight(2, 0, 0, 1.0).is_err(), "layer 2 is the tanh");
    assert!(net.set_weight(4, 0, 0, 1.0).is_err(), "there is no layer 4");
}

#[test]
fn the_chain_rule_and_the_update_read_with_their_numbers() {
    let train = data(Task::Classification, 2, 32, 5);
    let net = trained("dense(3) tanh", 0.0, 0.0, OptimizerKind::Sgd, &train);
    let step = net.backprop_step(&train.features[..2], &train.targets[..1]).unwrap();
    let stages = step.stages();
    assert_eq!(stages.len(), 1 + 2 + 1 + 2 + 1);
    let text = step.edge_text(StepStage::Backward(1), 1, 2, 0);
    assert!(text.starts_with("∂L/∂w(3,1) = δ1 × a3 = "), "{text}");
    let product = step.layers[1].delta[0] * step.layers[0].a[2];
    let shown = text.lines().next().and_then(|l| l.rsplit("= ").next()).and_then(parse_number).unwrap();
    assert!((shown - product).abs() < 1e-4, "{text}: δ × a = {product}");
    assert!(text.contains("δ = ∂L/∂z = (p − y)"), "{text}");
    let hidden = step.edge_text(StepStage::Backward(0), 0, 1, 2);
    assert!(hidden.contains("δ3 × x2") && hidden.contains("f'(z) × Σ w·δ(next) = [1 − a²]"), "{hidden}");
    let update = step.edge_text(StepStage::Update, 1, 0, 0);
    assert!(update.starts_with("new w(1,1) = w(1,1) − η × ∂L/∂w(1,1) = "), "{update}");
    // The stage lists print numbers the tests can read back.
    for stage in stages {
        for line in step.stage_lines(stage) {
            let number = line.rsplit([' ', '=']).find(|s| !s.is_empty()).unwrap();
            assert!(parse_number(number).is_some() || line.starts_with("data loss"), "{line}");
        }
    }
    assert_eq!(parse_number(&exact(-0.0000123456)), Some(-1.235e-5));
    assert_eq!(exact(-0.5), "−0.500000");
}
