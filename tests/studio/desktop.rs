//! Desktop habits (#8): experiments saved and opened, damaged files, shortcuts, presentation mode,
//! a save that fails halfway, the log.

use crate::common::{step_until, studio_sized};

use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use learnscope::data::BuiltinDataset;
use learnscope::models::ModelKind;
use learnscope::ui::ThemeChoice;
use learnscope::ui::{CentralTab, RunStatus, StudioApp};

fn studio() -> Harness<'static, StudioApp> {
    studio_sized(1280.0, 800.0)
}

/// Trains a network a few epochs and pauses it.
fn train_network(harness: &mut Harness<'static, StudioApp>, epochs: usize) {
    harness.get_by_label("Play").click();
    assert!(step_until(harness, Duration::from_secs(60), |app| app.epoch() >= epochs));
    harness.get_by_label("Pause").click();
    harness.run_steps(3);
    // Epochs in flight land, then the worker waits.
    std::thread::sleep(Duration::from_millis(200));
    harness.run_steps(3);
}

#[test]
fn a_saved_experiment_opens_with_the_same_data_settings_and_weights() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("moons-lesson.learnscope.json");
    let mut harness = studio();
    harness.run_steps(2);
    {
        let app = harness.state_mut();
        app.settings_mut().model.learning_rate = 0.05;
        app.add_point(0.5, 0.25, 1);
    }
    harness.run_steps(2);
    assert_eq!(harness.state().settings().model.kind, ModelKind::Mlp);
    train_network(&mut harness, 5);
    let saved_settings = harness.state().settings().clone();
    let saved_rows = harness.state().data().rows();
    let saved_accuracy = harness.state().latest().and_then(|r| r.test_accuracy).unwrap();

    harness.state_mut().save_experiment(path.clone());
    assert!(step_until(&mut harness, Duration::from_secs(20), |app| !app.is_saving()));
    assert!(harness.state().error().is_none(), "{:?}", harness.state().error());
    assert!(dir.path().join("moons-lesson-weights.safetensors").exists());
    assert!(dir.path().join("moons-lesson-weights.json").exists());
    assert_eq!(harness.state().title(), "moons-lesson.learnscope.json - Learnscope");

    // Something else entirely, then back.
    harness.get_by_label("Reset").click();
    harness.state_mut().open_builtin(BuiltinDataset::Circles);
    harness.run_steps(2);
    assert_ne!(harness.state().data().rows(), saved_rows);

    harness.state_mut().open_experiment(path.clone());
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| app.latest().is_some()));
    let app = harness.state();
    assert!(app.error().is_none(), "{:?}", app.error());
    assert_eq!(app.settings(), &saved_settings);
    assert_eq!(app.data().rows(), saved_rows, "the painted point came back");
    let reopened = app.latest().and_then(|r| r.test_accuracy).unwrap();
    assert!((reopened - saved_accuracy).abs() < 1e-9, "saved {saved_accuracy}, reopened {reopened}");
    assert_eq!(app.preferences().recent.first(), Some(&path));
}

#[test]
fn a_damaged_experiment_gives_a_message_and_the_studio_keeps_running() {
    let dir = tempfile::tempdir().unwrap();
    let damaged = dir.path().join("broken.learnscope.json");
    std::fs::write(
        &damaged,
        "{\"format\": \"learnscope-experiment\", \"version\": 1,\n \"settings\": {\"dataset\": ",
    )
    .unwrap();
    let foreign = dir.path().join("package.json");
    std::fs::write(&foreign, "{\"name\": \"left-pad\"}").unwrap();
    let mut harness = studio();
    harness.run_steps(2);
    let rows = harness.state().data().rows();

    harness.state_mut().open_experiment(damaged);
    harness.run_steps(2);
    let message = harness.state().error().unwrap().to_string();
    assert!(message.contains("broken.learnscope.json is damaged at line 2"), "{message}");
    assert!(harness.query_all_by_label_contains("is damaged at line 2").count() >= 1);
    assert_eq!(harness.state().data().rows(), rows, "the studio kept its data");
    assert!(harness.state().log().problems() >= 1, "the message is in the log");

    harness.state_mut().open_experiment(foreign);
    harness.run_steps(2);
    assert!(harness.state().error().unwrap().contains("not a Learnscope experiment"));

    harness.get_by_label("Play").click();
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| app.epoch() >= 2));
}

#[test]
fn a_failed_save_leaves_the_previous_file_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kept.learnscope.json");
    let mut harness = studio();
    harness.run_steps(2);
    harness.state_mut().save_experiment(path.clone());
    harness.run_steps(2);
    let before = std::fs::read(&path).unwrap();

    // The save's temporary file cannot be created: a folder is in its way.
    std::fs::create_dir(learnscope::files::temp_beside(&path)).unwrap();
    harness.state_mut().settings_mut().model.learning_rate = 0.5;
    harness.state_mut().save_experiment(path.clone());
    harness.run_steps(2);
    let message = harness.state().error().unwrap().to_string();
    assert!(message.contains("not saved") && message.contains("previous file is unchanged"), "{message}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn keyboard_shortcuts_step_reset_and_toggle_training() {
    let mut harness = studio();
    harness.run_steps(2);
    harness.key_press(egui::Key::S);
    assert!(step_until(&mut harness, Duration::from_secs(20), |app| app.epoch() == 1));
    assert_eq!(harness.state().status(), RunStatus::Paused);
    harness.key_press(egui::Key::Space);
    harness.run_steps(2);
    assert_eq!(harness.state().status(), RunStatus::Running);
    harness.key_press(egui::Key::Space);
    harness.run_steps(2);
    assert_eq!(harness.state().status(), RunStatus::Paused);
    harness.key_press(egui::Key::R);
    harness.run_steps(2);
    assert_eq!((harness.state().epoch(), harness.state().status()), (0, RunStatus::Ready));

    harness.get_by_label("Help").click();
    // A fixed number of frames: run() fails when a background thread keeps asking for repaints.
    harness.run_steps(4);
    harness.get_by_label("Keyboard shortcuts").click();
    harness.run_steps(2);
    assert!(harness.query_by_label("play or pause training").is_some());
    assert!(harness.query_by_label("Ctrl+S").is_some());
}

