//! An MNIST-1D-style generator: ten 1-D template patterns, each randomly padded, shifted,
//! stretched, sheared and noised into a sequence of 40 steps (after Greydanus 2020, "Scaling
//! down deep learning"). Written here from the paper's description, with our own templates: no
//! crate generates it, and it is the smallest data on which a CNN clearly beats the classical
//! models and its lead grows with the training size.

use rand::Rng;
use rand::rngs::StdRng;

use super::{Dataset, InputShape, Target};

/// Steps of each generated sequence.
pub const MNIST1D_STEPS: usize = 40;

/// Our ten patterns, 12 points each on a zero baseline: a wide and a narrow bump, the same
/// two as dips, a rise, a fall, two bumps, a bump then a dip, a dip then a bump, and a wave.
/// Each differs from the others by its shape, which survives being stretched and shifted.
const TEMPLATES: [[f64; 12]; 10] = [
    [0.0, 1.0, 2.0, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.0, 1.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 2.0, 3.5, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, -1.0, -2.0, -2.5, -2.5, -2.5, -2.5, -2.5, -2.5, -2.0, -1.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, -2.0, -3.5, -2.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [-2.2, -1.8, -1.4, -1.0, -0.6, -0.2, 0.2, 0.6, 1.0, 1.4, 1.8, 2.2],
    [2.2, 1.8, 1.4, 1.0, 0.6, 0.2, -0.2, -0.6, -1.0, -1.4, -1.8, -2.2],
    [0.0, 2.0, 3.5, 2.0, 0.0, 0.0, 0.0, 0.0, 2.0, 3.5, 2.0, 0.0],
    [0.0, 1.5, 2.5, 2.5, 1.5, 0.0, 0.0, -1.5, -2.5, -2.5, -1.5, 0.0],
    [0.0, -1.5, -2.5, -2.5, -1.5, 0.0, 0.0, 1.5, 2.5, 2.5, 1.5, 0.0],
    [0.0, 2.0, 2.0, 0.0, -2.0, -2.0, 0.0, 2.0, 2.0, 0.0, -2.0, -2.0],
];

/// Padding added around a template, in template points (the paper's 36 to 60).
const PADDING: std::ops::RangeInclusive<usize> = 36..=60;
/// Horizontal stretch: ±40 % (the paper's scale coefficient).
const STRETCH: f64 = 0.4;
/// Largest slope added across the sequence (the paper's shear).
const SHEAR: f64 = 0.75;
/// Largest shift of the whole sequence up or down.
const LEVEL: f64 = 1.0;
/// Standard deviation, in steps of the padded pattern, of the smoothing behind correlated noise.
const NOISE_SMOOTHING: f64 = 2.0;

/// `n` sequences, classes in turn (0, 1, ..., 9, 0, ...) so every class has n/10 rows; `noise`
/// is the correlated noise's size (the paper uses 0.25), with white noise a tenth of it.
pub fn mnist1d(n: usize, noise: f64, rng: &mut StdRng) -> Dataset {
    let mut features = Vec::with_capacity(n * MNIST1D_STEPS);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let class = i % TEMPLATES.len();
        features.extend(sequence(&TEMPLATES[class], noise.max(0.0), rng));
        labels.push(class as u32);
    }
    let names = (0..MNIST1D_STEPS).map(|s| format!("t{s}")).collect();
    let class_names = (0..TEMPLATES.len()).map(|c| c.to_string()).collect();
    Dataset::new("mnist1d", names, features, Target::Classes { labels, class_names }, "digit")
        .and_then(|d| d.with_input_shape(InputShape::Sequence { steps: MNIST1D_STEPS, channels: 1 }))
        .expect("generator shapes agree")
}

