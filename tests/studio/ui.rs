//! Clicks through the real studio with egui_kittest, by label, as a student would.

use crate::common::{click_at, step_until, studio_sized};

use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use learnscope::data::Task;
use learnscope::data::csv_loader::TaskOverride;
use learnscope::ui::{RunStatus, StudioApp};

fn studio() -> Harness<'static, StudioApp> {
    studio_sized(1280.0, 800.0)
}

#[test]
fn play_trains_live_and_pause_stops_training() {
    let mut harness = studio();
    harness.run_steps(2);
    assert_eq!(harness.state().status(), RunStatus::Ready);
    assert_eq!(harness.state().settings().dataset.name(), "moons");

    harness.get_by_label("Play").click();
    let trained = step_until(&mut harness, Duration::from_secs(60), |app| {
        app.loss_points() >= 5 && app.boundary_refreshes() >= 2
    });
    assert!(
        trained,
        "loss points {}, boundary refreshes {}",
        harness.state().loss_points(),
        harness.state().boundary_refreshes()
    );
    assert_eq!(harness.state().status(), RunStatus::Running);

    harness.get_by_label("Pause").click();
    harness.run_steps(2);
    assert_eq!(harness.state().status(), RunStatus::Paused);
    // Events already in flight may still land; after that the epoch count must stand still.
    std::thread::sleep(Duration::from_millis(300));
    harness.run_steps(2);
    let epoch = harness.state().epoch();
    std::thread::sleep(Duration::from_millis(500));
    harness.run_steps(2);
    assert_eq!(harness.state().epoch(), epoch, "training went on after Pause");
}

#[test]
fn step_trains_exactly_one_epoch_and_reset_starts_over() {
    let mut harness = studio();
    harness.run_steps(2);
    harness.get_by_label("Step").click();
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| app.epoch() == 1));
    std::thread::sleep(Duration::from_millis(200));
    harness.run_steps(2);
    assert_eq!(harness.state().epoch(), 1);
    assert_eq!(harness.state().status(), RunStatus::Paused);

    harness.get_by_label("Reset").click();
    harness.run_steps(2);
    assert_eq!(harness.state().epoch(), 0);
    assert_eq!(harness.state().loss_points(), 0);
}

#[test]
fn space_bar_toggles_training() {
    let mut harness = studio();
    harness.run_steps(2);
    harness.key_press(egui::Key::Space);
    harness.run_steps(1);
    assert_eq!(harness.state().status(), RunStatus::Running);
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| app.epoch() >= 2));
    harness.key_press(egui::Key::Space);
    harness.run_steps(1);
    assert_eq!(harness.state().status(), RunStatus::Paused);
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

#[test]
fn a_dropped_csv_loads_in_the_background_and_shows_in_the_data_view() {
    let mut harness = studio();
    harness.run_steps(2);
    // The same call the drop handler and the file dialog make.
    harness.state_mut().load_path(fixture("semicolon.csv"));
    assert!(step_until(&mut harness, Duration::from_secs(20), |app| !app.is_loading()));
    assert_eq!(harness.state().error(), None);
    assert_eq!(harness.state().data().rows(), 12);
    assert_eq!(harness.state().data().feature_names, vec!["f1", "f2"]);
    harness.get_by_label("Data view").click();
    harness.run_steps(2);
    assert!(harness.query_all_by_label_contains("12 rows").next().is_some());
    harness.get_by_label("Target column").click();
    harness.run_steps(2);

    // A model trains on the file like on built-in data.
    harness.get_by_label("Model view").click();
    harness.run_steps(1);
    harness.get_by_label("Step").click();
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| app.epoch() == 1));
}

/// A file dropped onto the window, as the native integration hands it to egui.
#[derive(Debug)]
struct FileOnDisk(std::path::PathBuf);

impl egui::DroppedFile for FileOnDisk {
    fn path(&self) -> &std::path::Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// A folder of images in class folders, dropped onto the window: loaded in the background,
/// drawn as pictures in the data view, and trained on.
#[test]
fn a_folder_of_images_dropped_on_the_window_is_drawn_as_pictures_and_trains() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("drawings");
    for (class, horizontal) in [("bars", true), ("poles", false)] {
        std::fs::create_dir_all(root.join(class)).unwrap();
        for i in 0..20u32 {
            let image = image::GrayImage::from_fn(10, 10, |x, y| {
                let along = if horizontal { y } else { x };
                image::Luma([if along == 2 + i % 6 { 250 } else { 10 }])
            });
            image.save(root.join(class).join(format!("{i}.png"))).unwrap();
        }
    }
    std::fs::write(root.join("bars").join("notes.txt"), "not an image").unwrap();
    let mut harness = studio();
    harness.run_steps(2);
    harness.input_mut().dropped_files.push(std::sync::Arc::new(FileOnDisk(root.clone())));
    harness.run_steps(1);
    assert!(step_until(&mut harness, Duration::from_secs(20), |app| !app.is_loading()));
    assert_eq!(harness.state().error(), None);
    let data = harness.state().data();
    assert_eq!((data.rows(), data.n_features()), (40, 100));
    assert_eq!(data.class_names(), &["bars", "poles"]);

