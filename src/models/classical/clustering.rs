//! Clustering (k-means, DBSCAN) and a 2-D PCA projection. Clustering learns from the features
//! only; its "prediction" is the cluster id as a class, with a confidence for the boundary view.
//! k-means is written here (Lloyd with greedy k-means++ as in scikit-learn) to record the
//! centres after every iteration for the views. smartcore 0.7 has all three, but its k-means
//! keeps its centres private, its DBSCAN its labels and core points, its PCA its eigenvalues (no
//! explained variance), and its PCA was 7× slower on the digits (`learnscope smartcore-parity`).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::models::insight::ModelInsight;
use crate::models::learner::{Learner, ModelError, Prediction, PreparedData};
use crate::models::learner::{check_features, check_width, not_fitted};
use crate::models::params::Params;

fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// A finished k-means run.
#[derive(Clone, Debug, PartialEq)]
pub struct KMeansFit {
    /// `k × n_features`, row-major.
    pub centroids: Vec<f64>,
    /// The centres after each iteration; the first entry is the k-means++ start.
    pub history: Vec<Vec<f64>>,
    pub labels: Vec<usize>,
    pub inertia: f64,
    pub iterations: usize,
}

/// k-means on row-major `features`: greedy k-means++ start (2 + ln k candidates per centre), then
/// Lloyd iterations until the centres move less than scikit-learn's tolerance (1e-4 × mean variance).
pub fn kmeans(features: &[f64], d: usize, k: usize, max_iter: usize, seed: u64) -> KMeansFit {
    let n = features.len() / d;
    let mut rng = StdRng::seed_from_u64(seed);
    let row = |i: usize| &features[i * d..(i + 1) * d];
    // k-means++: each new centre is the best of `trials` candidates drawn in proportion to the
    // squared distance to the nearest centre so far.
    let mut centroids = Vec::with_capacity(k * d);
    centroids.extend_from_slice(row(rng.random_range(0..n)));
    let mut closest: Vec<f64> = (0..n).map(|i| squared_distance(row(i), &centroids[..d])).collect();
    let trials = 2 + (k as f64).ln().floor() as usize;
    for _ in 1..k {
        let total: f64 = closest.iter().sum();
        // Draw every candidate in one pass over the cumulative distances.
        let mut targets: Vec<(f64, usize)> = (0..trials).map(|t| (rng.random::<f64>() * total, t)).collect();
        targets.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut picks = vec![n - 1; trials];
        let (mut cumulative, mut next) = (0.0, 0);
        for (i, &c) in closest.iter().enumerate() {
            cumulative += c;
            while next < trials && targets[next].0 < cumulative {
                picks[targets[next].1] = i;
                next += 1;
            }
            if next == trials {
                break;
            }
        }
        let candidates: Vec<&[f64]> = picks.iter().map(|&p| row(p)).collect();
        let mut potentials = vec![0.0; trials];
        for (x, &c) in features.chunks_exact(d).zip(&closest) {
            for (potential, candidate) in potentials.iter_mut().zip(&candidates) {
                *potential += c.min(squared_distance(x, candidate));
            }
        }
        let best = (0..trials).min_by(|&a, &b| potentials[a].total_cmp(&potentials[b])).unwrap_or(0);
        let chosen = candidates[best];
        for (x, c) in features.chunks_exact(d).zip(closest.iter_mut()) {
            *c = c.min(squared_distance(x, chosen));
        }
        centroids.extend_from_slice(chosen);
    }
    // scikit-learn's tolerance: 1e-4 times the mean per-feature variance.
    let (mut sum, mut sum_sq) = (vec![0.0; d], vec![0.0; d]);
    for x in features.chunks_exact(d) {
        for j in 0..d {
            sum[j] += x[j];
            sum_sq[j] += x[j] * x[j];
        }
    }
    let variance: f64 =
        (0..d).map(|j| (sum_sq[j] / n as f64 - (sum[j] / n as f64).powi(2)).max(0.0)).sum::<f64>();
    let tolerance = 1e-4 * variance / d as f64;
    let mut history = vec![centroids.clone()];
    let mut labels = vec![0usize; n];
    let mut sums = vec![0.0; k * d];
    let mut counts = vec![0usize; k];
    let mut iterations = 0;
    for _ in 0..max_iter {
        iterations += 1;
        assign(features, d, &centroids, &mut labels, &mut sums, &mut counts);
        let mut shift = 0.0;
        for c in 0..k {
            // An empty cluster keeps its centre.
            if counts[c] == 0 {
                continue;
            }
            for j in 0..d {
                let new = sums[c * d + j] / counts[c] as f64;
                shift += (new - centroids[c * d + j]).powi(2);
                centroids[c * d + j] = new;
            }
        }
        history.push(centroids.clone());
        if shift <= tolerance {
            break;
        }
    }
    let inertia = assign(features, d, &centroids, &mut labels, &mut sums, &mut counts);
    KMeansFit { centroids, history, labels, inertia, iterations }
}

