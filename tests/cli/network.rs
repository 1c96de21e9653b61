//! `learnscope train --net SPEC`, `--device` and `--save`: networks written layer by layer.

use crate::common::*;

#[test]
fn a_net_spec_trains_without_model_and_counts_its_parameters() {
    let out = learnscope(&[
        "train",
        "--dataset",
        "moons",
        "--net",
        "dense(16) batchnorm tanh dropout(0.1) dense(8) relu",
        "--epochs",
        "60",
        "--json",
    ]);
    let report = json_of(&out);
    // 2·16+16 + 2·16 (batch norm) + 16·8+8 + 8·1+1
    assert_eq!(report["parameters"], 48 + 32 + 136 + 9);
    assert!(report["test_accuracy"].as_f64().unwrap() > 0.85, "{report}");
    assert_eq!(report["history"].as_array().unwrap().len(), 60);
}

#[test]
fn bad_specs_and_impossible_shapes_exit_2_naming_the_layer() {
    assert_usage_error(&["train", "--dataset", "moons", "--net", "dense(8) swish"], "layer 2 'swish'");
    assert_usage_error(
        &["train", "--dataset", "moons", "--net", "conv2d(8,3) relu"],
        "layer 1 conv2d needs an image [C,H,W] but receives a vector of 2",
    );
    assert_usage_error(&["train", "--dataset", "moons", "--net", "lstm(4)"], "layer 1 lstm needs a sequence");
    assert_usage_error(&["train", "--dataset", "moons"], "--model");
}

#[test]
fn cuda_without_the_feature_warns_and_trains_on_the_cpu() {
    let out = learnscope(&[
        "train",
        "--dataset",
        "xor",
        "--net",
        "dense(4) tanh",
        "--epochs",
        "3",
        "--device",
        "cuda",
        "--json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if cfg!(not(feature = "cuda")) {
        assert!(stderr.contains("CPU"), "{stderr}");
    }
    json_of(&out);
}

#[test]
fn save_writes_weights_and_spec_that_load_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("moons-net");
    let out = learnscope(&[
        "train",
        "--dataset",
        "moons",
        "--net",
        "dense(8) tanh",
        "--epochs",
        "20",
        "--json",
        "--save",
        path.to_str().unwrap(),
    ]);
    let report = json_of(&out);
    assert_eq!(report["epochs"], 20);
    let (net, meta) = learnscope::models::network::save::load(&path).unwrap();
    assert_eq!(meta.spec_text, "dense(8) tanh");
    assert!(meta.scaler.is_some(), "the standardization travels with the weights");
    assert_eq!(learnscope::models::Learner::parameter_count(&net), 2 * 8 + 8 + 9);
    assert_usage_error(
        &["train", "--dataset", "moons", "--model", "logistic_regression", "--save", path.to_str().unwrap()],
        "--save stores networks only",
    );
}

#[test]
fn a_saved_network_is_scored_as_saved_and_trains_further() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("moons-net");
    let path_text = path.to_str().unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_learnscope")).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let data = ["train", "--dataset", "moons", "--seed", "0"];
    let trained =
        run(&[&data[..], &["--net", "dense(8) tanh", "--epochs", "60", "--save", path_text, "--json"]]
            .concat());
    let scored = run(&[&data[..], &["--load", path_text, "--evaluate", "--json"]].concat());
    // Same data, same split, same weights: the saved network scores exactly as it did.
    assert_eq!(scored["test_accuracy"], trained["test_accuracy"]);
    assert_eq!(scored["history"].as_array().unwrap().len(), 0);
    let further = run(&[&data[..], &["--load", path_text, "--epochs", "5", "--json"]].concat());
    assert_eq!(further["history"].as_array().unwrap().len(), 5);

    let wrong = std::process::Command::new(env!("CARGO_BIN_EXE_learnscope"))
        .args(["train", "--dataset", "iris", "--load", path_text, "--evaluate"])
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("trained on 2 features"));
    // Two features again, but three classes: the saved answers would name the wrong classes.
    let wrong = std::process::Command::new(env!("CARGO_BIN_EXE_learnscope"))
        .args(["train", "--dataset", "blobs", "--classes", "3", "--load", path_text, "--evaluate"])
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("trained on 2 classes, but this data has 3"));
}

/// Writes `rows` rows of `width` values plus a `target` column, the bench files' layout.
fn bench_file(dir: &std::path::Path, name: &str, rows: usize, width: usize, classes: usize) {
    let mut text: String = (0..width).map(|i| format!("x{i},")).collect::<String>() + "target\n";
    for r in 0..rows {
        let label = r % classes;
        for c in 0..width {
            // Each class lights up its own stretch of values, so the nets can learn something.
            let lit = c * classes / width == label;
            let value = if lit { 0.8 } else { 0.1 } + 0.05 * ((r * 31 + c * 7) % 5) as f64;
            text.push_str(&format!("{value:.3},"));
        }
        text.push_str(&format!("{label}\n"));
    }
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn bench_times_the_cnn_and_gru_workloads_and_scores_them() {
    let dir = tempfile::tempdir().unwrap();
    bench_file(dir.path(), "images28_train.csv", 40, 784, 4);
    bench_file(dir.path(), "images28_test.csv", 20, 784, 4);
    bench_file(dir.path(), "waves_train.csv", 64, 40, 4);
    bench_file(dir.path(), "waves_test.csv", 32, 40, 4);
    let d = dir.path().to_str().unwrap();
    let report = json_of(&learnscope(&["bench", "--data-dir", d, "--only", "W9,W10", "--json"]));
    for key in ["W9", "W10"] {
        let seconds = report[key].as_f64().unwrap_or(-1.0);
        assert!(seconds > 0.0 && seconds < 120.0, "{key}: {report}");
        let accuracy = report[format!("{key}_test_accuracy")].as_f64().unwrap_or(-1.0);
        assert!((0.0..=1.0).contains(&accuracy), "{key}: {report}");
    }
    assert!(report.get("W1").is_none(), "only the chosen workloads run: {report}");
    // Another seed is another network: the report still has every key.
    let other = json_of(&learnscope(&["bench", "--data-dir", d, "--only", "W10", "--seed", "3", "--json"]));
    assert!(other["W10_test_accuracy"].as_f64().is_some(), "{other}");
    assert_usage_error(&["bench", "--data-dir", d, "--only", "W11"], "choose from W1 to W10");
}

/// The heavy kernels split a batch by its size, never by the cores: one thread or three give
/// the same numbers for the same seed, as `--seed`'s help promises.
#[test]
fn a_seed_gives_the_same_training_on_any_number_of_threads() {
    let history = |threads: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_learnscope"))
            .env("LEARNSCOPE_THREADS", threads)
            .args([
                "train",
                "--dataset",
                "shapes",
                "--samples",
                "200",
                "--net",
                "conv2d(16,3,1,1) relu maxpool(2) conv2d(8,3,1,1) relu maxpool(2) flatten dense(16) relu",
                "--epochs",
                "2",
                "--batch-size",
                "64",
                "--lr",
                "0.001",
                "--json",
            ])
            .output()
            .unwrap();
        json_of(&out)["history"].clone()
    };
    let one = history("1");
    assert!(one[1]["train_loss"].as_f64().is_some(), "{one}");
    assert_eq!(one, history("2"), "one thread against two");
    assert_eq!(one, history("3"), "one thread against three");
}