    harness.get_by_label("Data view").click();
    harness.run_steps(2);
    assert!(harness.query_by_label("image row 1").is_some(), "the rows are drawn as pictures");
    assert!(
        harness.query_all_by_label_contains("bars/notes.txt").next().is_some(),
        "the skipped file is named"
    );

    harness.get_by_label("Model view").click();
    harness.run_steps(2);
    harness.get_by_label("Play").click();
    assert!(step_until(&mut harness, Duration::from_secs(60), |app| app.epoch() >= 40));
    harness.get_by_label("Pause").click();
    harness.run_steps(2);
    let accuracy = harness.state().latest().and_then(|r| r.test_accuracy).expect("a test accuracy");
    assert!(accuracy > 0.8, "test accuracy {accuracy}");
}

/// The real messy table, dropped onto the window: the drop handler itself, then the target
/// picked by name (the file's last column, a comment, is the default), the data view and the
/// scatter's axis pickers, and a network trained on it.
#[test]
fn the_raw_penguins_table_dropped_on_the_window_trains_on_the_species_picked_as_target() {
    let mut harness = studio();
    harness.run_steps(2);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/penguins_raw.csv");
    harness.input_mut().dropped_files.push(std::sync::Arc::new(FileOnDisk(path)));
    harness.run_steps(1);
    assert!(step_until(&mut harness, Duration::from_secs(20), |app| !app.is_loading()));
    assert_eq!(harness.state().error(), None);
    assert_eq!(harness.state().data().target_name, "Comments");

    harness.get_by_label("Data view").click();
    harness.run_steps(2);
    harness.get_by_label("Target column").click();
    harness.run_steps(2);
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Species").click();
    assert!(step_until(&mut harness, Duration::from_secs(20), |app| {
        !app.is_loading() && app.data().target_name == "Species"
    }));
    let data = harness.state().data();
    assert_eq!(data.rows(), 330);
    assert_eq!(data.class_names().len(), 3);
    assert!(data.feature_names.iter().any(|n| n == "Delta 15 N (o/oo)"));
    harness.run_steps(2);
    assert!(harness.query_all_by_label_contains("330 rows").next().is_some());
    assert!(harness.query_all_by_label_contains("Gentoo penguin (Pygoscelis papua): ").next().is_some());
    assert!(harness.query_by_label("Delta 15 N (o/oo)").is_some(), "the column list names it as written");
    assert!(harness.query_by_label("target (classes)").is_some());
    assert!(harness.query_all_by_label_contains("Individual ID looks like free text").next().is_some());

    harness.get_by_label("Model view").click();
    harness.run_steps(2);
    // 22 inputs: the scatter offers the PCA plane or a pair of axes.
    assert!(harness.query_by_label("Decision boundary").is_some());
    assert!(harness.query_by_label("PCA plane").is_some());
    harness.get_by_label("Play").click();
    assert!(step_until(&mut harness, Duration::from_secs(60), |app| app.epoch() >= 30));
    harness.get_by_label("Pause").click();
    harness.run_steps(2);
    let accuracy = harness.state().latest().and_then(|r| r.test_accuracy).expect("a test accuracy");
    assert!(accuracy > 0.8, "test accuracy {accuracy}");
    // A file's rows are fixed: the button offers a new split, not new points.
    assert!(harness.query_by_label("Regenerate").is_none());
    let seed = harness.state().settings().generator.seed;
    harness.get_by_label("New split").click();
    harness.run_steps(2);
    assert_eq!(harness.state().settings().generator.seed, seed.wrapping_add(1));
    assert_eq!(harness.state().data().rows(), 330);
}

