//! Max pooling on the CPU in one pass each way.
//!
//! Written by hand because candle 0.11's `max_pool2d` gradient is scaled by 1/k², and the
//! exact form through reshape + max builds a mask of the whole input per step (compare,
//! broadcast, multiply), which cost a small CNN more than its convolutions. Both loops here are
//! free of data-dependent branches (a max pool's winner is a coin toss to a branch predictor).
//! The gradient goes to the first largest value of each window, as in PyTorch. Other devices
//! and dtypes use the reshape + max form.

use candle_core::{CpuStorage, CustomOp1, CustomOp3, DType, Layout, Shape, Tensor};

use super::matmul::contiguous_f32;
use super::threads::fill_chunks;

/// Windows of a `k × k` pool over `(batch · channels)` planes of `height × width`; a partial
/// window at the bottom or right edge is dropped.
#[derive(Clone, Copy)]
struct Windows {
    planes: usize,
    height: usize,
    width: usize,
    k: usize,
}

impl Windows {
    fn new(layout: &Layout, k: usize) -> candle_core::Result<Self> {
        let (b, c, height, width) = layout.shape().dims4()?;
        if k == 0 || height < k || width < k {
            candle_core::bail!("max pool: a {k}×{k} window does not fit {height}×{width}")
        }
        Ok(Self { planes: b * c, height, width, k })
    }

    fn out(&self) -> (usize, usize) {
        (self.height / self.k, self.width / self.k)
    }

    /// Work units for [`map_chunks`]: a pool is memory-bound, so each value read counts as a
    /// few of gemm's cache-friendly multiply-adds.
    fn work(&self) -> usize {
        4 * self.planes * self.height * self.width
    }

    /// Each window's largest value, in output order.
    fn max(&self, x: &[f32]) -> Vec<f32> {
        let (oh, ow) = self.out();
        let (k, width, plane_len) = (self.k, self.width, self.height * self.width);
        let mut out = vec![f32::NEG_INFINITY; self.planes * oh * ow];
        fill_chunks(&mut out, oh * ow, self.work(), |planes, out| {
            let x = &x[planes.start * plane_len..planes.end * plane_len];
            for (plane, out) in x.chunks_exact(plane_len).zip(out.chunks_exact_mut(oh * ow)) {
                if k == 2 {
                    for (oy, out) in out.chunks_exact_mut(ow).enumerate() {
                        let (top, bottom) = plane[2 * oy * width..(2 * oy + 2) * width].split_at(width);
                        for (ox, o) in out.iter_mut().enumerate() {
                            let pair = |row: &[f32]| row[2 * ox].max(row[2 * ox + 1]);
                            *o = pair(top).max(pair(bottom));
                        }
                    }
                    continue;
                }
                for (oy, out) in out.chunks_exact_mut(ow).enumerate() {
                    for dy in 0..k {
                        let row = &plane[(oy * k + dy) * width..][..ow * k];
                        for (o, window) in out.iter_mut().zip(row.chunks_exact(k)) {
                            *o = window.iter().fold(*o, |m, &v| m.max(v));
                        }
                    }
                }
            }
        });
        out
    }

    /// Adds each window's gradient onto the first input equal to its maximum `max_of`.
    fn scatter(&self, x: &[f32], max_of: &[f32], grad: &[f32]) -> Vec<f32> {
        let (oh, ow) = self.out();
        let (k, width, plane_len) = (self.k, self.width, self.height * self.width);
        let mut out = vec![0.0f32; x.len()];
        fill_chunks(&mut out, plane_len, self.work(), |planes, out| {
            for (p, out) in planes.zip(out.chunks_exact_mut(plane_len)) {
                let plane = &x[p * plane_len..(p + 1) * plane_len];
                if k == 2 {
                    let at = p * oh * ow;
                    scatter_2x2(plane, &max_of[at..at + oh * ow], &grad[at..at + oh * ow], out, (ow, width));
                    continue;
                }
                for oy in 0..oh {
                    for ox in 0..ow {
                        let o = (p * oh + oy) * ow + ox;
                        let top = oy * k * width + ox * k;
                        // Scanned backwards so the first match is the one kept; the select has
                        // no branch to mispredict.
                        let mut at = top;
                        for dy in (0..k).rev() {
                            for dx in (0..k).rev() {
                                let i = top + dy * width + dx;
                                at = if plane[i] == max_of[o] { i } else { at };
                            }
                        }
                        out[at] += grad[o];
                    }
                }
            }
        });
        out
    }
}

/// [`Windows::scatter`] for the common 2 × 2 pool, one plane: the windows do not overlap, so
/// each input gets its window's gradient or zero, by selects the compiler can vectorize.
fn scatter_2x2(plane: &[f32], max_of: &[f32], grad: &[f32], out: &mut [f32], (ow, width): (usize, usize)) {
    for (oy, (max_row, grad_row)) in max_of.chunks_exact(ow).zip(grad.chunks_exact(ow)).enumerate() {
        let (top, bottom) = plane[2 * oy * width..(2 * oy + 2) * width].split_at(width);
        let (out_top, out_bottom) = out[2 * oy * width..(2 * oy + 2) * width].split_at_mut(width);
        for ox in 0..ow {
            let (m, g) = (max_row[ox], grad_row[ox]);
            let (a, b, c) = (top[2 * ox], top[2 * ox + 1], bottom[2 * ox]);
            let (hit_a, hit_b, hit_c) = (a == m, b == m, c == m);
            out_top[2 * ox] = if hit_a { g } else { 0.0 };
            out_top[2 * ox + 1] = if !hit_a && hit_b { g } else { 0.0 };
            out_bottom[2 * ox] = if !hit_a && !hit_b && hit_c { g } else { 0.0 };
            // Else the last input, the largest (or a NaN window's: none matched).
            out_bottom[2 * ox + 1] = if !hit_a && !hit_b && !hit_c { g } else { 0.0 };
        }
    }
}

