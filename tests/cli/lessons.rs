//! The ML-vs-DL lessons and `learning-curve` from the command line: each lesson runs small
//! (`--quick`) and shows its effect in the expected direction.

use crate::common::{assert_usage_error, json_of, learnscope};
use serde_json::Value;

fn figure(report: &Value, name: &str) -> f64 {
    report["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no figure '{name}' in {}", report["figures"]))["value"]
        .as_f64()
        .unwrap()
}

fn run_quick(id: &str) -> Value {
    let report = json_of(&learnscope(&["lesson", id, "--quick", "--json"]));
    assert_eq!(report["lesson_id"], id);
    assert!(!report["finding"].as_str().unwrap().is_empty());
    assert!(!report["tables"].as_array().unwrap().is_empty());
    report
}

#[test]
fn learning_curve_json_keeps_the_contract() {
    let out = json_of(&learnscope(&[
        "learning-curve",
        "--dataset",
        "moons",
        "--samples",
        "120",
        "--models",
        "logistic_regression,decision_tree",
        "--net",
        "dense(4) tanh",
        "--sizes",
        "10,60",
        "--seeds",
        "2",
        "--epochs",
        "5",
        "--json",
    ]));
    let points = out["points"].as_array().unwrap();
    assert_eq!(points.len(), 3 * 2 * 2, "models x sizes x seeds");
    let keys_of = |p: &Value| {
        let mut keys: Vec<String> = p.as_object().unwrap().keys().cloned().collect();
        keys.sort_unstable();
        keys
    };
    assert_eq!(
        keys_of(&points[0]),
        ["model", "seed", "stop_reason", "test_accuracy", "train_seconds", "train_size"]
    );
    let network = points.iter().find(|p| p["model"] == "dense(4) tanh").unwrap();
    assert_eq!(
        keys_of(network),
        ["gradient_steps", "model", "seed", "stop_reason", "test_accuracy", "train_seconds", "train_size"]
    );
    assert_eq!(network["stop_reason"], "epochs");
    assert!(points.iter().any(|p| p["model"] == "dense(4) tanh" && p["train_size"] == 60 && p["seed"] == 1));
    assert!(points.iter().all(|p| (0.0..=1.0).contains(&p["test_accuracy"].as_f64().unwrap())));

    assert_usage_error(
        &["learning-curve", "--dataset", "moons", "--samples", "100", "--models", "knn", "--sizes", "10,500"],
        "larger than the training part",
    );
    assert_usage_error(
        &["learning-curve", "--dataset", "plane", "--models", "knn", "--sizes", "10"],
        "class target",
    );
    assert_usage_error(&["learning-curve", "--dataset", "moons", "--sizes", "10"], "--models");
    assert_usage_error(
        &["learning-curve", "--dataset", "moons", "--models", "ridge", "--sizes", "10"],
        "does not predict classes",
    );
}

/// The network's gradient steps per training size, from `learning-curve --json` with `extra` flags.
fn steps_by_size(extra: &[&str]) -> (Vec<Value>, Vec<(u64, u64)>) {
    let mut args = vec![
        "learning-curve",
        "--dataset",
        "moons",
        "--samples",
        "700",
        "--models",
        "knn",
        "--net",
        "dense(8) tanh",
        "--sizes",
        "20,500",
        "--seeds",
        "1",
        "--json",
    ];
    args.extend_from_slice(extra);
    let out = json_of(&learnscope(&args));
    let points: Vec<Value> = out["points"].as_array().unwrap().clone();
    let steps = points
        .iter()
        .filter(|p| p["model"] == "dense(8) tanh")
        .map(|p| (p["train_size"].as_u64().unwrap(), p["gradient_steps"].as_u64().unwrap()))
        .collect();
    (points, steps)
}

