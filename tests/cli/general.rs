//! End-to-end tests of the `learnscope` binary: the contract of ../shared/CLI.md.

use crate::common::*;

#[test]
fn mlp_on_moons_reaches_95_percent_with_the_documented_keys() {
    let out = learnscope(&[
        "train",
        "--dataset",
        "moons",
        "--model",
        "mlp",
        "--layers",
        "8,8",
        "--epochs",
        "300",
        "--seed",
        "0",
        "--json",
    ]);
    let report = json_of(&out);
    for key in [
        "model",
        "task",
        "train_rows",
        "test_rows",
        "parameters",
        "train_seconds",
        "test_accuracy",
        "history",
    ] {
        assert!(report.get(key).is_some(), "missing key {key} in {report}");
    }
    assert_eq!(report["model"], "mlp");
    assert_eq!(report["task"], "classification");
    assert_eq!(report["train_rows"].as_u64().unwrap() + report["test_rows"].as_u64().unwrap(), 400);
    assert_eq!(report["parameters"], 2 * 8 + 8 + 8 * 8 + 8 + 8 + 1);
    let accuracy = report["test_accuracy"].as_f64().unwrap();
    assert!(accuracy >= 0.95, "test accuracy {accuracy}");
    let history = report["history"].as_array().unwrap();
    assert_eq!(history.len(), 300);
    for key in ["epoch", "train_loss", "test_loss", "test_accuracy"] {
        assert!(history[0].get(key).is_some(), "history rows need {key}");
    }
    assert!(history[299]["train_loss"].as_f64().unwrap() < history[0]["train_loss"].as_f64().unwrap());
}

#[test]
fn logistic_regression_runs_and_is_beaten_by_the_network_on_moons() {
    let report =
        json_of(&learnscope(&["train", "--dataset", "moons", "--model", "logistic_regression", "--json"]));
    assert_eq!(report["model"], "logistic_regression");
    assert_eq!(report["parameters"], 3);
    assert_eq!(report["history"].as_array().unwrap().len(), 0, "one-shot fits have no history");
    let accuracy = report["test_accuracy"].as_f64().unwrap();
    assert!((0.7..0.95).contains(&accuracy), "a straight line cannot separate two moons well: {accuracy}");
}

#[test]
fn same_seed_same_result() {
    let args = ["train", "--dataset", "circles", "--model", "mlp", "--epochs", "20", "--seed", "3", "--json"];
    let a = json_of(&learnscope(&args));
    let b = json_of(&learnscope(&args));
    assert_eq!(a["history"], b["history"]);
}

#[test]
fn regression_reports_r2_and_rmse() {
    let report =
        json_of(&learnscope(&["train", "--dataset", "plane", "--model", "linear_regression", "--json"]));
    assert_eq!(report["task"], "regression");
    assert!(report["test_r2"].as_f64().unwrap() > 0.9, "{report}");
    assert!(report["test_rmse"].as_f64().unwrap() < 0.5, "{report}");
    assert!(report.get("test_accuracy").is_none());
}

#[test]
fn bad_usage_exits_with_code_2_and_a_message() {
    assert_usage_error(&["train", "--dataset", "moons", "--model", "gpt"], "invalid value 'gpt'");
    assert_usage_error(&["train", "--dataset", "mars", "--model", "mlp"], "invalid value 'mars'");
    assert_usage_error(&["train", "--model", "mlp", "--epochs", "0"], "--epochs");
    assert_usage_error(&["train", "--model", "mlp", "--test-fraction", "1.5"], "strictly between 0 and 1");
    assert_usage_error(&["train", "--model", "mlp", "--test-fraction", "0"], "strictly between 0 and 1");
    assert_usage_error(&["train", "--model", "mlp", "--layers", "8,x"], "not a layer size");
    assert_usage_error(&["train", "--model", "mlp", "--lr", "-1"], "learning rate");
    assert_usage_error(
        &["train", "--dataset", "plane", "--model", "logistic_regression"],
        "continuous values",
    );
    assert_usage_error(&["train", "--dataset", "moons", "--model", "linear_regression"], "holds classes");
}

#[test]
fn datasets_lists_the_generators() {
    let list = json_of(&learnscope(&["datasets", "--json"]));
    let names: Vec<&str> =
        list["datasets"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
    for name in ["moons", "circles", "xor", "blobs", "spiral", "plane", "sine"] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
}

#[test]
fn gui_refuses_bad_arguments_before_opening_a_window() {
    assert_usage_error(&["gui", "--data", "no/such/file.csv"], "no such file");
    assert_usage_error(&["gui", "--net", "dense(8) swish"], "layer 2 'swish'");
    assert_usage_error(&["gui", "--model", "gpt"], "invalid value 'gpt'");
}

#[test]
fn open_checks_a_share_link_and_refuses_a_broken_one() {
    // {"settings":{"dataset":"circles","model":{"kind":"svm"}},"hide":["noise"]}
    let link = "http://localhost:8000/#learnscope=1.eyJzZXR0aW5ncyI6eyJkYXRhc2V0IjoiY2lyY2xlcyIsIm1vZGVsIjp7ImtpbmQiOiJzdm0ifX0sImhpZGUiOlsibm9pc2UiXX0";
    let setup = json_of(&learnscope(&["open", "--check", link]));
    assert_eq!(setup["settings"]["dataset"], "circles");
    assert_eq!(setup["settings"]["model"]["kind"], "svm");
    assert_eq!(setup["hide"][0], "noise");
    assert_usage_error(&["open", "--check", "http://localhost:8000/#learnscope=1.!!"], "damaged");
    assert_usage_error(&["open", "--check", "https://example.org/"], "no Learnscope set-up");
}

#[test]
fn train_runs_a_saved_experiment_and_refuses_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("circles.learnscope.json");
    let experiment = r#"{"format": "learnscope-experiment", "version": 1, "data": null, "weights": null,
        "settings": {"dataset": "circles", "generator": {"samples": 300, "noise": 0.05, "seed": 3, "classes": 2},
                     "features": ["x2", "y2"], "model": {"kind": "logistic_regression"}}}"#;
    std::fs::write(&path, experiment).unwrap();
    let report = json_of(&learnscope(&["train", "--experiment", path.to_str().unwrap(), "--json"]));
    assert_eq!(report["model"], "logistic_regression");
    assert_eq!(report["dataset"], "circles");
    assert_eq!(report["train_rows"].as_u64().unwrap() + report["test_rows"].as_u64().unwrap(), 300);
    // x² and y² make the circles separable by a line, as in the studio.
    assert!(report["test_accuracy"].as_f64().unwrap() > 0.95, "{report}");

    let bad = dir.path().join("bad.learnscope.json");
    std::fs::write(&bad, experiment.replace("\"samples\": 300", "\"samples\": 1000000000000")).unwrap();
    assert_usage_error(&["train", "--experiment", bad.to_str().unwrap()], "samples");
    let broken = dir.path().join("broken.learnscope.json");
    std::fs::write(&broken, "{\"format\": \"learnscope-experiment\",\n \"version\": 1, \"sett").unwrap();
    assert_usage_error(
        &["train", "--experiment", broken.to_str().unwrap()],
        "broken.learnscope.json is damaged at line 2",
    );
}
