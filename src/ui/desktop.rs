//! The desktop habits around the studio: the menu bar, keyboard shortcuts, themes, presentation
//! mode, the log of warnings and errors with its notifications, file dialogs for experiments and
//! the window icon. Everything here returns commands; `app.rs` carries them out.

use std::path::PathBuf;
use std::time::Duration;

use web_time::Instant;

use serde::{Deserialize, Serialize};

use super::background::{BackgroundTasks, Task};
use super::state::{CentralTab, SideView, StudioCommand, ThemeChoice};

/// Zoom of the whole UI in presentation mode, for a projector at the back of a classroom.
pub const PRESENTATION_ZOOM: f32 = 1.5;
/// Files kept in File > Open recent.
const RECENT_LIMIT: usize = 8;
/// How long a notification stays in the corner.
const NOTIFICATION_SECONDS: f32 = 6.0;

/// The app's own preferences, kept with the session but not in experiment files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Preferences {
    pub theme: ThemeChoice,
    /// Larger UI and advanced controls hidden, for a projector.
    pub presentation: bool,
    pub recent: Vec<PathBuf>,
    pub show_log: bool,
    /// The layout: which tab and which side view were open.
    pub tab: CentralTab,
    pub side_view: SideView,
    /// The zoom the user chose (Ctrl+Plus/Minus), which presentation mode enlarges further.
    pub zoom: f32,
    /// Class colours from Okabe and Ito's colour-blind-safe palette.
    pub colour_blind: bool,
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            theme: ThemeChoice::System,
            presentation: false,
            recent: Vec::new(),
            show_log: false,
            tab: CentralTab::Model,
            side_view: SideView::Curves,
            zoom: 1.0,
            colour_blind: false,
        }
    }
}

impl Preferences {
    /// Puts `path` first in the recent files, once.
    pub fn remember(&mut self, path: PathBuf) {
        self.recent.retain(|p| *p != path);
        self.recent.insert(0, path);
        self.recent.truncate(RECENT_LIMIT);
    }

    pub fn apply(&self, ctx: &egui::Context) {
        ctx.set_theme(self.theme.preference());
        super::palette::set_colour_blind(self.colour_blind);
        let zoom = self.effective_zoom();
        if (ctx.zoom_factor() - zoom).abs() > f32::EPSILON {
            ctx.set_zoom_factor(zoom);
        }
    }

    /// The user's zoom, times presentation mode's.
    fn effective_zoom(&self) -> f32 {
        let zoom = if self.zoom.is_finite() { self.zoom.clamp(0.5, 3.0) } else { 1.0 };
        if self.presentation { zoom * PRESENTATION_ZOOM } else { zoom }
    }

    /// Takes a zoom the user set with the keyboard as the one presentation mode enlarges, so
    /// neither a theme change nor presentation mode undoes it. Ctrl+0 (back to 1) restores the
    /// mode's own size. Returns whether the preferences changed.
    pub fn follow_zoom(&mut self, ctx: &egui::Context) -> bool {
        let current = ctx.zoom_factor();
        if (current - self.effective_zoom()).abs() < 1e-3 {
            return false;
        }
        self.zoom = if (current - 1.0).abs() < 1e-3 {
            1.0
        } else if self.presentation {
            current / PRESENTATION_ZOOM
        } else {
            current
        };
        self.apply(ctx);
        true
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    Info,
    Warning,
    Error,
}

#[derive(Clone, Debug)]
pub struct LogEntry {
    pub level: LogLevel,
    pub message: String,
    /// Seconds since the studio opened.
    pub at: f64,
}

/// Every warning and error the studio showed, readable after its notification has gone.
#[derive(Default)]
pub struct Log {
    pub entries: Vec<LogEntry>,
    /// Entries still shown as notifications, and since when.
    notifications: Vec<(usize, Instant)>,
    opened: Option<Instant>,
}

impl Log {
    pub fn push(&mut self, level: LogLevel, message: impl Into<String>) {
        let message = message.into();
        // A message repeated frame after frame is one entry.
        if self.entries.last().is_some_and(|e| e.message == message && e.level == level) {
            return;
        }
        let opened = *self.opened.get_or_insert_with(Instant::now);
        self.entries.push(LogEntry { level, message, at: opened.elapsed().as_secs_f64() });
        if level != LogLevel::Info {
            self.notifications.push((self.entries.len() - 1, Instant::now()));
        }
        // A long session keeps the last thousand lines.
        if self.entries.len() > 1000 {
            self.entries.drain(..100);
            self.notifications.clear();
        }
    }

