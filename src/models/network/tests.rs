use candle_core::Var;
use rand::Rng;

use super::*;

fn xor_data() -> PreparedData {
    PreparedData {
        features: vec![-1.0, -1.0, -1.0, 1.0, 1.0, -1.0, 1.0, 1.0],
        n_features: 2,
        targets: vec![0.0, 1.0, 1.0, 0.0],
        task: Task::Classification,
        classes: 2,
    }
}

fn settings(seed: u64) -> TrainSettings {
    TrainSettings { learning_rate: 0.05, batch_size: 4, optimizer: OptimizerKind::AdamW, seed }
}

#[test]
fn learns_xor_which_no_line_separates() {
    let data = xor_data();
    let spec = NetworkSpec::mlp(&[8], Activation::Tanh);
    let mut net = NetworkLearner::new(&spec, 2, Task::Classification, 2, settings(1)).unwrap();
    assert_eq!(net.parameter_count(), 2 * 8 + 8 + 8 + 1);
    for epoch in 0..300 {
        net.train_epoch(&data, epoch).unwrap();
    }
    let pred = net.predict(&data.features, 2).unwrap();
    assert_eq!(pred.classes().unwrap(), vec![0, 1, 1, 0]);
}

#[test]
fn a_network_too_big_to_train_is_refused_before_anything_is_allocated() {
    // Four layers of 4096 units: 50 million weights, over a gigabyte with Adam's state.
    let spec = NetworkSpec::parse("dense(4096) dense(4096) dense(4096) dense(4096)").unwrap();
    let Err(error) = NetworkLearner::new(&spec, 2, Task::Classification, 2, settings(1)) else {
        panic!("a network of 50 million parameters was built");
    };
    let message = error.to_string();
    assert!(message.contains("parameters") && message.contains("smaller layers"), "{message}");
}

#[test]
fn same_seed_gives_the_same_predictions() {
    let data = xor_data();
    let spec = NetworkSpec::parse("dense(4) relu dropout(0.3) dense(4) batchnorm tanh").unwrap();
    let run = |seed| {
        let mut net = NetworkLearner::new(&spec, 2, Task::Classification, 2, settings(seed)).unwrap();
        for epoch in 0..20 {
            net.train_epoch(&data, epoch).unwrap();
        }
        net.predict(&data.features, 2).unwrap()
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8));
}

#[test]
fn multiclass_and_regression_heads_have_the_right_shape() {
    let spec = NetworkSpec::mlp(&[4], Activation::Relu);
    let net = NetworkLearner::new(&spec, 3, Task::Classification, 5, settings(0)).unwrap();
    let Prediction::Probabilities { classes, probs } = net.predict(&[0.0; 6], 3).unwrap() else { panic!() };
    assert_eq!((classes, probs.len()), (5, 10));
    assert!((probs[..5].iter().sum::<f32>() - 1.0).abs() < 1e-5);
    let reg = NetworkLearner::new(&spec, 3, Task::Regression, 0, settings(0)).unwrap();
    assert!(matches!(reg.predict(&[0.0; 6], 3).unwrap(), Prediction::Values(v) if v.len() == 2));
    assert_eq!(net.describe_output(), "output: dense(5) + softmax cross-entropy");
}

#[test]
fn impossible_shapes_are_refused_when_building() {
    let spec = NetworkSpec::parse("conv2d(8,3) relu").unwrap();
    let err = NetworkLearner::new(&spec, 2, Task::Classification, 2, settings(0)).err().unwrap();
    assert_eq!(err.to_string(), "layer 1 conv2d needs an image [C,H,W] but receives a vector of 2");
}

