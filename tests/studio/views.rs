//! The visual-debugging views (issue #6), opened on trained models and checked by what they
//! show: misclassified rows, the fitted curve, a pinned point's rule path, k-means stepping,
//! support vectors, rewind and the metrics CSV export.

use crate::common::{click_at, step_until, studio_sized};

use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use learnscope::data::BuiltinDataset;
use learnscope::models::ModelKind;
use learnscope::ui::{RunStatus, StudioApp};

fn studio() -> Harness<'static, StudioApp> {
    let mut harness = studio_sized(1400.0, 900.0);
    harness.run_steps(2);
    harness
}

fn pick_model(harness: &mut Harness<'_, StudioApp>, label: &str) {
    harness.get_by_label("Model kind").click();
    harness.run_steps(2);
    harness.get_by_label(label).click();
    harness.run_steps(2);
}

fn fit(harness: &mut Harness<'_, StudioApp>, kind: ModelKind) {
    pick_model(harness, kind.label());
    let fitted = step_until(harness, Duration::from_secs(60), |app| {
        app.status() == RunStatus::Finished && app.boundary_refreshes() >= 1
    });
    assert!(fitted, "{}: {:?} {:?}", kind.name(), harness.state().status(), harness.state().error());
    harness.run_steps(2);
}

/// The whole text of the one label that contains `marker`.
fn label_text(harness: &Harness<'_, StudioApp>, marker: &str) -> String {
    let node = harness.get_by_label_contains(marker);
    node.accesskit_node().label().or_else(|| node.value()).unwrap_or_default()
}

/// The number before `marker` in the one label that contains it.
fn count_before(harness: &Harness<'_, StudioApp>, marker: &str) -> usize {
    let label = label_text(harness, marker);
    let before = &label[..label.find(marker).expect("the marker")];
    before
        .split_whitespace()
        .last()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {label:?}"))
}

#[test]
fn a_straight_line_on_moons_rings_its_misclassified_points() {
    let mut harness = studio();
    fit(&mut harness, ModelKind::LogisticRegression);
    let (wrong, scored) = harness.state().misclassified_count().expect("the rows were scored");
    assert_eq!(scored, harness.state().data().rows(), "every train and test row is scored");
    assert!(wrong > 0, "a line cannot separate two moons");
    let label = label_text(&harness, "points misclassified");
    assert!(label.starts_with(&format!("{wrong} of {scored} points misclassified")), "{label}");
    let accuracy = harness.state().latest().and_then(|r| r.test_accuracy).unwrap();
    let test_rows = (scored as f64 * 0.2).round();
    assert!(
        wrong as f64 >= ((1.0 - accuracy) * test_rows).round() - 0.5,
        "at least the test mistakes: {wrong}"
    );
}

#[test]
fn one_feature_regression_shows_the_fitted_curve_over_the_points() {
    let mut harness = studio();
    harness.state_mut().open_builtin(BuiltinDataset::Sine);
    harness.run_steps(2);
    assert!(harness.query_by_label_contains("no plane to shade").is_none());
    fit(&mut harness, ModelKind::DecisionTree);
    assert!(harness.state().shows_fitted_curve(), "one feature: a curve, not a heatmap");
    assert!(harness.query_all_by_label_contains("A single feature").next().is_some());
    assert!(harness.query_by_label("fitted curve").is_some(), "the curve is in the legend");
    assert!(harness.state().misclassified_count().is_none(), "regression has no classes to ring");
}

