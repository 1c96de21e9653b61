//! Built-in data sets: seeded generators (the same lesson looks the same every time) and the
//! real tables shipped in `sample_data/` (see [`super::samples`]).

use std::f64::consts::PI;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::samples::SampleSet;
use super::{DataError, Dataset, InputShape, Target};

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

/// The built-in data sets, by the names the CLI and the studio use.
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
    /// Noisy sine, square, triangle and sawtooth series of 32 steps (sequences).
    Waveforms,
    /// Ten 1-D patterns shifted, stretched, sheared and noised into 40 steps (MNIST-1D style).
    Mnist1d,
    /// 28×28 pictures of eight shapes at a random place, size and tilt.
    Shapes,
    Iris,
    Digits,
    Diabetes,
    Wine,
}

/// Time steps of each waveform series.
pub const WAVEFORM_STEPS: usize = 32;

/// The spiral's arms lie within radius 1 and close together: the usual noise setting (0.2) must
/// blur them, not erase them, so it is scaled down here.
const SPIRAL_JITTER: f64 = 0.2;
const WAVEFORM_SHAPES: [&str; 4] = ["sine", "square", "triangle", "sawtooth"];

impl BuiltinDataset {
    pub const ALL: [BuiltinDataset; 15] = [
        Self::Moons,
        Self::Circles,
        Self::Xor,
        Self::Blobs,
        Self::Spiral,
        Self::Checkerboard,
        Self::Plane,
        Self::Sine,
        Self::Waveforms,
        Self::Mnist1d,
        Self::Shapes,
        Self::Iris,
        Self::Digits,
        Self::Diabetes,
        Self::Wine,
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
            Self::Waveforms => "waveforms",
            Self::Mnist1d => "mnist1d",
            Self::Shapes => "shapes",
            Self::Iris => "iris",
            Self::Digits => "digits",
            Self::Diabetes => "diabetes",
            Self::Wine => "wine",
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
            Self::Waveforms => "noisy sine, square, triangle and sawtooth series of 32 steps, 4 classes",
            Self::Shapes => {
                "28×28 pictures of eight shapes (disc, ring, square, frame, triangle, plus, bar, L) at a random place, size and tilt, with noise"
            }
            Self::Mnist1d => {
                "MNIST-1D style: ten 1-D patterns shifted, stretched, sheared and noised into 40 steps, 10 classes (after Greydanus 2020)"
            }
            Self::Iris | Self::Digits | Self::Diabetes | Self::Wine => {
                self.sample().map_or("", SampleSet::description)
            }
        }
    }

    pub fn is_regression(self) -> bool {
        matches!(self, Self::Plane | Self::Sine | Self::Diabetes)
    }

    /// The shipped table behind this name, if it is one.
    pub fn sample(self) -> Option<SampleSet> {
        match self {
            Self::Iris => Some(SampleSet::Iris),
            Self::Digits => Some(SampleSet::Digits),
            Self::Diabetes => Some(SampleSet::Diabetes),
            Self::Wine => Some(SampleSet::Wine),
            _ => None,
        }
    }

    /// Whether samples, noise and seed shape the data (false for the fixed real tables, so the
    /// studio can hide those sliders).
    pub fn is_generated(self) -> bool {
        self.sample().is_none()
    }

    /// Where the data comes from, in one line.
    pub fn source(self) -> &'static str {
        match self.sample() {
            Some(sample) => sample.source(),
            None => "generated by Learnscope from --seed, --samples and --noise",
        }
    }

    /// How each row is laid out.
    pub fn input_shape(self) -> InputShape {
        match self {
            Self::Waveforms => InputShape::Sequence { steps: WAVEFORM_STEPS, channels: 1 },
            Self::Mnist1d => InputShape::Sequence { steps: super::mnist1d::MNIST1D_STEPS, channels: 1 },
            Self::Shapes => InputShape::Image {
                channels: 1,
                height: super::shapes::SHAPE_SIDE,
                width: super::shapes::SHAPE_SIDE,
            },
            _ => self.sample().map_or(InputShape::Vector, SampleSet::input_shape),
        }
    }

    /// Like [`Self::generate`], but says so if an embedded table does not parse.
    pub fn load(self, settings: &GeneratorSettings) -> Result<Dataset, DataError> {
        match self.sample() {
            Some(sample) => sample.dataset().map_err(DataError::Invalid),
            None => Ok(self.generate_points(settings)),
        }
    }

    /// The data set; the fixed real tables ignore the settings.
    pub fn generate(self, settings: &GeneratorSettings) -> Dataset {
        // The embedded tables are checked by the tests in `samples`, so this cannot fail at run time.
        self.load(settings).expect("the embedded sample CSV files load")
    }

    fn generate_points(self, settings: &GeneratorSettings) -> Dataset {
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
                        r * angle.cos() + SPIRAL_JITTER * noise * gaussian(&mut rng),
                        r * angle.sin() + SPIRAL_JITTER * noise * gaussian(&mut rng),
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
            Self::Waveforms => waveforms(n, noise, &mut rng),
            Self::Mnist1d => super::mnist1d::mnist1d(n, noise, &mut rng),
            Self::Shapes => super::shapes::shapes(n, noise, &mut rng),
            Self::Iris | Self::Digits | Self::Diabetes | Self::Wine => {
                unreachable!("fixed tables are loaded in `load`, never generated")
            }
        }
    }
}