/// Nearest centre of every row, with the per-cluster sums and counts for the next centres;
/// returns the inertia. Large inputs are split over the machine's cores.
fn assign(
    features: &[f64],
    d: usize,
    centroids: &[f64],
    labels: &mut [usize],
    sums: &mut [f64],
    counts: &mut [usize],
) -> f64 {
    let k = centroids.len() / d;
    // Centres transposed, so the k distances of one row are computed side by side.
    let mut by_feature = vec![0.0; k * d];
    for c in 0..k {
        for j in 0..d {
            by_feature[j * k + c] = centroids[c * d + j];
        }
    }
    let part = |rows: &[f64], labels: &mut [usize]| {
        let (mut sums, mut counts, mut inertia) = (vec![0.0; k * d], vec![0usize; k], 0.0);
        let mut dist = vec![0.0; k];
        for (x, label) in rows.chunks_exact(d).zip(labels.iter_mut()) {
            dist.iter_mut().for_each(|v| *v = 0.0);
            for (j, &xj) in x.iter().enumerate() {
                for (v, &cj) in dist.iter_mut().zip(&by_feature[j * k..(j + 1) * k]) {
                    *v += (xj - cj) * (xj - cj);
                }
            }
            let (mut best, mut best_d) = (0, dist[0]);
            for (c, &v) in dist.iter().enumerate().skip(1) {
                if v < best_d {
                    (best, best_d) = (c, v);
                }
            }
            *label = best;
            inertia += best_d;
            counts[best] += 1;
            sums[best * d..(best + 1) * d].iter_mut().zip(x).for_each(|(s, v)| *s += v);
        }
        (sums, counts, inertia)
    };
    let n = labels.len();
    let threads =
        if n >= 20_000 { std::thread::available_parallelism().map_or(1, |c| c.get()).min(4) } else { 1 };
    let chunk = n.div_ceil(threads);
    let parts: Vec<(Vec<f64>, Vec<usize>, f64)> = if threads == 1 {
        vec![part(features, labels)]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = features
                .chunks(chunk * d)
                .zip(labels.chunks_mut(chunk))
                .map(|(rows, labels)| scope.spawn(move || part(rows, labels)))
                .collect();
            // A worker only panics on a bug; its share then counts as empty rather than aborting.
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
        })
    };
    sums.iter_mut().for_each(|s| *s = 0.0);
    counts.iter_mut().for_each(|c| *c = 0);
    let mut inertia = 0.0;
    for (part_sums, part_counts, part_inertia) in parts {
        sums.iter_mut().zip(&part_sums).for_each(|(a, b)| *a += b);
        counts.iter_mut().zip(&part_counts).for_each(|(a, b)| *a += b);
        inertia += part_inertia;
    }
    inertia
}

/// k-means as a `Learner`: the nearest centre's id is the class; confidence shares are
/// inversely proportional to the squared distances.
pub struct KMeansModel {
    classes: usize,
    k: usize,
    max_iter: usize,
    restarts: usize,
    seed: u64,
    fitted: Option<(KMeansFit, usize)>,
}

impl KMeansModel {
    pub fn new(classes: usize, params: &Params, seed: u64) -> Self {
        Self {
            classes,
            k: params.int("n_clusters").max(1) as usize,
            max_iter: params.int("max_iter").max(1) as usize,
            restarts: params.int("n_init").max(1) as usize,
            seed,
            fitted: None,
        }
    }

    pub fn fit(&self) -> Option<&KMeansFit> {
        self.fitted.as_ref().map(|f| &f.0)
    }