struct MaxPool(usize);

impl CustomOp1 for MaxPool {
    fn name(&self) -> &'static str {
        "max-pool"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let windows = Windows::new(layout, self.0)?;
        let x = contiguous_f32(storage, layout, "max pool: the input")?;
        let (oh, ow) = windows.out();
        let out = windows.max(x);
        let (b, c, _, _) = layout.shape().dims4()?;
        Ok((CpuStorage::F32(out), Shape::from((b, c, oh, ow))))
    }

    fn bwd(&self, arg: &Tensor, res: &Tensor, grad_res: &Tensor) -> candle_core::Result<Option<Tensor>> {
        Ok(Some(arg.apply_op3_no_bwd(res, &grad_res.contiguous()?, &MaxPoolGrad(self.0))?))
    }
}

/// Each window's gradient onto its first largest input; zero elsewhere.
struct MaxPoolGrad(usize);

impl CustomOp3 for MaxPoolGrad {
    fn name(&self) -> &'static str {
        "max-pool-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let windows = Windows::new(l1, self.0)?;
        let (x, max_of, grad) = (
            contiguous_f32(s1, l1, "max pool: the input")?,
            contiguous_f32(s2, l2, "max pool: the maxima")?,
            contiguous_f32(s3, l3, "max pool: the gradient")?,
        );
        let (oh, ow) = windows.out();
        let count = windows.planes * oh * ow;
        if grad.len() != count || max_of.len() != count {
            candle_core::bail!("max pool gradient: {} values for {count} windows", grad.len())
        }
        Ok((CpuStorage::F32(windows.scatter(x, max_of, grad)), l1.shape().clone()))
    }
}

/// `k × k` max pooling of `(batch, channels, h, w)`, a partial last window dropped.
pub(crate) fn max_pool2d(x: &Tensor, k: usize) -> candle_core::Result<Tensor> {
    if x.device().is_cpu() && x.dtype() == DType::F32 {
        return x.contiguous()?.apply_op1(MaxPool(k));
    }
    let (_, _, h, w) = x.dims4()?;
    let x = x.narrow(2, 0, h - h % k)?.narrow(3, 0, w - w % k)?;
    let (b, c, h, w) = x.dims4()?;
    x.reshape((b, c, h / k, k, w / k, k))?.max(5)?.max(3)
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Var};

    use super::*;

    fn read(t: &Tensor) -> Vec<f32> {
        t.flatten_all().unwrap().to_vec1().unwrap()
    }

    #[test]
    fn max_pool_matches_reshape_and_max_and_its_gradient_goes_to_the_largest_value() {
        // 2 × 2 planes of 5 × 7 with no ties, so every window has one largest value.
        let values: Vec<f32> = (0..140).map(|i| ((i * 37) % 140) as f32 * 0.1 - 3.0).collect();
        let x = Var::from_slice(&values, (2, 2, 5, 7), &Device::Cpu).unwrap();
        let ours = max_pool2d(x.as_tensor(), 2).unwrap();
        let cropped = x.as_tensor().narrow(2, 0, 4).unwrap().narrow(3, 0, 6).unwrap();
        let reference = cropped.reshape((2, 2, 2, 2, 3, 2)).unwrap().max(5).unwrap().max(3).unwrap();
        assert_eq!(ours.dims(), &[2, 2, 2, 3]);
        assert_eq!(read(&ours), read(&reference));
        let weights: Vec<f32> = (0..24).map(|i| i as f32 + 1.0).collect();
        let weights = Tensor::from_vec(weights, (2, 2, 2, 3), &Device::Cpu).unwrap();
        let g1 = (ours * &weights).unwrap().sum_all().unwrap().backward().unwrap();
        let g2 = (reference * &weights).unwrap().sum_all().unwrap().backward().unwrap();
        assert_eq!(read(g1.get(&x).unwrap()), read(g2.get(&x).unwrap()));
    }

    #[test]
    fn a_pool_split_over_threads_gives_the_same_values_and_gradient() {
        // 64 × 16 planes of 24 × 24: enough work for the pool to be split. Multiplying by a prime
        // modulo the count permutes 0..count, so no window has a tie.
        let count = 64 * 16 * 576u64;
        let values: Vec<f32> = (0..count).map(|i| ((i * 7919) % count) as f32).collect();
        let x = Var::from_slice(&values, (64, 16, 24, 24), &Device::Cpu).unwrap();
        let ours = max_pool2d(x.as_tensor(), 3).unwrap();
        let reference = x.as_tensor().reshape((64, 16, 8, 3, 8, 3)).unwrap().max(5).unwrap().max(3).unwrap();
        assert_eq!(read(&ours), read(&reference));
        let g1 = ours.sum_all().unwrap().backward().unwrap();
        let g2 = reference.sum_all().unwrap().backward().unwrap();
        assert_eq!(read(g1.get(&x).unwrap()), read(g2.get(&x).unwrap()));
    }

    #[test]
    fn tied_values_pass_the_gradient_to_the_first_one_only() {
        let x = Var::from_vec(vec![1.0f32, 1.0, 0.0, 1.0], (1, 1, 2, 2), &Device::Cpu).unwrap();
        let y = max_pool2d(x.as_tensor(), 2).unwrap();
        let g = y.sum_all().unwrap().backward().unwrap();
        assert_eq!(read(g.get(&x).unwrap()), vec![1.0, 0.0, 0.0, 0.0]);
    }
}