#[test]
fn a_pinned_point_shows_its_rule_path_through_the_tree() {
    let mut harness = studio();
    harness
        .state_mut()
        .settings_mut()
        .model
        .params
        .insert("max_depth".into(), learnscope::models::params::ParamValue::Int(3));
    fit(&mut harness, ModelKind::DecisionTree);
    harness.get_by_label("What it learned").click();
    harness.run_steps(2);
    assert!(harness.query_by_label("Why this prediction?").is_some());
    assert!(harness.query_all_by_label_contains("Click a point on the boundary plot").next().is_some());
    harness.get_by_label("Curves").click();
    harness.run_steps(2);

    // A real click inside the plot pins a point and opens the answer beside it.
    let heading = harness.get_by_label("Decision boundary").rect();
    let inside = heading.left_bottom() + egui::vec2(250.0, 300.0);
    click_at(&mut harness, inside, egui::PointerButton::Primary);
    assert!(harness.state().pinned_point().is_some(), "the click pinned a point");
    assert!(harness.query_all_by_label_contains("Pinned: ").next().is_some(), "the rule path is on view");

    let row = harness.state().data().row(0).to_vec();
    harness.state_mut().pin_at(row[0] + 0.001, row[1]);
    harness.run_steps(2);
    assert_eq!(harness.state().pinned_point(), Some(row.clone()), "the click lands on row 0");
    assert_eq!(harness.state().pinned_row(), Some(0));
    assert!(harness.query_all_by_label_contains("row 0, true class").next().is_some());

    let rules = harness.state().pinned_rules();
    let questions = rules.len() - 1;
    assert!((1..=3).contains(&questions), "a depth-3 tree asks 1 to 3 questions: {rules:?}");
    let shown = harness.query_all_by_label_contains(" -> yes").count()
        + harness.query_all_by_label_contains(" -> no").count();
    assert_eq!(shown, questions, "one line per question: {rules:?}");
    let first = &rules[0];
    assert!(first.starts_with("x <= ") || first.starts_with("y <= "), "{first}");
    // The answer follows the point's own value: "x <= 0.5 -> yes (it is 0.2)".
    let numbers: Vec<f64> = first
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .filter_map(|t| t.parse().ok())
        .collect();
    let (threshold, value) = (numbers[0], numbers[numbers.len() - 1]);
    assert_eq!(first.contains("-> yes"), value <= threshold + 1e-3, "{first}");
    assert!(harness.query_all_by_label_contains("so: ").next().is_some(), "the leaf's answer is shown");

    harness.get_by_label("Unpin").click();
    harness.run_steps(2);
    assert!(harness.state().pinned_point().is_none());
}

#[test]
fn the_kmeans_slider_steps_the_centroids_back_to_their_start() {
    let mut harness = studio();
    harness.state_mut().open_builtin(BuiltinDataset::Blobs);
    harness.run_steps(2);
    fit(&mut harness, ModelKind::KMeans);
    assert!(harness.state().misclassified_count().is_none(), "cluster ids are names, not answers");
    let iterations = harness.state().kmeans_iterations();
    assert!(iterations >= 1, "k-means ran at least one iteration");
    let last = harness.state().shown_centroids();
    // k starts at the number of classes (three blobs), not scikit-learn's 8, and the status line
    // speaks of inertia, not of a loss against labels.
    assert_eq!(last.len(), harness.state().data().class_count(), "{last:?}");
    assert!(harness.query_all_by_label_contains("inertia ").next().is_some());
    assert!(
        harness.query_all_by_label_contains("train loss ").next().is_none(),
        "no loss in the status line"
    );
    harness.get_by_role_and_label(Role::Slider, "k-means iteration").set_value_accesskit(0.0);
    harness.run_steps(2);
    let start = harness.state().shown_centroids();
    assert_eq!(start.len(), last.len());
    let moved: f64 = start.iter().zip(&last).map(|(a, b)| (a[0] - b[0]).abs() + (a[1] - b[1]).abs()).sum();
    assert!(moved > 1e-6, "the centres moved between the start and the last iteration");
    harness.get_by_role_and_label(Role::Slider, "k-means iteration").set_value_accesskit(iterations as f64);
    harness.run_steps(2);
    assert_eq!(harness.state().shown_centroids(), last);
}

#[test]
fn svm_support_vectors_are_circled_and_counted() {
    let mut harness = studio();
    fit(&mut harness, ModelKind::Svm);
    let circled = count_before(&harness, "support vectors circled");
    let train_rows = harness.state().data().rows() * 4 / 5;
    assert!(circled > 0 && circled < train_rows, "{circled} of {train_rows} training rows");
    assert!(harness.query_by_label(&format!("support vectors ({circled})")).is_some(), "legend entry");
}

