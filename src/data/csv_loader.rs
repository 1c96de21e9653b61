//! CSV loading: turns a user's CSV file into a [`Dataset`] plus a report of what was found.
//!
//! The loader detects the delimiter (`,` `;` or tab), strips a UTF-8 byte-order mark, accepts
//! CRLF line endings and RFC 4180 quoting, infers the kind of every column, one-hot encodes
//! categorical features and decides between classification and regression. Every refusal names
//! the file, the 1-based physical line (the header is line 1) and the column where that applies,
//! and says what to do. It never panics on user data and never changes a value silently: every
//! dropped row or column and every imputed cell is reported in [`LoadedCsv::warnings`].

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use super::{Dataset, Target};

/// What to do with rows that hold a missing or non-finite numeric feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum MissingPolicy {
    /// Drop such rows (but never every row: columns empty everywhere are removed first).
    #[default]
    DropRows,
    /// Replace missing numeric cells by the mean of the column's finite values.
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
    /// for categorical and text columns: empty cells; for the target: any missing value).
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
pub fn load_csv(path: &Path, options: &CsvOptions) -> Result<LoadedCsv, CsvError> {
    let bytes =
        std::fs::read(path).map_err(|source| CsvError::Io { path: path.display().to_string(), source })?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    load_csv_bytes(&file_name, &bytes, options)
}

/// Loads CSV data held in memory (drag-and-drop, tests). `file_name` is used in messages.
pub fn load_csv_bytes(file_name: &str, bytes: &[u8], options: &CsvOptions) -> Result<LoadedCsv, CsvError> {
    let file = file_name.to_string();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(CsvError::Empty { file });
    }
    let delimiter = detect_delimiter(bytes);
    if let Some(line) = find_unclosed_quote(bytes, delimiter) {
        return Err(CsvError::UnclosedQuote { file, line });
    }
    let table = read_table(&file, bytes, delimiter)?;
    build(&file, table, options)
}

// ---------------------------------------------------------------------------------------------
// Reading

/// The raw text of a file: header names (made unique) and cells stored column by column.
struct Table {
    names: Vec<String>,
    /// `columns[j][i]`: cell of data row `i` in column `j`.
    columns: Vec<Vec<String>>,
    /// Physical line where each data row starts.
    lines: Vec<u64>,
    warnings: Vec<String>,
}

const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];

/// Picks `,` `;` or tab: the one present in the header whose count outside quotes matches the
/// header's in most of the first lines (ties go to the earlier one). Comma when none appears.
fn detect_delimiter(bytes: &[u8]) -> u8 {
    const MAX_LINES: usize = 30;
    const MAX_BYTES: usize = 1 << 16;
    let mut counts: Vec<[usize; 3]> = Vec::new();
    let mut current = [0usize; 3];
    let mut has_content = false;
    let mut in_quotes = false;
    let sample = bytes.get(..MAX_BYTES).unwrap_or(bytes);
    for &b in sample {
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if !in_quotes && (b == b'\n' || b == b'\r') {
            if has_content {
                counts.push(current);
                if counts.len() >= MAX_LINES {
                    break;
                }
            }
            current = [0; 3];
            has_content = false;
            continue;
        } else if !in_quotes {
            for (count, &d) in current.iter_mut().zip(&DELIMITERS) {
                if b == d {
                    *count += 1;
                }
            }
        }
        has_content = true;
    }
    // The last line counts only when the sample holds it whole.
    if has_content && sample.len() == bytes.len() && counts.len() < MAX_LINES {
        counts.push(current);
    }
    let Some((header, rest)) = counts.split_first() else {
        return b',';
    };
    let mut best: Option<(usize, u8)> = None;
    for (k, &d) in DELIMITERS.iter().enumerate() {
        let in_header = header.get(k).copied().unwrap_or(0);
        if in_header == 0 {
            continue;
        }
        let score = rest.iter().filter(|c| c.get(k).copied() == Some(in_header)).count();
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, d));
        }
    }
    best.map_or(b',', |(_, d)| d)
}

/// Finds a quote that opens a field and never closes, following the same rules as the `csv`
/// crate (a quote only opens a field at its start; `""` inside quotes is a literal quote).
/// Returns the physical line where that quote opened.
fn find_unclosed_quote(bytes: &[u8], delimiter: u8) -> Option<u64> {
    #[derive(PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    let mut line = 1u64;
    let mut opened_at = 1u64;
    for &b in bytes {
        let ends_field = b == delimiter || b == b'\n' || b == b'\r';
        state = match state {
            State::FieldStart if b == b'"' => {
                opened_at = line;
                State::Quoted
            }
            State::FieldStart | State::Unquoted => {
                if ends_field {
                    State::FieldStart
                } else {
                    State::Unquoted
                }
            }
            State::Quoted => {
                if b == b'"' {
                    State::QuoteInQuoted
                } else {
                    State::Quoted
                }
            }
            State::QuoteInQuoted => {
                if b == b'"' {
                    State::Quoted
                } else if ends_field {
                    State::FieldStart
                } else {
                    State::Unquoted
                }
            }
        };
        if b == b'\n' {
            line += 1;
        }
    }
    (state == State::Quoted).then_some(opened_at)
}

/// Turns the byte offset where the `csv` reader says a record starts into a physical line.
/// The reader's own offset may sit before blank lines or the `\n` of a CRLF pair, so those are
/// skipped first. Offsets only grow, so counting is incremental.
struct LineCounter<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u64,
}

impl LineCounter<'_> {
    fn record_line(&mut self, offset: u64) -> u64 {
        let mut start = usize::try_from(offset).unwrap_or(usize::MAX).min(self.bytes.len());
        while matches!(self.bytes.get(start), Some(b'\n' | b'\r')) {
            start += 1;
        }
        if start > self.pos {
            let newlines =
                self.bytes.get(self.pos..start).map_or(0, |s| s.iter().filter(|&&b| b == b'\n').count());
            self.line += newlines as u64;
            self.pos = start;
        }
        self.line
    }
}

