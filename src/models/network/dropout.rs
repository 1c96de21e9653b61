//! Dropout's mask: which values a training step keeps, scaled by `1/keep` so the layer's
//! expected output does not change between training and evaluation.

use candle_core::{DType, Device, Shape, Tensor};
use rand::Rng;
use rand::rngs::StdRng;

/// The mask for values of `shape` on `device`: each `1/keep` with probability `keep`, else 0.
/// On the CPU it is drawn from the network's seeded `rng`, so a run repeats exactly and the mask
/// is already where the values are; on any other device it is drawn there (by the device's own
/// generator, not tied to the seed), so no mask is uploaded each step.
pub(super) fn mask(
    shape: &Shape,
    dtype: DType,
    device: &Device,
    keep: f64,
    rng: &mut StdRng,
) -> candle_core::Result<Tensor> {
    if device.is_cpu() { host_mask(shape, dtype, keep, rng) } else { device_mask(shape, dtype, device, keep) }
}

fn host_mask(shape: &Shape, dtype: DType, keep: f64, rng: &mut StdRng) -> candle_core::Result<Tensor> {
    let scale = (1.0 / keep) as f32;
    let mask: Vec<f32> =
        (0..shape.elem_count()).map(|_| if rng.random::<f64>() < keep { scale } else { 0.0 }).collect();
    Tensor::from_vec(mask, shape, &Device::Cpu)?.to_dtype(dtype)
}

fn device_mask(shape: &Shape, dtype: DType, device: &Device, keep: f64) -> candle_core::Result<Tensor> {
    let draws = Tensor::rand(0f32, 1f32, shape, device)?;
    // The threshold is filled in on the device: a scalar `keep` would be uploaded every step.
    let kept = draws.lt(&Tensor::full(keep as f32, shape, device)?)?;
    kept.to_dtype(dtype)? * (1.0 / keep)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    /// Every value is 0 or `1/keep`, and about `keep` of them are kept.
    fn check(mask: &Tensor, keep: f64) {
        let values: Vec<f64> = mask.to_dtype(DType::F64).unwrap().flatten_all().unwrap().to_vec1().unwrap();
        let scale = 1.0 / keep;
        assert!(values.iter().all(|&v| v == 0.0 || (v - scale).abs() < 1e-6), "{values:?}");
        let kept = values.iter().filter(|&&v| v != 0.0).count() as f64 / values.len() as f64;
        assert!((kept - keep).abs() < 0.03, "kept {kept}, expected {keep}");
    }

    #[test]
    fn the_host_mask_repeats_with_the_seed_and_the_device_mask_keeps_the_same_share() {
        let shape = Shape::from((50, 40));
        let host =
            |seed| mask(&shape, DType::F32, &Device::Cpu, 0.7, &mut StdRng::seed_from_u64(seed)).unwrap();
        check(&host(1), 0.7);
        let values = |t: Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert_eq!(values(host(1)), values(host(1)), "the same seed draws the same mask");
        assert_ne!(values(host(1)), values(host(2)));
        // The branch a GPU takes, drawn here on the CPU's device generator.
        for dtype in [DType::F32, DType::F64] {
            let drawn = device_mask(&shape, dtype, &Device::Cpu, 0.7).unwrap();
            assert_eq!((drawn.dtype(), drawn.shape()), (dtype, &shape));
            check(&drawn, 0.7);
        }
    }
}
