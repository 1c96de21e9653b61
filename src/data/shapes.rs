//! Generated 28×28 pictures of eight shapes (disc, ring, square, frame, triangle, plus, bar and
//! L) at a random place, size and tilt, with noise: an image set as big as a lesson needs (up to
//! 100,000 pictures, the size of MNIST's 28×28) without shipping megabytes of files. Drawn here:
//! each pixel averages 3×3 samples of the shape's inside test, so edges are smooth.

use rand::Rng;
use rand::rngs::StdRng;

use super::mnist1d::gaussian;
use super::{Dataset, InputShape, Target};

/// Side of every picture.
pub const SHAPE_SIDE: usize = 28;
const NAMES: [&str; 8] = ["disc", "ring", "square", "frame", "triangle", "plus", "bar", "L"];
/// Samples per pixel side (3×3 per pixel).
const SUPERSAMPLE: usize = 3;
/// Largest tilt either way, in radians (30°): more would make a tilted square a diamond and a
/// plus a cross, which are not other classes here.
const MAX_TILT: f64 = std::f64::consts::PI / 6.0;

/// `n` pictures, the classes in turn; `noise` is the spread of the grey noise on every pixel.
pub fn shapes(n: usize, noise: f64, rng: &mut StdRng) -> Dataset {
    let area = SHAPE_SIDE * SHAPE_SIDE;
    let mut features = Vec::with_capacity(n * area);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let class = i % NAMES.len();
        let size = rng.random_range(5.0..11.0);
        let centre = [
            rng.random_range(size..SHAPE_SIDE as f64 - size),
            rng.random_range(size..SHAPE_SIDE as f64 - size),
        ];
        let tilt = rng.random_range(-MAX_TILT..MAX_TILT);
        let (sin, cos) = tilt.sin_cos();
        for y in 0..SHAPE_SIDE {
            for x in 0..SHAPE_SIDE {
                let mut inside = 0;
                for sy in 0..SUPERSAMPLE {
                    for sx in 0..SUPERSAMPLE {
                        let px = x as f64 + (sx as f64 + 0.5) / SUPERSAMPLE as f64 - centre[0];
                        let py = y as f64 + (sy as f64 + 0.5) / SUPERSAMPLE as f64 - centre[1];
                        // Into the shape's own frame: untilted, unit size.
                        let (u, v) = ((cos * px + sin * py) / size, (-sin * px + cos * py) / size);
                        inside += usize::from(contains(class, u, v));
                    }
                }
                let ink = inside as f64 / (SUPERSAMPLE * SUPERSAMPLE) as f64;
                features.push((ink + noise * gaussian(rng)).clamp(0.0, 1.0));
            }
        }
        labels.push(class as u32);
    }
    let names = (0..area).map(|i| format!("p_{}_{}", i / SHAPE_SIDE, i % SHAPE_SIDE)).collect();
    let class_names = NAMES.iter().map(|s| s.to_string()).collect();
    Dataset::new("shapes", names, features, Target::Classes { labels, class_names }, "shape")
        .and_then(|d| {
            d.with_input_shape(InputShape::Image { channels: 1, height: SHAPE_SIDE, width: SHAPE_SIDE })
        })
        .expect("generator shapes agree")
}

/// Whether the point (u, v) of the unit frame (y pointing down) lies inside shape `class`.
fn contains(class: usize, u: f64, v: f64) -> bool {
    let r = (u * u + v * v).sqrt();
    match class {
        0 => r < 0.9,
        1 => (0.6..0.95).contains(&r),
        2 => u.abs().max(v.abs()) < 0.75,
        3 => (0.5..0.85).contains(&u.abs().max(v.abs())),
        4 => {
            // Point up: apex (0, -0.9), base corners (±0.95, 0.65).
            v < 0.65 && (0.95 * (v + 0.9) / 1.55) > u.abs()
        }
        5 => (u.abs() < 0.25 && v.abs() < 0.95) || (v.abs() < 0.25 && u.abs() < 0.95),
        6 => u.abs() < 1.0 && v.abs() < 0.22,
        _ => (u > -0.8 && u < -0.35 && v.abs() < 0.95) || (v > 0.5 && v < 0.95 && u > -0.8 && u < 0.8),
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn pictures_of_eight_balanced_shapes_reproducible_from_the_seed() {
        let data = shapes(80, 0.1, &mut StdRng::seed_from_u64(2));
        assert_eq!((data.rows(), data.n_features()), (80, 784));
        assert_eq!(data.input_shape, InputShape::Image { channels: 1, height: 28, width: 28 });
        assert_eq!(data.class_counts(), vec![10; 8]);
        assert!(data.features.iter().all(|v| (0.0..=1.0).contains(v)));
        assert_eq!(data, shapes(80, 0.1, &mut StdRng::seed_from_u64(2)));
    }

    #[test]
    fn each_shape_inks_what_it_should() {
        // Without noise: a disc inks more than its ring, a bar less than a square.
        let data = shapes(8, 0.0, &mut StdRng::seed_from_u64(5));
        let ink: Vec<f64> = (0..8).map(|i| data.row(i).iter().sum()).collect();
        assert!(ink.iter().all(|&v| v > 5.0), "{ink:?}");
        assert!(contains(0, 0.0, 0.0) && !contains(1, 0.0, 0.0) && contains(1, 0.8, 0.0));
        assert!(contains(2, 0.0, 0.0) && !contains(3, 0.0, 0.0) && contains(3, 0.7, 0.0));
        assert!(contains(4, 0.0, 0.3) && !contains(4, 0.0, -0.95) && !contains(4, 0.9, -0.5));
        assert!(contains(5, 0.0, 0.8) && contains(5, 0.8, 0.0) && !contains(5, 0.6, 0.6));
        assert!(contains(6, 0.9, 0.0) && !contains(6, 0.0, 0.5));
        assert!(contains(7, -0.6, 0.0) && contains(7, 0.6, 0.8) && !contains(7, 0.6, 0.0));
    }
}