fn read_table(file: &str, bytes: &[u8], delimiter: u8) -> Result<Table, CsvError> {
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(bytes);
    let mut lines = LineCounter { bytes, pos: 0, line: 1 };
    let mut record = csv::ByteRecord::new();
    let mut read = |record: &mut csv::ByteRecord| -> Result<bool, CsvError> {
        reader.read_byte_record(record).map_err(|e| CsvError::Parse {
            file: file.to_string(),
            place: e.position().map(|p| format!(" line {}", p.line())).unwrap_or_default(),
            message: e.to_string(),
        })
    };

    // Header.
    if !read(&mut record)? {
        return Err(CsvError::Empty { file: file.to_string() });
    }
    let header_line = lines.record_line(record.position().map_or(0, |p| p.byte()));
    let mut raw_names = Vec::with_capacity(record.len());
    for (j, field) in record.iter().enumerate() {
        let name = std::str::from_utf8(field).map_err(|_| CsvError::NotUtf8 {
            file: file.to_string(),
            line: header_line,
            column: format!("number {}", j + 1),
        })?;
        raw_names.push(name.to_string());
    }
    let mut warnings = Vec::new();
    let names = unique_names(raw_names, &mut warnings);
    let expected = names.len();

    // Data rows.
    let mut columns: Vec<Vec<String>> = vec![Vec::new(); expected];
    let mut row_lines = Vec::new();
    while read(&mut record)? {
        let line = lines.record_line(record.position().map_or(0, |p| p.byte()));
        if record.len() != expected {
            let hint = if record.iter().any(|f| f.contains(&b'\n')) {
                format!(
                    "; a quoted value starting on line {line} runs over several lines, so a quote may be missing or extra"
                )
            } else {
                String::new()
            };
            return Err(CsvError::Ragged {
                file: file.to_string(),
                line,
                expected,
                found: record.len(),
                hint,
            });
        }
        for ((field, column), name) in record.iter().zip(columns.iter_mut()).zip(&names) {
            let text = std::str::from_utf8(field).map_err(|_| CsvError::NotUtf8 {
                file: file.to_string(),
                line,
                column: name.clone(),
            })?;
            column.push(text.to_string());
        }
        row_lines.push(line);
    }
    if row_lines.is_empty() {
        return Err(CsvError::NoDataRows { file: file.to_string() });
    }
    Ok(Table { names, columns, lines: row_lines, warnings })
}

/// Names empty header cells `column_N` and renames repeated names `x` → `x_2`, with warnings.
fn unique_names(raw: Vec<String>, warnings: &mut Vec<String>) -> Vec<String> {
    let originals: HashSet<String> = raw.iter().cloned().collect();
    let mut used: HashSet<String> = HashSet::new();
    let mut first_position: Vec<(String, usize)> = Vec::new();
    let mut names = Vec::with_capacity(raw.len());
    for (j, name) in raw.into_iter().enumerate() {
        let mut name = name;
        if name.trim().is_empty() {
            let mut k = j + 1;
            let mut candidate = format!("column_{k}");
            while originals.contains(&candidate) || used.contains(&candidate) {
                k += 1;
                candidate = format!("column_{k}");
            }
            warnings.push(format!("column {} has no name in the header; it is called {candidate}", j + 1));
            name = candidate;
        }
        if used.contains(&name) {
            let first = first_position.iter().find(|(n, _)| *n == name).map_or(0, |(_, p)| *p);
            let mut k = 2;
            let mut candidate = format!("{name}_{k}");
            while originals.contains(&candidate) || used.contains(&candidate) {
                k += 1;
                candidate = format!("{name}_{k}");
            }
            warnings.push(format!(
                "column name {name} appears twice (columns {} and {}); the second one is renamed {candidate}",
                first + 1,
                j + 1
            ));
            name = candidate;
        }
        used.insert(name.clone());
        first_position.push((name.clone(), j));
        names.push(name);
    }
    names
}

// ---------------------------------------------------------------------------------------------
// Cells and columns

/// Written forms of a missing or non-finite number (compared case-insensitively, trimmed).
const MISSING_TOKENS: [&str; 12] =
    ["", "na", "n/a", "nan", "?", "null", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Cell {
    Missing,
    Number(f64),
    Text,
}

fn parse_cell(s: &str) -> Cell {
    let t = s.trim();
    if MISSING_TOKENS.iter().any(|m| t.eq_ignore_ascii_case(m)) {
        return Cell::Missing;
    }
    match t.parse::<f64>() {
        // `+ 0.0` turns -0 into 0 so that both are the same value and class.
        Ok(v) if v.is_finite() => Cell::Number(v + 0.0),
        Ok(_) => Cell::Missing,
        Err(_) => Cell::Text,
    }
}

fn is_blank(s: &str) -> bool {
    s.trim().is_empty()
}

/// What a column holds, over all data rows.
struct Analysis {
    kind: ColumnKind,
    numbers: usize,
    /// Cells that are missing as numbers (empty, NA, NaN, inf...).
    missing_numbers: usize,
    /// Cells that are neither numbers nor missing.
    texts: usize,
    /// First cell that is neither a number nor missing: (row index, value).
    first_text: Option<(usize, String)>,
    /// Empty cells.
    blanks: usize,
    /// Distinct non-empty values (only counted for non-numeric columns).
    distinct: usize,
}

fn analyse(cells: &[String]) -> Analysis {
    let mut a = Analysis {
        kind: ColumnKind::Numeric,
        numbers: 0,
        missing_numbers: 0,
        texts: 0,
        first_text: None,
        blanks: 0,
        distinct: 0,
    };
    for (i, s) in cells.iter().enumerate() {
        match parse_cell(s) {
            Cell::Missing => a.missing_numbers += 1,
            Cell::Number(_) => a.numbers += 1,
            Cell::Text => {
                a.texts += 1;
                if a.first_text.is_none() {
                    a.first_text = Some((i, s.clone()));
                }
            }
        }
        if is_blank(s) {
            a.blanks += 1;
        }
    }
    if a.texts > 0 {
        let distinct: HashSet<&str> = cells.iter().filter(|s| !is_blank(s)).map(String::as_str).collect();
        a.distinct = distinct.len();
        let max_categories = 20usize.max(cells.len() / 20);
        a.kind = if a.distinct <= max_categories { ColumnKind::Categorical } else { ColumnKind::Text };
    }
    a
}

/// Names up to five line numbers: "line 3", "lines 3, 8, 12 and 4 more".
fn list_lines(lines: &[u64]) -> String {
    let shown: Vec<String> = lines.iter().take(5).map(u64::to_string).collect();
    let mut text = format!("{} {}", if lines.len() == 1 { "line" } else { "lines" }, shown.join(", "));
    if lines.len() > 5 {
        text.push_str(&format!(" and {} more", lines.len() - 5));
    }
    text
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("{n} {one}") } else { format!("{n} {many}") }
}

