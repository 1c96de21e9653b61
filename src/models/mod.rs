//! Everything that learns: classical models (smartcore and our own) and networks (candle) behind
//! one trait, so the training worker, the CLI and the tests drive both families the same way.
//!
//! Inside, arrows point down: `learner` (the trait and its guards) and `kind` stand alone;
//! `params` reads `kind`; the families (`classical`, `network`) build on `learner`; `config`
//! is the one factory over all of them.

pub mod classical;
pub mod config;
pub mod insight;
pub mod kind;
pub mod learner;
pub mod network;
pub mod params;

pub use config::ModelConfig;
pub use kind::ModelKind;
pub use learner::{Learner, ModelError, Prediction, PreparedData};
