//! The lessons in the studio, clicked through by label: each built-in lesson opens from the
//! Lessons menu and runs (quick mode), the duel shows both models, a damaged lesson file gives a
//! message, and a report exports to Markdown and PNGs.

use crate::common::{step_until_pausing, studio_sized};

use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use learnscope::lessons::{builtin_lessons, load_lesson};
use learnscope::ui::StudioApp;
use learnscope::ui::state::LessonCommand;

fn studio() -> Harness<'static, StudioApp> {
    let mut harness = studio_sized(1280.0, 900.0);
    harness.run_steps(2);
    harness
}

/// Steps frames until `done` holds; sleeps between frames so the lesson's worker thread, not
/// the headless renderer, gets the CPU.
fn step_until(
    harness: &mut Harness<'_, StudioApp>,
    limit: Duration,
    done: impl Fn(&StudioApp) -> bool,
) -> bool {
    step_until_pausing(harness, limit, Duration::from_millis(60), done)
}

/// Opens a lesson through the Lessons menu by its title.
fn open_from_menu(harness: &mut Harness<'static, StudioApp>, title: &str) {
    harness.get_by_label("Lessons").click();
    harness.run_steps(2);
    harness.get_by_label(title).click();
    harness.run_steps(2);
    assert_eq!(harness.state().lessons().lesson().map(|l| l.title.as_str()), Some(title));
}

/// Picks the lesson's first answer (Run stays locked until one is picked).
fn answer_first(harness: &mut Harness<'static, StudioApp>) {
    let answer = harness.state().lessons().lesson().and_then(|l| l.answers.first().map(|a| a.text.clone()));
    if let Some(answer) = answer {
        harness.get_by_label(&answer).click();
        harness.run_steps(2);
    }
}

/// Picks an answer, clicks "Run lesson" and waits for the report (or an error).
fn run_and_wait(harness: &mut Harness<'static, StudioApp>) {
    answer_first(harness);
    harness.get_by_label("Run lesson").click();
    harness.run_steps(1);
    assert!(harness.state().lessons().is_running(), "the run did not start");
    let done = step_until(harness, Duration::from_secs(120), |app| {
        !app.lessons().is_running() && (app.lessons().report().is_some() || app.lessons().error().is_some())
    });
    assert!(done, "the lesson did not finish in time");
    harness.run_steps(2);
    assert_eq!(harness.state().lessons().error(), None);
}

/// Opens and runs each lesson of these differences, checking what the report shows on screen.
fn run_lessons_of(differences: &[u8]) {
    let mut harness = studio();
    harness.state_mut().lessons_mut().set_quick(true);
    let lessons: Vec<_> =
        builtin_lessons().into_iter().filter(|l| differences.contains(&l.difference)).collect();
    assert!(!lessons.is_empty());
    for lesson in lessons {
        open_from_menu(&mut harness, &lesson.title);
        if lesson.id == "compute-cost" {
            // Its multi-class SVM on 400 digits takes over a minute in a debug build; a teacher's
            // smaller copy shows the same table.
            harness.state_mut().lessons_mut().lesson_mut().unwrap().data.quick_samples = Some(150);
        }
        run_and_wait(&mut harness);
        let report = harness.state().lessons().report().cloned().expect("a report");
        assert_eq!(report.lesson_id, lesson.id);
        assert!(!report.finding.is_empty(), "{}: no finding", lesson.id);
        assert!(!report.tables.is_empty() || !report.charts.is_empty(), "{}: nothing to show", lesson.id);
        harness.get_by_label(&report.finding);
        // Beside a line chart the tables are folded under "Tables"; a comparison shows them open.
        if let Some(row) = report.tables.first().and_then(|t| t.rows.first())
            && harness.query_all_by_label(&row[0]).next().is_none()
        {
            harness.get_by_label("Tables").click();
            harness.run_steps(2);
        }
        if let Some(row) = report.tables.first().and_then(|t| t.rows.first()) {
            assert!(
                !harness.query_all_by_label(&row[0]).collect::<Vec<_>>().is_empty(),
                "{}: row {}",
                lesson.id,
                row[0]
            );
        }
        for chart in &report.charts {
            // Heatmap-only charts (hidden units' maps) show as a gallery captioned by their short name.
            let label = if chart.series.is_empty() && chart.heatmap.is_some() {
                chart.title.rsplit_once(": ").map_or(chart.title.as_str(), |(_, short)| short)
            } else {
                chart.title.as_str()
            };
            let shown = harness.query_all_by_label(label).count();
            assert!(shown >= 1, "{}: chart '{}' not shown", lesson.id, chart.title);
        }
    }
    // The studio itself still answers.
    harness.get_by_label("Play");
}

