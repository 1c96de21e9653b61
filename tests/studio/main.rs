//! The studio clicked through headless with egui_kittest, by label, in one test binary (each
//! extra binary would link the whole of egui, candle and smartcore again).

#[path = "../common/mod.rs"]
mod common;

mod accessibility;
mod classical;
mod desktop;
mod glance;
mod lessons;
mod network;
mod network_views;
mod representations;
mod robustness;
mod share;
mod stepper;
mod ui;
mod views;