    pub fn problems(&self) -> usize {
        self.entries.iter().filter(|e| e.level != LogLevel::Info).count()
    }

    /// Notifications in the bottom-right corner; they fade after a few seconds or on a click.
    pub fn notifications_ui(&mut self, ctx: &egui::Context) {
        self.notifications.retain(|(_, since)| since.elapsed().as_secs_f32() < NOTIFICATION_SECONDS);
        if self.notifications.is_empty() {
            return;
        }
        let mut dismissed = None;
        egui::Area::new(egui::Id::unique("notifications"))
            .anchor(egui::Align2::RIGHT_BOTTOM, egui::vec2(-12.0, -12.0))
            .order(egui::Order::Foreground)
            .show(ctx, |ui| {
                for (slot, (index, _)) in self.notifications.iter().enumerate() {
                    let Some(entry) = self.entries.get(*index) else { continue };
                    egui::Frame::popup(ui.style()).show(ui, |ui| {
                        ui.set_max_width(360.0);
                        let color = level_color(ui, entry.level);
                        let text = format!("{}: {}", level_name(entry.level), entry.message);
                        if ui
                            .add(
                                egui::Label::new(egui::RichText::new(text).color(color))
                                    .sense(egui::Sense::click()),
                            )
                            .on_hover_text("Click to dismiss. Every message stays in the log (View > Log).")
                            .clicked()
                        {
                            dismissed = Some(slot);
                        }
                    });
                }
            });
        if let Some(slot) = dismissed {
            self.notifications.remove(slot);
        }
        ctx.request_repaint_after(Duration::from_millis(500));
    }

    /// The log panel's contents, newest last.
    pub fn panel_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.strong(format!("Log ({} messages)", self.entries.len()));
            if ui.button("Clear log").clicked() {
                self.entries.clear();
                self.notifications.clear();
            }
        });
        egui::ScrollArea::vertical().stick_to_bottom(true).max_height(140.0).show(ui, |ui| {
            if self.entries.is_empty() {
                ui.weak("Nothing to report yet: warnings and errors will be listed here.");
            }
            for entry in &self.entries {
                let color = level_color(ui, entry.level);
                ui.colored_label(
                    color,
                    format!("[{:>6.1} s] {}: {}", entry.at, level_name(entry.level), entry.message),
                );
            }
        });
    }
}

fn level_name(level: LogLevel) -> &'static str {
    match level {
        LogLevel::Info => "info",
        LogLevel::Warning => "warning",
        LogLevel::Error => "error",
    }
}

fn level_color(ui: &egui::Ui, level: LogLevel) -> egui::Color32 {
    match level {
        LogLevel::Info => ui.visuals().text_color(),
        LogLevel::Warning => ui.visuals().warn_fg_color,
        LogLevel::Error => ui.visuals().error_fg_color,
    }
}

/// Keyboard shortcuts, as listed in Help > Keyboard shortcuts.
pub const SHORTCUTS: [(&str, &str); 10] = [
    ("Space", "play or pause training"),
    ("S", "train one step (epoch)"),
    ("R", "reset the model to fresh weights"),
    ("O", "open a CSV file"),
    ("Ctrl+O", "open an experiment"),
    ("Ctrl+S", "save the experiment"),
    ("Ctrl+Shift+S", "save the experiment under a new name"),
    ("Ctrl+Plus / Ctrl+Minus", "zoom in or out"),
    ("Ctrl+0", "reset the zoom"),
    ("F5", "presentation mode on or off"),
];