    pub fn inertia(&self) -> Option<f64> {
        self.fit().map(|f| f.inertia)
    }
}

impl Learner for KMeansModel {
    fn train_epoch(&mut self, train: &PreparedData, _epoch: usize) -> Result<(), ModelError> {
        if self.fitted.is_some() {
            return Ok(());
        }
        check_features(train)?;
        if self.k > train.rows() {
            return Err(ModelError::Unsuitable(format!(
                "k-means cannot find {} clusters in {} training rows: lower n_clusters",
                self.k,
                train.rows()
            )));
        }
        let best = (0..self.restarts as u64)
            .map(|r| {
                kmeans(&train.features, train.n_features, self.k, self.max_iter, self.seed.wrapping_add(r))
            })
            .min_by(|a, b| a.inertia.total_cmp(&b.inertia))
            .ok_or_else(not_fitted)?;
        self.fitted = Some((best, train.n_features));
        Ok(())
    }

    fn predict(&self, features: &[f64], n_features: usize) -> Result<Prediction, ModelError> {
        let (fit, d) = self.fitted.as_ref().ok_or_else(not_fitted)?;
        let rows = check_width(features, n_features, *d)?;
        // Wide enough for the data's own classes too, so scoring against them never indexes past the end.
        let width = self.k.max(self.classes);
        let mut probs = vec![0f32; rows * width];
        let mut inverse = vec![0.0; self.k];
        for (row, out) in features.chunks_exact(n_features).zip(probs.chunks_exact_mut(width)) {
            for (c, centre) in fit.centroids.chunks_exact(*d).enumerate() {
                inverse[c] = 1.0 / (squared_distance(row, centre) + 1e-12);
            }
            let total: f64 = inverse.iter().sum();
            out.iter_mut().zip(&inverse).for_each(|(o, v)| *o = (v / total) as f32);
        }
        Ok(Prediction::Probabilities { classes: width, probs })
    }

    fn parameter_count(&self) -> usize {
        self.fitted.as_ref().map_or(0, |(f, _)| f.centroids.len())
    }

    fn insight(&self) -> Option<ModelInsight> {
        let (fit, d) = self.fitted.as_ref()?;
        Some(ModelInsight::Centroids {
            iterations: fit.history.clone(),
            k: self.k,
            n_features: *d,
            inertia: fit.inertia,
        })
    }
}

/// DBSCAN (exact neighbourhoods). New rows join the cluster of the nearest core row within
/// `eps`; anything else is noise, drawn as its own class after the clusters.
pub struct DbscanModel {
    classes: usize,
    eps: f64,
    min_samples: usize,
    fitted: Option<FittedDbscan>,
}

struct FittedDbscan {
    n_features: usize,
    labels: Vec<Option<usize>>,
    core: Vec<bool>,
    clusters: usize,
    /// Core rows (row-major) and their cluster.
    core_rows: Vec<f64>,
    core_cluster: Vec<usize>,
}

impl DbscanModel {
    pub fn new(classes: usize, params: &Params) -> Self {
        Self {
            classes,
            eps: params.float("eps"),
            min_samples: params.int("min_samples").max(1) as usize,
            fitted: None,
        }
    }

    /// Cluster per training row (`None` = noise).
    pub fn labels(&self) -> Option<&[Option<usize>]> {
        self.fitted.as_ref().map(|f| f.labels.as_slice())
    }
}

impl Learner for DbscanModel {
    fn train_epoch(&mut self, train: &PreparedData, _epoch: usize) -> Result<(), ModelError> {
        if self.fitted.is_some() {
            return Ok(());
        }
        check_features(train)?;
        let (n, d) = (train.rows(), train.n_features);
        let row = |i: usize| &train.features[i * d..(i + 1) * d];
        let eps2 = self.eps * self.eps;
        // Neighbourhoods are recomputed rather than stored: O(n) memory even when eps covers everything.
        let neighbours_of = |i: usize| (0..n).filter(move |&j| squared_distance(row(i), row(j)) <= eps2);
        let core: Vec<bool> = (0..n).map(|i| neighbours_of(i).count() >= self.min_samples).collect();
        let mut labels: Vec<Option<usize>> = vec![None; n];
        let mut clusters = 0;
        let mut queue = Vec::new();
        for start in 0..n {
            if !core[start] || labels[start].is_some() {
                continue;
            }
            labels[start] = Some(clusters);
            queue.push(start);
            while let Some(i) = queue.pop() {
                for j in neighbours_of(i) {
                    if labels[j].is_none() {
                        labels[j] = Some(clusters);
                        if core[j] {
                            queue.push(j);
                        }
                    }
                }
            }
            clusters += 1;
        }
        let core_ids: Vec<usize> = (0..n).filter(|&i| core[i]).collect();
        let core_rows = core_ids.iter().flat_map(|&i| row(i).iter().copied()).collect();
        let core_cluster = core_ids.iter().map(|&i| labels[i].unwrap_or(0)).collect();
        self.fitted = Some(FittedDbscan { n_features: d, labels, core, clusters, core_rows, core_cluster });
        Ok(())
    }

