//! CSV loading: turns a user's CSV file into a [`Dataset`] plus a report of what was found.
//!
//! The loader detects the delimiter (`,` `;` or tab), strips a UTF-8 byte-order mark, accepts
//! CRLF line endings and RFC 4180 quoting, infers the kind of every column, one-hot encodes
//! categorical features and decides between classification and regression. Every refusal names
//! the file, the 1-based physical line (the header is line 1) and the column where that applies,
//! and says what to do. It never panics on user data and never changes a value silently: every
//! dropped row or column and every imputed cell is reported in [`LoadedCsv::warnings`].
//!
//! One file a stage: `source` opens the text and picks the delimiter, `read` reads it into a
//! table (`fast` straight from the bytes while rows are plain, `slow` through the `csv` reader
//! otherwise; `table` holds what they fill), `cells` and `analysis` say what cells and columns
//! hold, and `build` turns the table into the data set.

mod analysis;
mod build;
mod cells;
mod fast;
mod read;
mod slow;
mod source;
mod table;
#[cfg(test)]
mod tests;

use std::path::Path;

use super::Dataset;
use build::build;
use read::read_table;
use source::Source;

/// What to do with rows that hold a missing or non-finite numeric feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum MissingPolicy {
    /// Drop such rows (but never every row: columns empty everywhere are removed first).
    #[default]
    DropRows,
    /// Fill missing numeric cells: with the column's mean for the views, and with the mean of the
    /// training rows when a model trains (see [`crate::data::impute`]).
    ImputeMean,
}

/// Forces the task instead of inferring it from the target column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TaskOverride {
    Classification,
    Regression,
}

/// How to load a CSV file.
#[derive(Clone, Debug, Default)]
pub struct CsvOptions {
    /// Name of the target column; the last column when `None`.
    pub target: Option<String>,
    pub missing: MissingPolicy,
    pub task: Option<TaskOverride>,
}

/// What a column was found to hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    Numeric,
    Categorical,
    /// Free text with too many different values to use; ignored as a feature.
    Text,
}

/// One column of the file, as found.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ColumnReport {
    pub name: String,
    pub kind: ColumnKind,
    /// Missing cells over all data rows (for numeric columns: empty, `NA`, `NaN`, `inf`...;
    /// for categorical and text columns the same tokens, which are never made a category).
    pub missing: usize,
}

/// A loaded file: the data set plus what happened on the way.
#[derive(Clone, Debug)]
pub struct LoadedCsv {
    pub dataset: Dataset,
    /// Every column of the file, target included, in file order.
    pub columns: Vec<ColumnReport>,
    /// Rows kept in the data set.
    pub rows: usize,
    /// Data rows of the file that were dropped (missing target or missing feature values).
    pub dropped_rows: usize,
    pub warnings: Vec<String>,
}

/// Why a CSV file could not be loaded. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("could not read {path}: {source}; check that the file exists and that you may read it")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("loading {file} was cancelled")]
    Cancelled { file: String },
    #[error("{file}: the file is empty; choose a CSV file with a header row and at least one data row")]
    Empty { file: String },
    #[error(
        "{file}: no data rows (only the header line); training cannot start. Add data rows below the header"
    )]
    NoDataRows { file: String },
    #[error(
        "{file} line {line} (column {column}) is not valid UTF-8 text; save the file as UTF-8 and load it again"
    )]
    NotUtf8 { file: String, line: u64, column: String },
    #[error(
        "{file} is UTF-16 text (a spreadsheet's \"Unicode text\" export), not UTF-8; save it as \"CSV UTF-8\" and load it again"
    )]
    Utf16 { file: String },
    #[error(
        "{file} line 1: '{line}' is a spreadsheet's separator hint, not a header; delete that line (the header must come first) and load the file again"
    )]
    SeparatorLine { file: String, line: String },
    #[error(
        "{file} line {line}: expected {expected} fields, found {found}; every row needs one value per header column (check for missing or extra separators){hint}"
    )]
    Ragged { file: String, line: u64, expected: usize, found: usize, hint: String },
    #[error(
        "{file} line {line}: a quote opened here never closes; add the closing quote (\") or remove the stray one"
    )]
    UnclosedQuote { file: String, line: u64 },
    #[error("{file}: there is no column named '{name}' to use as the target; the columns are: {columns}")]
    UnknownTarget { file: String, name: String, columns: String },
    #[error("{file}: no feature columns: {detail}; add at least one column to learn from")]
    NoFeatures { file: String, detail: String },
    #[error(
        "{file} line {line}, column {column}: '{value}' is not a number, so {column} cannot be a regression target; choose classification, or fix that cell"
    )]
    NonNumericTarget { file: String, line: u64, column: String, value: String },
    #[error("{file}: no rows left to learn from: {reason}")]
    NoRowsLeft { file: String, reason: String },
    #[error(
        "{file}{place}: could not read the CSV data ({message}); check that it is a comma-, semicolon- or tab-separated text file"
    )]
    Parse { file: String, place: String, message: String },
    #[error("{file}: could not build the data set: {message}")]
    Invalid { file: String, message: String },
}

/// Loads a CSV file from disk. Messages name the file by its file name.
///
/// The file is streamed, never held in memory whole, so a large file costs about the size of
/// its numbers; it is read a second time only when some column holds text.
pub fn load_csv(path: &Path, options: &CsvOptions) -> Result<LoadedCsv, CsvError> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let table = read_table(&file_name, Source::File(path))?;
    build(&file_name, table, options)
}

/// Loads CSV data held in memory (drag-and-drop, tests). `file_name` is used in messages.
pub fn load_csv_bytes(file_name: &str, bytes: &[u8], options: &CsvOptions) -> Result<LoadedCsv, CsvError> {
    let table = read_table(file_name, Source::Bytes(bytes))?;
    build(file_name, table, options)
}

/// How far a load has come, shared with whoever watches it, and a way to stop it.
#[derive(Debug, Default)]
pub struct LoadProgress {
    /// Bytes of the text read in the current pass.
    pub bytes_read: std::sync::atomic::AtomicU64,
    /// 1 while reading numbers, 2 while reading the text columns (if any).
    pub pass: std::sync::atomic::AtomicU32,
    pub cancel: std::sync::atomic::AtomicBool,
}

impl LoadProgress {
    /// The share of the current pass done, for `total` bytes of text.
    pub fn fraction(&self, total: u64) -> f32 {
        let read = self.bytes_read.load(std::sync::atomic::Ordering::Relaxed);
        if total == 0 { 0.0 } else { (read as f64 / total as f64).min(1.0) as f32 }
    }
}

/// Like [`load_csv`], reporting progress and stopping early (with `CsvError::Cancelled`) once
/// `progress.cancel` is set. The file is streamed, never held in memory whole.
pub fn load_csv_watched(
    path: &Path,
    options: &CsvOptions,
    progress: &LoadProgress,
) -> Result<LoadedCsv, CsvError> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let table = read_table(&file_name, Source::WatchedFile(path, progress));
    if progress.cancel.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(CsvError::Cancelled { file: file_name });
    }
    build(&file_name, table?, options)
}
