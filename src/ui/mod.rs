//! The studio window. The only module that imports egui; it drives the core through commands and
//! reads the training worker's events.

mod app;
mod axes;
pub mod background;
mod boundary;
mod controls;
mod curves;
mod data_view;
pub mod desktop;
mod duel_view;
pub mod export;
mod insight_view;
pub mod lessons_view;
pub mod loading;
mod metrics_view;
pub mod network_builder;
mod network_view;
mod palette;
mod params_panel;
pub mod platform;
mod report_view;
mod representations_view;
mod rewind;
pub mod share;
pub mod state;
mod stepper_view;
#[cfg(target_arch = "wasm32")]
pub mod web;

pub use app::StudioApp;
pub use state::{CentralTab, RunStatus, SideView, StudioCommand, StudioSettings, ThemeChoice, ViewAxes};

use crate::data::BuiltinDataset;

/// What `learnscope gui` asks the studio to open with.
#[derive(Clone, Debug, Default)]
pub struct StudioStart {
    pub dataset: Option<BuiltinDataset>,
    pub data: Option<std::path::PathBuf>,
    pub target: Option<String>,
    pub model: Option<crate::models::ModelKind>,
    pub net: Option<crate::models::network::NetworkSpec>,
    /// A share link to open (`learnscope open LINK`).
    pub link: Option<String>,
    /// A lesson to open in its window: a built-in id or a lesson file.
    pub lesson: Option<String>,
}

/// Opens the studio window and blocks until it closes.
#[cfg(not(target_arch = "wasm32"))]
pub fn run_studio(start: StudioStart) -> Result<(), String> {
    let options = eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        viewport: egui::ViewportBuilder::default()
            .with_title("Learnscope")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([800.0, 500.0])
            .with_drag_and_drop(true)
            .with_icon(std::sync::Arc::new(desktop::window_icon().unwrap_or_default())),
        ..Default::default()
    };
    eframe::run_native(
        "Learnscope",
        options,
        Box::new(move |cc| {
            let mut app = StudioApp::new(cc);
            app.apply_start(start);
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| format!("the studio window could not open: {e}"))
}
