//! Lessons in the studio: the Lessons menu, the lesson window (explanation, editable settings,
//! a run on a background thread with progress and Cancel, the report) and the duel window.
//! Lesson files are opened, saved and exported on background threads; nothing here blocks the UI.

use std::path::{Path, PathBuf};

use super::background::{BackgroundTasks, Task};
use super::duel_view::DuelView;
use super::platform::{PickedFile, pick_file, save_bytes};
use super::report_view::{ReportView, tables_ui};
use super::state::LessonCommand;
use crate::data::BuiltinDataset;
#[cfg(not(target_arch = "wasm32"))]
use crate::lessons::export::export_report;
use crate::lessons::{
    Experiment, Lesson, LessonModel, LessonReport, RunOptions, SeriesStyle, builtin_lessons, parse_lesson,
    save_lesson,
};
#[cfg(not(target_arch = "wasm32"))]
use crate::lessons::{LessonError, run_lesson_live};
use crate::models::ModelKind;

/// The six differences between classical machine learning and deep learning, as the menu groups them.
pub const DIFFERENCES: [&str; 6] = [
    "1 - Data dependency",
    "2 - Feature engineering",
    "3 - Model complexity and compute",
    "4 - Interpretability",
    "5 - Algorithms",
    "6 - Training and optimization",
];

/// A lesson run in the background, with progress and Cancel.
type LessonRun = Task<RunOutcome>;

/// How much of a lesson to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunMode {
    /// Fewer sizes, seeds and rows: seconds.
    Quick,
    /// The lesson as written: under two minutes on two cores.
    Normal,
    /// The larger form where a lesson has one (more rows and seeds, slow models): minutes.
    Full,
}

impl RunMode {
    const ALL: [RunMode; 3] = [RunMode::Quick, RunMode::Normal, RunMode::Full];

    fn name(self) -> &'static str {
        match self {
            RunMode::Quick => "Quick",
            RunMode::Normal => "Normal",
            RunMode::Full => "Full",
        }
    }

    fn hint(self) -> &'static str {
        match self {
            RunMode::Quick => "Fewer sizes, seeds and rows: a preview in seconds, the same training rule.",
            RunMode::Normal => "The lesson as written: under two minutes on a two-core laptop.",
            RunMode::Full => {
                "The larger form where the lesson has one (more rows, seeds and slow models such as a GRU): several minutes."
            }
        }
    }

    fn options(self) -> RunOptions {
        RunOptions { quick: self == RunMode::Quick, full: self == RunMode::Full }
    }
}

enum RunOutcome {
    Report(Box<LessonReport>),
    /// (In the browser a cancel stops the web worker instead: no outcome arrives.)
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    Cancelled,
    Failed(String),
}

/// Background file work: a dialog, then reading or writing.
enum FileTask {
    /// The dialog, before the chosen file is read.
    Pick(Task<Option<PickedFile>>),
    Open(Task<Option<Result<(Lesson, PathBuf), String>>>),
    Save(Task<Result<PathBuf, String>>),
    Export(Task<Option<Result<Vec<PathBuf>, String>>>),
}

pub struct LessonsStudio {
    tasks: BackgroundTasks,
    builtin: Vec<Lesson>,
    lesson: Option<Lesson>,
    /// The file the lesson came from, if any.
    path: Option<PathBuf>,
    lesson_open: bool,
    duel_open: bool,
    mode: RunMode,
    run: Option<LessonRun>,
    report: Option<LessonReport>,
    /// The report as it fills in while the lesson runs.
    live: Option<LessonReport>,
    /// The answer picked to the lesson's question, before the run.
    picked: Option<usize>,
    report_view: ReportView,
    file_task: Option<FileTask>,
    error: Option<String>,
    notice: Option<String>,
    /// Text being typed into list settings (sizes), kept until it parses.
    sizes_text: String,
    duel: DuelView,
}