/// Commands for the shortcuts pressed this frame. Plain keys only act when no text field has
/// the keyboard, so typing "s" into a name never steps training.
pub fn shortcuts(ctx: &egui::Context) -> Vec<StudioCommand> {
    let mut commands = Vec::new();
    let typing = ctx.egui_wants_keyboard_input();
    ctx.input_mut(|input| {
        use egui::{Key, KeyboardShortcut, Modifiers};
        let save_as = KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, Key::S);
        if input.consume_shortcut(&save_as) {
            commands.push(StudioCommand::SaveExperimentAs);
        }
        if input.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, Key::S)) {
            commands.push(StudioCommand::SaveExperiment);
        }
        if input.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, Key::O)) {
            commands.push(StudioCommand::OpenExperimentDialog);
        }
        if input.consume_key(Modifiers::NONE, Key::F5) {
            commands.push(StudioCommand::TogglePresentation);
        }
        if typing {
            return;
        }
        if input.consume_key(Modifiers::NONE, Key::Space) {
            commands.push(StudioCommand::TogglePlay);
        }
        if input.consume_key(Modifiers::NONE, Key::O) {
            commands.push(StudioCommand::OpenFileDialog);
        }
        if input.consume_key(Modifiers::NONE, Key::S) {
            commands.push(StudioCommand::Step);
        }
        if input.consume_key(Modifiers::NONE, Key::R) {
            commands.push(StudioCommand::Reset);
        }
    });
    commands
}

/// What the menu bar needs to know.
pub struct MenuContext<'a> {
    pub preferences: &'a Preferences,
    pub experiment: Option<&'a std::path::Path>,
    pub problems: usize,
    pub lessons: &'a super::lessons_view::LessonsStudio,
}

/// File, View, Lessons and Help menus. Returns what was chosen.
pub fn menu_bar_ui(ui: &mut egui::Ui, context: &MenuContext<'_>) -> Vec<StudioCommand> {
    let mut commands = Vec::new();
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            if ui.button("Open experiment... (Ctrl+O)").on_hover_text(
                "Open a saved .learnscope.json experiment: its data, its model and any trained weights.",
            ).clicked() {
                commands.push(StudioCommand::OpenExperimentDialog);
            }
            ui.menu_button("Open recent", |ui| {
                if context.preferences.recent.is_empty() {
                    ui.weak("No experiments saved or opened yet.");
                }
                for path in &context.preferences.recent {
                    let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
                    if ui.button(name).on_hover_text(path.display().to_string()).clicked() {
                        commands.push(StudioCommand::OpenExperiment(path.clone()));
                    }
                }
            });
            if ui.button("Save experiment (Ctrl+S)").on_hover_text(
                "Save the data, the model settings and a network's trained weights, so you can come back to them or share them.",
            ).clicked() {
                commands.push(StudioCommand::SaveExperiment);
            }
            if ui.button("Save experiment as... (Ctrl+Shift+S)").clicked() {
                commands.push(StudioCommand::SaveExperimentAs);
            }
            ui.separator();
            if ui.button("Open CSV...").on_hover_text("Load your own table of data.").clicked() {
                commands.push(StudioCommand::OpenFileDialog);
            }
            if crate::ui::platform::HAS_FILE_SYSTEM
                && ui
                    .button("Open folder of images...")
                    .on_hover_text("One subfolder per class, PNG or JPEG images of any size (as for Teachable Machine).")
                    .clicked()
            {
                commands.push(StudioCommand::OpenFolderDialog);
            }
            ui.separator();
            if ui
                .button("Copy share link")
                .on_hover_text(
                    "Copy a link that holds this set-up: the data settings, the model and the open lesson. \
                     Opened in the browser (or with File > Open link), it shows the same studio.",
                )
                .clicked()
            {
                commands.push(StudioCommand::CopyLink);
            }
            if ui.button("Open link...").on_hover_text("Paste a share link to open its set-up.").clicked() {
                commands.push(StudioCommand::ShowOpenLink);
            }
        });
        ui.menu_button("View", |ui| {
            let mut presentation = context.preferences.presentation;
            if ui.checkbox(&mut presentation, "Presentation mode (F5)").on_hover_text(
                "For a projector: everything larger, and the advanced controls hidden so the class sees the essentials.",
            ).changed() {
                commands.push(StudioCommand::TogglePresentation);
            }
            ui.menu_button("Theme", |ui| {
                for theme in ThemeChoice::ALL {
                    if ui.radio(context.preferences.theme == theme, theme.label()).clicked() {
                        commands.push(StudioCommand::SetTheme(theme));
                    }
                }
            });
            let mut colour_blind = context.preferences.colour_blind;
            if ui
                .checkbox(&mut colour_blind, "Colour-blind-safe colours")
                .on_hover_text(
                    "Okabe and Ito's palette, readable with every common colour vision deficiency (orange, sky blue, bluish green, yellow, blue...). Classes also differ by marker shape.",
                )
                .changed()
            {
                commands.push(StudioCommand::ToggleColourBlind);
            }
            let mut show_log = context.preferences.show_log;
            if ui.checkbox(&mut show_log, "Log panel").on_hover_text("Every warning and error of this session.").changed() {
                commands.push(StudioCommand::ToggleLog);
            }
            ui.separator();
            ui.label("Zoom: Ctrl+Plus, Ctrl+Minus, Ctrl+0");
        });
        if let Some(lesson) = super::lessons_view::lessons_menu_ui(ui, context.lessons) {
            commands.push(StudioCommand::Lesson(lesson));
        }
        ui.menu_button("Help", |ui| {
            if ui.button("Keyboard shortcuts").clicked() {
                commands.push(StudioCommand::ShowHelp);
            }
        });
        if context.problems > 0 {
            let label = format!("Log: {} warning(s)", context.problems);
            if ui.button(label).on_hover_text("Open the log panel.").clicked() {
                commands.push(StudioCommand::ToggleLog);
            }
        }
        if let Some(path) = context.experiment {
            ui.weak(path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        }
    });
    commands
}

