//! Lessons: the differences between classical machine learning and deep learning as experiments
//! that run in one click (studio) or one command (CLI).

pub mod report;

pub use report::{ChartSeries, Figure, Heatmap, LessonReport, ReportChart, ReportTable, SeriesStyle};
