//! End-to-end tests of the `learnscope` binary (and the layout rules of `src/`), one test binary
//! for all of them: every extra
//! binary links the whole of egui, candle and smartcore again, which costs CI minutes and disk.

#[path = "../common/mod.rs"]
mod common;

mod classical;
mod data;
mod fuzzing;
mod general;
mod images;
mod layout;
mod lessons;
mod network;
