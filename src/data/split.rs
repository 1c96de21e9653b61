//! Train/test splits that keep each class's share in both halves.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::{DataError, Dataset, Target};

/// Row indices of the training and test sets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Split {
    pub train: Vec<usize>,
    pub test: Vec<usize>,
    /// Set when stratification was impossible and a plain random split was used.
    pub warning: Option<String>,
}

/// Splits rows into train and test, per class for classification so both keep the class balance.
pub fn stratified_split(data: &Dataset, test_fraction: f64, seed: u64) -> Result<Split, DataError> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(DataError::BadTestFraction(test_fraction));
    }
    let rows = data.rows();
    if rows < 2 {
        return Err(DataError::TooFewRows { rows, needed: 2 });
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let test_count_of = |n: usize| ((n as f64 * test_fraction).round() as usize).clamp(1, n - 1);

    let (mut train, mut test, mut warning) = (Vec::new(), Vec::new(), None);
    match &data.target {
        Target::Classes { labels, class_names } => {
            let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); class_names.len()];
            for (i, &l) in labels.iter().enumerate() {
                by_class[l as usize].push(i);
            }
            let lonely: Vec<&str> = by_class
                .iter()
                .zip(class_names)
                .filter(|(rows, _)| rows.len() == 1)
                .map(|(_, name)| name.as_str())
                .collect();
            if lonely.is_empty() {
                for mut members in by_class.into_iter().filter(|m| !m.is_empty()) {
                    members.shuffle(&mut rng);
                    let k = test_count_of(members.len());
                    test.extend_from_slice(&members[..k]);
                    train.extend_from_slice(&members[k..]);
                }
            } else {
                warning = Some(format!(
                    "class {} has a single row, so the split cannot keep every class on both sides: used a plain random split",
                    lonely.join(", ")
                ));
                random_split(rows, &test_count_of, &mut rng, &mut train, &mut test);
            }
        }
        Target::Values(_) => random_split(rows, &test_count_of, &mut rng, &mut train, &mut test),
    }
    train.shuffle(&mut rng);
    test.sort_unstable();
    Ok(Split { train, test, warning })
}

fn random_split(
    rows: usize,
    test_count_of: &dyn Fn(usize) -> usize,
    rng: &mut StdRng,
    train: &mut Vec<usize>,
    test: &mut Vec<usize>,
) {
    let mut all: Vec<usize> = (0..rows).collect();
    all.shuffle(rng);
    let k = test_count_of(rows);
    test.extend_from_slice(&all[..k]);
    train.extend_from_slice(&all[k..]);
}

/// `k` folds for cross-validation: each row is tested exactly once. Classes are dealt round-robin
/// after a shuffle, so every fold keeps the class balance (scikit-learn's StratifiedKFold).
pub fn stratified_k_fold(data: &Dataset, k: usize, seed: u64) -> Result<Vec<Split>, DataError> {
    let rows = data.rows();
    if k < 2 || k > rows {
        return Err(DataError::Invalid(format!(
            "cross-validation needs between 2 and {rows} folds (one per row at most), got {k}"
        )));
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut fold_of = vec![0usize; rows];
    let mut warning = None;
    match &data.target {
        Target::Classes { labels, class_names } => {
            let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); class_names.len()];
            for (i, &l) in labels.iter().enumerate() {
                by_class[l as usize].push(i);
            }
            if by_class.iter().any(|m| !m.is_empty() && m.len() < k) {
                warning = Some(format!("some class has fewer than {k} rows, so some folds miss it"));
            }
            // Continue the round-robin across classes so fold sizes differ by at most one.
            let mut next = 0;
            for mut members in by_class {
                members.shuffle(&mut rng);
                for i in members {
                    fold_of[i] = next % k;
                    next += 1;
                }
            }
        }
        Target::Values(_) => {
            let mut all: Vec<usize> = (0..rows).collect();
            all.shuffle(&mut rng);
            for (position, i) in all.into_iter().enumerate() {
                fold_of[i] = position * k / rows;
            }
        }
    }
    Ok((0..k)
        .map(|f| {
            let (test, train): (Vec<usize>, Vec<usize>) = (0..rows).partition(|&i| fold_of[i] == f);
            Split { train, test, warning: warning.clone() }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{BuiltinDataset, GeneratorSettings};

    #[test]
    fn keeps_class_balance_and_covers_every_row_once() {
        let ds = BuiltinDataset::Moons.generate(&GeneratorSettings { samples: 100, ..Default::default() });
        let split = stratified_split(&ds, 0.2, 0).unwrap();
        assert_eq!(split.test.len(), 20);
        assert_eq!(split.train.len(), 80);
        let test_ones = split.test.iter().filter(|&&i| ds.labels().unwrap()[i] == 1).count();
        assert_eq!(test_ones, 10);
        let mut all: Vec<usize> = split.train.iter().chain(&split.test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        assert!(split.warning.is_none());
    }

    #[test]
    fn refuses_bad_fractions_and_tiny_data() {
        let ds = BuiltinDataset::Moons.generate(&GeneratorSettings { samples: 100, ..Default::default() });
        assert_eq!(stratified_split(&ds, 1.0, 0), Err(DataError::BadTestFraction(1.0)));
        assert_eq!(stratified_split(&ds, 0.0, 0), Err(DataError::BadTestFraction(0.0)));
        let one = ds.subset(&[0]);
        assert!(matches!(stratified_split(&one, 0.2, 0), Err(DataError::TooFewRows { rows: 1, .. })));
    }

    #[test]
    fn single_member_class_falls_back_with_a_warning() {
        let ds = BuiltinDataset::Moons.generate(&GeneratorSettings { samples: 10, ..Default::default() });
        let lonely = ds.subset(&[0, 1, 2, 3, 9]);
        let split = stratified_split(&lonely, 0.4, 0).unwrap();
        assert!(split.warning.unwrap().contains("single row"));
        assert_eq!(split.train.len() + split.test.len(), 5);
    }

    #[test]
    fn k_fold_tests_every_row_once_and_keeps_classes_balanced() {
        let ds = BuiltinDataset::Moons.generate(&GeneratorSettings { samples: 100, ..Default::default() });
        let folds = stratified_k_fold(&ds, 5, 0).unwrap();
        assert_eq!(folds.len(), 5);
        let mut tested: Vec<usize> = folds.iter().flat_map(|f| f.test.clone()).collect();
        tested.sort_unstable();
        assert_eq!(tested, (0..100).collect::<Vec<_>>());
        for f in &folds {
            assert_eq!((f.train.len(), f.test.len()), (80, 20));
            assert_eq!(f.test.iter().filter(|&&i| ds.labels().unwrap()[i] == 1).count(), 10);
        }
        assert!(stratified_k_fold(&ds, 1, 0).is_err());
        assert!(stratified_k_fold(&ds, 101, 0).is_err());
    }
}
