//! CSV loading: turns a user's CSV file into a [`Dataset`] plus a report of what was found.
//!
//! The loader detects the delimiter (`,` `;` or tab), strips a UTF-8 byte-order mark, accepts
//! CRLF line endings and RFC 4180 quoting, infers the kind of every column, one-hot encodes
//! categorical features and decides between classification and regression. Every refusal names
//! the file, the 1-based physical line (the header is line 1) and the column where that applies,
//! and says what to do. It never panics on user data and never changes a value silently: every
//! dropped row or column and every imputed cell is reported in [`LoadedCsv::warnings`].

use std::collections::{BTreeSet, HashSet};
use std::io::Read;
use std::path::Path;
use std::sync::mpsc;

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

/// Reads a file, counting bytes into a [`LoadProgress`] and failing once it is cancelled.
struct ProgressFile<'a> {
    file: std::fs::File,
    position: u64,
    progress: &'a LoadProgress,
}

impl Read for ProgressFile<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use std::sync::atomic::Ordering;
        if self.progress.cancel.load(Ordering::Relaxed) {
            return Err(std::io::Error::other("cancelled"));
        }
        let n = self.file.read(buf)?;
        self.position += n as u64;
        self.progress.bytes_read.store(self.position, Ordering::Relaxed);
        Ok(n)
    }
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Where the text comes from.
#[derive(Clone, Copy)]
enum Source<'a> {
    Bytes(&'a [u8]),
    File(&'a Path),
    /// A file, read with progress reports and a cancel flag.
    WatchedFile(&'a Path, &'a LoadProgress),
}

impl<'a> Source<'a> {
    fn open(self) -> Result<Box<dyn Read + Send + 'a>, CsvError> {
        match self {
            Source::Bytes(bytes) => Ok(Box::new(bytes)),
            Source::File(path) => std::fs::File::open(path)
                .map(|f| Box::new(f) as Box<dyn Read + Send>)
                .map_err(|source| CsvError::Io { path: path.display().to_string(), source }),
            Source::WatchedFile(path, progress) => std::fs::File::open(path)
                .map(|file| {
                    Box::new(ProgressFile { file, position: 0, progress }) as Box<dyn Read + Send + 'a>
                })
                .map_err(|source| CsvError::Io { path: path.display().to_string(), source }),
        }
    }

    /// The text's size in bytes, when it is known without reading it.
    fn size(self) -> Option<u64> {
        match self {
            Source::Bytes(bytes) => Some(bytes.len() as u64),
            Source::File(path) | Source::WatchedFile(path, _) => {
                std::fs::metadata(path).ok().map(|m| m.len())
            }
        }
    }

    /// Tells a watcher which pass over the text is under way.
    fn set_pass(self, pass: u32) {
        if let Source::WatchedFile(_, progress) = self {
            progress.pass.store(pass, std::sync::atomic::Ordering::Relaxed);
        }
    }

    fn io_error(self, source: std::io::Error) -> CsvError {
        let path = match self {
            Source::Bytes(_) => "the data".to_string(),
            Source::File(path) | Source::WatchedFile(path, _) => path.display().to_string(),
        };
        CsvError::Io { path, source }
    }
}

/// One column of the file, seen through the table. Numbers are kept row-major for every column,
/// so a large numeric file costs 8 bytes a cell and becomes the feature matrix in place; a
/// column that holds any text also keeps its cells as written.
#[derive(Clone, Copy)]
enum Column<'a> {
    /// `NaN` marks a missing or non-finite cell (empty, NA, inf...).
    Numbers {
        values: &'a [f64],
        width: usize,
        offset: usize,
    },
    Texts(&'a [String]),
}

impl<'a> Column<'a> {
    fn cell(self, row: usize) -> Cell {
        match self {
            Column::Numbers { values, width, offset } => match values.get(row * width + offset) {
                Some(v) if v.is_finite() => Cell::Number(*v),
                _ => Cell::Missing,
            },
            Column::Texts(cells) => cells.get(row).map_or(Cell::Missing, |s| parse_cell(s)),
        }
    }

    /// The cell as written (only text columns are ever read this way: they alone can be
    /// categorical or text).
    fn text(self, row: usize) -> &'a str {
        match self {
            Column::Numbers { .. } => "",
            Column::Texts(cells) => cells.get(row).map_or("", String::as_str),
        }
    }
}

/// The raw content of a file: header names (made unique), the numbers of every row and the
/// cells of the columns that hold text.
struct Table {
    names: Vec<String>,
    /// Row-major, `names.len()` values a row; `NaN` for a missing cell and in text columns.
    numbers: Vec<f64>,
    /// `texts[j]`: the cells of column `j` as written, for the columns that hold text.
    texts: Vec<Option<Vec<String>>>,
    /// Missing cells per numeric column, counted while parsing so clean columns need no scan.
    missing: Vec<usize>,
    /// Physical line where each data row starts.
    lines: Vec<u64>,
    warnings: Vec<String>,
    delimiter: u8,
}

/// Column `j` of a table's numbers and texts.
fn column<'a>(numbers: &'a [f64], texts: &'a [Option<Vec<String>>], j: usize) -> Column<'a> {
    match texts.get(j) {
        Some(Some(cells)) => Column::Texts(cells),
        _ => Column::Numbers { values: numbers, width: texts.len(), offset: j },
    }
}

const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];
/// Bytes looked at to pick the delimiter.
const SNIFF_BYTES: usize = 1 << 16;

/// Picks `,` `;` or tab: the one present in the header whose count outside quotes matches the
/// header's in most of the first lines (ties go to the earlier one). Comma when none appears.
/// `sample` is the start of the text; `complete` says whether it is the whole text.
fn detect_delimiter(sample: &[u8], complete: bool) -> u8 {
    const MAX_LINES: usize = 30;
    let mut counts: Vec<[usize; 3]> = Vec::new();
    let mut current = [0usize; 3];
    let mut has_content = false;
    let mut in_quotes = false;
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
    if has_content && complete && counts.len() < MAX_LINES {
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

/// Where a quote-aware scan stands, following the same rules as the `csv` crate (a quote only
/// opens a field at its start; `""` inside quotes is a literal quote).
#[derive(Clone, Copy, PartialEq)]
enum QuoteState {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Wraps the text the `csv` reader reads, watching every byte as it passes: whether a quote
/// opens and never closes (and on which line), whether anything but white space appears, and
/// the recent bytes, to turn the reader's byte offsets into physical line numbers.
struct Watched<R> {
    inner: R,
    delimiter: u8,
    /// Bytes handed to the reader so far.
    offset: u64,
    quote: QuoteState,
    /// Newlines handed to the reader so far.
    newlines: u64,
    /// Line where the quote that is open now opened.
    opened_at: u64,
    saw_content: bool,
    /// Bytes from `window_start` on, not yet turned into line numbers.
    window: Vec<u8>,
    window_start: u64,
    /// Index in `window` up to which newlines are counted into `line`.
    counted: usize,
    line: u64,
}

impl<R: Read> Watched<R> {
    /// Watches text whose first byte lies on line `first_line`.
    fn new(inner: R, delimiter: u8, first_line: u64) -> Self {
        Self {
            inner,
            delimiter,
            offset: 0,
            quote: QuoteState::FieldStart,
            newlines: first_line - 1,
            opened_at: first_line,
            saw_content: false,
            window: Vec::new(),
            window_start: 0,
            counted: 0,
            line: first_line,
        }
    }

    fn watch(&mut self, chunk: &[u8]) {
        self.offset += chunk.len() as u64;
        if !self.saw_content {
            self.saw_content = chunk.iter().any(|b| !b.is_ascii_whitespace());
        }
        self.window.extend_from_slice(chunk);
        let ends_field = |b: u8| b == self.delimiter || b == b'\n' || b == b'\r';
        if !chunk.contains(&b'"') {
            // Without quotes only the last byte decides where the scan stands.
            if self.quote != QuoteState::Quoted
                && let Some(&last) = chunk.last()
            {
                self.quote = if ends_field(last) { QuoteState::FieldStart } else { QuoteState::Unquoted };
            }
            self.newlines += count_newlines(chunk);
            return;
        }
        for &b in chunk {
            self.quote = match self.quote {
                QuoteState::FieldStart if b == b'"' => {
                    self.opened_at = self.newlines + 1;
                    QuoteState::Quoted
                }
                QuoteState::FieldStart | QuoteState::Unquoted => {
                    if ends_field(b) {
                        QuoteState::FieldStart
                    } else {
                        QuoteState::Unquoted
                    }
                }
                QuoteState::Quoted => {
                    if b == b'"' {
                        QuoteState::QuoteInQuoted
                    } else {
                        QuoteState::Quoted
                    }
                }
                QuoteState::QuoteInQuoted => {
                    if b == b'"' {
                        QuoteState::Quoted
                    } else if ends_field(b) {
                        QuoteState::FieldStart
                    } else {
                        QuoteState::Unquoted
                    }
                }
            };
            if b == b'\n' {
                self.newlines += 1;
            }
        }
    }

    /// The physical line where the record the reader says starts at `offset` really starts:
    /// that offset may sit before blank lines or the `\n` of a CRLF pair, so those are skipped.
    /// Offsets only grow, so counting is incremental.
    fn record_line(&mut self, offset: u64) -> u64 {
        let mut start = usize::try_from(offset.saturating_sub(self.window_start)).unwrap_or(usize::MAX);
        start = start.min(self.window.len());
        while matches!(self.window.get(start), Some(b'\n' | b'\r')) {
            start += 1;
        }
        if start > self.counted {
            self.line += self.window.get(self.counted..start).map_or(0, count_newlines);
            self.counted = start;
        }
        // Forget counted bytes now and then, so the window stays small and the cost linear.
        if self.counted > SNIFF_BYTES && self.counted * 2 > self.window.len() {
            self.window.drain(..self.counted);
            self.window_start += self.counted as u64;
            self.counted = 0;
        }
        self.line
    }

    /// Reads what the reader left, for the quote check at the end.
    fn drain(&mut self) -> std::io::Result<()> {
        let mut buf = vec![0; SNIFF_BYTES];
        loop {
            let n = self.read(&mut buf)?;
            if n == 0 {
                return Ok(());
            }
            // Nothing will ask for line numbers any more.
            self.window.clear();
            self.counted = 0;
            self.window_start = self.offset;
        }
    }

    fn unclosed_quote(&self) -> Option<u64> {
        (self.quote == QuoteState::Quoted).then_some(self.opened_at)
    }
}

impl<R: Read> Read for Watched<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(chunk) = buf.get(..n) {
            self.watch(chunk);
        }
        Ok(n)
    }
}

/// Opens the text without its UTF-8 byte-order mark and picks the delimiter from its start.
/// Refuses, by name, two kinds of text a spreadsheet writes that are not plain CSV.
fn open_text<'a>(file: &str, source: Source<'a>) -> Result<(Box<dyn Read + Send + 'a>, u8), CsvError> {
    let mut reader = source.open()?;
    // A byte-order mark plus one byte more than the sample tells whether the sample is the
    // whole text.
    let wanted = SNIFF_BYTES + 3 + 1;
    let mut head = Vec::with_capacity(wanted);
    (&mut reader).take(wanted as u64).read_to_end(&mut head).map_err(|e| source.io_error(e))?;
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return Err(CsvError::Utf16 { file: file.to_string() });
    }
    let bom = if head.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    head.drain(..bom);
    if head.len() >= 5
        && head[..4].eq_ignore_ascii_case(b"sep=")
        && matches!(head.get(5), None | Some(b'\r' | b'\n'))
    {
        return Err(CsvError::SeparatorLine {
            file: file.to_string(),
            line: String::from_utf8_lossy(&head[..5]).into_owned(),
        });
    }
    let complete = head.len() <= SNIFF_BYTES;
    let delimiter = detect_delimiter(head.get(..SNIFF_BYTES).unwrap_or(&head), complete);
    Ok((Box::new(std::io::Cursor::new(head).chain(reader)), delimiter))
}