#[test]
fn the_rewind_slider_scrubs_back_through_training_and_live_returns() {
    let mut harness = studio();
    harness.get_by_label("Play").click();
    let trained = step_until(&mut harness, Duration::from_secs(60), |app| {
        app.epoch() >= 100 && app.snapshot_count() >= 4
    });
    assert!(trained, "epoch {}, {} snapshots", harness.state().epoch(), harness.state().snapshot_count());
    harness.get_by_label("Pause").click();
    harness.run_steps(3);
    let epoch = harness.state().epoch();
    assert!(harness.query_all_by_label_contains("snapshots kept").next().is_some());
    assert_eq!(harness.state().shown_epoch(), epoch);

    harness.get_by_role_and_label(Role::Slider, "Rewind").set_value_accesskit(0.0);
    harness.run_steps(2);
    let shown = harness.state().shown_epoch();
    assert!(shown < epoch / 2, "rewound to epoch {shown} of {epoch}");
    assert!(harness.query_all_by_label_contains(&format!("Showing epoch {shown}")).next().is_some());
    assert_eq!(harness.query_all_by_label("rewound to").count(), 2, "both curves mark the epoch");
    harness.get_by_label("Metrics").click();
    harness.run_steps(2);
    if shown > 0 {
        assert!(harness.query_by_label(&format!("Metrics at epoch {shown} (rewound)")).is_some());
    }

    harness.get_by_label("Live").click();
    harness.run_steps(2);
    assert_eq!(harness.state().shown_epoch(), harness.state().epoch());
    assert!(harness.query_by_label_contains("Showing epoch").is_none());
}

#[test]
fn the_metrics_csv_export_writes_one_row_per_epoch_shown() {
    let mut harness = studio();
    for _ in 0..3 {
        harness.get_by_label("Step").click();
        let epoch = harness.state().epoch();
        assert!(step_until(&mut harness, Duration::from_secs(30), |app| app.epoch() > epoch));
    }
    harness.run_steps(2);
    assert!(harness.query_by_label("Save CSV").is_some());
    assert_eq!(harness.query_all_by_label("Save PNG").count(), 3, "boundary, loss and accuracy");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.csv");
    learnscope::ui::export::write_metrics_csv(&path, harness.state().metrics_history()).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "epoch,train_loss,test_loss,train_accuracy,test_accuracy,test_r2");
    assert_eq!(lines.len(), 4, "{text}");
    let epochs: Vec<&str> = lines[1..].iter().map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(epochs, ["1", "2", "3"]);
    let latest = harness.state().latest().unwrap();
    assert_eq!(lines[3].split(',').nth(2).unwrap().parse::<f64>().unwrap(), latest.test_loss);
}

#[test]
fn a_pinned_point_in_a_forest_shows_the_vote_and_the_path_in_the_tree_on_view() {
    let mut harness = studio();
    harness
        .state_mut()
        .settings_mut()
        .model
        .params
        .insert("n_estimators".into(), learnscope::models::params::ParamValue::Int(5));
    fit(&mut harness, ModelKind::RandomForest);
    let row = harness.state().data().row(3).to_vec();
    harness.state_mut().pin_at(row[0], row[1]);
    harness.get_by_label("What it learned").click();
    harness.run_steps(2);
    let vote = label_text(&harness, "trees vote: ");
    // "The 5 trees vote: 3 for class 0, 2 for class 1. Tree 0 decides so:"
    let tally = &vote[vote.find("vote: ").unwrap() + 6..vote.find(". Tree").unwrap()];
    let votes: usize =
        tally.split(", ").map(|part| part.split(" for ").next().unwrap().parse::<usize>().unwrap()).sum();
    assert!(vote.starts_with("The 5 trees vote: "), "{vote}");
    assert_eq!(votes, 5, "every tree votes once: {vote}");
    let rules = harness.state().pinned_rules();
    assert!(rules.len() >= 2 && rules.last().unwrap().starts_with("so: "), "{rules:?}");
    assert!(harness.query_by_label(&rules[0]).is_some(), "the rules are on view");
}

#[test]
fn a_big_file_draws_one_row_in_n_but_counts_every_row() {
    // 45,000 rows: past the 20,000 points drawn, every third row is drawn; the misclassified
    // count still covers every row.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.csv");
    let mut text = String::from("a,b,label\n");
    for i in 0..45_000u32 {
        let (a, b) = ((i % 300) as f64 / 30.0, (i / 300) as f64 / 15.0);
        text.push_str(&format!("{a},{b},{}\n", u32::from(a + b > 10.0)));
    }
    std::fs::write(&path, text).unwrap();
    let mut harness = studio();
    harness.state_mut().load_path(path);
    assert!(step_until(&mut harness, Duration::from_secs(60), |app| !app.is_loading()));
    assert_eq!(harness.state().data().rows(), 45_000);
    fit(&mut harness, ModelKind::LogisticRegression);
    let note = label_text(&harness, "points drawn");
    assert!(note.contains("15000 of 45000 points drawn (1 row in 3)"), "{note}");
    let (_, scored) = harness.state().misclassified_count().expect("the rows were scored");
    assert_eq!(scored, 45_000);
}

