//! Reading the text into a [`Table`]: the header, the numbers of every row (by the fast path
//! while rows are plain, then by the `csv` reader) and, when some column holds text, a second
//! pass for its cells.

use std::collections::HashSet;
use std::io::Read;

use super::CsvError;
use super::fast::{read_rows_fast, skip_header};
use super::slow::{read_rows_slow, read_texts};
use super::source::{Source, Watched, csv_reader, open_text, parse_error};
use super::table::{Rows, Table};

/// Reads the whole text. An empty text and an unclosed quote take precedence over any other
/// problem, because they explain it (a quote that never closes swallows the rest of the file).
pub(super) fn read_table(file: &str, source: Source) -> Result<Table, CsvError> {
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