fn csv_reader<R: Read>(text: R, delimiter: u8) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(SNIFF_BYTES)
        .from_reader(text)
}

fn parse_error(file: &str, e: &csv::Error) -> CsvError {
    CsvError::Parse {
        file: file.to_string(),
        place: e.position().map(|p| format!(" line {}", p.line())).unwrap_or_default(),
        message: e.to_string(),
    }
}

/// Reads the whole text. An empty text and an unclosed quote take precedence over any other
/// problem, because they explain it (a quote that never closes swallows the rest of the file).
fn read_table(file: &str, source: Source) -> Result<Table, CsvError> {
    source.set_pass(1);
    let (text, delimiter) = open_text(file, source)?;
    let mut reader = csv_reader(Watched::new(text, delimiter, 1), delimiter);
    let result = read_numbers(file, source, delimiter, &mut reader);
    let watched = reader.get_mut();
    if result.is_err() {
        watched.drain().map_err(|e| source.io_error(e))?;
    }
    if !watched.saw_content {
        return Err(CsvError::Empty { file: file.to_string() });
    }
    let unclosed = match &result {
        Err(_) => watched.unclosed_quote(),
        Ok((_, _, unclosed)) => *unclosed,
    };
    if let Some(line) = unclosed {
        return Err(CsvError::UnclosedQuote { file: file.to_string(), line });
    }
    let (mut table, text_columns, _) = result?;
    if text_columns.iter().any(|&t| t) {
        source.set_pass(2);
        read_texts(file, source, &mut table, &text_columns)?;
    }
    Ok(table)
}

/// The data rows as parsed so far, by either path.
struct Rows {
    numbers: Vec<f64>,
    text_columns: Vec<bool>,
    missing: Vec<usize>,
    lines: Vec<u64>,
}

impl Rows {
    fn new(columns: usize) -> Self {
        Self {
            numbers: Vec::new(),
            text_columns: vec![false; columns],
            missing: vec![0; columns],
            lines: Vec::new(),
        }
    }

    /// Where the rows stand, to go back to if a chunk turns out not to be plain.
    fn mark(&self) -> (usize, usize, Vec<usize>, Vec<bool>) {
        (self.numbers.len(), self.lines.len(), self.missing.clone(), self.text_columns.clone())
    }

    fn rewind(&mut self, (numbers, lines, missing, text_columns): (usize, usize, Vec<usize>, Vec<bool>)) {
        self.numbers.truncate(numbers);
        self.lines.truncate(lines);
        self.missing = missing;
        self.text_columns = text_columns;
    }

    fn clear(&mut self) {
        self.numbers.clear();
        self.text_columns.fill(false);
        self.missing.fill(0);
        self.lines.clear();
    }

    fn append(&mut self, part: &Rows) {
        self.numbers.extend_from_slice(&part.numbers);
        for (mine, theirs) in self.text_columns.iter_mut().zip(&part.text_columns) {
            *mine |= theirs;
        }
        for (mine, theirs) in self.missing.iter_mut().zip(&part.missing) {
            *mine += theirs;
        }
        self.lines.extend_from_slice(&part.lines);
    }
}

/// Text the fast path parses at a time, split between two threads.
/// (Tiny in unit tests, so every test crosses chunk boundaries.)
const FAST_CHUNK: usize = if cfg!(test) { 64 } else { 4 << 20 };

/// Skips the first `bytes` of `text` (the header) and returns the line the rest starts on.
fn skip_header(text: &mut impl Read, bytes: u64) -> std::io::Result<u64> {
    let mut newlines = 0;
    let mut left = bytes;
    let mut buf = vec![0; SNIFF_BYTES];
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = text.read(&mut buf[..want])?;
        if n == 0 {
            break;
        }
        newlines += count_newlines(&buf[..n]);
        left -= n as u64;
    }
    Ok(1 + newlines)
}