#[test]
fn learning_curves_give_networks_equal_effort_at_every_size() {
    // A fixed step budget: the smallest size gets as many gradient steps as the largest.
    let (points, steps) = steps_by_size(&["--steps", "300"]);
    let (small, large) = (steps[0].1, steps[1].1);
    assert_eq!((steps[0].0, steps[1].0), (20, 500));
    assert!(2 * small >= large, "{small} steps on 20 rows against {large} on 500");
    assert!(
        points.iter().filter(|p| p["model"] == "dense(8) tanh").all(|p| p["stop_reason"] == "step budget")
    );
    // Early stopping (the default) reports its steps and reason on every network point.
    let (points, steps) = steps_by_size(&["--patience", "60", "--max-steps", "3000"]);
    assert!(steps.iter().all(|&(_, n)| n > 0 && n <= 3000), "{steps:?}");
    for point in points.iter().filter(|p| p["model"] == "dense(8) tanh") {
        let reason = point["stop_reason"].as_str().unwrap();
        assert!(reason == "early stopping" || reason == "step cap", "{point}");
    }
    assert!(points.iter().filter(|p| p["model"] == "knn").all(|p| p["stop_reason"] == "one fit"));
    // Fixed epochs, the unfair rule, stay available and show why it is unfair.
    let (_, steps) = steps_by_size(&["--epochs", "10"]);
    assert!(steps[0].1 * 10 <= steps[1].1, "{steps:?}");
    assert_usage_error(
        &["learning-curve", "--dataset", "moons", "--models", "knn", "--sizes", "20", "--validation", "0.9"],
        "--validation",
    );
}

