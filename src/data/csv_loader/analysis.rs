//! What columns hold: their kind, numbers written with decimal commas, and numbers dressed up
//! with signs or separators.

use std::collections::HashSet;

use super::ColumnKind;
use super::cells::{Cell, decimal_comma_number, is_missing_text, parse_cell};
use super::table::{Column, Table};

/// Turns the text columns of a `;`- or tab-separated file that hold only numbers, some written
/// with a decimal comma, into numeric columns, and says so. A comma-separated file is left
/// alone: there `"1,234"` is more likely a thousands separator.
pub(super) fn read_decimal_commas(table: &mut Table) {
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
pub(super) fn decorated_numbers(cells: &[String]) -> Option<(usize, String)> {
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
pub(super) struct Analysis {
    pub(super) kind: ColumnKind,
    pub(super) numbers: usize,
    /// Cells that are missing as numbers (empty, NA, NaN, inf...).
    pub(super) missing_numbers: usize,
    /// Cells that are neither numbers nor missing.
    pub(super) texts: usize,
    /// First cell that is neither a number nor missing: (row index, value).
    pub(super) first_text: Option<(usize, String)>,
    /// Distinct non-empty values (only counted for non-numeric columns).
    pub(super) distinct: usize,
}

/// `missing_numbers`: the count made while parsing (used for numeric columns).
pub(super) fn analyse(column: Column, rows: usize, missing_numbers: usize) -> Analysis {
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
