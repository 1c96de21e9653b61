//! The `csv` reader's path, for text the fast path cannot take (quotes, carriage returns,
//! invalid UTF-8), and the second pass that keeps the cells of text columns as written.

use std::io::Read;
use std::sync::mpsc;

use super::CsvError;
use super::cells::{Cell, parse_cell};
use super::source::{Source, Watched, csv_reader, open_text, parse_error};
use super::table::{Rows, Table};

/// Rows through the csv reader: one thread splits records (and checks their shape), this one
/// parses numbers (in the browser, one after the other).
pub(super) fn read_rows_slow<R: Read + Send>(
    file: &str,
    reader: &mut csv::Reader<Watched<R>>,
    names: &[String],
    rows: &mut Rows,
) -> Result<(), CsvError> {
    let expected = names.len();
    let mut parse = |batch: &Batch| {
        parse_rows(
            file,
            batch,
            names,
            &mut rows.numbers,
            &mut rows.text_columns,
            &mut rows.missing,
            &mut rows.lines,
        )
    };
    #[cfg(not(target_arch = "wasm32"))]
    {
        let (rows_to_parse, batches) = mpsc::sync_channel::<Result<Batch, CsvError>>(4);
        let (spare_batches, spares) = mpsc::channel::<Batch>();
        std::thread::scope(|scope| {
            let send = move |batch| rows_to_parse.send(batch).is_ok();
            scope.spawn(|| split_rows(file, reader, expected, send, spares));
            for message in batches {
                let batch = message?;
                parse(&batch)?;
                // The splitter may reuse the buffers; it may also be gone already.
                let _ = spare_batches.send(batch);
            }
            Ok::<(), CsvError>(())
        })
    }
    // In the browser, which has no threads: split everything, then parse.
    #[cfg(target_arch = "wasm32")]
    {
        let mut split = Vec::new();
        split_rows(
            file,
            reader,
            expected,
            |batch| {
                split.push(batch);
                true
            },
            mpsc::channel().1,
        );
        for message in split {
            parse(&message?)?;
        }
        Ok(())
    }
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

pub(super) const BATCH_ROWS: usize = 4096;

/// Reads records and sends them on in batches, in file order; a problem is sent after the rows
/// before it, so the first problem in the file is the one reported.
fn split_rows<R: Read>(
    file: &str,
    reader: &mut csv::Reader<Watched<R>>,
    expected: usize,
    mut send: impl FnMut(Result<Batch, CsvError>) -> bool,
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
            if !batch.lines.is_empty() && !send(Ok(std::mem::replace(&mut batch, next))) {
                return; // The parser stopped at a problem of its own.
            }
        }
        if let Some(problem) = problem {
            send(Err(problem));
            return;
        }
    }
    if !batch.lines.is_empty() {
        send(Ok(batch));
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
pub(super) fn read_texts(
    file: &str,
    source: Source,
    table: &mut Table,
    text_columns: &[bool],
) -> Result<(), CsvError> {
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