fn random(rng: &mut StdRng, n: usize) -> Vec<f64> {
    (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
}

/// Builds an f64 network, then compares every parameter's (and the input's) backprop gradient
/// with central finite differences on a few entries each.
fn check_gradients(spec: &str, input: InputShape, n_features: usize, task: Task, classes: usize) {
    let spec = NetworkSpec::parse(spec).unwrap();
    let net =
        NetworkLearner::build(&spec, input, n_features, task, classes, settings(3), DType::F64).unwrap();
    let mut rng = StdRng::seed_from_u64(11);
    let rows = 5;
    let features = random(&mut rng, rows * n_features);
    let x = net.input_tensor(&features, n_features).unwrap().to_dtype(DType::F64).unwrap();
    let x = Var::from_tensor(&x).unwrap();
    let targets: Vec<f64> = match task {
        Task::Classification => (0..rows).map(|r| (r % classes.max(2)) as f64).collect(),
        Task::Regression => random(&mut rng, rows),
    };
    let y = net.target_tensor(&targets).unwrap();
    let loss_of = || -> Tensor {
        let mut r = StdRng::seed_from_u64(0);
        let out = net.forward(x.as_tensor(), &mut Pass::train(&mut r)).unwrap();
        net.loss(&out, &y).unwrap()
    };
    let grads = loss_of().backward().unwrap();
    let mut vars: Vec<(String, Var)> = vec![("input".into(), x.clone())];
    for (i, layer) in net.layers.iter().enumerate() {
        for (j, v) in layer.trainable().into_iter().enumerate() {
            vars.push((format!("layer {} var {j}", i + 1), v.clone()));
        }
    }
    let eps = 1e-6;
    for (name, var) in vars {
        let analytic: Vec<f64> = grads.get(&var).unwrap().flatten_all().unwrap().to_vec1().unwrap();
        let values: Vec<f64> = var.flatten_all().unwrap().to_vec1().unwrap();
        let n = values.len();
        for k in [0, n / 3, n / 2, n - 1] {
            let at = |delta: f64| {
                let mut v = values.clone();
                v[k] += delta;
                var.set(&Tensor::from_vec(v, var.shape(), var.device()).unwrap()).unwrap();
                loss_of().to_scalar::<f64>().unwrap()
            };
            let numeric = (at(eps) - at(-eps)) / (2.0 * eps);
            at(0.0);
            let diff = (numeric - analytic[k]).abs();
            assert!(
                diff <= 1e-6 + 1e-4 * numeric.abs(),
                "{spec}: {name}[{k}] backprop {} vs finite differences {numeric}",
                analytic[k]
            );
        }
    }
}

#[test]
fn gradients_match_finite_differences_for_every_layer_kind() {
    let image = InputShape::Image { channels: 2, height: 6, width: 6 };
    let seq = InputShape::Sequence { steps: 4, channels: 3 };
    let c = Task::Classification;
    check_gradients("dense(5) tanh dense(3) sigmoid", InputShape::Vector, 4, c, 3);
    check_gradients("dense(4) leaky_relu dense(4) gelu", InputShape::Vector, 3, Task::Regression, 0);
    check_gradients("dense(6) batchnorm tanh", InputShape::Vector, 3, c, 2);
    check_gradients("conv2d(3,3) tanh flatten", image, 72, c, 3);
    check_gradients("conv2d(3,3,2,1) tanh flatten", image, 72, c, 2);
    check_gradients("conv2d(3,3,1,1) maxpool(2) flatten", image, 72, c, 3);
    check_gradients("conv2d(2,2) avgpool(2) flatten", image, 72, c, 3);
    check_gradients("conv2d(3,3) batchnorm tanh flatten", image, 72, c, 3);
    check_gradients("rnn(4)", seq, 12, c, 3);
    check_gradients("lstm(4)", seq, 12, c, 3);
    check_gradients("gru(4) tanh", seq, 12, Task::Regression, 0);
}

#[test]
fn dropout_and_batch_norm_switch_modes() {
    let spec = NetworkSpec::parse("dense(16) batchnorm relu dropout(0.5)").unwrap();
    let mut net = NetworkLearner::new(&spec, 2, Task::Classification, 2, settings(0)).unwrap();
    let data = xor_data();
    for epoch in 0..5 {
        net.train_epoch(&data, epoch).unwrap();
    }
    // Evaluation mode: deterministic, and a single row works (running statistics, not the batch's).
    let a = net.predict(&data.features, 2).unwrap();
    assert_eq!(a, net.predict(&data.features, 2).unwrap());
    let one = net.predict(&data.features[..2], 2).unwrap();
    let Prediction::Probabilities { probs, .. } = &a else { panic!() };
    let Prediction::Probabilities { probs: p1, .. } = &one else { panic!() };
    assert!((probs[0] - p1[0]).abs() < 1e-6, "a row's prediction must not depend on its batch");
    // Training mode: dropout draws a new mask each pass.
    let x = net.input_tensor(&data.features, 2).unwrap();
    let mut rng = StdRng::seed_from_u64(1);
    let t1: Vec<f32> =
        net.forward(&x, &mut Pass::train(&mut rng)).unwrap().flatten_all().unwrap().to_vec1().unwrap();
    let t2: Vec<f32> =
        net.forward(&x, &mut Pass::train(&mut rng)).unwrap().flatten_all().unwrap().to_vec1().unwrap();
    assert_ne!(t1, t2);
    // The running mean moved away from its starting zeros.
    let Layer::BatchNorm { running_mean, .. } = &net.layers[1] else { panic!() };
    let m: Vec<f32> = running_mean.flatten_all().unwrap().to_vec1().unwrap();
    assert!(m.iter().any(|v| v.abs() > 1e-3));
}

#[test]
fn nan_inside_a_batch_stops_training_with_advice() {
    let mut data = xor_data();
    data.features[0] = f64::NAN;
    let mut net = NetworkLearner::new(
        &NetworkSpec::mlp(&[4], Activation::Tanh),
        2,
        Task::Classification,
        2,
        settings(0),
    )
    .unwrap();
    let err = net.train_epoch(&data, 4).unwrap_err();
    assert!(matches!(err, ModelError::Diverged { epoch: 5, .. }), "{err:?}");
    assert!(err.to_string().contains("smaller learning rate"));
}

#[test]
fn introspection_reports_every_layer() {
    let spec = NetworkSpec::parse("dense(5) relu dense(3) tanh").unwrap();
    let mut net = NetworkLearner::new(&spec, 2, Task::Classification, 3, settings(0)).unwrap();
    let data = PreparedData { classes: 3, targets: vec![0.0, 1.0, 2.0, 1.0], ..xor_data() };
    for epoch in 0..3 {
        net.train_epoch(&data, epoch).unwrap();
    }
    let acts = net.activations(&data.features, 2).unwrap();
    assert_eq!(acts.len(), 5);
    assert_eq!(acts[0].shape, vec![4, 5]);
    assert_eq!(acts[4].shape, vec![4, 3]);
    assert!(acts[1].values.iter().all(|&v| v >= 0.0), "relu output is never negative");
    let maps = net.unit_maps(&data.features, 2).unwrap();
    assert_eq!(maps[0].units.len(), 5);
    assert_eq!(maps[0].units[0].len(), 4);
    let weights = net.weights().unwrap();
    assert_eq!(weights.len(), 3);
    assert_eq!(weights[0].weight_shape, vec![2, 5]);
    assert_eq!(weights[0].biases.len(), 5);
    assert_eq!(net.gradient_layers().len(), 3);
    assert_eq!(net.gradient_norms().len(), 3, "one row per step");
    assert!(net.gradient_norms().iter().all(|row| row.len() == 3 && row.iter().all(|g| g.is_finite())));
    // A hugely negative bias silences every unit of the first ReLU layer.
    let Layer::Dense { bias, .. } = &net.layers[0] else { panic!() };
    bias.set(&Tensor::full(-100f32, 5, &Device::Cpu).unwrap()).unwrap();
    let dead = net.dead_relus(&data.features, 2).unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!((dead[0].dead, dead[0].units, dead[0].share()), (5, 5, 1.0));
}

/// Vertical vs horizontal bars in a 6×6 image.
fn bars(rows: usize, seed: u64) -> PreparedData {
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut features, mut targets) = (Vec::new(), Vec::new());
    for r in 0..rows {
        let class = r % 2;
        let line = rng.random_range(0..6);
        let mut img = [0.0f64; 36];
        for (i, px) in img.iter_mut().enumerate() {
            let (y, x) = (i / 6, i % 6);
            let on = if class == 0 { x == line } else { y == line };
            *px = if on { 1.0 } else { 0.0 } + rng.random_range(-0.2..0.2);
        }
        features.extend(img);
        targets.push(class as f64);
    }
    PreparedData { features, n_features: 36, targets, task: Task::Classification, classes: 2 }
}