#[test]
fn lesson_list_and_help_name_every_lesson_and_its_command() {
    let out = learnscope(&["lesson", "--list"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for id in [
        "data-dependency",
        "feature-engineering",
        "compute-cost",
        "interpretability",
        "algorithms",
        "loss-surface",
    ] {
        assert!(text.contains(id), "{id} missing from: {text}");
    }
    let help = String::from_utf8_lossy(&learnscope(&["lesson", "--help"]).stdout).to_string();
    assert!(help.contains("learnscope learning-curve --dataset mnist1d"), "{help}");
    assert!(help.contains("gradient-flow"), "{help}");
}

#[test]
fn damaged_or_foreign_lesson_files_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken-lesson.json");
    std::fs::write(&broken, "{\n  \"id\": \"x\",\n  \"title\": ").unwrap();
    assert_usage_error(&["lesson", broken.to_str().unwrap()], "broken-lesson.json: is not valid JSON");
    let foreign = dir.path().join("weights.json");
    std::fs::write(&foreign, r#"{"layers": ["dense(4)"], "scaler": {}}"#).unwrap();
    assert_usage_error(&["lesson", foreign.to_str().unwrap()], "weights.json: is not a Learnscope lesson");
    assert_usage_error(&["lesson", "no-such-lesson"], "built-in lessons: data-dependency");
}

#[test]
fn feature_engineering_beats_raw_inputs_and_the_mlp_learns_its_own() {
    let report = run_quick("feature-engineering");
    let (raw, engineered, mlp) = (
        figure(&report, "raw_accuracy"),
        figure(&report, "engineered_accuracy"),
        figure(&report, "mlp_accuracy"),
    );
    assert!(engineered >= raw + 0.20, "x2,y2 {engineered} vs raw {raw}");
    assert!(mlp >= 0.95, "MLP on raw inputs: {mlp}");
    let maps = report["charts"].as_array().unwrap().iter().filter(|c| !c["heatmap"].is_null()).count();
    assert!(maps >= 4, "one map per hidden unit of the first layer, got {maps}");
}

#[test]
fn a_lesson_file_edited_by_a_teacher_runs_and_writes_its_report() {
    // The feature-engineering lesson cut down to its first part, saved as a teacher's own file.
    let out = learnscope(&["lesson", "--list", "--json"]);
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    let lesson = serde_json::json!({
        "id": "my-circles",
        "title": "My circles",
        "difference": 2,
        "explanation": "Logistic regression with and without x2 and y2.",
        "cli": "learnscope compare --dataset circles --features x2,y2 --models logistic_regression",
        "data": {"dataset": "circles", "samples": 200, "noise": 0.1},
        "experiment": {"kind": "comparison", "parts": [{"title": "Circles", "models": [
            {"model": "logistic_regression", "figure": "raw_accuracy"},
            {"model": "logistic_regression", "features": ["x2", "y2"], "figure": "engineered_accuracy"}
        ]}]}
    });
    let path = dir.path().join("my-circles.json");
    std::fs::write(&path, serde_json::to_string_pretty(&lesson).unwrap()).unwrap();
    let report_dir = dir.path().join("report");
    let report = json_of(&learnscope(&[
        "lesson",
        path.to_str().unwrap(),
        "--json",
        "--report",
        report_dir.to_str().unwrap(),
    ]));
    assert!(figure(&report, "engineered_accuracy") > figure(&report, "raw_accuracy") + 0.2);
    let markdown = std::fs::read_to_string(report_dir.join("my-circles.md")).unwrap();
    assert!(markdown.starts_with("# My circles") && markdown.contains("| model | accuracy |"), "{markdown}");
}

#[test]
fn a_lesson_report_draws_its_charts_as_png_files_the_markdown_links() {
    let dir = tempfile::tempdir().unwrap();
    let report = json_of(&learnscope(&[
        "lesson",
        "loss-surface",
        "--quick",
        "--json",
        "--report",
        dir.path().to_str().unwrap(),
    ]));
    let markdown = std::fs::read_to_string(dir.path().join("loss-surface.md")).unwrap();
    let charts = report["charts"].as_array().unwrap().len();
    assert!(charts > 0);
    for index in 1..=charts {
        let name = format!("loss-surface-chart-{index}.png");
        let png = std::fs::read(dir.path().join(&name)).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        assert!(
            markdown.contains(&format!("({name})")) && markdown.contains(&format!("`{name}`")),
            "{markdown}"
        );
    }
}

#[test]
fn data_dependency_classical_models_lead_on_little_data_and_networks_gain_from_more() {
    let report = run_quick("data-dependency");
    let net_small = figure(&report, "network_accuracy_smallest");
    let net_large = figure(&report, "network_accuracy_largest");
    let classical_small = figure(&report, "best_classical_accuracy_smallest");
    assert!(
        net_small <= classical_small + 0.03,
        "on little data the network {net_small} vs {classical_small}"
    );
    assert!(net_large > net_small + 0.1, "more data helps the network: {net_small} -> {net_large}");
    // The crossing point is computed from the run: a size the run measured, or -1 for none.
    let crossing = figure(&report, "crossing_size");
    assert!(crossing == -1.0 || crossing == 50.0 || crossing == 800.0, "{crossing}");
    let chart = &report["charts"][0];
    assert_eq!(chart["log_x"], true);
    let series = chart["series"].as_array().unwrap();
    // Logistic regression, kNN, the forest, the CNN and the MLP; the GRU runs in full runs only.
    assert_eq!(series.len(), 5);
    assert!(series.iter().all(|s| s["band"].as_array().unwrap().len() == 2), "a spread band per size");
    assert!(report["finding"].as_str().unwrap().contains("GRU train in full runs only"));
    // Each network point says how many steps it took and why it stopped.
    let table = &report["tables"][0];
    assert!(table["columns"].as_array().unwrap().iter().any(|c| c == "gradient steps"));
    for row in table["rows"].as_array().unwrap().iter().filter(|r| r[0] == "CNN" || r[0] == "MLP") {
        assert!(row[5].as_str().unwrap().parse::<f64>().unwrap() > 0.0, "{row}");
        assert!(row[6].as_str().unwrap().contains("early stopping"), "{row}");
    }
    // The question's answers are judged by the run: exactly one comes true.
    let answers = report["answers"].as_array().unwrap();
    assert!(!report["question"].as_str().unwrap().is_empty() && (2..=4).contains(&answers.len()));
    assert_eq!(answers.iter().filter(|a| a["came_true"] == true).count(), 1, "{answers:?}");
}

#[test]
fn seed_variance_only_the_network_spreads_on_a_fixed_split() {
    let report = run_quick("seed-variance");
    for deterministic in ["logistic_regression", "knn", "svm"] {
        assert_eq!(figure(&report, &format!("{deterministic}_spread")), 0.0, "{deterministic}");
    }
    assert!(figure(&report, "mlp_spread") > 0.0, "{}", report["finding"]);
}

#[test]
fn compute_cost_networks_have_more_parameters_and_knn_fits_at_once() {
    let report = run_quick("compute-cost");
    assert!(figure(&report, "mlp_64_relu_parameters") > figure(&report, "logistic_regression_parameters"));
    assert!(figure(&report, "knn_fit_seconds") < figure(&report, "mlp_64_relu_fit_seconds"));
    let table = &report["tables"][0];
    assert!(table["columns"].as_array().unwrap().iter().any(|c| c == "predict ms / 1,000 rows"));
    assert!(table["rows"].as_array().unwrap().iter().all(|r| r[6] == "cpu" || r[6] == "cuda"));
}

#[test]
fn interpretability_gives_rules_for_the_tree_and_saliency_for_the_network() {
    let report = run_quick("interpretability");
    let rules = figure(&report, "tree_rules");
    assert!((1.0..=4.0).contains(&rules), "a depth-4 tree gives 1 to 4 rules, got {rules}");
    let path = report["tables"][0]["rows"].as_array().unwrap();
    assert!(
        path.iter().any(|r| r[1].as_str().unwrap().contains("<=") || r[1].as_str().unwrap().contains(" > "))
    );
    assert!(figure(&report, "saliency_x").abs() + figure(&report, "saliency_y").abs() > 0.0);
}

#[test]
fn algorithms_the_recurrent_network_reads_sequences_better_than_a_linear_model() {
    let report = run_quick("algorithms");
    assert_eq!(report["tables"].as_array().unwrap().len(), 2);
    // Ten classes, so chance is 0.1; the quick run trains the CNN for a few epochs only.
    assert!(figure(&report, "cnn_accuracy") > 0.38, "{}", report["finding"]);
    assert!(
        figure(&report, "rnn_accuracy") > figure(&report, "waveforms_logistic_regression_accuracy"),
        "{}",
        report["finding"]
    );
}

#[test]
fn training_lessons_show_their_effects() {
    let surface = run_quick("loss-surface");
    let start = figure(&surface, "start_loss");
    for name in ["sgd", "momentum", "adam"] {
        assert!(figure(&surface, &format!("{name}_final_loss")) < start - 0.1, "{name} goes downhill");
    }
    assert!(
        figure(&surface, "momentum_final_loss") < figure(&surface, "sgd_final_loss"),
        "momentum gathers speed along the valley: {}",
        surface["finding"]
    );
    assert!(surface["charts"][0]["heatmap"]["values"].as_array().unwrap().len() >= 100);
    assert_eq!(surface["charts"][0]["series"][0]["style"], "path");

    let cv = run_quick("cross-validation");
    assert!(cv["tables"][0]["columns"].as_array().unwrap().len() == 1 + 5 + 2);
    assert!(figure(&cv, "mlp_mean") > figure(&cv, "logistic_regression_mean"), "{}", cv["finding"]);

    let bn = run_quick("batch-norm");
    let (plain, normalized) = (figure(&bn, "plain_epochs_to_loss"), figure(&bn, "batchnorm_epochs_to_loss"));
    assert!(normalized < plain, "batch norm {normalized} epochs vs plain {plain}");

    let flow = run_quick("gradient-flow");
    let sigmoid = figure(&flow, "6_sigmoid_layers_first_to_last_ratio");
    let relu = figure(&flow, "6_relu_layers_first_to_last_ratio");
    assert!(sigmoid < 0.1 && sigmoid < relu, "sigmoid {sigmoid} vs relu {relu}");
}

#[test]
fn compare_and_learning_curve_refuse_the_same_bad_network_settings() {
    for command in [
        vec!["compare", "--dataset", "moons", "--models", "mlp"],
        vec!["learning-curve", "--dataset", "moons", "--models", "mlp", "--sizes", "20,40"],
    ] {
        let with = |extra: &[&'static str]| [command.as_slice(), extra].concat();
        assert_usage_error(
            &with(&["--lr", "0"]),
            "the learning rate must be a positive number such as 0.01, got 0",
        );
        assert_usage_error(&with(&["--layers", "8,0"]), "--layers takes positive sizes such as 8,8");
    }
}