impl LessonsStudio {
    pub fn new(tasks: BackgroundTasks) -> Self {
        Self {
            tasks,
            builtin: builtin_lessons(),
            lesson: None,
            path: None,
            lesson_open: false,
            duel_open: false,
            mode: RunMode::Normal,
            run: None,
            report: None,
            live: None,
            picked: None,
            report_view: ReportView::default(),
            file_task: None,
            error: None,
            notice: None,
            sizes_text: String::new(),
            duel: DuelView::default(),
        }
    }

    pub fn builtin(&self) -> &[Lesson] {
        &self.builtin
    }

    pub fn lesson(&self) -> Option<&Lesson> {
        self.lesson.as_ref()
    }

    pub fn lesson_mut(&mut self) -> Option<&mut Lesson> {
        self.lesson.as_mut()
    }

    pub fn report(&self) -> Option<&LessonReport> {
        self.report.as_ref()
    }

    pub fn is_running(&self) -> bool {
        self.run.is_some()
    }

    /// True while a dialog, a load, a save or an export is under way.
    pub fn is_busy_with_files(&self) -> bool {
        self.file_task.is_some()
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// Quick runs use the lesson's small sizes, few seeds and epochs (tests, previews).
    pub fn set_quick(&mut self, quick: bool) {
        self.mode = if quick { RunMode::Quick } else { RunMode::Normal };
    }

    pub fn duel(&self) -> &DuelView {
        &self.duel
    }

    pub fn duel_mut(&mut self) -> &mut DuelView {
        &mut self.duel
    }

    pub fn handle(&mut self, command: LessonCommand) {
        match command {
            LessonCommand::OpenBuiltin(id) => {
                if let Some(lesson) = self.builtin.iter().find(|l| l.id == id).cloned() {
                    self.show_lesson(lesson, None);
                }
            }
            LessonCommand::OpenFileDialog => self.open_in_background(None),
            LessonCommand::OpenPath(path) => self.open_in_background(Some(path)),
            LessonCommand::SaveAsDialog => self.save_in_background(None),
            LessonCommand::SavePath(path) => self.save_in_background(Some(path)),
            LessonCommand::ExportDialog => self.export_in_background(None),
            LessonCommand::ExportTo(path) => self.export_in_background(Some(path)),
            LessonCommand::Run => self.start_run(),
            LessonCommand::Cancel => {
                if let Some(run) = &self.run {
                    run.cancel();
                    // In the browser the lesson's web worker is stopped outright: no answer comes.
                    #[cfg(target_arch = "wasm32")]
                    {
                        self.run = None;
                        self.notice = Some("The lesson was cancelled.".into());
                    }
                }
            }
            LessonCommand::ShowDuel => {
                self.duel_open = true;
                if !self.duel.is_started() {
                    self.duel.restart(&self.tasks);
                }
            }
        }
    }

    fn show_lesson(&mut self, lesson: Lesson, path: Option<PathBuf>) {
        self.cancel_run();
        self.sizes_text = match &lesson.experiment {
            Experiment::LearningCurve { sizes, .. } => join(sizes),
            _ => String::new(),
        };
        self.lesson = Some(lesson);
        self.path = path;
        self.report = None;
        self.live = None;
        self.picked = None;
        self.error = None;
        self.notice = None;
        self.lesson_open = true;
    }

    fn cancel_run(&mut self) {
        if let Some(run) = self.run.take() {
            run.cancel();
        }
    }

    fn start_run(&mut self) {
        let Some(lesson) = self.lesson.clone() else { return };
        self.cancel_run();
        if !self.may_run() {
            self.notice = Some("Pick an answer first: what do you expect to happen?".into());
            return;
        }
        self.error = None;
        self.notice = None;
        // The picture starts empty and fills in as results arrive.
        self.report = None;
        self.live = None;
        let options = self.mode.options();
        #[cfg(not(target_arch = "wasm32"))]
        let run = self.tasks.spawn("lesson-run", move |task| {
            let report_progress = |fraction: f32, stage: &str| task.report(fraction, stage);
            let report_partial = |report: &LessonReport| {
                if let Ok(json) = serde_json::to_string(report) {
                    task.report_partial(json);
                }
            };
            match run_lesson_live(&lesson, &options, &report_progress, &report_partial, task.cancel_flag()) {
                Ok(report) => RunOutcome::Report(Box::new(report)),
                Err(LessonError::Cancelled) => RunOutcome::Cancelled,
                Err(e) => RunOutcome::Failed(format!("The lesson stopped: {e}")),
            }
        });
        // The browser runs the lesson in a web worker, so the page keeps drawing.
        #[cfg(target_arch = "wasm32")]
        let run = {
            let input = serde_json::json!({ "lesson": lesson, "quick": options.quick, "full": options.full })
                .to_string();
            self.tasks.spawn_in_worker("lesson-run", "lesson", input, |outcome| match outcome {
                Ok(json) => match serde_json::from_str::<LessonReport>(&json) {
                    Ok(report) => RunOutcome::Report(Box::new(report)),
                    Err(e) => RunOutcome::Failed(format!("The lesson's report could not be read: {e}")),
                },
                Err(message) => RunOutcome::Failed(format!("The lesson stopped: {message}")),
            })
        };
        self.run = Some(run);
    }

    fn open_in_background(&mut self, path: Option<PathBuf>) {
        match path {
            Some(path) => self.read_in_background(PickedFile::Path(path)),
            None => {
                let task = pick_file(&self.tasks, "Open a lesson", ("Learnscope lessons", &["json"]));
                self.file_task = Some(FileTask::Pick(task));
            }
        }
    }

    fn read_in_background(&mut self, picked: PickedFile) {
        let task = self.tasks.spawn("lesson-open", move |_| {
            let path = picked.path();
            let lesson =
                picked.read_text().and_then(|text| parse_lesson(&path, &text).map_err(|e| e.to_string()));
            Some(lesson.map(|lesson| (lesson, path)))
        });
        self.file_task = Some(FileTask::Open(task));
    }

    fn save_in_background(&mut self, path: Option<PathBuf>) {
        let Some(lesson) = self.lesson.clone() else {
            self.notice = Some("Open a lesson first; then Save lesson as... writes your edited copy.".into());
            return;
        };
        let task = match path {
            Some(path) => self.tasks.spawn("lesson-save", move |_| {
                save_lesson(&lesson, &path).map(|_| path).map_err(|e| e.to_string())
            }),
            None => save_bytes(
                &self.tasks,
                format!("{}.json", lesson.id),
                ("Learnscope lessons", "json"),
                move || {
                    serde_json::to_string_pretty(&lesson)
                        .map(|text| format!("{text}\n").into_bytes())
                        .map_err(|e| e.to_string())
                },
            ),
        };
        self.file_task = Some(FileTask::Save(task));
    }

    fn export_in_background(&mut self, folder: Option<PathBuf>) {
        let Some(report) = self.report.clone() else {
            self.notice =
                Some("Run the lesson first; then Export report... writes its tables and charts.".into());
            return;
        };
        let task = self.tasks.spawn("report-export", move |_| {
            #[cfg(not(target_arch = "wasm32"))]
            let folder = folder.or_else(|| {
                rfd::FileDialog::new().set_title("Export the report into a folder").pick_folder()
            });
            #[cfg(not(target_arch = "wasm32"))]
            return folder.map(|folder| export_report(&report, &folder));
            // The browser has no folders to write to: each file is a download.
            #[cfg(target_arch = "wasm32")]
            {
                let _ = folder;
                Some(crate::lessons::export::report_files(&report).and_then(|files| {
                    files
                        .into_iter()
                        .map(|(name, bytes)| {
                            super::web::download(&name, &bytes).map(|()| PathBuf::from(name))
                        })
                        .collect()
                }))
            }
        });
        self.file_task = Some(FileTask::Export(task));
    }

    /// Whether Run is unlocked: an answer is picked, or the lesson asks nothing first.
    pub fn may_run(&self) -> bool {
        let Some(lesson) = &self.lesson else { return false };
        !lesson.ask_first || lesson.answers.is_empty() || self.picked.is_some()
    }

    /// Picks an answer to the lesson's question (index into its answers).
    pub fn pick_answer(&mut self, answer: usize) {
        if self.lesson.as_ref().is_some_and(|l| answer < l.answers.len()) {
            self.picked = Some(answer);
        }
    }

    /// The sentence setting the picked answer beside what the run showed.
    pub fn result_sentence(&self) -> Option<String> {
        let report = self.report.as_ref()?;
        match self.picked {
            Some(picked) => report.prediction_sentence(picked),
            None => report.confirmed_answers().first().map(|a| format!("The run shows: \"{}\".", a.text)),
        }
    }

    /// Takes news from the run and the file threads; call once per frame.
    pub fn poll(&mut self, ctx: &egui::Context) {
        if let Some(run) = &self.run {
            if let Some(json) = run.take_partial()
                && let Ok(report) = serde_json::from_str::<LessonReport>(&json)
            {
                self.live = Some(report);
            }
            match run.poll() {
                Ok(Some(RunOutcome::Report(report))) => {
                    self.report = Some(*report);
                    self.live = None;
                    self.run = None;
                }
                Ok(Some(RunOutcome::Cancelled)) => {
                    self.notice = Some("The lesson was cancelled.".into());
                    self.run = None;
                }
                Ok(Some(RunOutcome::Failed(message))) => {
                    self.error = Some(message);
                    self.run = None;
                }
                Ok(None) => {}
                Err(_) => {
                    self.error = Some("the lesson stopped unexpectedly".into());
                    self.run = None;
                }
            }
        }
        self.poll_files();
        if self.duel_open {
            self.duel.poll(ctx, &self.tasks);
        }
    }

    fn poll_files(&mut self) {
        let was_busy = self.file_task.is_some();
        self.poll_file_task();
        if was_busy && self.file_task.is_none() {
            // The outcome (a lesson, a message) shows in the lesson window.
            self.lesson_open = true;
        }
    }

    fn poll_file_task(&mut self) {
        let no_choice = "No file was chosen. If no dialog appeared, this system has no file-dialog service.";
        match &self.file_task {
            Some(FileTask::Pick(task)) => match task.poll() {
                Ok(Some(Some(picked))) => self.read_in_background(picked),
                Ok(Some(None)) => {
                    self.file_task = None;
                    self.notice = Some(no_choice.into());
                }
                Ok(None) => {}
                Err(message) => {
                    self.file_task = None;
                    self.error = Some(message);
                }
            },
            Some(FileTask::Open(task)) => match task.poll() {
                Ok(Some(Some(Ok((lesson, path))))) => {
                    self.file_task = None;
                    self.show_lesson(lesson, Some(path));
                }
                Ok(Some(Some(Err(message)))) => {
                    self.file_task = None;
                    self.error = Some(format!("The lesson could not be opened. {message}"));
                }
                Ok(Some(None)) => {
                    self.file_task = None;
                    self.notice = Some(no_choice.into());
                }
                Ok(None) => {}
                Err(message) => {
                    self.file_task = None;
                    self.error = Some(message);
                }
            },
            Some(FileTask::Save(task)) => match task.poll() {
                Ok(Some(Ok(path))) => {
                    self.file_task = None;
                    self.notice = Some(format!("Saved the lesson to {}", path.display()));
                    self.path = Some(path);
                }
                Ok(Some(Err(message))) => {
                    self.file_task = None;
                    self.error = Some(format!("The lesson could not be saved. {message}"));
                }
                Ok(None) => {}
                Err(message) => {
                    self.file_task = None;
                    self.error = Some(message);
                }
            },
            Some(FileTask::Export(task)) => match task.poll() {
                Ok(Some(Some(Ok(files)))) => {
                    self.file_task = None;
                    let folder = files.first().and_then(|f| f.parent()).map(Path::display);
                    self.notice = Some(format!(
                        "Exported {} files to {}",
                        files.len(),
                        folder.map_or_else(String::new, |f| f.to_string())
                    ));
                }
                Ok(Some(Some(Err(message)))) => {
                    self.file_task = None;
                    self.error = Some(format!("The report could not be exported. {message}"));
                }
                Ok(Some(None)) => {
                    self.file_task = None;
                    self.notice = Some(no_choice.into());
                }
                Ok(None) => {}
                Err(message) => {
                    self.file_task = None;
                    self.error = Some(message);
                }
            },
            None => {}
        }
    }

    /// The lesson and duel windows; call after the panels. Returns what was clicked, for the
    /// studio to hand back to `handle` at the end of the frame.
    pub fn windows_ui(&mut self, ctx: &egui::Context) -> Vec<LessonCommand> {
        self.poll(ctx);
        let mut commands = Vec::new();
        if self.lesson_open {
            let mut open = true;
            egui::Window::new("Lesson")
                .open(&mut open)
                // Right of the controls and below the toolbar, so the menus stay in reach.
                .default_pos([340.0, 60.0])
                .default_size([900.0, 720.0])
                .vscroll(true)
                .show(ctx, |ui| commands.extend(self.lesson_ui(ui)));
            self.lesson_open = open;
        }
        if self.duel_open {
            let mut open = true;
            let tasks = self.tasks.clone();
            egui::Window::new("Duel: classical vs network")
                .open(&mut open)
                .default_pos([300.0, 70.0])
                .default_size([960.0, 640.0])
                .show(ctx, |ui| self.duel.ui(ui, &tasks));
            if !open && self.duel.is_playing() {
                // A closed duel stops using the CPU; reopening it shows where it paused.
                self.duel.toggle_play(&tasks);
            }
            self.duel_open = open;
        }
        if let Some(run) = &self.run
            && run.progress().0 < 1.0
        {
            // Keep the progress bar's animation alive between progress messages.
            ctx.request_repaint_after(std::time::Duration::from_millis(200));
        }
        commands
    }

    fn lesson_ui(&mut self, ui: &mut egui::Ui) -> Vec<LessonCommand> {
        let mut commands = Vec::new();
        if let Some(error) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        if let Some(notice) = &self.notice {
            ui.colored_label(ui.visuals().warn_fg_color, notice);
        }
        let running = self.run.is_some();
        let may_run = self.may_run();
        let result_sentence = self.result_sentence();
        let Some(lesson) = &mut self.lesson else {
            ui.label("Pick a lesson from the Lessons menu.");
            return commands;
        };
        ui.heading(&lesson.title);
        let difference = DIFFERENCES.get(lesson.difference.saturating_sub(1) as usize).copied().unwrap_or("");
        ui.label(egui::RichText::new(format!("Difference {difference}")).weak());
        if let Some(path) = &self.path {
            ui.label(egui::RichText::new(format!("From {}", path.display())).weak());
        }
        // Predict first: students who commit to an answer learn more from what follows.
        if !lesson.answers.is_empty() {
            ui.add_space(4.0);
            ui.strong(format!("Predict first: {}", lesson.question));
            ui.add_enabled_ui(!running, |ui| {
                ui.horizontal_wrapped(|ui| {
                    for (index, answer) in lesson.answers.iter().enumerate() {
                        if ui.radio(self.picked == Some(index), &answer.text).clicked() {
                            self.picked = Some(index);
                        }
                    }
                });
            });
        }
        ui.horizontal(|ui| {
            if running {
                if ui.button("Cancel").on_hover_text("Stop the lesson between two fits.").clicked() {
                    commands.push(LessonCommand::Cancel);
                }
            } else {
                let hint = if may_run {
                    "Train and measure every model of the lesson on a background thread."
                } else {
                    "Pick an answer above first."
                };
                if ui
                    .add_enabled(may_run, egui::Button::new("Run lesson"))
                    .on_hover_text(hint)
                    .on_disabled_hover_text(hint)
                    .clicked()
                {
                    commands.push(LessonCommand::Run);
                }
            }
            ui.add_enabled_ui(!running, |ui| {
                egui::ComboBox::from_id_salt("lesson_mode")
                    .selected_text(format!("Mode: {}", self.mode.name()))
                    .show_ui(ui, |ui| {
                        for mode in RunMode::ALL {
                            ui.selectable_value(&mut self.mode, mode, mode.name()).on_hover_text(mode.hint());
                        }
                    })
                    .response
                    .on_hover_text(self.mode.hint());
            });
            if ui.button("Save lesson as...").clicked() {
                commands.push(LessonCommand::SaveAsDialog);
            }
            if ui.add_enabled(self.report.is_some(), egui::Button::new("Export report...")).clicked() {
                commands.push(LessonCommand::ExportDialog);
            }
        });
        if !may_run && !running {
            ui.label(egui::RichText::new("Pick an answer to unlock Run.").weak());
        }
        if let Some(run) = &self.run {
            let (fraction, stage) = run.progress();
            let stage = if stage.is_empty() { "starting".to_string() } else { stage };
            ui.add(
                egui::ProgressBar::new(fraction)
                    .show_percentage()
                    .text(format!("{:.0}% {stage}", fraction * 100.0)),
            );
        }
        if let Some(sentence) = &result_sentence {
            ui.add_space(4.0);
            ui.label(egui::RichText::new(sentence).strong().size(16.0));
        }
        // The picture first: the chart takes most of the window and fills in while the run goes.
        let shown = self.report.as_ref().or(self.live.as_ref());
        if let Some(report) = shown {
            let charts = report.charts.iter().filter(|c| !c.series.is_empty()).count().max(1);
            let height = (ui.available_height() * 0.7 / charts.min(2) as f32).clamp(220.0, 560.0);
            self.report_view.charts_ui(ui, report, height);
            if !report.finding.is_empty() {
                ui.add_space(4.0);
                ui.strong(if self.report.is_some() { "Finding" } else { "So far" });
                ui.label(&report.finding);
            }
        } else if !running {
            ui.add_space(8.0);
            ui.label(
                egui::RichText::new("The chart appears here and fills in while the lesson runs.").weak(),
            );
        }
        ui.add_space(6.0);
        ui.heading("What is going on");
        for paragraph in lesson.explanation.split("\n\n") {
            ui.label(paragraph.trim());
            ui.add_space(4.0);
        }
        if let Some(report) = shown
            && !report.tables.is_empty()
        {
            // Beside a line chart (the picture) the tables fold away; where the tables are the
            // result (a comparison), they open. One fold state per lesson.
            let has_lines =
                report.charts.iter().flat_map(|c| &c.series).any(|s| s.style != SeriesStyle::Points);
            egui::CollapsingHeader::new("Tables")
                .id_salt(("lesson_tables", &lesson.id))
                .default_open(!has_lines)
                .show(ui, |ui| tables_ui(ui, report));
        }
        if !lesson.cli.is_empty() {
            egui::CollapsingHeader::new("Same experiment from a terminal").default_open(false).show(
                ui,
                |ui| {
                    ui.label(egui::RichText::new(&lesson.cli).monospace());
                },
            );
        }
        egui::CollapsingHeader::new("Settings").default_open(false).show(ui, |ui| {
            ui.add_enabled_ui(!running, |ui| {
                if !lesson.answers.is_empty() {
                    ui.checkbox(&mut lesson.ask_first, "Ask for a prediction before the run")
                        .on_hover_text("Off: Run is unlocked without an answer. Saved with the lesson.");
                }
                settings_ui(ui, lesson, &mut self.sizes_text);
            });
        });
        commands
    }
}

fn join(values: &[usize]) -> String {
    values.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")
}

/// Parses "50, 100, 200" into sizes; `None` while the text is not a list of whole numbers.
fn parse_sizes(text: &str) -> Option<Vec<usize>> {
    let sizes: Result<Vec<usize>, _> =
        text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::parse).collect();
    sizes.ok().filter(|s| !s.is_empty())
}

