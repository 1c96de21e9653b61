//! The loader's unit tests, through the public functions and a few internals of the stages.

use super::cells::{Cell, parse_cell};
use super::fast::scan_number;
use super::slow::BATCH_ROWS;
use super::source::SNIFF_BYTES;
use super::*;
use crate::data::{Target, Task};

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
    assert!(loaded.warnings.iter().any(|w| w.starts_with("column f2: 4 missing")), "{:?}", loaded.warnings);
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
    assert!(loaded.warnings.iter().any(|w| w.contains("written with signs or separators (line 2: '1,5')")));
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
    // The filled cells are noted, so training refills them from its own rows only.
    assert_eq!(loaded.dataset.imputed, vec![2, 5]);
    assert_eq!(loaded.dataset.imputed_from(&[0, 1]).features, vec![1.0, 10.0, 1.0, 20.0, 3.0, 15.0]);
}

#[test]
fn imputed_cells_are_noted_beside_categories() {
    // A text column makes the loader encode a copy (one-hot) rather than compact in place.
    let options = CsvOptions { missing: MissingPolicy::ImputeMean, ..CsvOptions::default() };
    let loaded = bytes(
        "a,colour,y
1,red,0
NA,blue,1
5,red,0
",
        &options,
    )
    .expect("loads");
    assert_eq!(loaded.dataset.feature_names, vec!["a", "colour=blue", "colour=red"]);
    assert_eq!(loaded.dataset.imputed, vec![3]);
    assert_eq!(loaded.dataset.row(1), &[3.0, 1.0, 0.0]);
    assert_eq!(loaded.dataset.imputed_from(&[2]).row(1), &[5.0, 1.0, 0.0]);
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
    let loaded =
        bytes("color,n,y\nred,1,0\nblue,2,1\ngreen,3,0\nred,4,1\n", &CsvOptions::default()).expect("loads");
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
        // Each either loads into a usable table or is refused with a message naming the file.
        match load_csv_bytes("g.csv", input, &CsvOptions::default()) {
            Ok(loaded) => {
                let data = loaded.dataset;
                assert!(data.rows() > 0 && data.n_features() > 0, "{input:?} loaded as an empty table");
                assert_eq!(data.features.len(), data.rows() * data.n_features(), "{input:?}");
            }
            Err(e) => assert!(e.to_string().contains("g.csv"), "{input:?}: {e}"),
        }
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
    let options =
        CsvOptions { target: Some("y".into()), task: Some(TaskOverride::Regression), ..Default::default() };
    let loaded = bytes("a,y,b,c\n1,10,2,3\n4,11,NA,6\n7,12,8,9\n", &options).unwrap();
    assert_eq!(loaded.dataset.feature_names, ["a", "b", "c"]);
    assert_eq!(loaded.dataset.features, [1.0, 2.0, 3.0, 7.0, 8.0, 9.0]);
    assert_eq!(loaded.dataset.target, Target::Values(vec![10.0, 12.0]));
    let impute =
        CsvOptions { target: Some("y".into()), missing: MissingPolicy::ImputeMean, ..Default::default() };
    let loaded = bytes("a,y,b,c\n1,10,2,3\n4,11,NA,6\n7,12,8,9\n", &impute).unwrap();
    assert_eq!(loaded.dataset.features, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    assert_eq!(loaded.dataset.imputed, vec![4]);
}