#[test]
fn a_broken_csv_shows_an_error_naming_the_line_and_the_studio_keeps_working() {
    let mut harness = studio();
    harness.run_steps(2);
    harness.state_mut().load_path(fixture("ragged_rows.csv"));
    assert!(step_until(&mut harness, Duration::from_secs(20), |app| !app.is_loading()));
    let error = harness.state().error().expect("an error is shown").to_string();
    assert!(error.contains("ragged_rows.csv line 4"), "{error}");
    assert!(harness.query_all_by_label_contains("line 4").next().is_some());
    // The previous data stays and can still be trained.
    assert_eq!(harness.state().data().name, "moons");
    harness.get_by_label("Play").click();
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| app.epoch() >= 2));
}

#[test]
fn a_painted_point_joins_the_data_and_an_erased_one_leaves() {
    let mut harness = studio();
    harness.run_steps(2);
    assert_eq!(harness.state().data().rows(), 400);
    harness.get_by_label("Paint points").click();
    harness.run_steps(2);
    harness.get_by_label("class 1").click();
    harness.run_steps(2);
    assert_eq!(harness.state().settings().paint_class, Some(1));

    // A left click with the mouse on the boundary plot, below its title.
    let title = harness.get_by_label("Decision boundary").rect();
    let spot = egui::pos2(title.left() + 160.0, title.bottom() + 220.0);
    click_at(&mut harness, spot, egui::PointerButton::Primary);
    let data = harness.state().data();
    assert_eq!(data.rows(), 401, "the click painted a point");
    assert_eq!(data.labels().unwrap()[400], 1);
    let painted = data.row(400).to_vec();
    harness.get_by_label("Data view").click();
    harness.run_steps(2);
    assert!(harness.query_all_by_label_contains("401 rows").next().is_some());

    // A right click on it erases it; a click far from every point erases nothing.
    harness.get_by_label("Model view").click();
    harness.run_steps(2);
    click_at(&mut harness, spot, egui::PointerButton::Secondary);
    assert_eq!(harness.state().data().rows(), 400, "the right click erased the point at {painted:?}");
    harness.state_mut().remove_point(50.0, 50.0);
    harness.run_steps(2);
    assert_eq!(harness.state().data().rows(), 400);
}

#[test]
fn digits_show_as_labelled_images_in_the_data_view() {
    let mut harness = studio();
    harness.run_steps(2);
    harness.state_mut().open_builtin(learnscope::data::BuiltinDataset::Digits);
    harness.run_steps(2);
    harness.get_by_label("Data view").click();
    harness.run_steps(3);
    assert!(harness.query_all_by_label_contains("Class balance").next().is_some(), "the data view is open");
    assert_eq!(harness.state().data().rows(), 1797);
    assert!(harness.query_all_by_label_contains("1797 rows").next().is_some());
    assert!(
        harness.query_all_by_label_contains("images 1").next().is_some(),
        "the summary names the image shape"
    );
    // One caption per drawn image, naming its digit (the first rows of digits are 0, 1, 2, ...).
    assert!(harness.query_all_by_label("0").count() >= 2, "captions for the 0s");
    assert!(harness.query_all_by_label("9").count() >= 2, "captions for the 9s");
}

#[test]
fn gui_start_options_open_a_file_and_fit_the_chosen_model() {
    let mut harness = studio();
    harness.run_steps(2);
    harness.state_mut().apply_start(learnscope::ui::StudioStart {
        data: Some(fixture("crlf.csv")),
        model: Some(learnscope::models::ModelKind::DecisionTree),
        ..Default::default()
    });
    assert!(
        step_until(&mut harness, Duration::from_secs(30), |app| {
            !app.is_loading() && app.data().name == "crlf" && app.status() == RunStatus::Finished
        }),
        "status {:?}, error {:?}",
        harness.state().status(),
        harness.state().error()
    );
    assert_eq!(harness.state().settings().model.kind, learnscope::models::ModelKind::DecisionTree);
}