/// The rows after the header, parsed straight from the bytes on two threads while the text
/// holds no quote, no carriage return and only valid UTF-8, as almost every numeric export does.
/// Returns `Some((unparsed text, its first line))` at the first chunk that holds any of those:
/// the csv reader takes over there, at a row boundary, with the exact same rules.
fn read_rows_fast(
    file: &str,
    text: &mut impl Read,
    delimiter: u8,
    names: &[String],
    mut line: u64,
    total_bytes: u64,
    rows: &mut Rows,
) -> Result<Option<(Vec<u8>, u64)>, CsvError> {
    let io = |e: std::io::Error| CsvError::Io { path: file.to_string(), source: e };
    let mut pending: Vec<u8> = Vec::with_capacity(FAST_CHUNK);
    // The next chunk, read by this thread while the helper still parses (double buffering).
    let mut next: Vec<u8> = Vec::with_capacity(FAST_CHUNK);
    // The helper's rows: `filling` for this chunk, `waiting` from the chunk before, which this
    // thread appends to `rows` while the helper parses (so the copy is not a serial step).
    let mut filling = Rows::new(names.len());
    let mut waiting = Rows::new(names.len());
    let mut want = FAST_CHUNK;
    let mut eof = false;
    // `read_to_end` fills spare capacity without zeroing it first; true at the end of the text.
    let fill = |buffer: &mut Vec<u8>, text: &mut dyn Read, want: usize| -> std::io::Result<bool> {
        let missing = want.saturating_sub(buffer.len()) as u64;
        let read = text.take(missing).read_to_end(buffer)?;
        Ok((read as u64) < missing)
    };
    loop {
        if !eof && pending.len() < want {
            eof = fill(&mut pending, text, want).map_err(io)?;
        }
        let cut = if eof {
            pending.len()
        } else {
            match pending.iter().rposition(|&b| b == b'\n') {
                Some(i) => i + 1,
                None => {
                    // One line longer than a chunk: read more before cutting.
                    want *= 2;
                    continue;
                }
            }
        };
        let chunk = &pending[..cut];
        // Halves cut at a line end, so each thread sees whole rows. This thread appends the
        // first half straight to `rows`; the helper fills `filling` (reused chunk after chunk),
        // counting its lines from 0 until the first half's count is known. Each checks that its
        // half is plain before parsing it.
        // The helper gets the larger share: this thread also appends the helper's previous
        // rows and reads the next chunk.
        let middle = chunk.len() * 2 / 5;
        let split = chunk[middle..].iter().position(|&b| b == b'\n').map_or(chunk.len(), |i| middle + i + 1);
        let (first_half, second_half) = chunk.split_at(split);
        filling.clear();
        if rows.numbers.capacity() == 0 {
            // Reserve for the whole text once, from the first row's width in bytes, so the
            // numbers are never copied into a twice-as-large buffer on the way.
            let values_per_byte = names.len() as f64 / first_row_bytes(first_half) as f64;
            rows.numbers.reserve((total_bytes as f64 * values_per_byte * 1.02) as usize);
            advise_huge_pages(&mut rows.numbers);
        }
        next.clear();
        next.extend_from_slice(&pending[cut..]);
        let (mark, a, b, next_eof) = std::thread::scope(|scope| {
            let helper = scope.spawn(|| parse_plain_rows(file, second_half, delimiter, 0, &mut filling));
            rows.append(&waiting);
            let mark = rows.mark();
            let a = parse_plain_rows(file, first_half, delimiter, line, rows);
            let next_eof = if eof { Ok(true) } else { fill(&mut next, text, FAST_CHUNK) };
            (mark, a, helper.join(), next_eof)
        });
        waiting.clear();
        let next_eof = next_eof.map_err(io)?;
        let b = b.unwrap_or_else(|_| {
            Err(NotPlain::Row(CsvError::Invalid {
                file: file.to_string(),
                message: "a parsing thread stopped unexpectedly".into(),
            }))
        });
        let (a_end, b_end) = match (a, b) {
            // A problem in the first half comes first in the file.
            (Err(NotPlain::Row(e)), _) => return Err(e),
            (Err(NotPlain::Bytes), _) | (_, Err(NotPlain::Bytes)) => {
                // Quotes, carriage returns or bytes that are not UTF-8: the csv reader takes
                // this chunk from its start (and the part read after it) and names the place
                // of any problem.
                rows.rewind(mark);
                pending.truncate(cut);
                pending.extend_from_slice(&next);
                return Ok(Some((pending, line)));
            }
            (Ok(a_end), Err(NotPlain::Row(e))) => {
                return Err(match e {
                    CsvError::Ragged { file, line: relative, expected, found, hint } => {
                        CsvError::Ragged { file, line: a_end + relative, expected, found, hint }
                    }
                    e => e,
                });
            }
            (Ok(a_end), Ok(b_end)) => (a_end, b_end),
        };
        line = a_end;
        for row_line in &mut filling.lines {
            *row_line += line;
        }
        line += b_end;
        std::mem::swap(&mut filling, &mut waiting);
        std::mem::swap(&mut pending, &mut next);
        eof = next_eof;
        want = FAST_CHUNK;
        if eof && pending.is_empty() {
            rows.append(&waiting);
            return Ok(None);
        }
    }
}

/// Asks Linux to back a large buffer with 2 MB pages: filling 80 MB of numbers then takes 40
/// page faults instead of 20,000 (about 40 ms less on a 1M-row file). Only advice: where the
/// kernel declines, nothing changes.
fn advise_huge_pages(buffer: &mut Vec<f64>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE_PAGE: usize = 2 << 20;
        let start = buffer.as_mut_ptr() as usize;
        let end = start + buffer.capacity() * size_of::<f64>();
        let (first, last) = (start.next_multiple_of(HUGE_PAGE), end / HUGE_PAGE * HUGE_PAGE);
        if last > first {
            // SAFETY: the range lies inside the vector's own allocation, and MADV_HUGEPAGE only
            // changes how its pages are backed, never their contents.
            unsafe { libc::madvise(first as *mut libc::c_void, last - first, libc::MADV_HUGEPAGE) };
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = buffer;
}

/// Why the fast path stopped.
enum NotPlain {
    /// A quote, a carriage return or bytes that are not UTF-8: the csv reader's work.
    Bytes,
    /// A row the csv reader would refuse too (a ragged row).
    Row(CsvError),
}

/// Bytes of the first non-blank row, newline included (at least 1).
fn first_row_bytes(text: &[u8]) -> usize {
    let start = text.iter().position(|&b| b != b'\n').unwrap_or(text.len());
    let rest = &text[start..];
    rest.iter().position(|&b| b == b'\n').map_or(rest.len(), |i| i + 1).max(1)
}

/// Where the field that starts at `from` ends: the next delimiter or newline, or the end.
/// Looks at eight bytes at a time (a byte equal to either sets its top bit in `hits`).
#[inline]
fn field_end(bytes: &[u8], from: usize, delimiter: u8) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const TOPS: u64 = 0x8080_8080_8080_8080;
    let delimiters = ONES * u64::from(delimiter);
    let newlines = ONES * u64::from(b'\n');
    let mut i = from;
    while let Some(word) = bytes.get(i..i + 8) {
        let word =
            u64::from_le_bytes([word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7]]);
        let (d, n) = (word ^ delimiters, word ^ newlines);
        // The lowest flagged byte is exact; higher ones may be false alarms, and are not used.
        let hits = (d.wrapping_sub(ONES) & !d | n.wrapping_sub(ONES) & !n) & TOPS;
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < bytes.len() && bytes[i] != delimiter && bytes[i] != b'\n' {
        i += 1;
    }
    i
}

/// Parses rows of text without quotes into `rows`: fields split at the delimiter, cells read
/// as [`parse_rows`] reads them. Blank lines are skipped, as the csv reader skips them.
/// Returns the line after the last one. Numbers are ASCII, so only the other cells are checked
/// for UTF-8, quotes and carriage returns: together they are every byte that is not a number,
/// a delimiter or a newline.
fn parse_plain_rows(
    file: &str,
    bytes: &[u8],
    delimiter: u8,
    first_line: u64,
    rows: &mut Rows,
) -> Result<u64, NotPlain> {
    let expected = rows.text_columns.len();
    let mut line = first_line;
    let mut position = 0;
    while position < bytes.len() {
        if bytes[position] == b'\n' {
            // A blank line.
            position += 1;
            line += 1;
            continue;
        }
        let start = rows.numbers.len();
        let mut found = 0;
        loop {
            // Plain decimals are read in the same pass that finds the field's end.
            let (number, end) = match scan_number(bytes, position, delimiter) {
                (number, Some(end)) => (number, end),
                (_, None) => (None, field_end(bytes, position, delimiter)),
            };
            let cell = match number {
                Some(v) => Cell::Number(v),
                None => {
                    // Delimiters and newlines are ASCII, so these are character boundaries.
                    let raw = bytes.get(position..end).unwrap_or_default();
                    let text = std::str::from_utf8(raw).map_err(|_| NotPlain::Bytes)?;
                    if raw.iter().any(|&b| b == b'"' || b == b'\r') {
                        return Err(NotPlain::Bytes);
                    }
                    parse_cell(text)
                }
            };
            if let Some(is_text) = rows.text_columns.get_mut(found) {
                rows.numbers.push(match cell {
                    Cell::Number(v) if !*is_text => v,
                    Cell::Text => {
                        *is_text = true;
                        f64::NAN
                    }
                    Cell::Missing => {
                        if let Some(missing) = rows.missing.get_mut(found) {
                            *missing += 1;
                        }
                        f64::NAN
                    }
                    Cell::Number(_) => f64::NAN,
                });
            }
            found += 1;
            position = end + 1;
            if end == bytes.len() || bytes[end] == b'\n' {
                break;
            }
        }
        if found != expected {
            rows.numbers.truncate(start);
            let ragged =
                CsvError::Ragged { file: file.to_string(), line, expected, found, hint: String::new() };
            return Err(NotPlain::Row(ragged));
        }
        rows.lines.push(line);
        line += 1;
    }
    Ok(line)
}

/// Reads a number cell at `from` with fast_float2 (Eisel-Lemire: correctly rounded, the value
/// `str::parse` gives) and finds the field's end in the same pass. Returns the value and the end
/// when the field is a finite number that starts with a digit or `-`; otherwise no value, and
/// the end when the number stopped at it (other cells go to the general parser).
#[inline]
fn scan_number(bytes: &[u8], from: usize, delimiter: u8) -> (Option<f64>, Option<usize>) {
    let rest = bytes.get(from..).unwrap_or_default();
    if !matches!(rest.first(), Some(b'0'..=b'9' | b'-')) {
        return (None, None);
    }
    let Ok((value, length)) = fast_float2::parse_partial::<f64, _>(rest) else { return (None, None) };
    let end = from + length;
    match bytes.get(end) {
        None => {}
        Some(&b) if b == delimiter || b == b'\n' => {}
        Some(_) => return (None, None),
    }
    // `+ 0.0` turns -0 into 0, as `parse_cell` does; inf and NaN are the general parser's.
    if value.is_finite() { (Some(value + 0.0), Some(end)) } else { (None, Some(end)) }
}