// ---------------------------------------------------------------------------------------------
// Building the data set

/// A feature column that survives: numeric values per kept row, or categories.
enum FeatureColumn {
    Numeric { column: usize },
    Categorical { column: usize },
}

fn build(file: &str, table: Table, options: &CsvOptions) -> Result<LoadedCsv, CsvError> {
    let Table { names, columns, lines, mut warnings } = table;
    let n_rows = lines.len();

    // Target column.
    let target_index = match &options.target {
        None => names.len().saturating_sub(1),
        Some(wanted) => names
            .iter()
            .position(|n| n == wanted)
            .or_else(|| names.iter().position(|n| n.trim() == wanted.trim()))
            .ok_or_else(|| CsvError::UnknownTarget {
                file: file.to_string(),
                name: wanted.clone(),
                columns: names.join(", "),
            })?,
    };
    let target_name = names.get(target_index).cloned().unwrap_or_default();
    let empty: Vec<String> = Vec::new();
    let target_cells = columns.get(target_index).unwrap_or(&empty);

    // Column kinds.
    let analyses: Vec<Analysis> = columns.iter().map(|c| analyse(c)).collect();
    let mut reports = Vec::with_capacity(names.len());
    for (j, (name, a)) in names.iter().zip(&analyses).enumerate() {
        let is_target = j == target_index;
        let kind = if is_target && a.kind == ColumnKind::Text { ColumnKind::Categorical } else { a.kind };
        let missing = if is_target || kind == ColumnKind::Numeric { a.missing_numbers } else { a.blanks };
        reports.push(ColumnReport { name: name.clone(), kind, missing });
        if kind != ColumnKind::Numeric
            && a.numbers > a.texts
            && let Some((row, value)) = &a.first_text
        {
            let line = lines.get(*row).copied().unwrap_or(0);
            let treated = if is_target {
                "its values are treated as class names"
            } else if kind == ColumnKind::Categorical {
                "treated as categorical"
            } else {
                "ignored as free text"
            };
            warnings.push(format!(
                "column {name} looks numeric but line {line} holds '{value}': {treated}; fix that cell to use it as a number"
            ));
        }
    }

    // Rows without a target are always dropped: a missing target is never a class.
    let mut keep: Vec<bool> = target_cells.iter().map(|s| parse_cell(s) != Cell::Missing).collect();
    let no_target: Vec<u64> = keep.iter().zip(&lines).filter(|(k, _)| !**k).map(|(_, &line)| line).collect();
    if no_target.len() == n_rows {
        return Err(CsvError::NoRowsLeft {
            file: file.to_string(),
            reason: format!(
                "the target column {target_name} has no value in any row; fill it in or choose another target column"
            ),
        });
    }
    if !no_target.is_empty() {
        warnings.push(format!(
            "{} no value in the target column {target_name} and {} dropped ({})",
            plural(no_target.len(), "row has", "rows have"),
            if no_target.len() == 1 { "was" } else { "were" },
            list_lines(&no_target)
        ));
    }

    // Target values and task.
    let target_analysis = analyses.get(target_index);
    let target_numeric = target_analysis.is_none_or(|a| a.texts == 0);
    let classification = match options.task {
        Some(TaskOverride::Regression) => {
            if let Some((row, value)) = target_analysis.and_then(|a| a.first_text.clone()) {
                return Err(CsvError::NonNumericTarget {
                    file: file.to_string(),
                    line: lines.get(row).copied().unwrap_or(0),
                    column: target_name,
                    value,
                });
            }
            false
        }
        Some(TaskOverride::Classification) => true,
        None => {
            if target_numeric {
                let mut distinct: Vec<f64> = target_cells
                    .iter()
                    .filter_map(|s| match parse_cell(s) {
                        Cell::Number(v) => Some(v),
                        _ => None,
                    })
                    .collect();
                let integers = distinct.iter().all(|v| v.fract() == 0.0 && v.abs() < 9.0e15);
                distinct.sort_by(f64::total_cmp);
                distinct.dedup();
                integers && distinct.len() <= 20
            } else {
                true
            }
        }
    };

    // Feature columns: drop free text and columns empty in every row that has a target.
    let mut features: Vec<FeatureColumn> = Vec::new();
    let mut dropped_columns: Vec<String> = Vec::new();
    for (j, (name, a)) in names.iter().zip(&analyses).enumerate() {
        if j == target_index {
            continue;
        }
        let cells = columns.get(j).unwrap_or(&empty);
        match a.kind {
            ColumnKind::Text => {
                warnings.push(format!(
                    "column {name} looks like free text ({} different values in {n_rows} rows, too many to use as categories) and was ignored",
                    a.distinct
                ));
                dropped_columns.push(format!("{name} (free text)"));
            }
            ColumnKind::Numeric | ColumnKind::Categorical => {
                let usable = cells.iter().zip(&keep).filter(|(s, k)| **k && cell_present(s, a.kind)).count();
                if usable == 0 {
                    if a.kind == ColumnKind::Numeric && a.missing_numbers == n_rows {
                        warnings.push(format!("column {name} was empty in every row and was dropped"));
                    } else {
                        warnings.push(format!(
                            "column {name} was empty in every row that has a target value and was dropped"
                        ));
                    }
                    dropped_columns.push(format!("{name} (empty)"));
                } else if a.kind == ColumnKind::Numeric {
                    features.push(FeatureColumn::Numeric { column: j });
                } else {
                    features.push(FeatureColumn::Categorical { column: j });
                }
            }
        }
    }
    if features.is_empty() {
        let mut detail = format!("{file} holds only the target column {target_name}");
        if !dropped_columns.is_empty() {
            detail = format!(
                "{file} has no usable column besides the target {target_name} (dropped: {})",
                dropped_columns.join(", ")
            );
        }
        return Err(CsvError::NoFeatures { file: file.to_string(), detail });
    }

    // Missing numeric features: drop rows or impute means.
    let numeric_columns: Vec<(usize, &str)> = features
        .iter()
        .filter_map(|f| match f {
            FeatureColumn::Numeric { column } => names.get(*column).map(|n| (*column, n.as_str())),
            FeatureColumn::Categorical { .. } => None,
        })
        .collect();
    let mut means: Vec<Option<f64>> = vec![None; names.len()];
    match options.missing {
        MissingPolicy::DropRows => {
            let mut would_keep = keep.clone();
            let mut per_column: Vec<(String, usize)> = Vec::new();
            for &(j, name) in &numeric_columns {
                let cells = columns.get(j).unwrap_or(&empty);
                let mut count = 0;
                for (i, s) in cells.iter().enumerate() {
                    if keep.get(i).copied().unwrap_or(false) && parse_cell(s) == Cell::Missing {
                        count += 1;
                        if let Some(k) = would_keep.get_mut(i) {
                            *k = false;
                        }
                    }
                }
                if count > 0 {
                    per_column.push((name.to_string(), count));
                }
            }
            let summary = per_column.iter().map(|(n, c)| format!("{n}: {c}")).collect::<Vec<_>>().join(", ");
            if !would_keep.iter().any(|&k| k) {
                return Err(CsvError::NoRowsLeft {
                    file: file.to_string(),
                    reason: format!(
                        "every row has a missing or non-finite value in some feature column ({summary}); choose \"impute mean\" for missing values, or fill in the file"
                    ),
                });
            }
            let dropped: Vec<u64> = keep
                .iter()
                .zip(&would_keep)
                .zip(&lines)
                .filter(|((before, after), _)| **before && !**after)
                .map(|(_, &line)| line)
                .collect();
            if !dropped.is_empty() {
                warnings.push(format!(
                    "{} a missing or non-finite feature value and {} dropped ({}; missing per column: {summary})",
                    plural(dropped.len(), "row has", "rows have"),
                    if dropped.len() == 1 { "was" } else { "were" },
                    list_lines(&dropped)
                ));
            }
            keep = would_keep;
        }
        MissingPolicy::ImputeMean => {
            for &(j, name) in &numeric_columns {
                let cells = columns.get(j).unwrap_or(&empty);
                let mut sum = 0.0;
                let mut count = 0usize;
                let mut missing_lines = Vec::new();
                for ((s, &k), &line) in cells.iter().zip(&keep).zip(&lines) {
                    if !k {
                        continue;
                    }
                    match parse_cell(s) {
                        Cell::Number(v) => {
                            sum += v;
                            count += 1;
                        }
                        _ => missing_lines.push(line),
                    }
                }
                let mean = if count > 0 { sum / count as f64 } else { 0.0 };
                if let Some(m) = means.get_mut(j) {
                    *m = Some(mean);
                }
                if !missing_lines.is_empty() {
                    warnings.push(format!(
                        "column {name}: {} replaced by the column mean {mean} ({})",
                        plural(
                            missing_lines.len(),
                            "missing or non-finite cell was",
                            "missing or non-finite cells were"
                        ),
                        list_lines(&missing_lines)
                    ));
                }
            }
        }
    }
    let kept_rows: Vec<usize> = keep.iter().enumerate().filter(|(_, k)| **k).map(|(i, _)| i).collect();
    let rows = kept_rows.len();

    // Encode features, row-major.
    struct Encoded {
        names: Vec<String>,
        /// Per kept row, this column's values.
        values: Vec<Vec<f64>>,
    }
    let mut encoded: Vec<Encoded> = Vec::new();
    for feature in &features {
        match *feature {
            FeatureColumn::Numeric { column } => {
                let cells = columns.get(column).unwrap_or(&empty);
                let mean = means.get(column).copied().flatten().unwrap_or(0.0);
                let values = kept_rows
                    .iter()
                    .map(|&i| match cells.get(i).map(|s| parse_cell(s)) {
                        Some(Cell::Number(v)) => vec![v],
                        _ => vec![mean],
                    })
                    .collect();
                encoded.push(Encoded { names: vec![names.get(column).cloned().unwrap_or_default()], values });
            }
            FeatureColumn::Categorical { column } => {
                let name = names.get(column).cloned().unwrap_or_default();
                let cells = columns.get(column).unwrap_or(&empty);
                let categories: Vec<&str> = kept_rows
                    .iter()
                    .filter_map(|&i| cells.get(i))
                    .filter(|s| !is_blank(s))
                    .map(String::as_str)
                    .collect::<BTreeSet<&str>>()
                    .into_iter()
                    .collect();
                if categories.is_empty() {
                    warnings.push(format!("column {name} was empty in every row kept and was dropped"));
                    continue;
                }
                let mut blank_lines = Vec::new();
                let values = kept_rows
                    .iter()
                    .map(|&i| {
                        let mut one_hot = vec![0.0; categories.len()];
                        let cell = cells.get(i).map_or("", String::as_str);
                        match categories.binary_search(&cell) {
                            Ok(k) => {
                                if let Some(v) = one_hot.get_mut(k) {
                                    *v = 1.0;
                                }
                            }
                            Err(_) => blank_lines.push(lines.get(i).copied().unwrap_or(0)),
                        }
                        one_hot
                    })
                    .collect();
                if !blank_lines.is_empty() {
                    warnings.push(format!(
                        "column {name}: {} no category and {} encoded as all zeros ({})",
                        plural(blank_lines.len(), "empty cell has", "empty cells have"),
                        if blank_lines.len() == 1 { "is" } else { "are" },
                        list_lines(&blank_lines)
                    ));
                }
                encoded.push(Encoded {
                    names: categories.iter().map(|c| format!("{name}={c}")).collect(),
                    values,
                });
            }
        }
    }
    if encoded.is_empty() {
        return Err(CsvError::NoFeatures {
            file: file.to_string(),
            detail: format!("{file} has no usable column besides the target {target_name}"),
        });
    }
    let feature_names: Vec<String> = encoded.iter().flat_map(|e| e.names.iter().cloned()).collect();
    let mut values = Vec::with_capacity(rows * feature_names.len());
    for r in 0..rows {
        for e in &encoded {
            if let Some(v) = e.values.get(r) {
                values.extend_from_slice(v);
            }
        }
    }

    // Target.
    let target = if classification {
        if target_numeric {
            let kept_values: Vec<f64> = kept_rows
                .iter()
                .map(|&i| match target_cells.get(i).map(|s| parse_cell(s)) {
                    Some(Cell::Number(v)) => v,
                    _ => 0.0,
                })
                .collect();
            let mut classes = kept_values.clone();
            classes.sort_by(f64::total_cmp);
            classes.dedup();
            let labels = kept_values
                .iter()
                .map(|v| classes.binary_search_by(|c| c.total_cmp(v)).map_or(0, |k| k as u32))
                .collect();
            let class_names = classes
                .iter()
                .map(|&v| {
                    if v.fract() == 0.0 && v.abs() < 9.0e15 {
                        format!("{}", v as i64)
                    } else {
                        format!("{v}")
                    }
                })
                .collect();
            Target::Classes { labels, class_names }
        } else {
            let kept_values: Vec<&str> =
                kept_rows.iter().map(|&i| target_cells.get(i).map_or("", String::as_str)).collect();
            let classes: Vec<&str> =
                kept_values.iter().copied().collect::<BTreeSet<&str>>().into_iter().collect();
            let labels =
                kept_values.iter().map(|v| classes.binary_search(v).map_or(0, |k| k as u32)).collect();
            let class_names = classes.iter().map(|c| c.to_string()).collect();
            Target::Classes { labels, class_names }
        }
    } else {
        Target::Values(
            kept_rows
                .iter()
                .map(|&i| match target_cells.get(i).map(|s| parse_cell(s)) {
                    Some(Cell::Number(v)) => v,
                    _ => 0.0,
                })
                .collect(),
        )
    };
    if let Target::Classes { class_names, .. } = &target {
        if class_names.len() == 1 {
            warnings.push(format!(
                "the target column {target_name} holds only one class ({}); a classifier needs at least two",
                class_names.first().map_or("", String::as_str)
            ));
        } else if class_names.len() > 20 {
            warnings.push(format!(
                "the target column {target_name} holds {} different classes; is it really a class column?",
                class_names.len()
            ));
        }
    }

    let dropped_rows = n_rows - rows;
    if dropped_rows > 0 {
        warnings.push(format!("{rows} of {n_rows} rows remain"));
    }
    let name =
        Path::new(file).file_stem().map_or_else(|| file.to_string(), |s| s.to_string_lossy().into_owned());
    let dataset = Dataset::new(name, feature_names, values, target, target_name)
        .map_err(|e| CsvError::Invalid { file: file.to_string(), message: e.to_string() })?;
    Ok(LoadedCsv { dataset, columns: reports, rows, dropped_rows, warnings })
}

