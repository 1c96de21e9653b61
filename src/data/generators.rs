//! Built-in synthetic data sets, all seeded so a lesson looks the same every time.

use std::f64::consts::PI;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::{Dataset, Target};

/// How a generator should draw its points.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GeneratorSettings {
    pub samples: usize,
    /// Standard deviation of the Gaussian noise added to each coordinate.
    pub noise: f64,
    pub seed: u64,
    /// Classes for blobs, arms for the spiral.
    pub classes: usize,
}

impl Default for GeneratorSettings {
    fn default() -> Self {
        Self { samples: 400, noise: 0.2, seed: 0, classes: 3 }
    }
}

/// The generated data sets, by the names the CLI and the studio use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuiltinDataset {
    Moons,
    Circles,
    Xor,
    Blobs,
    Spiral,
    Checkerboard,
    Plane,
    Sine,
}

impl BuiltinDataset {
    pub const ALL: [BuiltinDataset; 8] = [
        Self::Moons,
        Self::Circles,
        Self::Xor,
        Self::Blobs,
        Self::Spiral,
        Self::Checkerboard,
        Self::Plane,
        Self::Sine,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Moons => "moons",
            Self::Circles => "circles",
            Self::Xor => "xor",
            Self::Blobs => "blobs",
            Self::Spiral => "spiral",
            Self::Checkerboard => "checkerboard",
            Self::Plane => "plane",
            Self::Sine => "sine",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name.trim().to_ascii_lowercase())
    }

    pub fn description(self) -> &'static str {
        match self {
            Self::Moons => "two interleaving half circles, 2 classes",
            Self::Circles => "a small circle inside a large one, 2 classes",
            Self::Xor => "four quadrants, opposite corners share a class",
            Self::Blobs => "Gaussian blobs, one class each (k classes)",
            Self::Spiral => "interleaved spiral arms, one class each (k arms)",
            Self::Checkerboard => "a 4x4 checkerboard, 2 classes",
            Self::Plane => "regression: y = 2·x1 − x2 + noise",
            Self::Sine => "regression: y = sin(x) + noise, one feature",
        }
    }

    pub fn is_regression(self) -> bool {
        matches!(self, Self::Plane | Self::Sine)
    }

    pub fn generate(self, settings: &GeneratorSettings) -> Dataset {
        let mut rng = StdRng::seed_from_u64(settings.seed);
        let n = settings.samples.max(1);
        let noise = settings.noise.max(0.0);
        let k = settings.classes.clamp(2, 10);
        let xy_names = || vec!["x".to_string(), "y".to_string()];
        match self {
            Self::Moons => {
                let mut builder = ClassPoints::default();
                let outer = n / 2;
                for i in 0..n {
                    let (class, t) = if i < outer {
                        (0, PI * i as f64 / (outer.max(2) - 1) as f64)
                    } else {
                        (1, PI * (i - outer) as f64 / ((n - outer).max(2) - 1) as f64)
                    };
                    let (x, y) = if class == 0 { (t.cos(), t.sin()) } else { (1.0 - t.cos(), 0.5 - t.sin()) };
                    builder.push(x + noise * gaussian(&mut rng), y + noise * gaussian(&mut rng), class);
                }
                builder.finish(self.name(), 2)
            }
            Self::Circles => {
                let mut builder = ClassPoints::default();
                let outer = n / 2;
                for i in 0..n {
                    let (class, count, index) =
                        if i < outer { (0, outer, i) } else { (1, n - outer, i - outer) };
                    let angle = 2.0 * PI * index as f64 / count.max(1) as f64;
                    let radius = if class == 0 { 1.0 } else { 0.5 };
                    builder.push(
                        radius * angle.cos() + noise * gaussian(&mut rng),
                        radius * angle.sin() + noise * gaussian(&mut rng),
                        class,
                    );
                }
                builder.finish(self.name(), 2)
            }
            Self::Xor => {
                let mut builder = ClassPoints::default();
                for _ in 0..n {
                    let x: f64 = rng.random_range(-1.0..1.0);
                    let y: f64 = rng.random_range(-1.0..1.0);
                    let class = u32::from((x > 0.0) != (y > 0.0));
                    builder.push(x + noise * gaussian(&mut rng), y + noise * gaussian(&mut rng), class);
                }
                builder.finish(self.name(), 2)
            }
            Self::Blobs => {
                let mut builder = ClassPoints::default();
                let centers: Vec<(f64, f64)> = (0..k)
                    .map(|c| {
                        let angle = 2.0 * PI * c as f64 / k as f64;
                        (2.0 * angle.cos(), 2.0 * angle.sin())
                    })
                    .collect();
                let spread = 0.3 + 2.0 * noise;
                for i in 0..n {
                    let class = (i % k) as u32;
                    let (cx, cy) = centers[class as usize];
                    builder.push(cx + spread * gaussian(&mut rng), cy + spread * gaussian(&mut rng), class);
                }
                builder.finish(self.name(), k)
            }
            Self::Spiral => {
                let mut builder = ClassPoints::default();
                for i in 0..n {
                    let class = i % k;
                    let index = i / k;
                    let per_arm = n.div_ceil(k).max(2);
                    let r = index as f64 / (per_arm - 1) as f64;
                    let angle = 1.75 * 2.0 * PI * r + 2.0 * PI * class as f64 / k as f64;
                    builder.push(
                        r * angle.cos() + 0.5 * noise * gaussian(&mut rng),
                        r * angle.sin() + 0.5 * noise * gaussian(&mut rng),
                        class as u32,
                    );
                }
                builder.finish(self.name(), k)
            }
            Self::Checkerboard => {
                let mut builder = ClassPoints::default();
                for _ in 0..n {
                    let x: f64 = rng.random_range(0.0..4.0);
                    let y: f64 = rng.random_range(0.0..4.0);
                    let class = ((x.floor() + y.floor()) as u32) % 2;
                    builder.push(x + noise * gaussian(&mut rng), y + noise * gaussian(&mut rng), class);
                }
                builder.finish(self.name(), 2)
            }
            Self::Plane => {
                let mut features = Vec::with_capacity(2 * n);
                let mut values = Vec::with_capacity(n);
                for _ in 0..n {
                    let x1: f64 = rng.random_range(-1.0..1.0);
                    let x2: f64 = rng.random_range(-1.0..1.0);
                    features.extend([x1, x2]);
                    values.push(2.0 * x1 - x2 + noise * gaussian(&mut rng));
                }
                Dataset::new(self.name(), xy_names(), features, Target::Values(values), "value")
                    .expect("generator shapes agree")
            }
            Self::Sine => {
                let mut features = Vec::with_capacity(n);
                let mut values = Vec::with_capacity(n);
                for _ in 0..n {
                    let x: f64 = rng.random_range(-3.0..3.0);
                    features.push(x);
                    values.push(x.sin() + noise * gaussian(&mut rng));
                }
                Dataset::new(self.name(), vec!["x".into()], features, Target::Values(values), "value")
                    .expect("generator shapes agree")
            }
        }
    }
}