/// First pass: checks the shape and UTF-8 of every row and keeps the numbers. Returns which
/// columns hold text; those are left empty here and filled by [`read_texts`].
fn read_numbers<R: Read + Send>(
    file: &str,
    source: Source,
    delimiter: u8,
    reader: &mut csv::Reader<Watched<R>>,
) -> Result<(Table, Vec<bool>, Option<u64>), CsvError> {
    let mut record = csv::ByteRecord::new();
    let read = |reader: &mut csv::Reader<Watched<R>>, record: &mut csv::ByteRecord| {
        reader.read_byte_record(record).map_err(|e| parse_error(file, &e))
    };

    // Header.
    if !read(reader, &mut record)? {
        return Err(CsvError::Empty { file: file.to_string() });
    }
    let header_line = reader.get_mut().record_line(record.position().map_or(0, |p| p.byte()));
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

    // Data rows: straight from the bytes while they are plain, then through the csv reader,
    // which starts afresh (a second read of the text) where the header ended.
    let mut rows = Rows::new(expected);
    let header_end = reader.position().byte();
    let (mut text, _) = open_text(file, source)?;
    let first_line = skip_header(&mut text, header_end).map_err(|e| source.io_error(e))?;
    let total_bytes = source.size().unwrap_or(0);
    let unclosed =
        match read_rows_fast(file, &mut text, delimiter, &names, first_line, total_bytes, &mut rows)? {
            None => None,
            Some((unparsed, line)) => {
                let rest = std::io::Cursor::new(unparsed).chain(text);
                let mut reader = csv_reader(Watched::new(rest, delimiter, line), delimiter);
                let result = read_rows_slow(file, &mut reader, &names, &mut rows);
                let watched = reader.get_mut();
                if result.is_err() {
                    watched.drain().map_err(|e| source.io_error(e))?;
                    if let Some(line) = watched.unclosed_quote() {
                        return Err(CsvError::UnclosedQuote { file: file.to_string(), line });
                    }
                }
                result?;
                watched.unclosed_quote()
            }
        };
    if rows.lines.is_empty() && unclosed.is_none() {
        return Err(CsvError::NoDataRows { file: file.to_string() });
    }
    let texts = vec![None; expected];
    let Rows { numbers, text_columns, missing, lines } = rows;
    Ok((Table { names, numbers, texts, missing, lines, warnings, delimiter }, text_columns, unclosed))
}

/// Rows through the csv reader: one thread splits records (and checks their shape), this one
/// parses numbers.
fn read_rows_slow<R: Read + Send>(
    file: &str,
    reader: &mut csv::Reader<Watched<R>>,
    names: &[String],
    rows: &mut Rows,
) -> Result<(), CsvError> {
    let expected = names.len();
    let (rows_to_parse, batches) = mpsc::sync_channel::<Result<Batch, CsvError>>(4);
    let (spare_batches, spares) = mpsc::channel::<Batch>();
    std::thread::scope(|scope| {
        scope.spawn(|| split_rows(file, reader, expected, rows_to_parse, spares));
        for message in batches {
            let batch = message?;
            parse_rows(
                file,
                &batch,
                names,
                &mut rows.numbers,
                &mut rows.text_columns,
                &mut rows.missing,
                &mut rows.lines,
            )?;
            // The splitter may reuse the buffers; it may also be gone already.
            let _ = spare_batches.send(batch);
        }
        Ok::<(), CsvError>(())
    })
}

/// Data rows on their way from the splitting thread to the parsing one.
#[derive(Default)]
struct Batch {
    /// The rows' field bytes, back to back.
    bytes: Vec<u8>,
    /// Where each field ends in `bytes`: one entry per column and row.
    ends: Vec<usize>,
    /// Physical line where each row starts.
    lines: Vec<u64>,
}

const BATCH_ROWS: usize = 4096;

/// Reads records and sends them on in batches, in file order; a problem is sent after the rows
/// before it, so the first problem in the file is the one reported.
fn split_rows<R: Read>(
    file: &str,
    reader: &mut csv::Reader<Watched<R>>,
    expected: usize,
    rows: mpsc::SyncSender<Result<Batch, CsvError>>,
    spares: mpsc::Receiver<Batch>,
) {
    let mut record = csv::ByteRecord::new();
    let mut batch = Batch::default();
    loop {
        let problem = match reader.read_byte_record(&mut record) {
            Err(e) => Some(parse_error(file, &e)),
            Ok(false) => break,
            Ok(true) => {
                let line = reader.get_mut().record_line(record.position().map_or(0, |p| p.byte()));
                if record.len() == expected {
                    let base = batch.bytes.len();
                    batch.bytes.extend_from_slice(record.as_slice());
                    batch.ends.extend((0..expected).map(|j| base + record.range(j).map_or(0, |r| r.end)));
                    batch.lines.push(line);
                    None
                } else {
                    let hint = if record.iter().any(|f| f.contains(&b'\n')) {
                        format!(
                            "; a quoted value starting on line {line} runs over several lines, so a quote may be missing or extra"
                        )
                    } else {
                        String::new()
                    };
                    Some(CsvError::Ragged {
                        file: file.to_string(),
                        line,
                        expected,
                        found: record.len(),
                        hint,
                    })
                }
            }
        };
        if problem.is_some() || batch.lines.len() >= BATCH_ROWS {
            let mut next = spares.try_recv().unwrap_or_default();
            next.bytes.clear();
            next.ends.clear();
            next.lines.clear();
            if !batch.lines.is_empty() && rows.send(Ok(std::mem::replace(&mut batch, next))).is_err() {
                return; // The parser stopped at a problem of its own.
            }
        }
        if let Some(problem) = problem {
            let _ = rows.send(Err(problem));
            return;
        }
    }
    if !batch.lines.is_empty() {
        let _ = rows.send(Ok(batch));
    }
}

/// Parses a batch of rows into the row-major numbers; a column that holds text gets `NaN` (its
/// cells are read again as written by [`read_texts`]).
fn parse_rows(
    file: &str,
    batch: &Batch,
    names: &[String],
    numbers: &mut Vec<f64>,
    text_columns: &mut [bool],
    missing: &mut [usize],
    row_lines: &mut Vec<u64>,
) -> Result<(), CsvError> {
    let expected = names.len();
    let broken =
        || CsvError::Invalid { file: file.to_string(), message: "rows were split inconsistently".into() };
    let mut row_start = 0;
    for (r, &line) in batch.lines.iter().enumerate() {
        let ends = batch.ends.get(r * expected..(r + 1) * expected).ok_or_else(broken)?;
        let row_end = ends.last().copied().unwrap_or(row_start);
        let row = batch.bytes.get(row_start..row_end).ok_or_else(broken)?;
        // One UTF-8 check per row instead of one per cell; a field cut inside a character
        // (possible only when the whole row checks) is caught by `str::get`.
        let whole = std::str::from_utf8(row).ok();
        let mut field_start = row_start;
        for (((&end, is_text), missing), name) in
            ends.iter().zip(text_columns.iter_mut()).zip(missing.iter_mut()).zip(names)
        {
            let text = match whole {
                Some(whole) => whole.get(field_start - row_start..end - row_start),
                None => batch.bytes.get(field_start..end).and_then(|f| std::str::from_utf8(f).ok()),
            }
            .ok_or_else(|| CsvError::NotUtf8 {
                file: file.to_string(),
                line,
                column: name.clone(),
            })?;
            field_start = end;
            numbers.push(match parse_cell(text) {
                Cell::Number(v) if !*is_text => v,
                Cell::Text => {
                    *is_text = true;
                    f64::NAN
                }
                Cell::Missing => {
                    *missing += 1;
                    f64::NAN
                }
                Cell::Number(_) => f64::NAN,
            });
        }
        row_start = row_end;
        row_lines.push(line);
    }
    Ok(())
}

/// Second pass: keeps the cells of the columns that hold text, exactly as written.
fn read_texts(file: &str, source: Source, table: &mut Table, text_columns: &[bool]) -> Result<(), CsvError> {
    let (text, delimiter) = open_text(file, source)?;
    let mut reader = csv_reader(text, delimiter);
    let mut texts: Vec<Vec<String>> = text_columns
        .iter()
        .map(|&t| if t { Vec::with_capacity(table.lines.len()) } else { Vec::new() })
        .collect();
    let mut record = csv::ByteRecord::new();
    let mut rows = 0usize;
    let changed = || CsvError::Invalid {
        file: file.to_string(),
        message: "the file changed while it was being read; load it again".to_string(),
    };
    let mut header = true;
    while reader.read_byte_record(&mut record).map_err(|e| parse_error(file, &e))? {
        if std::mem::take(&mut header) {
            continue;
        }
        let line = table.lines.get(rows).copied().ok_or_else(changed)?;
        rows += 1;
        for (j, field) in record.iter().enumerate() {
            if !text_columns.get(j).copied().unwrap_or(false) {
                continue;
            }
            let (Some(column), Some(name)) = (texts.get_mut(j), table.names.get(j)) else {
                return Err(changed());
            };
            let text = std::str::from_utf8(field).map_err(|_| CsvError::NotUtf8 {
                file: file.to_string(),
                line,
                column: name.clone(),
            })?;
            column.push(text.to_string());
        }
    }
    if rows != table.lines.len() {
        return Err(changed());
    }
    for ((column, cells), &is_text) in table.texts.iter_mut().zip(texts).zip(text_columns) {
        if is_text {
            *column = Some(cells);
        }
    }
    Ok(())
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
    // Most cells are plain numbers: parse before trimming (a number that parses has no spaces).
    if let Ok(v) = s.parse::<f64>()
        && v.is_finite()
    {
        return Cell::Number(v + 0.0);
    }
    let t = s.trim();
    // Numbers first: they are most cells, and no missing token parses as a finite number.
    match t.parse::<f64>() {
        // `+ 0.0` turns -0 into 0 so that both are the same value and class.
        Ok(v) if v.is_finite() => Cell::Number(v + 0.0),
        Ok(_) => Cell::Missing,
        Err(_) if MISSING_TOKENS.iter().any(|m| t.eq_ignore_ascii_case(m)) => Cell::Missing,
        Err(_) => Cell::Text,
    }
}

