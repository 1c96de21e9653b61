//! Files that a student opens cannot take the studio down: an experiment file with a layer of 0
//! units, or with a class label that has no class, opens to a message naming the file and what is
//! wrong, and the studio keeps training.

use crate::common::{step_until, studio_sized};

use std::path::Path;
use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use learnscope::ui::{RunStatus, StudioApp};
use serde_json::{Value, json};

fn studio() -> Harness<'static, StudioApp> {
    let mut harness = studio_sized(1280.0, 800.0);
    harness.run_steps(2);
    harness
}

/// Saves the studio's experiment to `path` and returns its JSON.
fn saved(harness: &mut Harness<'static, StudioApp>, path: &Path) -> Value {
    harness.state_mut().save_experiment(path.to_path_buf());
    harness.run_steps(2);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The first `"labels": [...]` array anywhere in `value`.
fn labels(value: &mut Value) -> Option<&mut Vec<Value>> {
    match value {
        Value::Object(map) => {
            if map.get("labels").is_some_and(Value::is_array) {
                return map.get_mut("labels").and_then(Value::as_array_mut);
            }
            map.values_mut().find_map(labels)
        }
        Value::Array(items) => items.iter_mut().find_map(labels),
        _ => None,
    }
}

fn open_and_expect(harness: &mut Harness<'static, StudioApp>, path: &Path, expected: &[&str]) {
    let before = harness.state().settings().clone();
    harness.state_mut().open_experiment(path.to_path_buf());
    harness.run_steps(3);
    let error = harness.state().error().unwrap_or_default().to_string();
    for part in expected {
        assert!(error.contains(part), "expected '{part}' in: {error}");
    }
    assert_eq!(harness.state().settings(), &before, "the studio carries on with what it had");
}

#[test]
fn a_layer_of_zero_units_and_a_label_out_of_range_open_to_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = studio();
    let good = saved(&mut harness, &dir.path().join("good.learnscope.json"));

    let mut zero_units = good.clone();
    zero_units["settings"]["model"]["kind"] = json!("mlp");
    zero_units["settings"]["model"]["network"] = json!({ "layers": [{ "dense": { "units": 0 } }] });
    let path = dir.path().join("zero-units.learnscope.json");
    std::fs::write(&path, zero_units.to_string()).unwrap();
    open_and_expect(&mut harness, &path, &["zero-units.learnscope.json", "network", "layer 1", "at least 1"]);

    let mut bad_label = good.clone();
    let first = labels(&mut bad_label["data"]).expect("the saved data has labels");
    first[0] = json!(99);
    let path = dir.path().join("bad-label.learnscope.json");
    std::fs::write(&path, bad_label.to_string()).unwrap();
    open_and_expect(&mut harness, &path, &["bad-label.learnscope.json", "class label 99 has no name"]);

    let mut huge = good.clone();
    huge["settings"]["generator"]["samples"] = json!(1_000_000_000_000u64);
    let path = dir.path().join("huge.learnscope.json");
    std::fs::write(&path, huge.to_string()).unwrap();
    open_and_expect(&mut harness, &path, &["huge.learnscope.json", "samples"]);

    // The studio still trains.
    harness.get_by_label("Play").click();
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| app.epoch() >= 5));
    assert_eq!(harness.state().status(), RunStatus::Running);
}
