//! Single cells: numbers, the written forms of a missing value, and decimal commas.

/// Written forms of a missing or non-finite number (compared case-insensitively, trimmed).
const MISSING_TOKENS: [&str; 12] =
    ["", "na", "n/a", "nan", "?", "null", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"];

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Cell {
    Missing,
    Number(f64),
    Text,
}

pub(super) fn parse_cell(s: &str) -> Cell {
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
pub(super) fn is_missing_text(s: &str) -> bool {
    parse_cell(s) == Cell::Missing
}

/// `s` read as a number written with a decimal comma (`-1,5`), as spreadsheets save numbers in
/// much of the world.
pub(super) fn decimal_comma_number(s: &str) -> Option<f64> {
    let t = s.trim();
    let (whole, fraction) = t.split_once(',')?;
    let digits = whole.strip_prefix(['-', '+']).unwrap_or(whole);
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(digits) || !all_digits(fraction) {
        return None;
    }
    format!("{whole}.{fraction}").parse::<f64>().ok().filter(|v| v.is_finite()).map(|v| v + 0.0)
}
