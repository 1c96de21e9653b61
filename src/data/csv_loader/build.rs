//! Building the data set from the table: the target, the task, the feature columns, missing
//! values, the feature matrix (in place when every feature is numeric) and the notes on each.

use std::collections::BTreeSet;
use std::path::Path;

use super::analysis::{Analysis, analyse, decorated_numbers, read_decimal_commas};
use super::cells::{Cell, is_missing_text};
use super::table::{Column, Table, column};
use super::{ColumnKind, ColumnReport, CsvError, CsvOptions, LoadedCsv, MissingPolicy, TaskOverride};
use crate::data::{Dataset, Target};

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

/// A feature column that survives: numeric values per kept row, or categories.
enum FeatureColumn {
    Numeric { column: usize },
    Categorical { column: usize },
}

/// How a surviving feature becomes columns of the matrix.
enum Encoding {
    Numeric { column: usize, mean: f64 },
    OneHot { column: usize, categories: Vec<String> },
}

/// The table's parts the steps before the encoding read, borrowed together.
#[derive(Clone, Copy)]
struct View<'a> {
    file: &'a str,
    names: &'a [String],
    numbers: &'a [f64],
    texts: &'a [Option<Vec<String>>],
    /// Missing cells per numeric column, as counted while parsing.
    missing: &'a [usize],
    lines: &'a [u64],
}

impl<'a> View<'a> {
    fn column(self, j: usize) -> Column<'a> {
        column(self.numbers, self.texts, j)
    }

    fn rows(self) -> usize {
        self.lines.len()
    }
}

/// Builds the data set from the table, step by step; each step adds its notes to the warnings
/// in this order.
pub(super) fn build(file: &str, mut table: Table, options: &CsvOptions) -> Result<LoadedCsv, CsvError> {
    read_decimal_commas(&mut table);
    let Table { names, numbers, texts, missing, lines, mut warnings, .. } = table;
    let n_rows = lines.len();

    let target_index = find_target(file, &names, options)?;
    let target_name = names.get(target_index).cloned().unwrap_or_default();

    let view =
        View { file, names: &names, numbers: &numbers, texts: &texts, missing: &missing, lines: &lines };
    let analyses: Vec<Analysis> = (0..names.len())
        .map(|j| analyse(view.column(j), n_rows, missing.get(j).copied().unwrap_or(0)))
        .collect();
    let reports = report_columns(view, &analyses, target_index, &mut warnings);
    let keep = rows_with_target(view, target_index, &target_name, &mut warnings)?;

    let target_analysis = analyses.get(target_index);
    let target_numeric = target_analysis.is_none_or(|a| a.texts == 0);
    let classification =
        choose_task(view, options, target_analysis, target_numeric, target_index, &target_name)?;

    let features = feature_columns(view, &analyses, target_index, &target_name, &keep, &mut warnings)?;
    let (keep, means) = handle_missing(view, &features, options.missing, keep, &mut warnings)?;
    let kept_rows = KeptRows::new(&keep);
    drop(keep);
    let rows = kept_rows.len();

    // Encode the features as a row-major matrix: in place when they are all numeric, so the
    // peak memory stays about one copy of the numbers.
    let (feature_names, encodings) =
        plan_encodings(view, &features, &means, &kept_rows, &target_name, &mut warnings)?;
    let width = feature_names.len();
    let in_place = encodings.iter().all(|e| matches!(e, Encoding::Numeric { .. })) && width <= names.len();
    let target_in_numbers = matches!(view.column(target_index), Column::Numbers { .. });
    // With the matrix: a numeric target's values in the kept rows (read while compacting when
    // that happens) and the table's numbers when the matrix did not reuse them.
    let (values, target_values, numbers_kept, imputed) = if in_place {
        let target = target_in_numbers.then_some(target_index);
        let (values, targets, imputed) =
            compact_in_place(numbers, &encodings, &kept_rows, &means, names.len(), width, target);
        (values, targets, None, imputed)
    } else {
        let (values, imputed) = encode_copy(view, encodings, &kept_rows, width, &mut warnings);
        (values, None, Some(numbers), imputed)
    };
    // What the compaction left of the table's numbers, when it did not reuse them.
    let numbers_left: &[f64] = numbers_kept.as_deref().unwrap_or_default();

    let target_column = column(numbers_left, &texts, target_index);
    let target = build_target(target_column, &kept_rows, classification, target_numeric, target_values);
    warn_about_classes(&target, &target_name, &mut warnings);

    drop(texts);

    let dropped_rows = n_rows - rows;
    if dropped_rows > 0 {
        warnings.push(format!("{rows} of {n_rows} rows remain"));
    }
    let name =
        Path::new(file).file_stem().map_or_else(|| file.to_string(), |s| s.to_string_lossy().into_owned());
    let mut dataset = Dataset::new(name, feature_names, values, target, target_name)
        .map_err(|e| CsvError::Invalid { file: file.to_string(), message: e.to_string() })?;
    dataset.imputed = imputed;
    Ok(LoadedCsv { dataset, columns: reports, rows, dropped_rows, warnings })
}