/// Whether a cell holds a usable value for a column of this kind.
fn cell_present(s: &str, kind: ColumnKind) -> bool {
    match kind {
        ColumnKind::Numeric => matches!(parse_cell(s), Cell::Number(_)),
        ColumnKind::Categorical | ColumnKind::Text => !is_blank(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Task;

    macro_rules! fixture {
        ($name:literal) => {
            Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/", $name))
        };
    }

    fn load(path: &Path) -> Result<LoadedCsv, CsvError> {
        load_csv(path, &CsvOptions::default())
    }

    fn load_ok(path: &Path) -> LoadedCsv {
        match load(path) {
            Ok(loaded) => loaded,
            Err(e) => panic!("{} should load, got: {e}", path.display()),
        }
    }

    fn load_err(path: &Path) -> String {
        match load(path) {
            Ok(loaded) => panic!("{} should be refused, loaded {} rows", path.display(), loaded.rows),
            Err(e) => e.to_string(),
        }
    }

    fn bytes(text: &str, options: &CsvOptions) -> Result<LoadedCsv, CsvError> {
        load_csv_bytes("mem.csv", text.as_bytes(), options)
    }

    fn assert_no_nan(loaded: &LoadedCsv) {
        assert!(loaded.dataset.features.iter().all(|v| v.is_finite()), "non-finite feature");
        if let Target::Values(v) = &loaded.dataset.target {
            assert!(v.iter().all(|v| v.is_finite()), "non-finite target");
        }
    }

    // ---- fixtures --------------------------------------------------------------------------

    #[test]
    fn empty_file_is_refused() {
        let err = load_err(fixture!("empty.csv"));
        assert!(err.contains("empty.csv") && err.contains("the file is empty"), "{err}");
    }

    #[test]
    fn header_only_is_refused() {
        let err = load_err(fixture!("header_only.csv"));
        assert!(err.contains("header_only.csv") && err.contains("no data rows"), "{err}");
        assert!(err.contains("training cannot start"), "{err}");
    }

    #[test]
    fn ragged_rows_name_line_4() {
        let err = load_err(fixture!("ragged_rows.csv"));
        assert!(err.contains("ragged_rows.csv line 4: expected 4 fields, found 3"), "{err}");
    }

    #[test]
    fn non_numeric_cell_makes_f2_categorical_and_says_so() {
        let loaded = load_ok(fixture!("non_numeric_in_numeric.csv"));
        let warning = loaded
            .warnings
            .iter()
            .find(|w| w.contains("column f2") && w.contains("line 9") && w.contains("'abc'"))
            .unwrap_or_else(|| panic!("no warning naming f2, line 9 and abc: {:?}", loaded.warnings));
        assert!(warning.contains("categorical"), "{warning}");
        let f2 = loaded.columns.iter().find(|c| c.name == "f2").expect("f2 reported");
        assert_eq!(f2.kind, ColumnKind::Categorical);
        assert_eq!(loaded.columns[0].kind, ColumnKind::Numeric);
        assert_eq!(loaded.rows, 19 + 1);
        assert_eq!(loaded.dataset.feature_names[0], "f1");
        assert!(loaded.dataset.feature_names.contains(&"f2=abc".to_string()));
        assert!(loaded.dataset.feature_names[1..].iter().all(|n| n.starts_with("f2=")));
        assert_eq!(loaded.dataset.n_features(), 1 + 20);
        assert_no_nan(&loaded);
    }

    #[test]
    fn semicolon_is_detected() {
        let loaded = load_ok(fixture!("semicolon.csv"));
        assert_eq!(loaded.columns.len(), 3);
        assert_eq!(loaded.dataset.feature_names, vec!["f1", "f2"]);
        assert_eq!(loaded.dataset.target_name, "target");
        assert_eq!(loaded.rows, 12);
        assert_eq!(loaded.dataset.row(1), &[1.25, 4.875]);
        assert_eq!(loaded.dataset.task(), Task::Classification);
    }

    #[test]
    fn bom_is_stripped_from_first_name() {
        let loaded = load_ok(fixture!("utf8_bom.csv"));
        assert_eq!(loaded.columns[0].name, "f1");
        assert_eq!(loaded.dataset.feature_names[0], "f1");
        assert_eq!(loaded.columns[0].kind, ColumnKind::Numeric);
        assert_eq!(loaded.dataset.row(0), &[0.01, 4.94, 8.68]);
    }

    #[test]
    fn crlf_leaves_no_carriage_returns() {
        let raw = std::fs::read(fixture!("crlf.csv")).expect("fixture");
        assert!(raw.windows(2).any(|w| w == b"\r\n"), "fixture lost its CRLF endings");
        let loaded = load_ok(fixture!("crlf.csv"));
        for name in loaded.columns.iter().map(|c| &c.name).chain(&loaded.dataset.feature_names) {
            assert!(!name.ends_with('\r'), "{name:?}");
        }
        assert_eq!(loaded.dataset.target_name, "target");
        assert_eq!(loaded.dataset.task(), Task::Classification);
        assert_eq!(loaded.dataset.class_names(), &["0".to_string(), "1".to_string()]);
        assert_eq!(loaded.dataset.labels().unwrap(), &[0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
        assert!(loaded.columns.iter().all(|c| c.kind == ColumnKind::Numeric));
        assert_eq!(loaded.rows, 10);
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    }

    #[test]
    fn quoted_fields_load_five_rows() {
        let loaded = load_ok(fixture!("quoted_fields.csv"));
        assert_eq!(loaded.rows, 5);
        assert_eq!(loaded.dropped_rows, 0);
        let x = loaded.columns.iter().find(|c| c.name == "x").expect("x reported");
        assert_eq!(x.kind, ColumnKind::Numeric);
        assert_eq!(loaded.dataset.class_names(), &["a".to_string(), "b".to_string()]);
        assert_eq!(loaded.dataset.labels().unwrap(), &[0, 1, 0, 1, 0]);
        let names = &loaded.dataset.feature_names;
        assert!(names.contains(&"name=Smith, John".to_string()), "{names:?}");
        assert!(names.contains(&"name=  spaced  ".to_string()), "{names:?}");
        assert!(names.contains(&"comment=said \"hi\", then left".to_string()), "{names:?}");
        assert!(names.contains(&"comment=line one\nline two".to_string()), "{names:?}");
        assert!(names.contains(&"comment=comma, \"quote\" and\r\nCRLF newline".to_string()), "{names:?}");
        let xi = names.iter().position(|n| n == "x").expect("x is a feature");
        let xs: Vec<f64> = (0..5).map(|r| loaded.dataset.row(r)[xi]).collect();
        assert_eq!(xs, vec![1.5, 2.5, 3.5, 4.5, 5.5]);
    }

    #[test]
    fn invalid_utf8_names_line_3() {
        let err = load_err(fixture!("invalid_utf8.csv"));
        assert!(err.contains("invalid_utf8.csv line 3"), "{err}");
        assert!(err.contains("column city"), "{err}");
        assert!(err.contains("not valid UTF-8") && err.contains("save the file as UTF-8"), "{err}");
    }

    #[test]
    fn nan_inf_empty_rows_are_dropped() {
        let loaded = load_ok(fixture!("nan_inf_empty.csv"));
        assert_eq!(loaded.rows, 6);
        assert_eq!(loaded.dropped_rows, 8);
        assert!(loaded.warnings.iter().any(|w| w.contains("6 of 14")), "{:?}", loaded.warnings);
        assert!(
            loaded.warnings.iter().any(|w| w.contains("no value in the target") && w.contains("line 10")),
            "{:?}",
            loaded.warnings
        );
        assert_eq!(loaded.dataset.class_names(), &["0".to_string(), "1".to_string()]);
        assert_eq!(loaded.dataset.row(0), &[1.0, 2.0, 3.0]);
        assert_eq!(loaded.dataset.row(1), &[1.9, 2.9, 3.9]);
        let missing: Vec<usize> = loaded.columns.iter().map(|c| c.missing).collect();
        assert_eq!(missing, vec![2, 4, 1, 1]);
        assert_no_nan(&loaded);
    }

    #[test]
    fn nan_inf_empty_with_impute_mean_keeps_all_rows_with_target() {
        let options = CsvOptions { missing: MissingPolicy::ImputeMean, ..CsvOptions::default() };
        let loaded = load_csv(fixture!("nan_inf_empty.csv"), &options).expect("loads");
        assert_eq!(loaded.rows, 13);
        assert_eq!(loaded.dropped_rows, 1);
        assert_no_nan(&loaded);
        assert!(
            loaded.warnings.iter().any(|w| w.starts_with("column f2: 4 missing")),
            "{:?}",
            loaded.warnings
        );
    }

    #[test]
    fn single_class_target_loads() {
        let loaded = load_ok(fixture!("single_class_target.csv"));
        assert_eq!(loaded.rows, 30);
        assert_eq!(loaded.dataset.class_names(), &["1".to_string()]);
        assert!(loaded.warnings.iter().any(|w| w.contains("only one class")), "{:?}", loaded.warnings);
    }

    #[test]
    fn one_row_loads() {
        let loaded = load_ok(fixture!("one_row.csv"));
        assert_eq!(loaded.rows, 1);
        assert_eq!(loaded.dataset.row(0), &[0.5, 1.5]);
        assert_eq!(loaded.dataset.class_names(), &["1".to_string()]);
    }

    #[test]
    fn duplicate_columns_are_renamed() {
        let loaded = load_ok(fixture!("duplicate_columns.csv"));
        assert_eq!(loaded.dataset.feature_names, vec!["x", "y", "x_2"]);
        let w = loaded.warnings.iter().find(|w| w.contains("x_2")).expect("rename warning");
        assert!(w.contains("column name x appears twice"), "{w}");
        assert_eq!(loaded.dataset.row(1), &[1.0, 2.5, 101.0]);
    }

    #[test]
    fn unclosed_quote_names_line_3() {
        let err = load_err(fixture!("unclosed_quote.csv"));
        assert!(err.contains("unclosed_quote.csv line 3: a quote opened here never closes"), "{err}");
    }

    #[test]
    fn all_missing_column_is_dropped_not_every_row() {
        let loaded = load_ok(fixture!("all_missing_column.csv"));
        assert_eq!(loaded.rows, 20);
        assert_eq!(loaded.dropped_rows, 0);
        assert_eq!(loaded.dataset.feature_names, vec!["f1", "f2"]);
        assert!(
            loaded.warnings.iter().any(|w| w == "column empty_col was empty in every row and was dropped"),
            "{:?}",
            loaded.warnings
        );
        let report = loaded.columns.iter().find(|c| c.name == "empty_col").expect("reported");
        assert_eq!(report.missing, 20);
        assert_no_nan(&loaded);
    }

    #[test]
    fn only_target_is_refused() {
        let err = load_err(fixture!("only_target.csv"));
        assert!(err.contains("only_target.csv") && err.contains("no feature columns"), "{err}");
    }

    #[test]
    fn constant_feature_is_kept() {
        let loaded = load_ok(fixture!("constant_feature.csv"));
        assert_eq!(loaded.dataset.feature_names, vec!["f1", "const", "f2"]);
        assert!((0..loaded.rows).all(|r| loaded.dataset.row(r)[1] == 7.0));
        assert_eq!(loaded.rows, 20);
        assert_no_nan(&loaded);
    }

    #[test]
    fn every_fixture_loads_or_names_the_file() {
        let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"));
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).expect("fixtures folder") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "csv") {
                seen += 1;
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                if let Err(e) = load(&path) {
                    assert!(e.to_string().contains(&name), "{e}");
                }
            }
        }
        assert_eq!(seen, 17);
    }

    // ---- inline bytes ----------------------------------------------------------------------

    #[test]
    fn tab_delimiter_is_detected() {
        let loaded = bytes("a\tb\ty\n1\t2\t0\n3\t4\t1\n", &CsvOptions::default()).expect("loads");
        assert_eq!(loaded.dataset.feature_names, vec!["a", "b"]);
        assert_eq!(loaded.dataset.row(1), &[3.0, 4.0]);
    }

    #[test]
    fn semicolon_with_decimal_commas_picks_semicolon() {
        let loaded = bytes("a;y\n1,5;0\n2,5;1\n", &CsvOptions::default()).expect("loads");
        assert_eq!(loaded.columns.len(), 2);
        assert_eq!(loaded.dataset.feature_names, vec!["a=1,5", "a=2,5"]);
    }

    #[test]
    fn comma_wins_when_semicolons_are_inside_quotes() {
        let loaded = bytes("a,b,y\n\"x;z\",1,0\n\"w;v\",2,1\n", &CsvOptions::default()).expect("loads");
        assert_eq!(loaded.columns.len(), 3);
    }

    #[test]
    fn impute_mean_fills_missing_cells() {
        let options = CsvOptions { missing: MissingPolicy::ImputeMean, ..CsvOptions::default() };
        let loaded = bytes("a,b,y\n1,10,0\nNA,20,1\n3,?,0\n", &options).expect("loads");
        assert_eq!(loaded.rows, 3);
        assert_eq!(loaded.dataset.features, vec![1.0, 10.0, 2.0, 20.0, 3.0, 15.0]);
        assert!(loaded.warnings.iter().any(|w| w.contains("column a: 1 missing") && w.contains("mean 2")));
        assert!(loaded.warnings.iter().any(|w| w.contains("column b: 1 missing") && w.contains("mean 15")));
    }

    #[test]
    fn drop_rows_drops_missing_features() {
        let loaded = bytes("a,b,y\n1,10,0\nNA,20,1\n3,30,0\n", &CsvOptions::default()).expect("loads");
        assert_eq!(loaded.rows, 2);
        assert_eq!(loaded.dropped_rows, 1);
        assert_eq!(loaded.dataset.features, vec![1.0, 10.0, 3.0, 30.0]);
        assert!(loaded.warnings.iter().any(|w| w.contains("line 3")), "{:?}", loaded.warnings);
    }

    #[test]
    fn drop_rows_never_drops_every_row() {
        let err = bytes("a,b,y\n1,,0\n,2,1\n", &CsvOptions::default()).unwrap_err().to_string();
        assert!(err.contains("mem.csv") && err.contains("impute mean"), "{err}");
    }

    #[test]
    fn categorical_features_are_one_hot_sorted() {
        let loaded = bytes("color,n,y\nred,1,0\nblue,2,1\ngreen,3,0\nred,4,1\n", &CsvOptions::default())
            .expect("loads");
        assert_eq!(loaded.dataset.feature_names, vec!["color=blue", "color=green", "color=red", "n"]);
        assert_eq!(loaded.dataset.row(0), &[0.0, 0.0, 1.0, 1.0]);
        assert_eq!(loaded.dataset.row(1), &[1.0, 0.0, 0.0, 2.0]);
        assert_eq!(loaded.columns[0].kind, ColumnKind::Categorical);
    }

    #[test]
    fn target_by_name_and_regression() {
        let options = CsvOptions { target: Some("price".into()), ..CsvOptions::default() };
        let loaded = bytes("price,size,rooms\n1.5,10,1\n2.25,20,2\n3.0,30,3\n", &options).expect("loads");
        assert_eq!(loaded.dataset.target_name, "price");
        assert_eq!(loaded.dataset.feature_names, vec!["size", "rooms"]);
        assert_eq!(loaded.dataset.target, Target::Values(vec![1.5, 2.25, 3.0]));
        assert_eq!(loaded.dataset.task(), Task::Regression);
    }

    #[test]
    fn unknown_target_lists_columns() {
        let options = CsvOptions { target: Some("label".into()), ..CsvOptions::default() };
        let err = bytes("a,b,y\n1,2,0\n", &options).unwrap_err().to_string();
        assert!(err.contains("mem.csv") && err.contains("'label'") && err.contains("a, b, y"), "{err}");
    }

    #[test]
    fn task_override() {
        let text = "a,y\n1,0\n2,1\n3,0\n";
        let options = CsvOptions { task: Some(TaskOverride::Regression), ..CsvOptions::default() };
        assert_eq!(bytes(text, &options).expect("loads").dataset.task(), Task::Regression);
        assert_eq!(bytes(text, &CsvOptions::default()).expect("loads").dataset.task(), Task::Classification);

        let err = bytes("a,y\n1,cat\n2,dog\n", &options).unwrap_err().to_string();
        assert!(err.contains("mem.csv line 2, column y") && err.contains("'cat'"), "{err}");

        let options = CsvOptions { task: Some(TaskOverride::Classification), ..CsvOptions::default() };
        let loaded = bytes("a,y\n1,0.5\n2,1.5\n3,0.5\n", &options).expect("loads");
        assert_eq!(loaded.dataset.class_names(), &["0.5".to_string(), "1.5".to_string()]);
        assert_eq!(loaded.dataset.labels().unwrap(), &[0, 1, 0]);
    }

    #[test]
    fn integer_classes_sort_numerically() {
        let loaded = bytes("a,y\n1,10\n2,-1\n3,2\n4,2.0\n", &CsvOptions::default()).expect("loads");
        assert_eq!(loaded.dataset.class_names(), &["-1".to_string(), "2".to_string(), "10".to_string()]);
        assert_eq!(loaded.dataset.labels().unwrap(), &[2, 0, 1, 1]);
    }

    #[test]
    fn many_distinct_numbers_are_regression() {
        let text: String =
            std::iter::once("a,y\n".to_string()).chain((0..30).map(|i| format!("{i},{}\n", i * 3))).collect();
        let loaded = bytes(&text, &CsvOptions::default()).expect("loads");
        assert_eq!(loaded.dataset.task(), Task::Regression);
    }

    #[test]
    fn free_text_column_is_ignored() {
        let text: String = std::iter::once("note,a,y\n".to_string())
            .chain((0..30).map(|i| format!("comment number {i},{i},{}\n", i % 2)))
            .collect();
        let loaded = bytes(&text, &CsvOptions::default()).expect("loads");
        assert_eq!(loaded.columns[0].kind, ColumnKind::Text);
        assert_eq!(loaded.dataset.feature_names, vec!["a"]);
        assert!(loaded.warnings.iter().any(|w| w.contains("column note looks like free text")));
    }

    #[test]
    fn ragged_line_numbers_count_quoted_newlines_and_blank_lines() {
        let err = bytes("a,b,y\n\"1\n2\",3,0\n\n4,5\n", &CsvOptions::default()).unwrap_err().to_string();
        assert!(err.contains("mem.csv line 5: expected 3 fields, found 2"), "{err}");
        let err = bytes("a,b,y\r\n1,2,0\r\n3,4\r\n", &CsvOptions::default()).unwrap_err().to_string();
        assert!(err.contains("mem.csv line 3: expected 3 fields, found 2"), "{err}");
    }

    #[test]
    fn missing_target_is_never_a_class() {
        let loaded = bytes("a,y\n1,cat\n2,\n3,NA\n4,dog\n", &CsvOptions::default()).expect("loads");
        assert_eq!(loaded.dataset.class_names(), &["cat".to_string(), "dog".to_string()]);
        assert_eq!(loaded.rows, 2);
        assert_eq!(loaded.dropped_rows, 2);
    }

    #[test]
    fn garbage_never_panics() {
        let inputs: [&[u8]; 10] = [
            b"",
            b"\n\n\r\n",
            b"\xEF\xBB\xBF",
            b"\"",
            b"a\n\"",
            b",,,\n,,,\n",
            b"a,b\n\xFF,1\n",
            b"\xFF\xFE\n1\n",
            b"a;b,c\n1;2,3\n",
            b"y\n1\n",
        ];
        for input in inputs {
            let _ = load_csv_bytes("g.csv", input, &CsvOptions::default());
        }
    }
}