fn accuracy(net: &NetworkLearner, data: &PreparedData) -> f64 {
    let classes = net.predict(&data.features, data.n_features).unwrap().classes().unwrap();
    classes.iter().zip(&data.targets).filter(|(c, t)| **c as f64 == **t).count() as f64 / data.rows() as f64
}

#[test]
fn a_tiny_cnn_tells_vertical_from_horizontal_bars() {
    let spec = NetworkSpec::parse("conv2d(4,3) relu maxpool(2) flatten").unwrap();
    let input = InputShape::Image { channels: 1, height: 6, width: 6 };
    let s = TrainSettings { learning_rate: 0.02, batch_size: 16, optimizer: OptimizerKind::Adam, seed: 0 };
    let mut net = NetworkLearner::with_input(&spec, input, 36, Task::Classification, 2, s).unwrap();
    let (train, test) = (bars(64, 1), bars(40, 2));
    for epoch in 0..30 {
        net.train_epoch(&train, epoch).unwrap();
    }
    assert!(accuracy(&net, &test) >= 0.95, "{}", accuracy(&net, &test));
}

/// Rising vs falling noisy sequences of 8 steps.
fn slopes(rows: usize, seed: u64) -> PreparedData {
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut features, mut targets) = (Vec::new(), Vec::new());
    for r in 0..rows {
        let class = r % 2;
        let sign = if class == 0 { 1.0 } else { -1.0 };
        let start = rng.random_range(-1.0..1.0);
        features.extend((0..8).map(|t| start + sign * 0.2 * t as f64 + rng.random_range(-0.1..0.1)));
        targets.push(class as f64);
    }
    PreparedData { features, n_features: 8, targets, task: Task::Classification, classes: 2 }
}