/// The lesson's settings; edits go straight into the lesson, so Save writes them.
fn settings_ui(ui: &mut egui::Ui, lesson: &mut Lesson, sizes_text: &mut String) {
    ui.strong("Data");
    let data = &mut lesson.data;
    egui::Grid::new("lesson_data_settings").num_columns(2).show(ui, |ui| {
        ui.label("Data set");
        egui::ComboBox::from_id_salt("lesson_dataset").selected_text(data.dataset.name()).show_ui(ui, |ui| {
            for dataset in BuiltinDataset::ALL {
                ui.selectable_value(&mut data.dataset, dataset, dataset.name());
            }
        });
        ui.end_row();
        ui.label("Samples");
        ui.add(egui::DragValue::new(&mut data.samples).range(20..=100_000));
        ui.end_row();
        ui.label("Noise");
        ui.add(egui::DragValue::new(&mut data.noise).range(0.0..=2.0).speed(0.01));
        ui.end_row();
        ui.label("Seed");
        ui.add(egui::DragValue::new(&mut data.seed));
        ui.end_row();
        ui.label("Test fraction");
        ui.add(egui::DragValue::new(&mut data.test_fraction).range(0.05..=0.9).speed(0.01));
        ui.end_row();
    });
    ui.add_space(4.0);
    ui.strong("Experiment");
    match &mut lesson.experiment {
        Experiment::LearningCurve { models, sizes, seeds, .. } => {
            ui.horizontal(|ui| {
                ui.label("Training-set sizes");
                if ui.text_edit_singleline(sizes_text).changed()
                    && let Some(parsed) = parse_sizes(sizes_text)
                {
                    *sizes = parsed;
                }
            });
            if parse_sizes(sizes_text).is_none() {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    "Write the sizes as whole numbers: 50, 100, 200",
                );
            }
            ui.horizontal(|ui| {
                ui.label("Seeds per size");
                ui.add(egui::DragValue::new(seeds).range(1..=20));
            });
            models_ui(ui, models, "curve");
        }
        Experiment::Comparison { parts } => {
            for (index, part) in parts.iter_mut().enumerate() {
                ui.label(if part.title.is_empty() {
                    format!("Part {}", index + 1)
                } else {
                    part.title.clone()
                });
                models_ui(ui, &mut part.models, &format!("part{index}"));
            }
        }
        Experiment::Cost { models } | Experiment::GradientFlow { models } => models_ui(ui, models, "models"),
        Experiment::CrossValidation { models, folds } => {
            ui.horizontal(|ui| {
                ui.label("Folds");
                ui.add(egui::DragValue::new(folds).range(2..=20));
            });
            models_ui(ui, models, "cv");
        }
        Experiment::EpochsToLoss { models, target_loss } => {
            ui.horizontal(|ui| {
                ui.label("Target training loss");
                ui.add(egui::DragValue::new(target_loss).range(0.0..=10.0).speed(0.005));
            });
            models_ui(ui, models, "epochs");
        }
        Experiment::Explain { tree, network, point } => {
            ui.horizontal(|ui| {
                ui.label("Test point to explain");
                ui.add(egui::DragValue::new(point).range(0..=10_000));
            });
            models_ui(ui, std::slice::from_mut(tree), "tree");
            models_ui(ui, std::slice::from_mut(network), "network");
        }
        Experiment::LossSurface { learning_rate, steps, start, span, resolution } => {
            egui::Grid::new("loss_surface_settings").num_columns(2).show(ui, |ui| {
                ui.label("Learning rate");
                ui.add(egui::DragValue::new(learning_rate).range(0.0001..=10.0).speed(0.005));
                ui.end_row();
                ui.label("Steps");
                ui.add(egui::DragValue::new(steps).range(1..=2000));
                ui.end_row();
                ui.label("Start (w1, w2)");
                ui.horizontal(|ui| {
                    ui.add(egui::DragValue::new(&mut start[0]).speed(0.05));
                    ui.add(egui::DragValue::new(&mut start[1]).speed(0.05));
                });
                ui.end_row();
                ui.label("Surface span");
                ui.add(egui::DragValue::new(span).range(0.5..=50.0).speed(0.1));
                ui.end_row();
                ui.label("Resolution");
                ui.add(egui::DragValue::new(resolution).range(8..=200));
                ui.end_row();
            });
        }
    }
}

