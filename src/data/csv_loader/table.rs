//! The table a file is read into, the rows as they are parsed, and one column seen through
//! the table.

use super::cells::{Cell, parse_cell};

/// One column of the file, seen through the table. Numbers are kept row-major for every column,
/// so a large numeric file costs 8 bytes a cell and becomes the feature matrix in place; a
/// column that holds any text also keeps its cells as written.
#[derive(Clone, Copy)]
pub(super) enum Column<'a> {
    /// `NaN` marks a missing or non-finite cell (empty, NA, inf...).
    Numbers {
        values: &'a [f64],
        width: usize,
        offset: usize,
    },
    Texts(&'a [String]),
}

impl<'a> Column<'a> {
    pub(super) fn cell(self, row: usize) -> Cell {
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
    pub(super) fn text(self, row: usize) -> &'a str {
        match self {
            Column::Numbers { .. } => "",
            Column::Texts(cells) => cells.get(row).map_or("", String::as_str),
        }
    }
}

/// The raw content of a file: header names (made unique), the numbers of every row and the
/// cells of the columns that hold text.
pub(super) struct Table {
    pub(super) names: Vec<String>,
    /// Row-major, `names.len()` values a row; `NaN` for a missing cell and in text columns.
    pub(super) numbers: Vec<f64>,
    /// `texts[j]`: the cells of column `j` as written, for the columns that hold text.
    pub(super) texts: Vec<Option<Vec<String>>>,
    /// Missing cells per numeric column, counted while parsing so clean columns need no scan.
    pub(super) missing: Vec<usize>,
    /// Physical line where each data row starts.
    pub(super) lines: Vec<u64>,
    pub(super) warnings: Vec<String>,
    pub(super) delimiter: u8,
}

/// Column `j` of a table's numbers and texts.
pub(super) fn column<'a>(numbers: &'a [f64], texts: &'a [Option<Vec<String>>], j: usize) -> Column<'a> {
    match texts.get(j) {
        Some(Some(cells)) => Column::Texts(cells),
        _ => Column::Numbers { values: numbers, width: texts.len(), offset: j },
    }
}

/// The data rows as parsed so far, by either path.
pub(super) struct Rows {
    pub(super) numbers: Vec<f64>,
    pub(super) text_columns: Vec<bool>,
    pub(super) missing: Vec<usize>,
    pub(super) lines: Vec<u64>,
}

impl Rows {
    pub(super) fn new(columns: usize) -> Self {
        Self {
            numbers: Vec::new(),
            text_columns: vec![false; columns],
            missing: vec![0; columns],
            lines: Vec::new(),
        }
    }

    /// Where the rows stand, to go back to if a chunk turns out not to be plain.
    pub(super) fn mark(&self) -> (usize, usize, Vec<usize>, Vec<bool>) {
        (self.numbers.len(), self.lines.len(), self.missing.clone(), self.text_columns.clone())
    }

    pub(super) fn rewind(
        &mut self,
        (numbers, lines, missing, text_columns): (usize, usize, Vec<usize>, Vec<bool>),
    ) {
        self.numbers.truncate(numbers);
        self.lines.truncate(lines);
        self.missing = missing;
        self.text_columns = text_columns;
    }

    pub(super) fn clear(&mut self) {
        self.numbers.clear();
        self.text_columns.fill(false);
        self.missing.fill(0);
        self.lines.clear();
    }

    pub(super) fn append(&mut self, part: &Rows) {
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