/// The first number in `text` after `marker`.
fn number_after(text: &str, marker: &str) -> f64 {
    let rest = &text[text.find(marker).unwrap_or_else(|| panic!("{marker:?} in {text:?}")) + marker.len()..];
    let number: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    number.parse().unwrap_or_else(|_| panic!("a number after {marker:?} in {text:?}"))
}

#[test]
fn the_status_line_and_the_metrics_tab_show_one_snapshot_with_its_epoch() {
    let mut harness = studio();
    harness.get_by_label("Play").click();
    assert!(step_until(&mut harness, Duration::from_secs(60), |app| app.epoch() >= 40));
    harness.get_by_label("Pause").click();
    // Epochs in flight land, then the views of the paused model; after that all agree.
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| {
        app.status() == RunStatus::Paused && app.snapshot_epoch() == app.epoch()
    }));
    harness.run_steps(4);
    harness.get_by_label("Metrics").click();
    harness.run_steps(3);
    let epoch = harness.state().epoch();
    assert_eq!(harness.state().snapshot_epoch(), epoch, "paused, the snapshot is the last epoch");
    assert!(harness.query_by_label(&format!("Epoch {epoch}")).is_some(), "the status line's epoch");
    assert!(harness.query_by_label_contains(&format!("Metrics at epoch {epoch}")).is_some());
    let accuracies: Vec<String> = harness
        .query_all_by_label_contains("test accuracy ")
        .map(|node| node.accesskit_node().label().or_else(|| node.value()).unwrap_or_default())
        .collect();
    assert_eq!(accuracies.len(), 2, "the status line and the Metrics tab: {accuracies:?}");
    assert_eq!(accuracies[0], accuracies[1]);
    let metrics = harness.state().metrics_accuracy().expect("the test scores");
    let shown = number_after(&accuracies[0], "test accuracy ");
    assert!((shown - metrics * 100.0).abs() < 0.051, "{shown} vs {metrics}");
}

#[test]
fn after_a_pan_the_heatmap_covers_the_new_view() {
    let mut harness = studio();
    harness.get_by_label("Step").click();
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| {
        app.epoch() >= 1 && app.boundary_grid_rect().is_some()
    }));
    harness.run_steps(4);
    let rect = harness.get_by_label_contains("decision boundary over").rect();
    let (from, to) = (rect.center(), rect.center() + egui::vec2(rect.width() * 0.3, rect.height() * 0.2));
    harness.hover_at(from);
    // The first epoch's last messages (the views' snapshot comes at most every 250 ms) may still
    // add a line beside the plot, which reshapes it and drops a drag under way: wait until the
    // view has held still for 400 ms.
    let (mut last, mut still_since) = (harness.state().visible_bounds(), Instant::now());
    let deadline = Instant::now() + Duration::from_secs(10);
    while still_since.elapsed() < Duration::from_millis(400) && Instant::now() < deadline {
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
        let now = harness.state().visible_bounds();
        if now != last {
            (last, still_since) = (now, Instant::now());
        }
    }
    let before = harness.state().visible_bounds().expect("the plot's view");
    harness.event(egui::Event::PointerButton {
        pos: from,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    for i in 1..=6 {
        harness.hover_at(from + (to - from) * (i as f32 / 6.0));
        harness.run_steps(1);
    }
    harness.event(egui::Event::PointerButton {
        pos: to,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    let covered = |app: &StudioApp| match (app.visible_bounds(), app.boundary_grid_rect()) {
        (Some(view), Some(grid)) => {
            let (w, h) = (view[1] - view[0], view[3] - view[2]);
            let tolerance = [w, w, h, h].map(|s| s * 0.03);
            (0..4).all(|i| (view[i] - grid[i]).abs() <= tolerance[i])
        }
        _ => false,
    };
    assert!(
        step_until(&mut harness, Duration::from_secs(10), covered),
        "view {:?}, grid {:?}",
        harness.state().visible_bounds(),
        harness.state().boundary_grid_rect()
    );
    let after = harness.state().visible_bounds().unwrap();
    assert!(
        (after[0] - before[0]).abs() > 0.1 * (before[1] - before[0]),
        "the view moved: {before:?} -> {after:?}"
    );
}