#[test]
fn a_tiny_lstm_tells_rising_from_falling() {
    let input = InputShape::Sequence { steps: 8, channels: 1 };
    let s = TrainSettings { learning_rate: 0.03, batch_size: 16, optimizer: OptimizerKind::Adam, seed: 0 };
    let (train, test) = (slopes(64, 1), slopes(40, 2));
    for text in ["lstm(8)", "gru(8)"] {
        let mut net = NetworkLearner::with_input(
            &NetworkSpec::parse(text).unwrap(),
            input,
            8,
            Task::Classification,
            2,
            s,
        )
        .unwrap();
        for epoch in 0..25 {
            net.train_epoch(&train, epoch).unwrap();
        }
        assert!(accuracy(&net, &test) >= 0.95, "{text}: {}", accuracy(&net, &test));
        // The views that take gradients in evaluation mode still get them (the fused GRU keeps
        // its steps only when a backward pass follows).
        let inputs = super::snapshot::SnapshotInputs {
            grid: None,
            sample: &test.features,
            sample_targets: &test.targets,
        };
        let insight = super::snapshot::snapshot(&net, 25, &inputs).unwrap();
        assert!(!insight.histograms.is_empty(), "{text}");
        let map = super::explain::saliency(&net, &test.features[..8]).unwrap();
        assert!(map.len() == 8 && map.iter().any(|v| *v != 0.0), "{text}: {map:?}");
    }
}

#[test]
fn saved_networks_load_with_the_same_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let spec = NetworkSpec::parse("conv2d(2,3) batchnorm relu flatten dense(4) tanh").unwrap();
    let input = InputShape::Image { channels: 1, height: 6, width: 6 };
    let mut net = NetworkLearner::with_input(&spec, input, 36, Task::Classification, 2, settings(0)).unwrap();
    let data = bars(16, 3);
    for epoch in 0..3 {
        net.train_epoch(&data, epoch).unwrap();
    }
    let path = dir.path().join("bars");
    let (weights, meta) = save::save(&net, &path, None).unwrap();
    assert!(weights.exists() && meta.exists());
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2, "no temporary files left behind: {names:?}");
    let (mut loaded, info) = save::load(&path).unwrap();
    assert_eq!(info.spec, spec);
    assert_eq!(loaded.predict(&data.features, 36).unwrap(), net.predict(&data.features, 36).unwrap());
    // It can train further.
    loaded.train_epoch(&data, 3).unwrap();
    assert!(save::load(&dir.path().join("missing")).is_err());
}

