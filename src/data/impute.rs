//! Missing cells filled from the training rows only. The loader fills a missing cell with its
//! whole column's mean, so every view has a number to draw, and records where it did; a model's
//! training then refills those cells with the mean of its own training rows (per fold in
//! cross-validation), so no test row leaks into what the model sees.

use std::borrow::Cow;

use super::Dataset;

impl Dataset {
    /// This data with every imputed cell refilled by its column's mean over the non-missing
    /// cells of `train_rows`; borrowed unchanged when no cell was imputed. A column missing in
    /// every training row falls back to 0.
    pub fn imputed_from(&self, train_rows: &[usize]) -> Cow<'_, Dataset> {
        if self.imputed.is_empty() {
            return Cow::Borrowed(self);
        }
        let means = self.training_means(train_rows);
        let mut refilled = self.clone();
        let d = self.n_features().max(1);
        for &cell in &self.imputed {
            if let (Some(v), Some(&mean)) = (refilled.features.get_mut(cell), means.get(cell % d)) {
                *v = mean;
            }
        }
        Cow::Owned(refilled)
    }

    /// Each column's mean over the cells of `train_rows` that were not missing.
    fn training_means(&self, train_rows: &[usize]) -> Vec<f64> {
        let d = self.n_features();
        let mut sums = vec![0.0; d];
        let mut counts = vec![0usize; d];
        for &i in train_rows {
            let row_start = i * d;
            let missing = self.imputed_in_row(i);
            for (j, v) in self.row(i).iter().enumerate() {
                if missing.binary_search(&(row_start + j)).is_err() {
                    sums[j] += v;
                    counts[j] += 1;
                }
            }
        }
        sums.iter().zip(&counts).map(|(s, &c)| if c > 0 { s / c as f64 } else { 0.0 }).collect()
    }

    /// The imputed cells of row `i` (a slice of the ascending list).
    fn imputed_in_row(&self, i: usize) -> &[usize] {
        let d = self.n_features();
        let from = self.imputed.partition_point(|&c| c < i * d);
        let to = self.imputed.partition_point(|&c| c < (i + 1) * d);
        &self.imputed[from..to]
    }

    /// The imputed cells of the rows at `indices`, renumbered for a data set of those rows in
    /// that order (ascending again).
    pub(super) fn imputed_cells_of(&self, indices: &[usize]) -> Vec<usize> {
        if self.imputed.is_empty() {
            return Vec::new();
        }
        let d = self.n_features();
        let mut cells = Vec::new();
        for (r, &i) in indices.iter().enumerate() {
            cells.extend(self.imputed_in_row(i).iter().map(|c| r * d + c % d.max(1)));
        }
        cells
    }

    /// The imputed cells renumbered for rows `new_width` wide whose first columns are these.
    pub(super) fn imputed_cells_widened(&self, new_width: usize) -> Vec<usize> {
        let d = self.n_features().max(1);
        self.imputed.iter().map(|c| (c / d) * new_width + c % d).collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::data::{Dataset, Target};

    /// Rows 0..4 of one column; row 1 and row 3 were missing (filled with the file mean 5).
    fn with_gaps() -> Dataset {
        let mut data = Dataset::new(
            "gaps",
            vec!["a".into(), "b".into()],
            vec![1.0, 10.0, 5.0, 20.0, 9.0, 30.0, 5.0, 40.0],
            Target::Values(vec![0.0, 1.0, 2.0, 3.0]),
            "y",
        )
        .unwrap();
        data.imputed = vec![2, 6];
        data.check().unwrap();
        data
    }

    #[test]
    fn refills_from_the_training_rows_only() {
        let data = with_gaps();
        // Training rows 0 and 1: only row 0's a (1.0) was seen, so both gaps take 1.0, not the
        // file's 5.0 nor the test row's 9.0.
        let refilled = data.imputed_from(&[0, 1]);
        assert_eq!(refilled.features, vec![1.0, 10.0, 1.0, 20.0, 9.0, 30.0, 1.0, 40.0]);
        let refilled = data.imputed_from(&[2, 3]);
        assert_eq!(refilled.row(1), &[9.0, 20.0]);
        // A column missing in every training row falls back to 0.
        assert_eq!(data.imputed_from(&[1, 3]).row(1), &[0.0, 20.0]);
    }

    #[test]
    fn nothing_imputed_borrows() {
        let mut data = with_gaps();
        data.imputed.clear();
        assert!(matches!(data.imputed_from(&[0]), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn subsets_keep_their_gaps() {
        let data = with_gaps();
        let sub = data.subset(&[3, 0, 1]);
        assert_eq!(sub.imputed, vec![0, 4]);
        assert_eq!(sub.imputed_from(&[1]).features, vec![1.0, 40.0, 1.0, 10.0, 1.0, 20.0]);
        assert_eq!(data.imputed_cells_widened(3), vec![3, 9]);
    }

    #[test]
    fn a_bad_list_of_gaps_is_refused() {
        let mut data = with_gaps();
        data.imputed = vec![6, 2];
        assert!(data.check().unwrap_err().to_string().contains("imputed cells"));
        data.imputed = vec![8];
        assert!(data.check().is_err());
    }
}