    fn predict(&self, features: &[f64], n_features: usize) -> Result<Prediction, ModelError> {
        let f = self.fitted.as_ref().ok_or_else(not_fitted)?;
        let rows = check_width(features, n_features, f.n_features)?;
        let noise = f.clusters;
        let width = (f.clusters + 1).max(self.classes);
        let eps2 = self.eps * self.eps;
        let mut probs = vec![0f32; rows * width];
        for (row, out) in features.chunks_exact(n_features).zip(probs.chunks_exact_mut(width)) {
            let nearest = f
                .core_rows
                .chunks_exact(n_features)
                .zip(&f.core_cluster)
                .map(|(c, &cl)| (squared_distance(row, c), cl))
                .min_by(|a, b| a.0.total_cmp(&b.0));
            match nearest {
                Some((dist, cluster)) if dist <= eps2 => out[cluster] = 1.0,
                _ => out[noise] = 1.0,
            }
        }
        Ok(Prediction::Probabilities { classes: width, probs })
    }

    fn parameter_count(&self) -> usize {
        self.fitted.as_ref().map_or(0, |f| f.core_rows.len())
    }

    fn insight(&self) -> Option<ModelInsight> {
        let f = self.fitted.as_ref()?;
        Some(ModelInsight::DensityClusters {
            labels: f.labels.clone(),
            core: f.core.clone(),
            clusters: f.clusters,
        })
    }
}

/// The first two principal components of some rows, for a 2-D view of wider data.
#[derive(Clone, Debug, PartialEq)]
pub struct Projection2d {
    pub mean: Vec<f64>,
    /// Two unit vectors, each `n_features` long (the second is zero for one-feature data).
    pub components: [Vec<f64>; 2],
    /// Share of the total variance along each component.
    pub explained_variance_ratio: [f64; 2],
}