#[test]
fn a_saved_network_trains_on_from_its_optimizer_state() {
    // One more full-batch epoch after a save: the loaded network must take the same step as the
    // original (Adam's moments and step count restored), not the first step of a fresh Adam.
    let data = xor_data();
    let spec = NetworkSpec::mlp(&[8], Activation::Tanh);
    for optimizer in [OptimizerKind::Adam, OptimizerKind::Momentum] {
        let settings = TrainSettings { batch_size: 64, optimizer, ..settings(0) };
        let mut net = NetworkLearner::new(&spec, 2, Task::Classification, 2, settings).unwrap();
        for epoch in 0..20 {
            net.train_epoch(&data, epoch).unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("xor");
        save::save(&net, &path, None).unwrap();
        let (mut loaded, info) = save::load(&path).unwrap();
        assert!(info.optimizer_step.is_some(), "{optimizer:?}");
        let mut fresh = NetworkLearner::new(&spec, 2, Task::Classification, 2, settings).unwrap();
        fresh.varmap_mut().load(dir.path().join("xor.safetensors")).unwrap();
        let weights = |n: &NetworkLearner| -> Vec<f32> {
            n.weights().unwrap().iter().flat_map(|l| l.weights.clone()).collect()
        };
        for n in [&mut net, &mut loaded, &mut fresh] {
            n.train_epoch(&data, 20).unwrap();
        }
        let gap = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0f32, f32::max);
        let (resumed, restarted) =
            (gap(&weights(&net), &weights(&loaded)), gap(&weights(&net), &weights(&fresh)));
        assert!(resumed < 1e-5, "{optimizer:?}: resumed training moved {resumed} away");
        assert!(
            restarted > 100.0 * resumed.max(1e-7),
            "{optimizer:?}: a fresh optimizer moved only {restarted}"
        );
    }
}

/// A network in f64 trains through the optimizers' tensor path (the one a GPU takes).
fn f64_network(optimizer: OptimizerKind) -> NetworkLearner {
    let spec = NetworkSpec::mlp(&[8], Activation::Tanh);
    // Full batches: no shuffling, so a loaded network sees the rows in the same order.
    let settings = TrainSettings { batch_size: 64, optimizer, ..settings(0) };
    NetworkLearner::build(&spec, InputShape::Vector, 2, Task::Classification, 2, settings, DType::F64)
        .unwrap()
}

fn all_weights(net: &NetworkLearner) -> Vec<f64> {
    let data = net.varmap.data().lock().unwrap();
    let mut names: Vec<_> = data.keys().cloned().collect();
    names.sort();
    names.iter().flat_map(|n| data[n].flatten_all().unwrap().to_vec1::<f64>().unwrap()).collect()
}

#[test]
fn tensor_adamw_steps_match_the_fused_kernels() {
    // Rows in no symmetric layout: XOR's symmetry leaves gradients that are zero but for
    // rounding, and Adam scales rounding noise up to whole steps.
    let mut rng = StdRng::seed_from_u64(7);
    let features: Vec<f64> = (0..64).map(|_| rng.random_range(-1.0..1.0)).collect();
    let targets = features.chunks(2).map(|p| f64::from(u8::from(p[0] * p[1] + 0.2 * p[0] > 0.0))).collect();
    let data = PreparedData { features, targets, ..xor_data() };
    let spec = NetworkSpec::mlp(&[8], Activation::Tanh);
    for optimizer in [OptimizerKind::Adam, OptimizerKind::AdamW] {
        let mut wide = f64_network(optimizer);
        assert!(matches!(wide.optimizer, NetworkOptimizer::AdamW(_)));
        let settings = TrainSettings { batch_size: 64, optimizer, ..settings(0) };
        let mut fused = NetworkLearner::new(&spec, 2, Task::Classification, 2, settings).unwrap();
        assert!(matches!(fused.optimizer, NetworkOptimizer::FusedAdamW(_)));
        for epoch in 0..5 {
            wide.train_epoch(&data, epoch).unwrap();
            fused.train_epoch(&data, epoch).unwrap();
        }
        let fused: Vec<f64> = fused
            .weights()
            .unwrap()
            .iter()
            .flat_map(|l| l.weights.iter().chain(&l.biases).map(|&w| f64::from(w)).collect::<Vec<_>>())
            .collect();
        let wide: Vec<f64> = wide
            .weights()
            .unwrap()
            .iter()
            .flat_map(|l| l.weights.iter().chain(&l.biases).map(|&w| f64::from(w)).collect::<Vec<_>>())
            .collect();
        let gap = fused.iter().zip(&wide).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(gap < 1e-5, "{optimizer:?}: f32 fused and f64 tensor-op AdamW drift {gap} apart");
    }
}

