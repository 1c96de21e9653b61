//! Training: a synchronous `TrainingSession` (one epoch at a time), the grid the views evaluate
//! it on, its history, and the `TrainingWorker` that runs it on a background thread for the
//! studio, the CLI and the tests alike.
//!
//! Inside, arrows point down: `history` and `grid` stand alone; `scores` rates any model's predictions; `session` trains on
//! all three;
//! `live` reads a session's network for the views; `worker` drives all of it on a thread.

pub mod grid;
pub mod history;
pub mod live;
pub mod scores;
pub mod session;
pub mod worker;

pub use grid::{DecisionGrid, GridPlane, GridSpec, GridValues, RowPredictions, view_coordinates};
pub use history::{EpochRecord, OverfitWatch, overfitting};
pub use live::ExplainTarget;
pub use scores::{Scores, score};
pub use session::{TrainJob, TrainingSession, prepare};
pub use worker::{TrainEvent, TrainingWorker, Waker, WorkerCommand};