/// One line per model: its name, its kind (or network text), epochs and learning rate.
fn models_ui(ui: &mut egui::Ui, models: &mut [LessonModel], salt: &str) {
    egui::Grid::new(("lesson_models", salt)).num_columns(4).striped(true).show(ui, |ui| {
        for (index, model) in models.iter_mut().enumerate() {
            let default_label = model.label();
            ui.add_sized(
                [160.0, ui.spacing().interact_size.y],
                egui::TextEdit::singleline(&mut model.label).hint_text(default_label),
            )
            .on_hover_text("The model's name in the tables; empty uses its kind.");
            match &mut model.net {
                Some(net) => {
                    ui.add_sized([220.0, ui.spacing().interact_size.y], egui::TextEdit::singleline(net))
                        .on_hover_text("The network layer by layer, as the CLI's --net takes it.");
                }
                None => {
                    let current =
                        ModelKind::from_name(&model.model).map_or(model.model.clone(), |k| k.label().into());
                    egui::ComboBox::from_id_salt(("lesson_model_kind", salt, index))
                        .selected_text(current)
                        .show_ui(ui, |ui| {
                            for kind in ModelKind::ALL {
                                if ui.selectable_label(model.model == kind.name(), kind.label()).clicked() {
                                    model.model = kind.name().to_string();
                                }
                            }
                        });
                }
            }
            let network = model.net.is_some() || model.model == ModelKind::Mlp.name();
            if network {
                ui.add(egui::DragValue::new(&mut model.epochs).range(1..=10_000).prefix("epochs "));
                ui.add(
                    egui::DragValue::new(&mut model.learning_rate)
                        .range(0.00001..=5.0)
                        .speed(0.001)
                        .prefix("lr "),
                );
            } else {
                ui.label("");
                ui.label("");
            }
            ui.end_row();
        }
    });
}

