//! Share links in the studio: File > Copy share link, and opening a link (File > Open link, or
//! `learnscope open`) restores the data, the model, painted points and hidden controls; a hostile
//! link gets a message and the studio keeps working.

use crate::common::{step_until, studio_sized};

use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use learnscope::data::BuiltinDataset;
use learnscope::models::ModelKind;
use learnscope::ui::share::SharedSetup;
use learnscope::ui::{RunStatus, StudioApp};

fn studio() -> Harness<'static, StudioApp> {
    let mut harness = studio_sized(1280.0, 800.0);
    harness.run_steps(2);
    harness
}

/// Clicks File > Copy share link and reads the link back from the log.
fn copy_link(harness: &mut Harness<'static, StudioApp>) -> String {
    harness.get_by_label("File").click();
    harness.run_steps(2);
    harness.get_by_label("Copy share link").click();
    harness.run_steps(2);
    let log = &harness.state().log().entries;
    let line = log.iter().rev().find_map(|e| e.message.strip_prefix("Copied the share link: "));
    line.expect("the link is in the log").to_string()
}

#[test]
fn a_copied_link_opens_the_same_set_up_in_another_studio() {
    let mut teacher = studio();
    {
        let app = teacher.state_mut();
        app.settings_mut().dataset = BuiltinDataset::Circles;
        app.settings_mut().generator.noise = 0.2;
        app.settings_mut().model.kind = ModelKind::Svm;
        app.open_builtin(BuiltinDataset::Circles);
        app.refit();
    }
    teacher.run_steps(2);
    let link = copy_link(&mut teacher);
    assert!(link.starts_with("http://localhost:8000/#learnscope=1."), "{link}");

    let mut student = studio();
    student.state_mut().open_link(&link);
    student.run_steps(3);
    let app = student.state();
    assert_eq!(app.error(), None);
    assert_eq!(app.settings().dataset, BuiltinDataset::Circles);
    assert_eq!(app.settings().generator.noise, 0.2);
    assert_eq!(app.settings().model.kind, ModelKind::Svm);
    assert_eq!(app.data().rows(), teacher.state().data().rows());
    assert_eq!(
        app.data().features,
        teacher.state().data().features,
        "the same points, drawn from the same seed"
    );
}

#[test]
fn painted_points_and_hidden_controls_travel_in_the_link() {
    let mut teacher = studio();
    // A small set, so its points fit in a link.
    teacher.state_mut().settings_mut().generator.samples = 60;
    teacher.state_mut().open_builtin(BuiltinDataset::Moons);
    teacher.state_mut().add_point(0.5, 0.25, 1);
    teacher.state_mut().add_point(-0.5, 0.75, 0);
    teacher.run_steps(2);
    let mut setup = SharedSetup::from_link(&copy_link(&mut teacher)).unwrap();
    assert_eq!(setup.points.as_ref().map(Vec::len), Some(teacher.state().data().rows()));
    setup.hide = vec!["noise".into(), "samples".into()];

    let mut student = studio();
    assert!(student.query_all_by_label("Noise").count() > 0, "the slider shows before");
    student.state_mut().open_link(&setup.to_link("http://localhost:8000/"));
    student.run_steps(3);
    assert_eq!(student.state().data().features, teacher.state().data().features, "the painted points");
    assert_eq!(student.query_all_by_label("Noise").count(), 0, "the link hid the noise slider");
    assert_eq!(student.query_all_by_label("Samples").count(), 0, "and the samples slider");
    assert!(student.query_all_by_label("Model kind").count() > 0, "the rest stays");
}

#[test]
fn a_hostile_link_gets_a_message_and_the_studio_keeps_working() {
    let mut harness = studio();
    let before = harness.state().settings().clone();
    // A hidden layer of 100 million units: refused by name, nothing is built.
    let hostile = SharedSetup {
        settings: {
            let mut settings = before.clone();
            settings.model.hidden_layers = vec![100_000_000];
            settings
        },
        ..Default::default()
    };
    for link in [hostile.to_link("http://x/"), "http://x/#learnscope=1.!!".to_string()] {
        harness.state_mut().open_link(&link);
        harness.run_steps(2);
        let error = harness.state().error().unwrap_or_default().to_string();
        assert!(error.starts_with("This link could not be opened"), "{error}");
        assert_eq!(harness.state().settings(), &before, "the studio is as it was");
    }
    harness.get_by_label("Play").click();
    let trained = step_until(&mut harness, Duration::from_secs(30), |app| app.epoch() >= 5);
    assert!(trained, "training still works after the bad links");
    assert_eq!(harness.state().status(), RunStatus::Running);
}

#[test]
fn file_open_link_pastes_a_link_into_a_window() {
    let mut teacher = studio();
    teacher.state_mut().settings_mut().model.kind = ModelKind::Knn;
    let link = copy_link(&mut teacher);
    let mut harness = studio();
    harness.get_by_label("File").click();
    harness.run_steps(2);
    harness.get_by_label("Open link...").click();
    harness.run_steps(3);
    harness.get_by_role_and_label(egui::accesskit::Role::TextInput, "Link:").click();
    harness.run_steps(2);
    harness.get_by_role_and_label(egui::accesskit::Role::TextInput, "Link:").type_text(&link);
    harness.run_steps(2);
    harness.get_by_label("Open").click();
    harness.run_steps(3);
    assert_eq!(harness.state().error(), None);
    assert_eq!(harness.state().settings().model.kind, ModelKind::Knn);
}