#[test]
fn presentation_mode_enlarges_the_ui_and_hides_advanced_controls() {
    let mut harness = studio();
    harness.run_steps(2);
    assert!(harness.query_all_by_label("Batch size").count() > 0);
    assert!(harness.query_all_by_label("Test share").count() > 0);
    let zoom = harness.ctx.zoom_factor();

    harness.get_by_label("View").click();
    // A fixed number of frames: run() fails when a background thread keeps asking for repaints.
    harness.run_steps(4);
    harness.get_by_label("Presentation mode (F5)").click();
    harness.run_steps(3);
    assert!(harness.state().preferences().presentation);
    assert!((harness.ctx.zoom_factor() - 1.5 * zoom).abs() < 1e-3, "zoom {}", harness.ctx.zoom_factor());
    assert!(harness.query_all_by_label("Batch size").count() == 0);
    assert!(harness.query_all_by_label("Test share").count() == 0);
    assert!(harness.query_by_label("Play").is_some(), "the essentials stay");

    harness.key_press(egui::Key::F5);
    harness.run_steps(3);
    assert!(!harness.state().preferences().presentation);
    assert!(harness.query_all_by_label("Batch size").count() > 0);
}

/// eframe's storage, in memory.
#[derive(Default)]
struct MemoryStorage(std::collections::HashMap<String, String>);

impl eframe::Storage for MemoryStorage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_string(), value);
    }
    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn flush(&mut self) {}
}

fn restored(storage: MemoryStorage) -> Harness<'static, StudioApp> {
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(move |cc| StudioApp::restore(&cc.egui_ctx, Some(&storage)))
}

#[test]
fn the_session_comes_back_on_the_next_start() {
    let mut harness = studio();
    harness.run_steps(2);
    {
        let app = harness.state_mut();
        app.open_builtin(BuiltinDataset::Circles);
        app.settings_mut().model.kind = ModelKind::DecisionTree;
        app.set_tab(CentralTab::Data);
    }
    harness.key_press(egui::Key::F5);
    harness.run_steps(2);
    let mut storage = MemoryStorage::default();
    eframe::App::save(harness.state_mut(), &mut storage);

    let mut next = restored(storage);
    next.run_steps(2);
    let app = next.state();
    assert_eq!(app.settings().dataset, BuiltinDataset::Circles);
    assert_eq!(app.settings().model.kind, ModelKind::DecisionTree);
    assert_eq!(app.tab(), CentralTab::Data);
    assert!(app.preferences().presentation);
    assert!((next.ctx.zoom_factor() - 1.5).abs() < 1e-3);
}

#[test]
fn an_unreadable_session_starts_fresh_with_a_notice() {
    let mut storage = MemoryStorage::default();
    eframe::Storage::set_string(&mut storage, eframe::APP_KEY, "{\"dataset\": 42".into());
    let mut harness = restored(storage);
    harness.run_steps(2);
    assert_eq!(harness.state().settings().dataset, BuiltinDataset::Moons);
    assert!(harness.query_all_by_label_contains("could not be read").count() >= 1);
    harness.get_by_label("Play").click();
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| app.epoch() >= 1));
}

#[test]
fn ctrl_plus_and_ctrl_minus_zoom_the_whole_ui() {
    let mut harness = studio();
    harness.run_steps(2);
    let zoom = harness.ctx.zoom_factor();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Plus);
    harness.run_steps(2);
    let larger = harness.ctx.zoom_factor();
    assert!(larger > zoom, "zoom {zoom} -> {larger}");
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Minus);
    harness.run_steps(2);
    assert!(harness.ctx.zoom_factor() < larger);

    // A zoom the user chose survives a theme change and presentation mode, which enlarges it.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Plus);
    harness.run_steps(2);
    let chosen = harness.ctx.zoom_factor();
    assert!(chosen > zoom);
    let mut preferences = harness.state().preferences().clone();
    preferences.theme = ThemeChoice::Dark;
    let ctx = harness.ctx.clone();
    harness.state_mut().set_preferences(&ctx, preferences);
    harness.run_steps(2);
    assert!(
        (harness.ctx.zoom_factor() - chosen).abs() < 1e-3,
        "theme reset the zoom to {}",
        harness.ctx.zoom_factor()
    );
    harness.key_press(egui::Key::F5);
    harness.run_steps(2);
    assert!(
        (harness.ctx.zoom_factor() - 1.5 * chosen).abs() < 1e-3,
        "presentation {}",
        harness.ctx.zoom_factor()
    );
    harness.key_press(egui::Key::F5);
    harness.run_steps(2);
    assert!(
        (harness.ctx.zoom_factor() - chosen).abs() < 1e-3,
        "back from presentation {}",
        harness.ctx.zoom_factor()
    );
    assert!((harness.state().preferences().zoom - chosen).abs() < 1e-3, "remembered with the session");
}