/// `n` series of [`WAVEFORM_STEPS`] steps, the shape cycling sine, square, triangle, sawtooth so
/// the classes are balanced; each series has its own frequency (1 to 3 cycles) and phase.
fn waveforms(n: usize, noise: f64, rng: &mut StdRng) -> Dataset {
    let mut features = Vec::with_capacity(n * WAVEFORM_STEPS);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let class = i % WAVEFORM_SHAPES.len();
        let cycles: f64 = rng.random_range(1.0..3.0);
        let phase: f64 = rng.random_range(0.0..1.0);
        for step in 0..WAVEFORM_STEPS {
            let u = (cycles * step as f64 / WAVEFORM_STEPS as f64 + phase).fract();
            let clean = match class {
                0 => (2.0 * PI * u).sin(),
                1 => {
                    if u < 0.5 {
                        1.0
                    } else {
                        -1.0
                    }
                }
                2 => 1.0 - 4.0 * (u - 0.5).abs(),
                _ => 2.0 * u - 1.0,
            };
            // Four decimals keep the shipped CSV small and make its text round-trip exactly.
            features.push(((clean + noise * gaussian(rng)) * 1e4).round() / 1e4);
        }
        labels.push(class as u32);
    }
    let names = (0..WAVEFORM_STEPS).map(|s| format!("t{s}")).collect();
    let class_names = WAVEFORM_SHAPES.iter().map(|s| s.to_string()).collect();
    Dataset::new("waveforms", names, features, Target::Classes { labels, class_names }, "shape")
        .and_then(|d| d.with_input_shape(InputShape::Sequence { steps: WAVEFORM_STEPS, channels: 1 }))
        .expect("generator shapes agree")
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
            if dataset.is_generated() {
                assert_eq!(ds.rows(), 101, "{}", dataset.name());
            } else {
                assert_eq!(
                    ds,
                    dataset.generate(&GeneratorSettings::default()),
                    "fixed tables ignore settings"
                );
            }
            assert_eq!(ds.input_shape, dataset.input_shape(), "{}", dataset.name());
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

    #[test]
    fn waveforms_are_balanced_sequences_of_32_steps() {
        let settings = GeneratorSettings { samples: 400, noise: 0.1, seed: 0, classes: 3 };
        let waves = BuiltinDataset::Waveforms.generate(&settings);
        assert_eq!((waves.rows(), waves.n_features()), (400, 32));
        assert_eq!(waves.input_shape, InputShape::Sequence { steps: 32, channels: 1 });
        assert_eq!(waves.class_names(), &["sine", "square", "triangle", "sawtooth"]);
        assert_eq!(waves.class_counts(), vec![100; 4]);
        // Noise of 0.1 keeps every value near the clean [-1, 1] range.
        assert!(waves.features.iter().all(|v| v.abs() < 1.8));
    }

    #[test]
    fn waveforms_are_reproducible_from_the_seed() {
        let a = BuiltinDataset::Waveforms.generate(&GeneratorSettings { seed: 5, ..Default::default() });
        let b = BuiltinDataset::Waveforms.generate(&GeneratorSettings { seed: 5, ..Default::default() });
        let c = BuiltinDataset::Waveforms.generate(&GeneratorSettings { seed: 6, ..Default::default() });
        assert_eq!(a, b);
        assert_ne!(a.features, c.features);
    }

    #[test]
    fn noise_free_waveforms_have_their_shape() {
        let settings = GeneratorSettings { samples: 4, noise: 0.0, seed: 1, classes: 3 };
        let waves = BuiltinDataset::Waveforms.generate(&settings);
        // Square waves hold only +1 and -1; sawtooth and triangle stay within [-1, 1].
        assert!(waves.row(1).iter().all(|&v| v == 1.0 || v == -1.0));
        assert!(waves.row(1).contains(&1.0) && waves.row(1).contains(&-1.0));
        assert!(waves.row(0).iter().all(|v| v.abs() <= 1.0));
        assert!(waves.row(3).iter().all(|v| v.abs() <= 1.0));
    }

    /// `sample_data/waveforms.csv` is this generator's output for the default settings (seed 0).
    /// Run with LEARNSCOPE_WRITE_SAMPLES=1 to rewrite it after changing the generator.
    #[test]
    fn shipped_waveforms_csv_is_the_seed_0_output() {
        let waves = BuiltinDataset::Waveforms.generate(&GeneratorSettings::default());
        let text = crate::data::samples::to_csv(&waves);
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/waveforms.csv");
        if std::env::var_os("LEARNSCOPE_WRITE_SAMPLES").is_some() {
            std::fs::write(&path, &text).unwrap();
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        let loaded = crate::data::csv_loader::load_csv(&path, &Default::default()).unwrap().dataset;
        assert_eq!(loaded.features, waves.features);
        let name_of = |d: &Dataset, i: usize| d.class_names()[d.labels().unwrap()[i] as usize].clone();
        assert!((0..waves.rows()).all(|i| name_of(&loaded, i) == name_of(&waves, i)));
    }
}
