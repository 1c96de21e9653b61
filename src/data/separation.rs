//! Which features tell the classes apart best, by one-way analysis of variance (the F statistic:
//! spread of the class means over spread within classes). The studio opens a table of three or
//! four features on its two best, so iris opens on its petals, where the classes sit apart,
//! rather than on its first two columns with the others held at their mean.

use super::Dataset;

impl Dataset {
    /// The one-way F statistic of each feature against the classes (0 where it cannot be
    /// measured: a constant feature, one class, or values rather than classes).
    pub fn class_separation(&self) -> Vec<f64> {
        let n_features = self.n_features();
        let Some(labels) = self.labels() else { return vec![0.0; n_features] };
        let classes = self.class_count();
        let rows = self.rows();
        if classes < 2 || rows <= classes {
            return vec![0.0; n_features];
        }
        let mut counts = vec![0usize; classes];
        for &label in labels {
            counts[label as usize] += 1;
        }
        (0..n_features)
            .map(|f| {
                let mut sums = vec![0.0; classes];
                let mut total = 0.0;
                for (r, &label) in labels.iter().enumerate() {
                    let v = self.row(r)[f];
                    sums[label as usize] += v;
                    total += v;
                }
                let mean = total / rows as f64;
                let class_means: Vec<f64> =
                    sums.iter().zip(&counts).map(|(s, &c)| if c > 0 { s / c as f64 } else { mean }).collect();
                let between: f64 =
                    class_means.iter().zip(&counts).map(|(m, &c)| c as f64 * (m - mean) * (m - mean)).sum();
                let within: f64 = labels
                    .iter()
                    .enumerate()
                    .map(|(r, &label)| {
                        let d = self.row(r)[f] - class_means[label as usize];
                        d * d
                    })
                    .sum();
                let groups = counts.iter().filter(|&&c| c > 0).count();
                if groups < 2 || within <= 0.0 || !within.is_finite() {
                    return if between > 0.0 { f64::MAX } else { 0.0 };
                }
                (between / (groups - 1) as f64) / (within / (rows - groups) as f64)
            })
            .collect()
    }

    /// The two features that separate the classes best, best first; `None` without classes or
    /// with fewer than two features.
    pub fn most_separating_pair(&self) -> Option<(usize, usize)> {
        if self.n_features() < 2 || self.labels().is_none() {
            return None;
        }
        let scores = self.class_separation();
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        (scores[order[0]] > 0.0).then(|| (order[0], order[1]))
    }
}

#[cfg(test)]
mod tests {
    use crate::data::{BuiltinDataset, GeneratorSettings};

    #[test]
    fn iris_separates_best_on_its_petals() {
        let iris = BuiltinDataset::Iris.load(&GeneratorSettings::default()).unwrap();
        let petals: Vec<usize> = ["petal_length", "petal_width"]
            .iter()
            .map(|name| iris.feature_names.iter().position(|f| f.contains(name)).unwrap())
            .collect();
        let (a, b) = iris.most_separating_pair().unwrap();
        let mut pair = [a, b];
        pair.sort_unstable();
        assert_eq!(pair.to_vec(), petals, "{:?} by {:?}", iris.feature_names, iris.class_separation());
        let plane = BuiltinDataset::Plane.generate(&GeneratorSettings::default());
        assert_eq!(plane.most_separating_pair(), None, "values, not classes");
    }
}