/// The Lessons menu: built-in lessons grouped by difference, open/save a lesson file, the duel.
/// Put it in a menu bar (`ui.menu_button("Lessons", ..)` calls this for its contents).
pub fn lessons_menu_contents_ui(ui: &mut egui::Ui, studio: &LessonsStudio) -> Option<LessonCommand> {
    let mut command = None;
    for (index, heading) in DIFFERENCES.iter().enumerate() {
        ui.label(egui::RichText::new(*heading).weak());
        for lesson in studio.builtin.iter().filter(|l| l.difference as usize == index + 1) {
            if ui.button(&lesson.title).clicked() {
                command = Some(LessonCommand::OpenBuiltin(lesson.id.clone()));
            }
        }
    }
    ui.separator();
    if ui.button("Open lesson file...").clicked() {
        command = Some(LessonCommand::OpenFileDialog);
    }
    if ui.add_enabled(studio.lesson.is_some(), egui::Button::new("Save lesson as...")).clicked() {
        command = Some(LessonCommand::SaveAsDialog);
    }
    ui.separator();
    if ui.button("Duel: classical vs network").clicked() {
        command = Some(LessonCommand::ShowDuel);
    }
    if command.is_some() {
        ui.close();
    }
    command
}

/// A "Lessons" menu button for a toolbar or menu bar.
pub fn lessons_menu_ui(ui: &mut egui::Ui, studio: &LessonsStudio) -> Option<LessonCommand> {
    ui.menu_button("Lessons", |ui| lessons_menu_contents_ui(ui, studio)).inner.flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_only_from_whole_numbers() {
        assert_eq!(parse_sizes("50, 100,200"), Some(vec![50, 100, 200]));
        assert_eq!(parse_sizes("50, x"), None);
        assert_eq!(parse_sizes(" "), None);
    }
}