#[test]
fn a_saved_f64_network_resumes_its_tensor_adamw_exactly() {
    let data = xor_data();
    for optimizer in [OptimizerKind::Adam, OptimizerKind::AdamW] {
        let mut straight = f64_network(optimizer);
        for epoch in 0..10 {
            straight.train_epoch(&data, epoch).unwrap();
        }
        let mut first = f64_network(optimizer);
        for epoch in 0..4 {
            first.train_epoch(&data, epoch).unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("xor");
        save::save(&first, &path, None).unwrap();
        let (mut resumed, info) = save::load_as(&path, DType::F64).unwrap();
        assert_eq!(info.optimizer_step, Some(4), "{optimizer:?}");
        for epoch in 4..10 {
            resumed.train_epoch(&data, epoch).unwrap();
        }
        assert_eq!(all_weights(&resumed), all_weights(&straight), "{optimizer:?}");
    }
}

#[test]
fn l2_penalty_shrinks_the_weights() {
    let data = xor_data();
    let norm = |l2: f64| {
        let mut spec = NetworkSpec::mlp(&[8], Activation::Tanh);
        spec.options.l2 = l2;
        let mut net = NetworkLearner::new(&spec, 2, Task::Classification, 2, settings(0)).unwrap();
        for epoch in 0..100 {
            net.train_epoch(&data, epoch).unwrap();
        }
        net.weights().unwrap()[0].weights.iter().map(|w| w * w).sum::<f32>()
    };
    assert!(norm(0.1) < 0.5 * norm(0.0), "{} vs {}", norm(0.1), norm(0.0));
}

#[test]
fn weight_init_choices_differ_in_spread() {
    let spread = |init| {
        let mut spec = NetworkSpec::mlp(&[64], Activation::Relu);
        spec.options.init = init;
        let net = NetworkLearner::new(&spec, 64, Task::Regression, 0, settings(0)).unwrap();
        let w = &net.weights().unwrap()[0].weights;
        (w.iter().map(|v| v * v).sum::<f32>() / w.len() as f32).sqrt()
    };
    // He: √(6/64)/√3 ≈ 0.177; Glorot: √(6/128)/√3 ≈ 0.125; Normal: 0.05.
    assert!((spread(WeightInit::He) - 0.177).abs() < 0.02);
    assert!((spread(WeightInit::Glorot) - 0.125).abs() < 0.015);
    assert!((spread(WeightInit::Normal) - 0.05).abs() < 0.01);
    assert_eq!(spread(WeightInit::Auto), spread(WeightInit::He));
    // Fan-in (PyTorch's default): (1/√64)/√3 ≈ 0.072, and the biases start spread too.
    assert!((spread(WeightInit::FanIn) - 0.072).abs() < 0.01);
    let mut spec = NetworkSpec::mlp(&[64], Activation::Relu);
    spec.options.init = WeightInit::FanIn;
    let net = NetworkLearner::new(&spec, 64, Task::Regression, 0, settings(0)).unwrap();
    let biases = &net.weights().unwrap()[0].biases;
    assert!(biases.iter().all(|b| b.abs() <= 0.125) && biases.iter().any(|b| b.abs() > 0.01));
}

#[test]
fn gradient_history_stays_bounded_on_long_runs() {
    let data = xor_data();
    let spec = NetworkSpec::mlp(&[2], Activation::Tanh);
    let one_row = TrainSettings { batch_size: 1, ..settings(0) };
    let mut net = NetworkLearner::new(&spec, 2, Task::Classification, 2, one_row).unwrap();
    // Four steps per epoch: 1,100 epochs take more steps than the cap.
    for epoch in 0..1_100 {
        net.train_epoch(&data, epoch).unwrap();
    }
    let rows = net.gradient_norms().len();
    assert!(rows <= MAX_GRADIENT_ROWS && rows > MAX_GRADIENT_ROWS / 4, "{rows} rows kept");
    // Rows wait on the device between flushes, yet the history is thinned as if each step's row
    // were kept at once: every other row goes as soon as there are more than the cap.
    let (mut expected, mut stride) = (0, 1);
    for step in 0..net.steps() {
        if step % stride == 0 {
            expected += 1;
            if expected > MAX_GRADIENT_ROWS {
                (expected, stride) = (expected.div_ceil(2), stride * 2);
            }
        }
    }
    assert_eq!((rows, net.gradient_stride), (expected, stride));
    assert!(net.pending_gradient_norms.is_empty());
}