/// The target column's index: the one named in the options, else the last.
fn find_target(file: &str, names: &[String], options: &CsvOptions) -> Result<usize, CsvError> {
    Ok(match &options.target {
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
    })
}

/// Column kinds: one report a column, and a note on each non-numeric column that looks like
/// numbers.
fn report_columns(
    view: View,
    analyses: &[Analysis],
    target_index: usize,
    warnings: &mut Vec<String>,
) -> Vec<ColumnReport> {
    let mut reports = Vec::with_capacity(view.names.len());
    for (j, (name, a)) in view.names.iter().zip(analyses).enumerate() {
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
            let line = view.lines.get(*row).copied().unwrap_or(0);
            warnings.push(format!(
                "column {name} looks numeric but line {line} holds '{value}': {treated}; fix that cell to use it as a number"
            ));
        } else if let Column::Texts(cells) = view.column(j)
            && let Some((row, value)) = decorated_numbers(cells)
        {
            let line = view.lines.get(row).copied().unwrap_or(0);
            warnings.push(format!(
                "column {name} holds numbers written with signs or separators (line {line}: '{value}'): {treated}; write plain numbers (such as 1234.5) to use them as numbers"
            ));
        }
    }
    reports
}

/// Which rows have a target. Rows without one are always dropped: a missing target is never a
/// class.
fn rows_with_target(
    view: View,
    target_index: usize,
    target_name: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<bool>, CsvError> {
    let n_rows = view.rows();
    let target_column = view.column(target_index);
    let target_complete =
        matches!(target_column, Column::Numbers { .. }) && view.missing.get(target_index) == Some(&0);
    let keep: Vec<bool> = if target_complete {
        // Counted while parsing: no pass over a million rows to learn that none is missing.
        vec![true; n_rows]
    } else {
        (0..n_rows).map(|i| target_column.cell(i) != Cell::Missing).collect()
    };
    let no_target: Vec<u64> =
        keep.iter().zip(view.lines).filter(|(k, _)| !**k).map(|(_, &line)| line).collect();
    if no_target.len() == n_rows {
        return Err(CsvError::NoRowsLeft {
            file: view.file.to_string(),
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
    Ok(keep)
}

/// The task: true for classification. Forced by the options, else classification for a text
/// target or few distinct whole numbers.
fn choose_task(
    view: View,
    options: &CsvOptions,
    target_analysis: Option<&Analysis>,
    target_numeric: bool,
    target_index: usize,
    target_name: &str,
) -> Result<bool, CsvError> {
    Ok(match options.task {
        Some(TaskOverride::Regression) => {
            if let Some((row, value)) = target_analysis.and_then(|a| a.first_text.clone()) {
                return Err(CsvError::NonNumericTarget {
                    file: view.file.to_string(),
                    line: view.lines.get(row).copied().unwrap_or(0),
                    column: target_name.to_string(),
                    value,
                });
            }
            false
        }
        Some(TaskOverride::Classification) => true,
        None => {
            if target_numeric {
                // Few distinct whole numbers make classes; stop counting once there are too many.
                let target_column = view.column(target_index);
                let mut distinct: BTreeSet<u64> = BTreeSet::new();
                let mut integers = true;
                for i in 0..view.rows() {
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
    })
}

/// Feature columns: drop free text and columns empty in every row that has a target.
fn feature_columns(
    view: View,
    analyses: &[Analysis],
    target_index: usize,
    target_name: &str,
    keep: &[bool],
    warnings: &mut Vec<String>,
) -> Result<Vec<FeatureColumn>, CsvError> {
    let (file, n_rows) = (view.file, view.rows());
    let mut features: Vec<FeatureColumn> = Vec::new();
    let mut dropped_columns: Vec<String> = Vec::new();
    for (j, (name, a)) in view.names.iter().zip(analyses).enumerate() {
        if j == target_index {
            continue;
        }
        let cells = view.column(j);
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
    Ok(features)
}

/// Missing numeric features: drop rows or impute means. Returns the rows kept and, under the
/// impute policy, each numeric feature column's mean.
fn handle_missing(
    view: View,
    features: &[FeatureColumn],
    policy: MissingPolicy,
    keep: Vec<bool>,
    warnings: &mut Vec<String>,
) -> Result<(Vec<bool>, Vec<Option<f64>>), CsvError> {
    let numeric_columns: Vec<(usize, &str)> = features
        .iter()
        .filter_map(|f| match f {
            FeatureColumn::Numeric { column } => view.names.get(*column).map(|n| (*column, n.as_str())),
            FeatureColumn::Categorical { .. } => None,
        })
        .collect();
    match policy {
        MissingPolicy::DropRows => {
            let keep = drop_missing_rows(view, &numeric_columns, &keep, warnings)?;
            Ok((keep, vec![None; view.names.len()]))
        }
        MissingPolicy::ImputeMean => {
            let means = impute_means(view, &numeric_columns, &keep, warnings);
            Ok((keep, means))
        }
    }
}

/// The drop policy: the rows in `keep` left once rows missing a numeric feature go.
fn drop_missing_rows(
    view: View,
    numeric_columns: &[(usize, &str)],
    keep: &[bool],
    warnings: &mut Vec<String>,
) -> Result<Vec<bool>, CsvError> {
    let mut would_keep = keep.to_vec();
    let mut per_column: Vec<(String, usize)> = Vec::new();
    for &(j, name) in numeric_columns {
        if view.missing.get(j) == Some(&0) {
            continue; // Nothing to drop or fill: no scan of a clean column.
        }
        let cells = view.column(j);
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
            file: view.file.to_string(),
            reason: format!(
                "every row has a missing or non-finite value in some feature column ({summary}); choose \"impute mean\" for missing values, or fill in the file"
            ),
        });
    }
    let dropped: Vec<u64> = keep
        .iter()
        .zip(&would_keep)
        .zip(view.lines)
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
    Ok(would_keep)
}

/// The impute policy: the mean of each numeric column with missing cells, over the kept rows.
fn impute_means(
    view: View,
    numeric_columns: &[(usize, &str)],
    keep: &[bool],
    warnings: &mut Vec<String>,
) -> Vec<Option<f64>> {
    let mut means: Vec<Option<f64>> = vec![None; view.names.len()];
    for &(j, name) in numeric_columns {
        if view.missing.get(j) == Some(&0) {
            continue; // Nothing to drop or fill: no scan of a clean column.
        }
        let cells = view.column(j);
        let mut sum = 0.0;
        let mut count = 0usize;
        let mut missing_lines = Vec::new();
        for (i, (&k, &line)) in keep.iter().zip(view.lines).enumerate() {
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
                "column {name}: {} filled in ({}); training fills them with the mean of its own training rows, the views with the column mean {mean}",
                plural(
                    missing_lines.len(),
                    "missing or non-finite cell was",
                    "missing or non-finite cells were"
                ),
                list_lines(&missing_lines)
            ));
        }
    }
    means
}

/// The feature names and how each feature is encoded; a categorical column with no category
/// left in the kept rows is dropped.
fn plan_encodings(
    view: View,
    features: &[FeatureColumn],
    means: &[Option<f64>],
    kept_rows: &KeptRows,
    target_name: &str,
    warnings: &mut Vec<String>,
) -> Result<(Vec<String>, Vec<Encoding>), CsvError> {
    let mut feature_names: Vec<String> = Vec::new();
    let mut encodings: Vec<Encoding> = Vec::new();
    for feature in features {
        match *feature {
            FeatureColumn::Numeric { column } => {
                feature_names.push(view.names.get(column).cloned().unwrap_or_default());
                let mean = means.get(column).copied().flatten().unwrap_or(0.0);
                encodings.push(Encoding::Numeric { column, mean });
            }
            FeatureColumn::Categorical { column } => {
                let name = view.names.get(column).cloned().unwrap_or_default();
                let cells = view.column(column);
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
        let file = view.file;
        return Err(CsvError::NoFeatures {
            file: file.to_string(),
            detail: format!("{file} has no usable column besides the target {target_name}"),
        });
    }
    Ok((feature_names, encodings))
}

/// Plain numeric features: compact the table's rows (`stride` values each) into the feature
/// matrix where they are, one run of neighbouring columns at a time, reading the target on the
/// way (one pass over the table). Row r is written at r·width, never past what is still to be
/// read (row `kept_rows[r]` ≥ r at `kept_rows[r]`·stride, and each feature's column ≥ its
/// index), and a row's target is read before the row is overwritten. Returns the matrix and,
/// when `target` is given, that column's values in the kept rows, and the cells it imputed.
fn compact_in_place(
    mut numbers: Vec<f64>,
    encodings: &[Encoding],
    kept_rows: &KeptRows,
    means: &[Option<f64>],
    stride: usize,
    width: usize,
    target: Option<usize>,
) -> (Vec<f64>, Option<Vec<f64>>, Vec<usize>) {
    let rows = kept_rows.len();
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
    let mut targets = Vec::with_capacity(if target.is_some() { rows } else { 0 });
    for (r, i) in kept_rows.iter().enumerate() {
        let row = i * stride;
        if let Some(target_index) = target {
            targets.push(numbers.get(row + target_index).copied().unwrap_or(0.0));
        }
        for &(from, to, length) in &runs {
            if row + from + length <= numbers.len() {
                numbers.copy_within(row + from..row + from + length, r * width + to);
            }
        }
    }
    numbers.truncate(rows * width);
    // Cells still missing in kept rows (the impute policy) take their column's mean, and are
    // noted so that training can refill them from its own rows.
    let mut imputed = Vec::new();
    for (k, &(j, mean)) in columns.iter().enumerate() {
        if means.get(j).copied().flatten().is_some() {
            for (cell, v) in numbers.iter_mut().enumerate().skip(k).step_by(width.max(1)) {
                if !v.is_finite() {
                    *v = mean;
                    imputed.push(cell);
                }
            }
        }
    }
    imputed.sort_unstable();
    numbers.shrink_to_fit();
    (numbers, target.map(|_| targets), imputed)
}

/// Writes the feature matrix afresh: numeric columns (missing cells take the mean) and one-hot
/// categories, with a note on the cells that have no category.
fn encode_copy(
    view: View,
    encodings: Vec<Encoding>,
    kept_rows: &KeptRows,
    width: usize,
    warnings: &mut Vec<String>,
) -> (Vec<f64>, Vec<usize>) {
    let mut values = vec![0.0; kept_rows.len() * width];
    let mut imputed = Vec::new();
    let mut offset = 0;
    for encoding in encodings {
        match encoding {
            Encoding::Numeric { column, mean } => {
                let cells = view.column(column);
                for (r, (row, i)) in values.chunks_exact_mut(width).zip(kept_rows.iter()).enumerate() {
                    if let Some(v) = row.get_mut(offset) {
                        *v = match cells.cell(i) {
                            Cell::Number(x) => x,
                            _ => {
                                imputed.push(r * width + offset);
                                mean
                            }
                        };
                    }
                }
                offset += 1;
            }
            Encoding::OneHot { column, categories } => {
                let name = view.names.get(column).cloned().unwrap_or_default();
                let cells = view.column(column);
                let mut missing_lines = Vec::new();
                for (row, i) in values.chunks_exact_mut(width).zip(kept_rows.iter()) {
                    match categories.binary_search_by(|c| c.as_str().cmp(cells.text(i))) {
                        Ok(k) => {
                            if let Some(v) = row.get_mut(offset + k) {
                                *v = 1.0;
                            }
                        }
                        Err(_) => missing_lines.push(view.lines.get(i).copied().unwrap_or(0)),
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
    imputed.sort_unstable();
    (values, imputed)
}

/// The target over the kept rows: classes (sorted numerically or by name) or values.
/// `target_values` are its values when the compaction already read them.
fn build_target(
    target_column: Column,
    kept_rows: &KeptRows,
    classification: bool,
    target_numeric: bool,
    target_values: Option<Vec<f64>>,
) -> Target {
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
}

/// Notes a class target with one class or with suspiciously many.
fn warn_about_classes(target: &Target, target_name: &str, warnings: &mut Vec<String>) {
    if let Target::Classes { class_names, .. } = target {
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
