//! Learnscope: a learning studio that makes classical machine learning and deep learning visible.
//!
//! Core modules (`data`, `models`, `network`, `training`, `metrics`) never touch the UI; only
//! `ui` imports egui. The CLI (`cli`) and the studio drive the same `training::TrainingWorker`.

pub mod bench;
#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
pub mod colors;
pub mod data;
pub mod evaluation;
pub mod experiment;
pub mod files;
#[doc(hidden)]
pub mod fuzzing;
pub mod lessons;
pub mod metrics;
pub mod models;
pub mod training;
pub mod ui;
