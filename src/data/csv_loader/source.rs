//! Opening the text: where it comes from (bytes, a file, a watched file), the byte-order mark,
//! the delimiter, the spreadsheet exports refused by name, and the [`Watched`] wrapper that
//! finds unclosed quotes and physical line numbers for the `csv` reader.

use std::io::Read;
use std::path::Path;

use super::{CsvError, LoadProgress};

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

/// Where the text comes from.
#[derive(Clone, Copy)]
pub(super) enum Source<'a> {
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
    pub(super) fn size(self) -> Option<u64> {
        match self {
            Source::Bytes(bytes) => Some(bytes.len() as u64),
            Source::File(path) | Source::WatchedFile(path, _) => {
                std::fs::metadata(path).ok().map(|m| m.len())
            }
        }
    }

    /// Tells a watcher which pass over the text is under way.
    pub(super) fn set_pass(self, pass: u32) {
        if let Source::WatchedFile(_, progress) = self {
            progress.pass.store(pass, std::sync::atomic::Ordering::Relaxed);
        }
    }

    pub(super) fn io_error(self, source: std::io::Error) -> CsvError {
        let path = match self {
            Source::Bytes(_) => "the data".to_string(),
            Source::File(path) | Source::WatchedFile(path, _) => path.display().to_string(),
        };
        CsvError::Io { path, source }
    }
}

const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];
/// Bytes looked at to pick the delimiter.
pub(super) const SNIFF_BYTES: usize = 1 << 16;

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

pub(super) fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Wraps the text the `csv` reader reads, watching every byte as it passes: whether a quote
/// opens and never closes (and on which line), whether anything but white space appears, and
/// the recent bytes, to turn the reader's byte offsets into physical line numbers.
pub(super) struct Watched<R> {
    inner: R,
    delimiter: u8,
    /// Bytes handed to the reader so far.
    offset: u64,
    quote: QuoteState,
    /// Newlines handed to the reader so far.
    newlines: u64,
    /// Line where the quote that is open now opened.
    opened_at: u64,
    pub(super) saw_content: bool,
    /// Bytes from `window_start` on, not yet turned into line numbers.
    window: Vec<u8>,
    window_start: u64,
    /// Index in `window` up to which newlines are counted into `line`.
    counted: usize,
    line: u64,
}

impl<R: Read> Watched<R> {
    /// Watches text whose first byte lies on line `first_line`.
    pub(super) fn new(inner: R, delimiter: u8, first_line: u64) -> Self {
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
    pub(super) fn record_line(&mut self, offset: u64) -> u64 {
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
    pub(super) fn drain(&mut self) -> std::io::Result<()> {
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

    pub(super) fn unclosed_quote(&self) -> Option<u64> {
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
pub(super) fn open_text<'a>(
    file: &str,
    source: Source<'a>,
) -> Result<(Box<dyn Read + Send + 'a>, u8), CsvError> {
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

pub(super) fn csv_reader<R: Read>(text: R, delimiter: u8) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(SNIFF_BYTES)
        .from_reader(text)
}

pub(super) fn parse_error(file: &str, e: &csv::Error) -> CsvError {
    CsvError::Parse {
        file: file.to_string(),
        place: e.position().map(|p| format!(" line {}", p.line())).unwrap_or_default(),
        message: e.to_string(),
    }
}