#[test]
fn lessons_of_data_and_features_run_from_the_menu() {
    run_lessons_of(&[1, 2]);
}

#[test]
fn lessons_of_cost_interpretability_and_algorithms_run_from_the_menu() {
    run_lessons_of(&[3, 4, 5]);
}

#[test]
fn lessons_of_training_and_optimization_run_from_the_menu() {
    run_lessons_of(&[6]);
}

#[test]
fn the_duel_trains_both_models_on_one_split_and_compares_them() {
    let mut harness = studio();
    harness.state_mut().lessons_mut().duel_mut().settings.epochs = 40;
    harness.get_by_label("Lessons").click();
    harness.run_steps(2);
    harness.get_by_label("Duel: classical vs network").click();
    harness.run_steps(2);
    harness.get_by_label("Play duel").click();
    let done =
        step_until(&mut harness, Duration::from_secs(90), |app| app.lessons().duel().table().is_some());
    assert!(done, "the duel did not finish");
    harness.run_steps(2);
    let duel = harness.state().lessons().duel();
    assert_eq!(duel.error(), None);
    let [classical, network] = duel.boundary_refreshes();
    assert!(classical >= 1 && network >= 1, "boundaries drawn: {classical}, {network}");
    let table = duel.table().unwrap().clone();
    assert_eq!(table.rows.len(), 2);
    assert_eq!(table.columns[1], "accuracy");
    assert!(table.rows[0][0].contains("Logistic regression"), "{:?}", table.rows[0]);
    assert!(table.rows[1][0].contains("MLP"), "{:?}", table.rows[1]);
    harness.get_by_label("Classical");
    harness.get_by_label("Network");
    for row in &table.rows {
        // The label above the plot and the table cell.
        assert!(harness.query_all_by_label(&row[0]).count() >= 2, "{} not in the table", row[0]);
    }
}

#[test]
fn a_damaged_lesson_file_gives_a_message_and_the_studio_keeps_running() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken-lesson.json");
    std::fs::write(&path, "{\n  \"id\": \"x\",\n  oops").unwrap();
    let mut harness = studio();
    harness.state_mut().lessons_mut().handle(LessonCommand::OpenPath(path));
    let done = step_until(&mut harness, Duration::from_secs(20), |app| !app.lessons().is_busy_with_files());
    assert!(done);
    harness.run_steps(2);
    let error = harness.state().lessons().error().unwrap_or_default().to_string();
    assert!(error.contains("broken-lesson.json") && error.contains("line 3"), "{error}");
    assert!(harness.query_all_by_label_contains("could not be opened").next().is_some());
    assert!(harness.state().lessons().lesson().is_none());
    harness.get_by_label("Play").click();
    harness.run_steps(3);

    // A full-size run stops on Cancel, with a notice instead of a report.
    let lesson = builtin_lessons().into_iter().find(|l| l.difference == 1).unwrap();
    open_from_menu(&mut harness, &lesson.title);
    answer_first(&mut harness);
    harness.get_by_label("Run lesson").click();
    harness.run_steps(1);
    assert!(harness.state().lessons().is_running());
    std::thread::sleep(Duration::from_millis(300));
    harness.run_steps(1);
    harness.get_by_label("Cancel").click();
    let stopped = step_until(&mut harness, Duration::from_secs(30), |app| !app.lessons().is_running());
    assert!(stopped, "Cancel did not stop the lesson");
    harness.run_steps(2);
    assert!(harness.state().lessons().report().is_none());
    assert_eq!(harness.state().lessons().notice(), Some("The lesson was cancelled."));
    harness.get_by_label("Run lesson");
}