/// The Help window: shortcuts and where things are.
pub fn help_window_ui(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new("Keyboard shortcuts").open(open).resizable(false).show(ctx, |ui| {
        egui::Grid::new("shortcuts").striped(true).show(ui, |ui| {
            for (keys, action) in SHORTCUTS {
                ui.strong(keys);
                ui.label(action);
                ui.end_row();
            }
        });
        ui.separator();
        ui.label("Hover over any control to read what it does and what the idea behind it is.");
    });
}

/// The desktop's Save dialog for an experiment, in the background so the UI keeps drawing.
pub fn save_experiment_dialog(tasks: &BackgroundTasks) -> Task<Option<PathBuf>> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        tasks.spawn("experiment-dialog", move |_| {
            rfd::FileDialog::new()
                .add_filter("Learnscope experiments", &["json"])
                .set_title("Save the experiment")
                .set_file_name(format!("experiment.{}", crate::experiment::EXTENSION))
                .save_file()
                .map(crate::experiment::with_extension)
        })
    }
    // The browser downloads the experiment instead (`StudioApp::download_experiment`).
    #[cfg(target_arch = "wasm32")]
    {
        tasks.spawn("experiment-dialog", |_| None)
    }
}

/// The window icon, decoded from the PNG in `assets/`.
pub fn window_icon() -> Option<egui::IconData> {
    let bytes: &[u8] = include_bytes!("../../assets/icon.png");
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::ALPHA);
    let mut reader = decoder.read_info().ok()?;
    let mut rgba = vec![0; reader.output_buffer_size()?];
    let info = reader.next_frame(&mut rgba).ok()?;
    if info.color_type != png::ColorType::Rgba || info.bit_depth != png::BitDepth::Eight {
        return None;
    }
    rgba.truncate(info.buffer_size());
    Some(egui::IconData { rgba, width: info.width, height: info.height })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_icon_decodes() {
        let icon = window_icon().expect("assets/icon.png is an 8-bit RGBA PNG");
        assert_eq!(icon.rgba.len(), (icon.width * icon.height * 4) as usize);
        assert!(icon.width >= 64);
    }

    #[test]
    fn recent_files_are_unique_and_bounded() {
        let mut preferences = Preferences::default();
        for i in 0..12 {
            preferences.remember(PathBuf::from(format!("{i}.learnscope.json")));
        }
        preferences.remember(PathBuf::from("5.learnscope.json"));
        assert_eq!(preferences.recent.len(), RECENT_LIMIT);
        assert_eq!(preferences.recent[0], PathBuf::from("5.learnscope.json"));
        assert_eq!(preferences.recent.iter().filter(|p| p.ends_with("5.learnscope.json")).count(), 1);
    }

    #[test]
    fn repeated_messages_are_logged_once() {
        let mut log = Log::default();
        log.push(LogLevel::Warning, "a class has one member");
        log.push(LogLevel::Warning, "a class has one member");
        log.push(LogLevel::Error, "the file is damaged");
        assert_eq!((log.entries.len(), log.problems()), (2, 2));
    }
}
