//! The studio window. The only module that imports egui; it drives the core through commands and
//! reads the training worker's events.

mod app;
mod boundary;
mod controls;
mod curves;
mod data_view;
mod insight_view;
pub mod loading;
mod metrics_view;
pub mod network_builder;
mod palette;
mod params_panel;

pub use app::{CentralTab, RunStatus, SideView, StudioApp, StudioSettings};

use crate::data::BuiltinDataset;

/// Opens the studio window and blocks until it closes.
pub fn run_studio(dataset: Option<BuiltinDataset>) -> Result<(), String> {
    let options = eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        viewport: egui::ViewportBuilder::default()
            .with_title("Learnscope")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([800.0, 500.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "Learnscope",
        options,
        Box::new(move |cc| {
            let mut app = StudioApp::new(cc);
            if let Some(dataset) = dataset {
                app.open_builtin(dataset);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| format!("the studio window could not open: {e}"))
}
