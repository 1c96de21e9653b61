//! A studio for everyone (#19): controls and plots have names a screen reader speaks, and the
//! colour-blind-safe palette is one click away in the View menu.

use crate::common::{step_until, studio_sized};

use std::time::Duration;

use egui_kittest::kittest::{NodeT, Queryable};

#[test]
fn controls_and_plots_have_names_a_screen_reader_speaks() {
    let mut harness = studio_sized(1280.0, 800.0);
    harness.run_steps(2);
    // The accessibility tree knows Play as a button by its name.
    let play = harness.get_by_label("Play");
    assert_eq!(play.accesskit_node().role(), egui::accesskit::Role::Button);
    play.click();
    assert!(step_until(&mut harness, Duration::from_secs(60), |app| app.epoch() >= 3));
    harness.get_by_label("Pause").click();
    // The boundary's grid arrives from the worker a frame or two after the epoch.
    for _ in 0..100 {
        harness.run_steps(1);
        if harness.query_all_by_label_contains("points wrong").next().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // Each plot carries a one-sentence summary.
    let boundary = harness.get_by_label_contains("decision boundary over x and y, 2 classes");
    assert_eq!(boundary.accesskit_node().role(), egui::accesskit::Role::Figure);
    let text = boundary.accesskit_node().label().unwrap_or_default();
    assert!(text.contains("points wrong") && text.contains("class 0 orange"), "{text}");
    harness.get_by_label_contains("loss curves to epoch");
    harness.get_by_label_contains("accuracy curves to epoch");
}

#[test]
fn the_colour_blind_palette_is_one_click_away_and_named_aloud() {
    let mut harness = studio_sized(1280.0, 800.0);
    harness.run_steps(2);
    assert!(!harness.state().preferences().colour_blind);
    harness.get_by_label("View").click();
    harness.run_steps(2);
    harness.get_by_label("Colour-blind-safe colours").click();
    harness.run_steps(3);
    assert!(harness.state().preferences().colour_blind);
    // The boundary's summary names the new colours: Okabe–Ito's orange and sky blue.
    let summary =
        harness.get_by_label_contains("decision boundary over").accesskit_node().label().unwrap_or_default();
    assert!(summary.contains("sky blue"), "{summary}");
}

#[test]
fn iris_opens_on_the_two_features_that_separate_its_classes_and_says_why() {
    let mut harness = studio_sized(1280.0, 800.0);
    harness.run_steps(2);
    harness.state_mut().open_builtin(learnscope::data::BuiltinDataset::Iris);
    harness.run_steps(3);
    let view = harness.state().settings().view;
    let names = &harness.state().data().feature_names;
    let shown = [names[view.x].as_str(), names[view.y].as_str()];
    assert!(!view.pca && shown.iter().all(|n| n.starts_with("petal")), "{shown:?}");
    harness.get_by_label_contains("separate the classes best");
}

#[test]
fn tab_reaches_play_and_enter_presses_it() {
    let mut harness = studio_sized(1280.0, 800.0);
    harness.run_steps(2);
    let mut reached = false;
    for _ in 0..40 {
        harness.key_press(egui::Key::Tab);
        harness.run_steps(1);
        if harness.get_by_label("Play").is_focused() {
            reached = true;
            break;
        }
    }
    assert!(reached, "Tab never reached Play");
    harness.key_press(egui::Key::Enter);
    assert!(
        step_until(&mut harness, Duration::from_secs(30), |app| app.epoch() >= 1),
        "Enter did not start training"
    );
}