impl Projection2d {
    /// Fits by power iteration on the covariance matrix (d × d), deflating after the first component.
    pub fn fit(features: &[f64], n_features: usize) -> Result<Self, ModelError> {
        let d = n_features;
        if d == 0 || features.is_empty() || features.len() % d != 0 {
            return Err(ModelError::Unsuitable("a projection needs at least one row and one feature".into()));
        }
        if features.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::Unsuitable("a projection needs finite feature values (no NaN)".into()));
        }
        let n = (features.len() / d) as f64;
        let mut mean = vec![0.0; d];
        for row in features.chunks_exact(d) {
            mean.iter_mut().zip(row).for_each(|(m, v)| *m += v / n);
        }
        let mut cov = vec![0.0; d * d];
        for row in features.chunks_exact(d) {
            for a in 0..d {
                for b in 0..d {
                    cov[a * d + b] += (row[a] - mean[a]) * (row[b] - mean[b]) / n;
                }
            }
        }
        let total: f64 = (0..d).map(|a| cov[a * d + a]).sum();
        let mut components = [vec![0.0; d], vec![0.0; d]];
        let mut ratios = [0.0; 2];
        for (c, component) in components.iter_mut().enumerate() {
            let mut v: Vec<f64> = (0..d).map(|i| 1.0 + i as f64 * 0.01).collect();
            let mut eigen = 0.0;
            for _ in 0..500 {
                let w: Vec<f64> = (0..d).map(|a| (0..d).map(|b| cov[a * d + b] * v[b]).sum()).collect();
                let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
                if norm < 1e-300 {
                    eigen = 0.0;
                    break;
                }
                let next: Vec<f64> = w.iter().map(|x| x / norm).collect();
                let moved = next.iter().zip(&v).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
                v = next;
                eigen = norm;
                if moved < 1e-12 {
                    break;
                }
            }
            if eigen > 0.0 && (c == 0 || d > 1) {
                *component = v.clone();
                ratios[c] = if total > 0.0 { eigen / total } else { 0.0 };
                for a in 0..d {
                    for b in 0..d {
                        cov[a * d + b] -= eigen * v[a] * v[b];
                    }
                }
            }
        }
        Ok(Self { mean, components, explained_variance_ratio: ratios })
    }

    /// Row-major (x, y) coordinates of the rows on the two components.
    pub fn project(&self, features: &[f64]) -> Vec<[f64; 2]> {
        let d = self.mean.len();
        features
            .chunks_exact(d)
            .map(|row| {
                let centred =
                    |c: &Vec<f64>| row.iter().zip(&self.mean).zip(c).map(|((x, m), w)| (x - m) * w).sum();
                [centred(&self.components[0]), centred(&self.components[1])]
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::ModelKind;
    use crate::models::classical::tree::tests::three_blobs;
    use crate::models::params::{ParamValue, validate};

    fn params(kind: ModelKind, key: &str, value: ParamValue) -> Params {
        let mut given = std::collections::BTreeMap::new();
        given.insert(key.to_string(), value);
        validate(kind, &given).unwrap()
    }

    #[test]
    fn kmeans_finds_three_blobs_and_records_its_iterations() {
        let data = three_blobs(30);
        let mut model = KMeansModel::new(3, &params(ModelKind::KMeans, "n_clusters", ParamValue::Int(3)), 0);
        model.train_epoch(&data, 0).unwrap();
        let pred = model.predict(&data.features, 2).unwrap();
        let ari = crate::metrics::adjusted_rand_index(
            &pred.classes().unwrap().iter().map(|&c| c as usize).collect::<Vec<_>>(),
            &data.labels().iter().map(|&c| c as usize).collect::<Vec<_>>(),
        );
        assert!((ari - 1.0).abs() < 1e-9, "{ari}");
        let Some(ModelInsight::Centroids { iterations, k, inertia, .. }) = model.insight() else { panic!() };
        assert_eq!(k, 3);
        assert!(iterations.len() >= 2 && iterations.iter().all(|c| c.len() == 6));
        assert!(inertia > 0.0 && inertia < 90.0 * 0.7, "{inertia}");
        let Prediction::Probabilities { probs, classes } = pred else { panic!() };
        assert!(probs.chunks_exact(classes).all(|p| (p.iter().sum::<f32>() - 1.0).abs() < 1e-5));
    }

    #[test]
    fn kmeans_refuses_more_clusters_than_rows() {
        let data = three_blobs(1);
        let mut model = KMeansModel::new(3, &params(ModelKind::KMeans, "n_clusters", ParamValue::Int(8)), 0);
        assert!(model.train_epoch(&data, 0).unwrap_err().to_string().contains("n_clusters"));
    }

    #[test]
    fn dbscan_finds_blobs_and_marks_far_points_as_noise() {
        let data = three_blobs(30);
        let mut model = DbscanModel::new(3, &params(ModelKind::Dbscan, "eps", ParamValue::Float(0.6)));
        model.train_epoch(&data, 0).unwrap();
        let Some(ModelInsight::DensityClusters { clusters, .. }) = model.insight() else { panic!() };
        assert_eq!(clusters, 3);
        let pred = model.predict(&[-2.0, -2.0, 10.0, 10.0], 2).unwrap();
        let classes = pred.classes().unwrap();
        assert_eq!(classes[1], 3, "far point is noise (the class after the clusters)");
        assert!(classes[0] < 3);
    }

    #[test]
    fn pca_finds_the_long_axis() {
        let features: Vec<f64> = (0..20).flat_map(|i| [i as f64, 0.5 * (i % 2) as f64]).collect();
        let p = Projection2d::fit(&features, 2).unwrap();
        assert!(p.components[0][0].abs() > 0.99, "{:?}", p.components);
        assert!(p.explained_variance_ratio[0] > 0.99);
        let xy = p.project(&features);
        assert_eq!(xy.len(), 20);
    }
}