/// Accumulates 2-D labelled points for the classification generators.
#[derive(Default)]
struct ClassPoints {
    features: Vec<f64>,
    labels: Vec<u32>,
}

impl ClassPoints {
    fn push(&mut self, x: f64, y: f64, class: u32) {
        self.features.extend([x, y]);
        self.labels.push(class);
    }

    fn finish(self, name: &str, classes: usize) -> Dataset {
        let class_names = (0..classes).map(|c| format!("class {c}")).collect();
        let target = Target::Classes { labels: self.labels, class_names };
        Dataset::new(name, vec!["x".into(), "y".into()], self.features, target, "class")
            .expect("generator shapes agree")
    }
}

/// A standard normal draw (Box–Muller), so no extra crate is needed for one distribution.
pub fn gaussian(rng: &mut impl Rng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generator_gives_the_requested_rows() {
        let settings = GeneratorSettings { samples: 101, noise: 0.1, seed: 3, classes: 3 };
        for dataset in BuiltinDataset::ALL {
            let ds = dataset.generate(&settings);
            assert_eq!(ds.rows(), 101, "{}", dataset.name());
            assert!(ds.features.iter().all(|v| v.is_finite()));
            assert_eq!(ds.task() == crate::data::Task::Regression, dataset.is_regression());
        }
    }

    #[test]
    fn same_seed_same_points_other_seed_other_points() {
        let a = BuiltinDataset::Moons.generate(&GeneratorSettings { seed: 1, ..Default::default() });
        let b = BuiltinDataset::Moons.generate(&GeneratorSettings { seed: 1, ..Default::default() });
        let c = BuiltinDataset::Moons.generate(&GeneratorSettings { seed: 2, ..Default::default() });
        assert_eq!(a, b);
        assert_ne!(a.features, c.features);
    }

    #[test]
    fn moons_are_balanced_and_blobs_have_k_classes() {
        let moons = BuiltinDataset::Moons.generate(&GeneratorSettings::default());
        assert_eq!(moons.class_counts(), vec![200, 200]);
        let blobs = BuiltinDataset::Blobs.generate(&GeneratorSettings {
            classes: 4,
            samples: 40,
            ..Default::default()
        });
        assert_eq!(blobs.class_counts(), vec![10; 4]);
    }

    #[test]
    fn names_round_trip() {
        for dataset in BuiltinDataset::ALL {
            assert_eq!(BuiltinDataset::from_name(dataset.name()), Some(dataset));
        }
        assert_eq!(BuiltinDataset::from_name("nope"), None);
    }
}
