//! The fast path: rows without quotes, carriage returns or invalid UTF-8, parsed straight from
//! the bytes on two threads. At the first chunk that is not plain it hands over to the `csv`
//! reader (the `slow` stage).

use std::io::Read;

use super::CsvError;
use super::cells::{Cell, parse_cell};
use super::source::{SNIFF_BYTES, count_newlines};
use super::table::Rows;

/// Text the fast path parses at a time, split between two threads.
/// (Tiny in unit tests, so every test crosses chunk boundaries.)
const FAST_CHUNK: usize = if cfg!(test) { 64 } else { 4 << 20 };

/// Skips the first `bytes` of `text` (the header) and returns the line the rest starts on.
pub(super) fn skip_header(text: &mut impl Read, bytes: u64) -> std::io::Result<u64> {
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
pub(super) fn read_rows_fast(
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
        let (b, (mark, a, next_eof)) = beside(
            || parse_plain_rows(file, second_half, delimiter, 0, &mut filling),
            || {
                rows.append(&waiting);
                let mark = rows.mark();
                let a = parse_plain_rows(file, first_half, delimiter, line, rows);
                let next_eof = if eof { Ok(true) } else { fill(&mut next, text, FAST_CHUNK) };
                (mark, a, next_eof)
            },
        );
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
/// as `parse_rows` (the slow path) reads them. Blank lines are skipped, as the csv reader skips
/// them. Returns the line after the last one. Numbers are ASCII, so only the other cells are
/// checked for UTF-8, quotes and carriage returns: together they are every byte that is not a
/// number, a delimiter or a newline.
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
pub(super) fn scan_number(bytes: &[u8], from: usize, delimiter: u8) -> (Option<f64>, Option<usize>) {
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

/// Runs `helper` on a second thread while this one runs `main`; in the browser, which has no
/// threads, one after the other.
fn beside<B: Send, A>(
    helper: impl FnOnce() -> B + Send,
    main: impl FnOnce() -> A,
) -> (std::thread::Result<B>, A) {
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::thread::scope(|scope| {
            let handle = scope.spawn(helper);
            let a = main();
            (handle.join(), a)
        })
    }
    #[cfg(target_arch = "wasm32")]
    {
        let b = helper();
        (Ok(b), main())
    }
}