/// One sequence: the template stretched, placed anywhere in its padding, sheared, noised and
/// resampled.
fn sequence(template: &[f64; 12], noise: f64, rng: &mut StdRng) -> [f64; MNIST1D_STEPS] {
    // Stretched first, so that the whole pattern always stays in view.
    let stretch = 1.0 + STRETCH * rng.random_range(-1.0..1.0);
    let width = ((template.len() as f64 * stretch).round() as usize).max(2);
    let scale = (template.len() - 1) as f64 / (width - 1) as f64;
    let stretched: Vec<f64> = (0..width).map(|i| interpolate(template, i as f64 * scale)).collect();
    let padding = rng.random_range(PADDING);
    let left = rng.random_range(0..=padding);
    let mut padded = vec![0.0; width + padding];
    padded[left..left + width].copy_from_slice(&stretched);
    let len = padded.len();
    // Correlated noise: white noise smoothed, so it wanders like a slow drift.
    let white: Vec<f64> = (0..len).map(|_| gaussian(rng)).collect();
    let drift = smooth(&white, NOISE_SMOOTHING);
    let slope = SHEAR * rng.random_range(-1.0..1.0);
    // A random level, so that no class stands out by its sum alone: only the shape tells.
    let level = LEVEL * rng.random_range(-1.0..1.0);
    let mut out = [0.0; MNIST1D_STEPS];
    for (step, value) in out.iter_mut().enumerate() {
        let u = step as f64 / (MNIST1D_STEPS - 1) as f64;
        let at = u * (len - 1) as f64;
        let signal = interpolate(&padded, at) + noise * interpolate(&drift, at);
        *value = signal + level + slope * (u - 0.5) + 0.1 * noise * gaussian(rng);
    }
    out
}

/// Linear interpolation at a fractional index; 0 outside the points.
fn interpolate(points: &[f64], at: f64) -> f64 {
    if points.is_empty() || !(0.0..=(points.len() - 1) as f64).contains(&at) {
        return 0.0;
    }
    let i = at.floor() as usize;
    let t = at - i as f64;
    let next = points.get(i + 1).copied().unwrap_or(points[i]);
    points[i] * (1.0 - t) + next * t
}

/// A Gaussian blur of `values` (circular, like the shift), rescaled to unit spread.
fn smooth(values: &[f64], sigma: f64) -> Vec<f64> {
    let radius = (3.0 * sigma).ceil() as isize;
    let weights: Vec<f64> =
        (-radius..=radius).map(|d| (-(d * d) as f64 / (2.0 * sigma * sigma)).exp()).collect();
    let norm = weights.iter().map(|w| w * w).sum::<f64>().sqrt();
    let n = values.len() as isize;
    (0..n)
        .map(|i| {
            (-radius..=radius)
                .zip(&weights)
                .map(|(d, w)| w * values[(i + d).rem_euclid(n) as usize])
                .sum::<f64>()
                / norm
        })
        .collect()
}

/// A standard normal draw (Box-Muller). Not `generators::gaussian`: that one draws its second
/// uniform differently, and these generators' figures were measured with this one.
pub(super) fn gaussian(rng: &mut StdRng) -> f64 {
    let u: f64 = rng.random_range(f64::EPSILON..1.0);
    let v: f64 = rng.random_range(0.0..1.0);
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn balanced_sequences_of_forty_steps_reproducible_from_the_seed() {
        let data = mnist1d(1000, 0.25, &mut StdRng::seed_from_u64(3));
        assert_eq!((data.rows(), data.n_features()), (1000, 40));
        assert_eq!(data.input_shape, InputShape::Sequence { steps: 40, channels: 1 });
        assert_eq!(data.class_counts(), vec![100; 10]);
        assert!(data.features.iter().all(|v| v.is_finite() && v.abs() < 10.0));
        assert_eq!(data, mnist1d(1000, 0.25, &mut StdRng::seed_from_u64(3)));
        assert_ne!(data.features, mnist1d(1000, 0.25, &mut StdRng::seed_from_u64(4)).features);
    }

    #[test]
    fn the_same_class_is_shifted_and_stretched_differently_each_time() {
        // Without noise, two rows of one class still differ: where the pattern sits moves.
        let data = mnist1d(20, 0.0, &mut StdRng::seed_from_u64(1));
        assert_ne!(data.row(0), data.row(10));
        // ...yet each carries its template: some step departs clearly from the sheared baseline.
        for i in 0..20 {
            let row = data.row(i);
            let peak = row.iter().fold(0f64, |m, v| m.max(v.abs()));
            assert!(peak > 0.8, "row {i}: {row:?}");
        }
    }

    #[test]
    fn interpolation_and_smoothing_behave() {
        assert_eq!(interpolate(&[0.0, 2.0], 0.5), 1.0);
        assert_eq!(interpolate(&[0.0, 2.0], 1.5), 0.0);
        assert_eq!(interpolate(&[0.0, 2.0], -0.1), 0.0);
        let flat = smooth(&[1.0; 20], 2.0);
        assert!(flat.windows(2).all(|w| (w[0] - w[1]).abs() < 1e-12));
    }
}