/// Empty, NA, ?, NaN... : in a categorical column these are missing, never a category.
fn is_missing_text(s: &str) -> bool {
    parse_cell(s) == Cell::Missing
}

/// `s` read as a number written with a decimal comma (`-1,5`), as spreadsheets save numbers in
/// much of the world.
fn decimal_comma_number(s: &str) -> Option<f64> {
    let t = s.trim();
    let (whole, fraction) = t.split_once(',')?;
    let digits = whole.strip_prefix(['-', '+']).unwrap_or(whole);
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(digits) || !all_digits(fraction) {
        return None;
    }
    format!("{whole}.{fraction}").parse::<f64>().ok().filter(|v| v.is_finite()).map(|v| v + 0.0)
}

/// Turns the text columns of a `;`- or tab-separated file that hold only numbers, some written
/// with a decimal comma, into numeric columns, and says so. A comma-separated file is left
/// alone: there `"1,234"` is more likely a thousands separator.
fn read_decimal_commas(table: &mut Table) {
    if table.delimiter == b',' {
        return;
    }
    let Table { names, numbers, texts, missing, lines, warnings, .. } = table;
    let width = names.len();
    for (j, column_texts) in texts.iter_mut().enumerate() {
        let Some(cells) = column_texts.as_ref() else { continue };
        let mut first_comma = None;
        let only_numbers = cells.iter().enumerate().all(|(i, s)| match parse_cell(s) {
            Cell::Missing | Cell::Number(_) => true,
            Cell::Text => {
                let comma = decimal_comma_number(s).is_some();
                if comma && first_comma.is_none() {
                    first_comma = Some(i);
                }
                comma
            }
        });
        let Some(first) = first_comma.filter(|_| only_numbers) else { continue };
        let mut missing_cells = 0;
        for (i, s) in cells.iter().enumerate() {
            let value = match parse_cell(s) {
                Cell::Number(v) => v,
                Cell::Missing => {
                    missing_cells += 1;
                    f64::NAN
                }
                Cell::Text => decimal_comma_number(s).unwrap_or(f64::NAN),
            };
            if let Some(slot) = numbers.get_mut(i * width + j) {
                *slot = value;
            }
        }
        let example = cells.get(first).map_or("", |s| s.trim());
        warnings.push(format!(
            "column {} is written with decimal commas (line {}: '{example}'): read as numbers, '{example}' as {}",
            names.get(j).map_or("", String::as_str),
            lines.get(first).copied().unwrap_or(0),
            decimal_comma_number(example).unwrap_or(f64::NAN)
        ));
        if let Some(m) = missing.get_mut(j) {
            *m = missing_cells;
        }
        *column_texts = None;
    }
}

/// The first cell of a column of numbers dressed up with currency or percent signs or
/// thousands separators (`$1,200`, `12%`, `1 234`), if every value of the column is one.
fn decorated_numbers(cells: &[String]) -> Option<(usize, String)> {
    let mut first = None;
    for (i, s) in cells.iter().enumerate() {
        if is_missing_text(s) {
            continue;
        }
        let plain: String = s
            .chars()
            .filter(|c| !matches!(c, '%' | '$' | '€' | '£' | '¥' | ',' | '\'' | '_') && !c.is_whitespace())
            .collect();
        if plain.is_empty() || !plain.parse::<f64>().is_ok_and(f64::is_finite) {
            return None;
        }
        if first.is_none() && plain != s.trim() {
            first = Some((i, s.clone()));
        }
    }
    first
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
    /// Distinct non-empty values (only counted for non-numeric columns).
    distinct: usize,
}