/// The task a target column implies can be overridden, and a choice the column cannot take is
/// refused with the place named, the data and the controls staying as they were.
#[test]
fn the_task_of_a_csv_target_is_guessed_and_can_be_overridden() {
    let mut harness = studio();
    harness.run_steps(2);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/penguins_raw.csv");
    harness.state_mut().load_path(path);
    assert!(step_until(&mut harness, Duration::from_secs(20), |app| !app.is_loading()));
    harness.get_by_label("Target column").click();
    harness.run_steps(2);
    // Far down the list, past what the popup shows: clicked as assistive technology does.
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Flipper Length (mm)").click_accesskit();
    assert!(step_until(&mut harness, Duration::from_secs(20), |app| {
        !app.is_loading() && app.data().target_name == "Flipper Length (mm)"
    }));
    assert_eq!(harness.state().data().task(), Task::Regression, "55 different lengths are a quantity");
    harness.run_steps(2);
    assert!(harness.query_by_label("auto (a number)").is_some());

    harness.get_by_label("classes").click();
    assert!(step_until(&mut harness, Duration::from_secs(20), |app| {
        !app.is_loading() && app.data().task() == Task::Classification
    }));
    assert_eq!(harness.state().settings().csv_task, Some(TaskOverride::Classification));

    // Species names are no number: refused, naming the file, line and column.
    harness.get_by_label("Target column").click();
    harness.run_steps(2);
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Species").click();
    assert!(step_until(&mut harness, Duration::from_secs(20), |app| {
        !app.is_loading() && app.data().target_name == "Species"
    }));
    harness.run_steps(2);
    harness.get_by_label("a number").click();
    harness.run_steps(1);
    assert!(
        step_until(&mut harness, Duration::from_secs(20), |app| !app.is_loading() && app.error().is_some())
    );
    let error = harness.state().error().unwrap().to_string();
    assert!(error.contains("penguins_raw.csv line 2") && error.contains("Species"), "{error}");
    assert_eq!(harness.state().data().task(), Task::Classification, "the data in use stays");
    assert_eq!(harness.state().settings().csv_task, None, "the controls show what is in use");
}

/// Pace and fresh starts: the speed holds training back, Reset moves to the next start unless
/// "same start" pins it, and a changed setting keeps the start.
#[test]
fn the_speed_holds_training_back_and_reset_gives_a_fresh_start() {
    let mut harness = studio();
    harness.run_steps(2);
    assert_eq!(harness.state().settings().pace, Some(30), "the default lets the boundary form visibly");
    harness.get_by_label("Speed").click();
    harness.run_steps(2);
    harness.get_by_label("1 epoch/s").click();
    harness.run_steps(2);
    assert_eq!(harness.state().settings().pace, Some(1));
    harness.get_by_label("Play").click();
    harness.run_steps(1);
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_millis(1500) {
        harness.run_steps(1);
        std::thread::sleep(Duration::from_millis(20));
    }
    let epochs = harness.state().epoch();
    assert!((1..=3).contains(&epochs), "{epochs} epochs in 1.5 s at 1 a second");
    harness.get_by_label("Pause").click();
    harness.run_steps(2);

    let first = harness.state().settings().weights_seed;
    harness.get_by_label("Reset").click();
    harness.run_steps(2);
    assert_eq!(harness.state().settings().weights_seed, first + 1, "a fresh start");
    harness.get_by_label("same start").click();
    harness.run_steps(1);
    harness.get_by_label("Reset").click();
    harness.run_steps(2);
    assert_eq!(harness.state().settings().weights_seed, first + 1, "pinned");
    assert!(harness.query_by_label_contains("start #").is_some());
}

/// Step by batch: each Step takes one gradient step and the status line counts the batches;
/// a whole epoch's worth of them counts as the epoch.
#[test]
fn step_can_advance_one_batch_and_an_epochs_worth_completes_the_epoch() {
    let mut harness = studio();
    harness.run_steps(2);
    harness.get_by_label("per step").click();
    harness.run_steps(2);
    harness.get_by_label("a batch").click();
    harness.run_steps(2);
    assert!(harness.state().settings().step_by_batch);
    let mut per_epoch = usize::MAX;
    let mut taken = 0;
    while taken + 1 < per_epoch {
        harness.get_by_label("Step").click();
        let expected = taken + 1;
        let stepped = step_until(&mut harness, Duration::from_secs(20), |app| {
            app.batch_progress().is_some_and(|b| b.taken == expected)
        });
        assert!(stepped, "batch {expected} did not arrive");
        let progress = harness.state().batch_progress().unwrap();
        (taken, per_epoch) = (progress.taken, progress.per_epoch);
        assert_eq!(harness.state().epoch(), 0, "a batch is not an epoch");
        harness.run_steps(1);
        harness.get_by_label(&format!("Epoch 0, batch {taken} of {per_epoch}"));
    }
    // The default moons: 320 training rows in batches of 32.
    assert_eq!(per_epoch, 10);
    harness.get_by_label("Step").click();
    assert!(step_until(&mut harness, Duration::from_secs(20), |app| app.epoch() == 1));
    harness.run_steps(2);
    assert_eq!(harness.state().batch_progress(), None, "a whole epoch's worth completes the epoch");
    harness.get_by_label("Epoch 1");
}