#[test]
fn an_edited_lesson_saves_and_its_report_exports_to_markdown_and_png() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = studio();
    harness.state_mut().lessons_mut().set_quick(true);
    let lesson = builtin_lessons().into_iter().find(|l| l.id == "loss-surface").unwrap_or_else(|| {
        builtin_lessons().into_iter().find(|l| l.difference == 6).expect("a lesson on optimization")
    });
    open_from_menu(&mut harness, &lesson.title);

    // A teacher's edited copy.
    harness.state_mut().lessons_mut().lesson_mut().unwrap().title = "My loss surface".into();
    let saved = dir.path().join("mine.json");
    harness.state_mut().lessons_mut().handle(LessonCommand::SavePath(saved.clone()));
    assert!(step_until(&mut harness, Duration::from_secs(20), |app| !app.lessons().is_busy_with_files()));
    assert_eq!(load_lesson(&saved).unwrap().title, "My loss surface");

    run_and_wait(&mut harness);
    let report = harness.state().lessons().report().cloned().unwrap();
    let folder = dir.path().join("report");
    harness.state_mut().lessons_mut().handle(LessonCommand::ExportTo(folder.clone()));
    assert!(step_until(&mut harness, Duration::from_secs(30), |app| !app.lessons().is_busy_with_files()));
    harness.run_steps(1);
    assert_eq!(harness.state().lessons().error(), None);
    let markdown = std::fs::read_to_string(folder.join("report.md")).unwrap();
    assert!(markdown.contains(&report.finding), "{markdown}");
    assert!(!report.charts.is_empty());
    for index in 1..=report.charts.len() {
        let png = std::fs::read(folder.join(format!("chart-{index}.png"))).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        assert!(markdown.contains(&format!("(chart-{index}.png)")));
    }
    assert!(harness.query_all_by_label_contains("Exported").next().is_some());
}

#[test]
fn a_lesson_asks_for_a_prediction_before_it_runs_and_answers_it_after() {
    let mut harness = studio();
    harness.state_mut().lessons_mut().set_quick(true);
    let lesson = builtin_lessons().into_iter().find(|l| l.id == "loss-surface").unwrap();
    open_from_menu(&mut harness, &lesson.title);
    harness.get_by_label_contains(&lesson.question);
    // Locked: clicking Run starts nothing until an answer is picked.
    assert!(!harness.state().lessons().may_run());
    harness.get_by_label("Run lesson").click();
    harness.run_steps(2);
    assert!(!harness.state().lessons().is_running(), "Run must wait for an answer");
    harness.get_by_label("Pick an answer to unlock Run.");

    // The student predicts plain gradient descent; the run says what really happened.
    let choice = &lesson.answers[0].text;
    harness.get_by_label(choice).click();
    harness.run_steps(2);
    assert!(harness.state().lessons().may_run());
    harness.get_by_label("Run lesson").click();
    harness.run_steps(1);
    assert!(step_until(&mut harness, Duration::from_secs(60), |app| app.lessons().report().is_some()));
    harness.run_steps(2);
    let sentence = harness.state().lessons().result_sentence().expect("a result sentence");
    assert!(sentence.starts_with(&format!("You predicted \"{choice}\"")), "{sentence}");
    let report = harness.state().lessons().report().unwrap();
    let confirmed = report.confirmed_answers();
    assert_eq!(confirmed.len(), 1, "{:?}", report.answers);
    if confirmed[0].text != *choice {
        assert!(sentence.contains(&confirmed[0].text), "{sentence}");
    }
    harness.get_by_label(&sentence);

    // A teacher can switch the question off: Run is open at once on a freshly opened lesson.
    harness.state_mut().lessons_mut().handle(LessonCommand::OpenBuiltin(lesson.id.clone()));
    harness.run_steps(2);
    assert!(!harness.state().lessons().may_run(), "a reopened lesson asks again");
    if let Some(open) = harness.state_mut().lessons_mut().lesson_mut() {
        open.ask_first = false;
    }
    harness.run_steps(2);
    assert!(harness.state().lessons().may_run());
}