/// `missing_numbers`: the count made while parsing (used for numeric columns).
fn analyse(column: Column, rows: usize, missing_numbers: usize) -> Analysis {
    let cells = match column {
        Column::Numbers { .. } => {
            return Analysis {
                kind: ColumnKind::Numeric,
                numbers: rows - missing_numbers,
                missing_numbers,
                texts: 0,
                first_text: None,
                distinct: 0,
            };
        }
        Column::Texts(cells) => cells,
    };
    let mut a = Analysis {
        kind: ColumnKind::Numeric,
        numbers: 0,
        missing_numbers: 0,
        texts: 0,
        first_text: None,
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
    }
    if a.texts > 0 {
        let distinct: HashSet<&str> =
            cells.iter().filter(|s| !is_missing_text(s)).map(String::as_str).collect();
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

fn build(file: &str, mut table: Table, options: &CsvOptions) -> Result<LoadedCsv, CsvError> {
    read_decimal_commas(&mut table);
    let Table { names, mut numbers, texts, missing, lines, mut warnings, .. } = table;
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

    // Column kinds.
    let analyses: Vec<Analysis> = (0..names.len())
        .map(|j| analyse(column(&numbers, &texts, j), n_rows, missing.get(j).copied().unwrap_or(0)))
        .collect();
    let mut reports = Vec::with_capacity(names.len());
    for (j, (name, a)) in names.iter().zip(&analyses).enumerate() {
        let is_target = j == target_index;
        let kind = if is_target && a.kind == ColumnKind::Text { ColumnKind::Categorical } else { a.kind };
        reports.push(ColumnReport { name: name.clone(), kind, missing: a.missing_numbers });
        if kind == ColumnKind::Numeric {
            continue;
        }
        // What becomes of a column that is not numeric, for the notes below.
        let treated = if is_target {
            "its values are treated as class names"
        } else if kind == ColumnKind::Categorical {
            "it is treated as categorical"
        } else {
            "it is ignored as free text"
        };
        if a.numbers > a.texts
            && let Some((row, value)) = &a.first_text
        {
            let line = lines.get(*row).copied().unwrap_or(0);
            warnings.push(format!(
                "column {name} looks numeric but line {line} holds '{value}': {treated}; fix that cell to use it as a number"
            ));
        } else if let Column::Texts(cells) = column(&numbers, &texts, j)
            && let Some((row, value)) = decorated_numbers(cells)
        {
            let line = lines.get(row).copied().unwrap_or(0);
            warnings.push(format!(
                "column {name} holds numbers written with signs or separators (line {line}: '{value}'): {treated}; write plain numbers (such as 1234.5) to use them as numbers"
            ));
        }
    }

    // Rows without a target are always dropped: a missing target is never a class.
    let target_column = column(&numbers, &texts, target_index);
    let target_complete =
        matches!(target_column, Column::Numbers { .. }) && missing.get(target_index) == Some(&0);
    let mut keep: Vec<bool> = if target_complete {
        // Counted while parsing: no pass over a million rows to learn that none is missing.
        vec![true; n_rows]
    } else {
        (0..n_rows).map(|i| target_column.cell(i) != Cell::Missing).collect()
    };
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

    // Task.
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
                // Few distinct whole numbers make classes; stop counting once there are too many.
                let mut distinct: BTreeSet<u64> = BTreeSet::new();
                let mut integers = true;
                for i in 0..n_rows {
                    if let Cell::Number(v) = target_column.cell(i) {
                        if v.fract() != 0.0 || v.abs() >= 9.0e15 {
                            integers = false;
                            break;
                        }
                        distinct.insert(v.to_bits());
                        if distinct.len() > 20 {
                            break;
                        }
                    }
                }
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
        let cells = column(&numbers, &texts, j);
        match a.kind {
            ColumnKind::Text => {
                warnings.push(format!(
                    "column {name} looks like free text ({} different values in {n_rows} rows, too many to use as categories) and was ignored",
                    a.distinct
                ));
                dropped_columns.push(format!("{name} (free text)"));
            }
            ColumnKind::Numeric | ColumnKind::Categorical => {
                let usable = (0..n_rows)
                    .any(|i| keep.get(i).copied().unwrap_or(false) && cell_present(cells, i, a.kind));
                if !usable {
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
                if missing.get(j) == Some(&0) {
                    continue; // Nothing to drop or fill: no scan of a clean column.
                }
                let cells = column(&numbers, &texts, j);
                let mut count = 0;
                for (i, k) in would_keep.iter_mut().enumerate() {
                    if keep.get(i).copied().unwrap_or(false) && cells.cell(i) == Cell::Missing {
                        count += 1;
                        *k = false;
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
                if missing.get(j) == Some(&0) {
                    continue; // Nothing to drop or fill: no scan of a clean column.
                }
                let cells = column(&numbers, &texts, j);
                let mut sum = 0.0;
                let mut count = 0usize;
                let mut missing_lines = Vec::new();
                for (i, (&k, &line)) in keep.iter().zip(&lines).enumerate() {
                    if !k {
                        continue;
                    }
                    match cells.cell(i) {
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
    let kept_rows = KeptRows::new(&keep);
    drop(keep);
    let rows = kept_rows.len();

    // Encode the features as a row-major matrix: in place when they are all numeric, so the
    // peak memory stays about one copy of the numbers.
    enum Encoding {
        Numeric { column: usize, mean: f64 },
        OneHot { column: usize, categories: Vec<String> },
    }
    let mut feature_names: Vec<String> = Vec::new();
    let mut encodings: Vec<Encoding> = Vec::new();
    for feature in &features {
        match *feature {
            FeatureColumn::Numeric { column } => {
                feature_names.push(names.get(column).cloned().unwrap_or_default());
                let mean = means.get(column).copied().flatten().unwrap_or(0.0);
                encodings.push(Encoding::Numeric { column, mean });
            }
            FeatureColumn::Categorical { column } => {
                let name = names.get(column).cloned().unwrap_or_default();
                let cells = self::column(&numbers, &texts, column);
                let categories: Vec<String> = kept_rows
                    .iter()
                    .map(|i| cells.text(i))
                    .filter(|s| !is_missing_text(s))
                    .collect::<BTreeSet<&str>>()
                    .into_iter()
                    .map(str::to_string)
                    .collect();
                if categories.is_empty() {
                    warnings.push(format!("column {name} was empty in every row kept and was dropped"));
                    continue;
                }
                feature_names.extend(categories.iter().map(|c| format!("{name}={c}")));
                encodings.push(Encoding::OneHot { column, categories });
            }
        }
    }
    if encodings.is_empty() {
        return Err(CsvError::NoFeatures {
            file: file.to_string(),
            detail: format!("{file} has no usable column besides the target {target_name}"),
        });
    }
    let width = feature_names.len();
    let in_place = encodings.iter().all(|e| matches!(e, Encoding::Numeric { .. })) && width <= names.len();
    // A numeric target's values in the kept rows; read while compacting when that happens.
    let target_in_numbers = matches!(column(&numbers, &texts, target_index), Column::Numbers { .. });
    let mut target_values: Option<Vec<f64>> = None;
    let mut numbers_kept: Option<Vec<f64>> = None;
    let values = if in_place {
        // Plain numeric features: compact the table's rows into the feature matrix where they
        // are, one run of neighbouring columns at a time, reading the target on the way (one
        // pass over the table). Row r is written at r·width, never past what is still to be
        // read (row kept_rows[r] ≥ r at kept_rows[r]·names.len(), and each feature's column
        // ≥ its index), and a row's target is read before the row is overwritten.
        let columns: Vec<(usize, f64)> = encodings
            .iter()
            .filter_map(|e| match e {
                Encoding::Numeric { column, mean } => Some((*column, *mean)),
                Encoding::OneHot { .. } => None,
            })
            .collect();
        // (first column, first feature, length) of each run of consecutive columns.
        let mut runs: Vec<(usize, usize, usize)> = Vec::new();
        for (k, &(j, _)) in columns.iter().enumerate() {
            match runs.last_mut() {
                Some((from, _, length)) if *from + *length == j => *length += 1,
                _ => runs.push((j, k, 1)),
            }
        }
        let stride = names.len();
        let mut targets = Vec::with_capacity(if target_in_numbers { rows } else { 0 });
        for (r, i) in kept_rows.iter().enumerate() {
            let row = i * stride;
            if target_in_numbers {
                targets.push(numbers.get(row + target_index).copied().unwrap_or(0.0));
            }
            for &(from, to, length) in &runs {
                if row + from + length <= numbers.len() {
                    numbers.copy_within(row + from..row + from + length, r * width + to);
                }
            }
        }
        numbers.truncate(rows * width);
        // Cells still missing in kept rows (the impute policy) take their column's mean.
        for (k, &(j, mean)) in columns.iter().enumerate() {
            if means.get(j).copied().flatten().is_some() {
                for v in numbers.iter_mut().skip(k).step_by(width.max(1)) {
                    if !v.is_finite() {
                        *v = mean;
                    }
                }
            }
        }
        numbers.shrink_to_fit();
        if target_in_numbers {
            target_values = Some(targets);
        }
        numbers
    } else {
        let mut values = vec![0.0; rows * width];
        let mut offset = 0;
        for encoding in encodings {
            match encoding {
                Encoding::Numeric { column, mean } => {
                    let cells = self::column(&numbers, &texts, column);
                    for (row, i) in values.chunks_exact_mut(width).zip(kept_rows.iter()) {
                        if let Some(v) = row.get_mut(offset) {
                            *v = match cells.cell(i) {
                                Cell::Number(x) => x,
                                _ => mean,
                            };
                        }
                    }
                    offset += 1;
                }
                Encoding::OneHot { column, categories } => {
                    let name = names.get(column).cloned().unwrap_or_default();
                    let cells = self::column(&numbers, &texts, column);
                    let mut missing_lines = Vec::new();
                    for (row, i) in values.chunks_exact_mut(width).zip(kept_rows.iter()) {
                        match categories.binary_search_by(|c| c.as_str().cmp(cells.text(i))) {
                            Ok(k) => {
                                if let Some(v) = row.get_mut(offset + k) {
                                    *v = 1.0;
                                }
                            }
                            Err(_) => missing_lines.push(lines.get(i).copied().unwrap_or(0)),
                        }
                    }
                    if !missing_lines.is_empty() {
                        warnings.push(format!(
                            "column {name}: {} no category and {} encoded as all zeros ({})",
                            plural(missing_lines.len(), "empty or NA cell has", "empty or NA cells have"),
                            if missing_lines.len() == 1 { "is" } else { "are" },
                            list_lines(&missing_lines)
                        ));
                    }
                    offset += categories.len();
                }
            }
        }
        numbers_kept = Some(numbers);
        values
    };
    // What the compaction left of the table's numbers, when it did not reuse them.
    let numbers_left: &[f64] = numbers_kept.as_deref().unwrap_or_default();

    // Target.
    let target = {
        let target_column = column(numbers_left, &texts, target_index);
        let numeric_values = |values: Option<Vec<f64>>| -> Vec<f64> {
            values.unwrap_or_else(|| {
                kept_rows
                    .iter()
                    .map(|i| match target_column.cell(i) {
                        Cell::Number(v) => v,
                        _ => 0.0,
                    })
                    .collect()
            })
        };
        if classification {
            if target_numeric {
                let kept_values = numeric_values(target_values);
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
                let kept_values: Vec<&str> = kept_rows.iter().map(|i| target_column.text(i)).collect();
                let classes: Vec<&str> =
                    kept_values.iter().copied().collect::<BTreeSet<&str>>().into_iter().collect();
                let labels =
                    kept_values.iter().map(|v| classes.binary_search(v).map_or(0, |k| k as u32)).collect();
                let class_names = classes.iter().map(|c| c.to_string()).collect();
                Target::Classes { labels, class_names }
            }
        } else {
            Target::Values(numeric_values(target_values))
        }
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

    drop(texts);

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

/// The data rows kept, in order: all of them (no list of a million indices to write when none
/// is dropped, the usual case) or those listed.
enum KeptRows {
    All(usize),
    Listed(Vec<usize>),
}

impl KeptRows {
    fn new(keep: &[bool]) -> Self {
        if keep.iter().all(|&k| k) {
            return KeptRows::All(keep.len());
        }
        // Sized first: a million row indices are not grown (and copied) by doubling.
        let mut listed = Vec::with_capacity(keep.iter().filter(|&&k| k).count());
        listed.extend(keep.iter().enumerate().filter(|(_, k)| **k).map(|(i, _)| i));
        KeptRows::Listed(listed)
    }

    fn len(&self) -> usize {
        match self {
            KeptRows::All(n) => *n,
            KeptRows::Listed(rows) => rows.len(),
        }
    }

    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        let (all, listed) = match self {
            KeptRows::All(n) => (0..*n, &[][..]),
            KeptRows::Listed(rows) => (0..0, rows.as_slice()),
        };
        all.chain(listed.iter().copied())
    }
}

/// Whether a cell holds a usable value for a column of this kind.
fn cell_present(column: Column, row: usize, kind: ColumnKind) -> bool {
    match kind {
        ColumnKind::Numeric => matches!(column.cell(row), Cell::Number(_)),
        ColumnKind::Categorical | ColumnKind::Text => !is_missing_text(column.text(row)),
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

    /// The same table with LF endings (the fast path) and CRLF endings (the csv reader).
    fn both_paths(text: &str) -> (Result<LoadedCsv, CsvError>, Result<LoadedCsv, CsvError>) {
        let crlf = text.replace('\n', "\r\n");
        (bytes(text, &CsvOptions::default()), bytes(&crlf, &CsvOptions::default()))
    }

    #[test]
    fn fast_and_csv_reader_paths_agree() {
        let mut text = "a,b,colour,y\n".to_string();
        for i in 0..300 {
            let b = if i % 17 == 0 { "NA".to_string() } else { format!("{}", i as f64 * 0.5) };
            let colour = ["red", "green", "blue"][i % 3];
            text.push_str(&format!("{i},{b},{colour},{}\n", i % 2));
            if i == 150 {
                text.push('\n');
            }
        }
        let (fast, slow) = both_paths(&text);
        let (fast, slow) = (fast.unwrap(), slow.unwrap());
        assert_eq!(fast.dataset, slow.dataset);
        assert_eq!(format!("{:?}", fast.columns), format!("{:?}", slow.columns));
        assert_eq!(fast.warnings, slow.warnings);
        assert_eq!(fast.rows, slow.rows);
        // A ragged row far into the file: both name the same line (the blank line counts).
        let ragged = text.replacen("201,100.5,red,1\n", "201,100.5,1\n", 1);
        let (fast, slow) = both_paths(&ragged);
        let (fast, slow) = (fast.unwrap_err().to_string(), slow.unwrap_err().to_string());
        assert!(fast.contains("line 204"), "{fast}");
        assert_eq!(fast, slow);
    }

    #[test]
    fn a_quote_late_in_the_file_hands_over_to_the_csv_reader() {
        let mut text = "x,y,label\n".to_string();
        for i in 0..100 {
            text.push_str(&format!("{i},{},a\n", i * 2));
        }
        text.push_str("1,2,\"b, quoted\"\n3,4,a\n");
        let loaded = bytes(&text, &CsvOptions::default()).unwrap();
        assert_eq!(loaded.dataset.rows(), 102);
        assert_eq!(loaded.dataset.class_names(), ["a", "b, quoted"]);
        text.push_str("5,6,\"never closed\n7,8,a\n");
        let error = bytes(&text, &CsvOptions::default()).unwrap_err().to_string();
        assert!(error.contains("line 104") && error.contains("never closes"), "{error}");
    }

    #[test]
    fn a_line_longer_than_a_chunk_is_read_whole() {
        let wide: Vec<String> = (0..40).map(|j| format!("c{j}")).collect();
        let mut text = wide.join(",") + "\n";
        for i in 0..5 {
            let row: Vec<String> = (0..40).map(|j| format!("{}.25", i * 40 + j)).collect();
            text.push_str(&row.join(","));
            text.push('\n');
        }
        let loaded = bytes(&text, &CsvOptions::default()).unwrap();
        assert_eq!((loaded.dataset.rows(), loaded.dataset.n_features()), (5, 39));
        assert_eq!(loaded.dataset.row(4)[38], 198.25);
    }

    #[test]
    fn integers_and_odd_decimals_scan_like_the_standard_parser() {
        for cell in [
            "0",
            "7",
            "-0",
            "123456789012",
            "1234567890123456789",
            "12345678901234567890",
            "0.5",
            "-12.25",
            "00000000000000000001",
            "1.0000000000000000000001",
            "5.",
            ".5",
            "1.2.3",
            "1e5",
            "12345678.87654321",
            "-9007199254740993",
            "9007199254740993.5",
            "1.e5",
            "-.5",
            "1e",
            "1e+",
            "1E-3",
            "-",
            "--1",
            "1_000",
            "0x10",
            "1e400",
            "-inf",
            "-nan",
            "2.2250738585072011e-308",
            "4.9e-324",
            "179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        ] {
            let bytes = format!("{cell},");
            let (value, end) = scan_number(bytes.as_bytes(), 0, b',');
            // A value here is the general parser's value too, bit for bit.
            if let Some(value) = value {
                let expected: f64 = cell.parse::<f64>().unwrap() + 0.0;
                assert_eq!(value.to_bits(), expected.to_bits(), "{cell}");
                assert_eq!(parse_cell(cell), Cell::Number(value), "{cell}");
                assert_eq!(end, Some(cell.len()), "{cell}");
            }
            if let Some(end) = end {
                assert_eq!(end, cell.len(), "{cell}");
            }
        }
    }

    #[test]
    fn fast_numbers_match_the_standard_parser_bit_for_bit() {
        // A small deterministic generator: 17- to 19-digit mantissas are where a parser that
        // rounds twice would go wrong.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut fast = 0;
        for n in 0..200_000 {
            let digits = 1 + (next() % 19) as usize;
            let mantissa = next() % 10u64.pow(digits as u32);
            let decimals = (next() % (digits as u64 + 3)) as usize;
            let text = format!("{mantissa:0>width$}", width = decimals + 1);
            let (whole, fraction) = text.split_at(text.len() - decimals);
            let cell = if decimals == 0 { whole.to_string() } else { format!("{whole}.{fraction}") };
            let cell = if n % 2 == 0 { cell } else { format!("-{cell}") };
            let bytes = format!("{cell},");
            let expected: f64 = cell.parse::<f64>().unwrap() + 0.0;
            let (value, end) = scan_number(bytes.as_bytes(), 0, b',');
            assert_eq!(end, Some(cell.len()), "{cell}");
            if let Some(value) = value {
                fast += 1;
                assert_eq!(value.to_bits(), expected.to_bits(), "{cell}: {value} vs {expected}");
            }
        }
        assert_eq!(fast, 200_000, "every decimal takes the fast path");
    }

    #[test]
    fn a_watched_load_reports_progress_and_can_be_cancelled() {
        let text = "a,b,y\n".to_string() + &"1,2,0\n3,4,1\n".repeat(5000);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.csv");
        std::fs::write(&path, &text).unwrap();
        let progress = LoadProgress::default();
        let loaded = load_csv_watched(&path, &CsvOptions::default(), &progress).unwrap();
        assert_eq!(loaded.dataset.rows(), 10_000);
        assert_eq!(progress.fraction(text.len() as u64), 1.0);
        let cancelled = LoadProgress::default();
        cancelled.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        let error = load_csv_watched(&path, &CsvOptions::default(), &cancelled).unwrap_err();
        assert_eq!(error.to_string(), "loading big.csv was cancelled");
    }

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
        assert_eq!(loaded.dataset.feature_names, vec!["a"]);
    }

    #[test]
    fn decimal_commas_of_a_semicolon_or_tab_file_are_read_as_numbers_and_said_so() {
        for delimiter in [";", "\t"] {
            let text = "a;b;y\n1,5;x;0\n-2,25;y;1\n3;x;0\nNA;y;1\n".replace(';', delimiter);
            let options = CsvOptions { missing: MissingPolicy::ImputeMean, ..Default::default() };
            let loaded = bytes(&text, &options).expect("loads");
            assert_eq!(loaded.columns[0].kind, ColumnKind::Numeric);
            assert_eq!(loaded.columns[0].missing, 1);
            let a: Vec<f64> = (0..4).map(|i| loaded.dataset.row(i)[0]).collect();
            assert_eq!(a, vec![1.5, -2.25, 3.0, (1.5 - 2.25 + 3.0) / 3.0]);
            assert!(
                loaded
                    .warnings
                    .iter()
                    .any(|w| w.contains("column a is written with decimal commas (line 2: '1,5')")),
                "{:?}",
                loaded.warnings
            );
        }
    }

    #[test]
    fn utf16_and_a_separator_hint_line_are_refused_by_name() {
        let utf16: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("a,y\n1,0\n".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        let err = load_csv_bytes("excel.csv", &utf16, &CsvOptions::default()).unwrap_err().to_string();
        assert!(err.contains("excel.csv is UTF-16") && err.contains("CSV UTF-8"), "{err}");
        let err = bytes("sep=;\na;y\n1;0\n2;1\n", &CsvOptions::default()).unwrap_err().to_string();
        assert!(err.contains("line 1: 'sep=;' is a spreadsheet's separator hint"), "{err}");
        // A header that merely starts with "sep" is a header.
        assert!(bytes("sepal,y\n1,0\n2,1\n", &CsvOptions::default()).is_ok());
    }

    #[test]
    fn a_column_that_is_not_all_decimal_commas_stays_categorical() {
        let loaded = bytes("a;y\n1,5;0\n2,5;1\nabc;0\n", &CsvOptions::default()).expect("loads");
        assert_eq!(loaded.columns[0].kind, ColumnKind::Categorical);
        // In a comma-separated file "1,5" is quoted and may be a thousands separator: left as is.
        let loaded = bytes("a,y\n\"1,5\",0\n\"2,5\",1\n", &CsvOptions::default()).expect("loads");
        assert_eq!(loaded.columns[0].kind, ColumnKind::Categorical);
        assert!(
            loaded.warnings.iter().any(|w| w.contains("written with signs or separators (line 2: '1,5')"))
        );
    }

    #[test]
    fn numbers_with_percent_or_currency_signs_are_categories_with_a_note() {
        let loaded = bytes("share,price,y\n12%,\"$1,200\",0\n15%,$900,1\n20%,NA,0\n", &CsvOptions::default())
            .expect("loads");
        assert_eq!(loaded.columns[0].kind, ColumnKind::Categorical);
        let notes = loaded.warnings.join("\n");
        assert!(
            notes.contains("column share holds numbers written with signs or separators (line 2: '12%')"),
            "{notes}"
        );
        assert!(
            notes.contains("column price holds numbers written with signs or separators (line 2: '$1,200')"),
            "{notes}"
        );
        // Words are no such numbers.
        let loaded = bytes("c,y\nred,0\nblue,1\n", &CsvOptions::default()).expect("loads");
        assert!(!loaded.warnings.iter().any(|w| w.contains("signs or separators")), "{:?}", loaded.warnings);
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
    fn compaction_keeps_every_value_with_a_middle_target_and_a_skipped_column() {
        // Runs of columns a..b and d (c is free text, y sits between them), a dropped row and an
        // imputed cell: every feature value and target must land where it belongs.
        let mut text = String::from("a,b,y,c,d\n");
        for i in 0..60 {
            let y = if i == 7 { String::new() } else { (i % 3).to_string() };
            let d = if i == 11 { "NA".to_string() } else { format!("{}.5", i * 10) };
            text.push_str(&format!("{i},-{i},{y},word{i},{d}\n"));
        }
        let options = CsvOptions { missing: MissingPolicy::ImputeMean, ..CsvOptions::default() };
        let loaded = bytes(&text, &CsvOptions { target: Some("y".into()), ..options }).expect("loads");
        assert_eq!(loaded.dataset.feature_names, vec!["a", "b", "d"]);
        assert_eq!(loaded.rows, 59);
        let kept: Vec<usize> = (0..60).filter(|&i| i != 7).collect();
        let d_mean = kept.iter().filter(|&&i| i != 11).map(|&i| i as f64 * 10.0 + 0.5).sum::<f64>() / 58.0;
        for (r, &i) in kept.iter().enumerate() {
            let d = if i == 11 { d_mean } else { i as f64 * 10.0 + 0.5 };
            assert_eq!(loaded.dataset.row(r), [i as f64, -(i as f64), d].as_slice(), "row {r}");
        }
        let Target::Classes { labels, class_names } = &loaded.dataset.target else { panic!("classes") };
        assert_eq!(class_names, &["0", "1", "2"]);
        assert!(kept.iter().zip(labels).all(|(&i, &label)| label as usize == i % 3));
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
    fn na_in_a_categorical_column_is_missing_not_a_category() {
        let text = "sex,n,y\nMALE,1,0\nNA,2,1\nFEMALE,3,0\n?,4,1\nMALE,5,1\n";
        let loaded = bytes(text, &CsvOptions::default()).expect("loads");
        assert_eq!(loaded.dataset.feature_names, vec!["sex=FEMALE", "sex=MALE", "n"]);
        assert_eq!(loaded.columns[0].missing, 2);
        assert_eq!(loaded.dataset.rows(), 5, "a missing category keeps its row");
        assert_eq!(loaded.dataset.row(1), &[0.0, 0.0, 2.0]);
        assert!(
            loaded
                .warnings
                .iter()
                .any(|w| w.contains("sex: 2 empty or NA cells have no category") && w.contains("lines 3, 5")),
            "{:?}",
            loaded.warnings
        );
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

    // ---- streaming: files larger than the sniffing and line-number windows -------------------

    /// A CSV of `rows` numeric rows (three columns) with CRLF endings and a blank line every
    /// 1000 rows, so line numbers and window compaction are exercised well past 64 KiB.
    fn long_text(rows: usize) -> String {
        let mut text = String::from("a,b,y\r\n");
        for i in 0..rows {
            text.push_str(&format!("{}.25,{},{}\r\n", i, i % 7, i % 3));
            if i % 1000 == 999 {
                text.push_str("\r\n");
            }
        }
        text
    }

    fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("learnscope-{}-{name}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn long_file_names_the_right_line_far_past_the_first_chunk() {
        let mut text = long_text(20_000);
        text.push_str("1,2\r\n");
        assert!(text.len() > 4 * SNIFF_BYTES);
        // Header + 20000 rows + 20 blank lines: the short row sits on line 20022.
        let expected = "line 20022: expected 3 fields, found 2";
        let err = bytes(&text, &CsvOptions::default()).unwrap_err().to_string();
        assert!(err.contains(expected), "{err}");
        let path = temp_file("ragged.csv", &text);
        let err = load(&path).unwrap_err().to_string();
        let _ = std::fs::remove_file(&path);
        assert!(err.contains(expected), "{err}");
    }

    #[test]
    fn unclosed_quote_far_into_a_long_file_is_found() {
        let mut text = long_text(10_000);
        text.push_str("\"7,8,1\r\n9,9,9\r\n");
        let err = bytes(&text, &CsvOptions::default()).unwrap_err().to_string();
        assert!(err.contains("mem.csv line 10012: a quote opened here never closes"), "{err}");
    }

    #[test]
    fn file_and_bytes_agree_when_a_late_cell_makes_a_column_categorical() {
        let mut text = long_text(12_000);
        // The last row turns column b into text: the second pass must keep every cell as written.
        text.push_str("5.5,x y,1\r\n");
        let from_bytes = bytes(&text, &CsvOptions::default()).unwrap();
        let path = temp_file("late_text.csv", &text);
        let from_file = load_ok(&path);
        let _ = std::fs::remove_file(&path);
        // Compared without printing: the tables are large.
        assert!(from_file.dataset.features == from_bytes.dataset.features, "features differ");
        assert!(from_file.dataset.target == from_bytes.dataset.target, "targets differ");
        assert_eq!(from_file.dataset.feature_names, from_bytes.dataset.feature_names);
        assert_eq!(from_file.columns[1].kind, ColumnKind::Categorical);
        assert_eq!(from_file.dataset.n_features(), 1 + 8);
        assert_eq!(from_file.dataset.feature_names[1], "b=0");
        assert_eq!(from_file.rows, 12_001);
        assert_eq!(from_file.dataset.row(12_000)[0], 5.5);
        assert_eq!(from_file.dataset.row(12_000)[8], 1.0, "b=x y is the last category");
    }

    #[test]
    fn a_character_split_by_quotes_across_two_fields_is_not_utf8() {
        // The two bytes of "é" sit in two fields: each field alone is invalid UTF-8.
        let err = load_csv_bytes("split.csv", b"a,b\n\"\xC3\",\xA9\n", &CsvOptions::default()).unwrap_err();
        assert!(err.to_string().contains("split.csv line 2 (column a) is not valid UTF-8"), "{err}");
    }

    #[test]
    fn the_first_problem_in_the_file_is_reported_across_batches() {
        // Bad UTF-8 on line 3, a short row after more than one batch of rows: line 3 wins.
        let mut text = b"a,b,y\n1,2,0\n1,\xFF,1\n".to_vec();
        text.extend(long_text(2 * BATCH_ROWS).into_bytes().split_off(7));
        text.extend_from_slice(b"1,2\n");
        let err = load_csv_bytes("order.csv", &text, &CsvOptions::default()).unwrap_err().to_string();
        assert!(err.contains("order.csv line 3 (column b) is not valid UTF-8"), "{err}");
        // And the other way round: a short row on line 3 wins over bad UTF-8 later on.
        let mut text = b"a,b,y\n1,2,0\n1,2\n".to_vec();
        text.extend(long_text(2 * BATCH_ROWS).into_bytes().split_off(7));
        text.extend_from_slice(b"1,\xFF,1\n");
        let err = load_csv_bytes("order.csv", &text, &CsvOptions::default()).unwrap_err().to_string();
        assert!(err.contains("order.csv line 3: expected 3 fields, found 2"), "{err}");
    }

    #[test]
    fn numeric_rows_are_compacted_in_place_around_the_target_and_dropped_rows() {
        let options = CsvOptions {
            target: Some("y".into()),
            task: Some(TaskOverride::Regression),
            ..Default::default()
        };
        let loaded = bytes("a,y,b,c\n1,10,2,3\n4,11,NA,6\n7,12,8,9\n", &options).unwrap();
        assert_eq!(loaded.dataset.feature_names, ["a", "b", "c"]);
        assert_eq!(loaded.dataset.features, [1.0, 2.0, 3.0, 7.0, 8.0, 9.0]);
        assert_eq!(loaded.dataset.target, Target::Values(vec![10.0, 12.0]));
        let impute =
            CsvOptions { target: Some("y".into()), missing: MissingPolicy::ImputeMean, ..Default::default() };
        let loaded = bytes("a,y,b,c\n1,10,2,3\n4,11,NA,6\n7,12,8,9\n", &impute).unwrap();
        assert_eq!(loaded.dataset.features, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    }
}
