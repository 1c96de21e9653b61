//! Convolutions on the CPU as im2col + gemm, forward and backward.
//!
//! Written by hand because candle 0.11's CPU convolution gradient goes through
//! `conv_transpose2d` and a direct kernel-gradient convolution, scalar dot products that made
//! a small CNN (bench W9) six times slower than PyTorch. Here each image is unrolled into a
//! patch matrix and every product is one gemm call (the `gemm` crate, which candle's own matmul
//! uses); the batch is split over cores when the work pays for it (`threads`). Other devices
//! and dtypes use candle's convolution.

use candle_core::{CpuStorage, CustomOp3, DType, Layout, Shape, Tensor};

use super::matmul::{Matrix, contiguous_f32, gemm};
use super::threads::{fill_chunks, map_chunks};

/// Where a filter reads: sizes of the input, the filters and the output of one convolution.
#[derive(Clone, Copy, Debug)]
struct Geometry {
    batch: usize,
    channels: usize,
    height: usize,
    width: usize,
    filters: usize,
    kernel_h: usize,
    kernel_w: usize,
    stride_h: usize,
    stride_w: usize,
    pad_h: usize,
    pad_w: usize,
    out_h: usize,
    out_w: usize,
}

impl Geometry {
    fn new(
        input: &Layout,
        kernel: &Layout,
        stride: (usize, usize),
        pad: (usize, usize),
    ) -> candle_core::Result<Self> {
        let (batch, channels, height, width) = input.shape().dims4()?;
        let (filters, kernel_channels, kernel_h, kernel_w) = kernel.shape().dims4()?;
        if kernel_channels != channels {
            candle_core::bail!("conv: {channels} input channels but filters for {kernel_channels}")
        }
        let (stride_h, stride_w) = (stride.0.max(1), stride.1.max(1));
        let span_h = height + 2 * pad.0;
        let span_w = width + 2 * pad.1;
        if span_h < kernel_h || span_w < kernel_w {
            candle_core::bail!("conv: a {kernel_h}×{kernel_w} filter does not fit a {height}×{width} input")
        }
        Ok(Self {
            batch,
            channels,
            height,
            width,
            filters,
            kernel_h,
            kernel_w,
            stride_h,
            stride_w,
            pad_h: pad.0,
            pad_w: pad.1,
            out_h: (span_h - kernel_h) / stride_h + 1,
            out_w: (span_w - kernel_w) / stride_w + 1,
        })
    }

    /// Values one filter reads (a row of the patch matrix's transpose).
    fn patch(&self) -> usize {
        self.channels * self.kernel_h * self.kernel_w
    }

    fn pixels(&self) -> usize {
        self.out_h * self.out_w
    }

    fn image(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// Multiply-adds of one pass over the batch.
    fn work(&self) -> usize {
        self.batch * self.filters * self.patch() * self.pixels()
    }

    /// The output columns whose tap `kx` lands inside the image, and the input column the
    /// first of them reads: everything outside reads padding.
    fn inside_x(&self, kx: usize) -> (std::ops::Range<usize>, usize) {
        let s = self.stride_w;
        let first = self.pad_w.saturating_sub(kx).div_ceil(s);
        // ox·s + kx − pad < width  ⇔  ox·s < width + pad − kx
        let end = (self.width + self.pad_w).saturating_sub(kx).div_ceil(s).min(self.out_w);
        if first >= end {
            // The tap never lands inside (a padding wider than the image): nothing to read.
            return (0..0, 0);
        }
        (first..end, first * s + kx - self.pad_w)
    }

    fn input_y(&self, oy: usize, ky: usize) -> Option<usize> {
        (oy * self.stride_h + ky).checked_sub(self.pad_h).filter(|&y| y < self.height)
    }

    /// Unrolls one image into `cols`, a `patch × pixels` matrix: row (c, ky, kx) holds what that
    /// tap sees at every output pixel (zero in the padding).
    fn im2col(&self, image: &[f32], cols: &mut [f32]) {
        let (pixels, plane, s) = (self.pixels(), self.height * self.width, self.stride_w);
        for c in 0..self.channels {
            for ky in 0..self.kernel_h {
                for kx in 0..self.kernel_w {
                    let row = (c * self.kernel_h + ky) * self.kernel_w + kx;
                    let row = &mut cols[row * pixels..(row + 1) * pixels];
                    let (inside, x0) = self.inside_x(kx);
                    for oy in 0..self.out_h {
                        let out = &mut row[oy * self.out_w..(oy + 1) * self.out_w];
                        let Some(y) = self.input_y(oy, ky) else {
                            out.fill(0.0);
                            continue;
                        };
                        let line = &image[c * plane + y * self.width..][..self.width];
                        out[..inside.start].fill(0.0);
                        out[inside.end..].fill(0.0);
                        let out = &mut out[inside.clone()];
                        if s == 1 {
                            out.copy_from_slice(&line[x0..x0 + out.len()]);
                        } else {
                            out.iter_mut().zip(line[x0..].iter().step_by(s)).for_each(|(o, v)| *o = *v);
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of [`Self::im2col`]: adds every entry of `cols` back onto the input value it
    /// was read from.
    fn col2im(&self, cols: &[f32], image: &mut [f32]) {
        image.fill(0.0);
        let (pixels, plane, s) = (self.pixels(), self.height * self.width, self.stride_w);
        for c in 0..self.channels {
            for ky in 0..self.kernel_h {
                for kx in 0..self.kernel_w {
                    let row = (c * self.kernel_h + ky) * self.kernel_w + kx;
                    let row = &cols[row * pixels..(row + 1) * pixels];
                    let (inside, x0) = self.inside_x(kx);
                    for oy in 0..self.out_h {
                        let Some(y) = self.input_y(oy, ky) else { continue };
                        let line = &mut image[c * plane + y * self.width..][..self.width];
                        let from = &row[oy * self.out_w..(oy + 1) * self.out_w][inside.clone()];
                        if s == 1 {
                            line[x0..x0 + from.len()].iter_mut().zip(from).for_each(|(v, g)| *v += g);
                        } else {
                            line[x0..].iter_mut().step_by(s).zip(from).for_each(|(v, g)| *v += g);
                        }
                    }
                }
            }
        }
    }
}

/// `conv(x, w) + b` for `x (batch, channels, h, w)`, `w (filters, channels, kh, kw)` and a bias
/// of `filters` values.
struct Conv {
    stride: (usize, usize),
    padding: (usize, usize),
}

impl CustomOp3 for Conv {
    fn name(&self) -> &'static str {
        "im2col-conv"
    }

    fn cpu_fwd(
        &self,
        x: &CpuStorage,
        x_layout: &Layout,
        w: &CpuStorage,
        w_layout: &Layout,
        b: &CpuStorage,
        b_layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let g = Geometry::new(x_layout, w_layout, self.stride, self.padding)?;
        let (x, w, b) = (
            contiguous_f32(x, x_layout, "conv: the input")?,
            contiguous_f32(w, w_layout, "conv: the filters")?,
            contiguous_f32(b, b_layout, "conv: the bias")?,
        );
        if b.len() != g.filters {
            candle_core::bail!("conv: {} filters but {} biases", g.filters, b.len())
        }
        let (patch, pixels, out_len) = (g.patch(), g.pixels(), g.filters * g.pixels());
        let mut out = vec![0.0f32; g.batch * out_len];
        fill_chunks(&mut out, out_len, g.work(), |samples, out| {
            let mut cols = vec![0.0f32; patch * pixels];
            for (s, y) in samples.zip(out.chunks_exact_mut(out_len)) {
                g.im2col(&x[s * g.image()..(s + 1) * g.image()], &mut cols);
                for (row, &bias) in y.chunks_mut(pixels).zip(b) {
                    row.fill(bias);
                }
                gemm(
                    y,
                    true,
                    Matrix::rows(w, patch),
                    Matrix::rows(&cols, pixels),
                    (g.filters, patch, pixels),
                );
            }
        });
        let shape = Shape::from((g.batch, g.filters, g.out_h, g.out_w));
        Ok((CpuStorage::F32(out), shape))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let grad = grad.contiguous()?;
        // The first layer's input is data: its gradient would be thrown away.
        let input_gradient = x.track_op();
        let op = ConvBackward { stride: self.stride, padding: self.padding, input_gradient };
        let all = x.apply_op3_no_bwd(w, &grad, &op)?;
        let nx = if input_gradient { x.elem_count() } else { 0 };
        let nw = w.elem_count();
        let gx = if input_gradient { Some(all.narrow(0, 0, nx)?.reshape(x.shape())?) } else { None };
        let gw = all.narrow(0, nx, nw)?.reshape(w.shape())?;
        let gb = all.narrow(0, nx + nw, b.elem_count())?.reshape(b.shape())?;
        Ok((gx, Some(gw), Some(gb)))
    }
}

/// The gradients of [`Conv`] in one pass over the batch, laid end to end: input (unless
/// `input_gradient` is off), filters, bias.
struct ConvBackward {
    stride: (usize, usize),
    padding: (usize, usize),
    input_gradient: bool,
}

impl CustomOp3 for ConvBackward {
    fn name(&self) -> &'static str {
        "im2col-conv-backward"
    }

    fn cpu_fwd(
        &self,
        x: &CpuStorage,
        x_layout: &Layout,
        w: &CpuStorage,
        w_layout: &Layout,
        grad: &CpuStorage,
        grad_layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let g = Geometry::new(x_layout, w_layout, self.stride, self.padding)?;
        let (x, w, grad) = (
            contiguous_f32(x, x_layout, "conv: the input")?,
            contiguous_f32(w, w_layout, "conv: the filters")?,
            contiguous_f32(grad, grad_layout, "conv: the gradient")?,
        );
        let (patch, pixels, out_len) = (g.patch(), g.pixels(), g.filters * g.pixels());
        if grad.len() != g.batch * out_len {
            candle_core::bail!(
                "conv backward: the gradient has {} values, the output {}",
                grad.len(),
                g.batch * out_len
            )
        }
        // Up to two products per image: filters' gradient and the patch gradient.
        let input_gradient = self.input_gradient;
        let products = if input_gradient { 2 } else { 1 };
        // One chunk of images: its filter and bias gradients, and its input gradient in `grad_x`
        // when asked for.
        let chunk = |samples: std::ops::Range<usize>, mut grad_x: Option<&mut [f32]>| {
            let mut cols = vec![0.0f32; patch * pixels];
            let mut grad_cols = vec![0.0f32; if grad_x.is_some() { patch * pixels } else { 0 }];
            let mut grad_w = vec![0.0f32; g.filters * patch];
            let mut grad_b = vec![0.0f32; g.filters];
            for (i, s) in samples.enumerate() {
                let gy = &grad[s * out_len..(s + 1) * out_len];
                for (sum, row) in grad_b.iter_mut().zip(gy.chunks(pixels)) {
                    *sum += row.iter().sum::<f32>();
                }
                g.im2col(&x[s * g.image()..(s + 1) * g.image()], &mut cols);
                // dW += dY (filters × pixels) · colsᵀ (pixels × patch)
                let shape = (g.filters, pixels, patch);
                gemm(&mut grad_w, true, Matrix::rows(gy, pixels), Matrix::transposed(&cols, pixels), shape);
                if let Some(grad_x) = grad_x.as_deref_mut() {
                    // dcols = Wᵀ (patch × filters) · dY (filters × pixels)
                    let shape = (patch, g.filters, pixels);
                    gemm(
                        &mut grad_cols,
                        false,
                        Matrix::transposed(w, patch),
                        Matrix::rows(gy, pixels),
                        shape,
                    );
                    g.col2im(&grad_cols, &mut grad_x[i * g.image()..(i + 1) * g.image()]);
                }
            }
            (grad_w, grad_b)
        };
        let nx = if input_gradient { g.batch * g.image() } else { 0 };
        let mut all = vec![0.0f32; nx + g.filters * (patch + 1)];
        let (grad_x, rest) = all.split_at_mut(nx);
        let parts = if input_gradient {
            fill_chunks(grad_x, g.image(), products * g.work(), |samples, part| chunk(samples, Some(part)))
        } else {
            map_chunks(g.batch, products * g.work(), |samples| chunk(samples, None))
        };
        let (grad_w, grad_b) = rest.split_at_mut(g.filters * patch);
        for (pw, pb) in parts {
            grad_w.iter_mut().zip(&pw).for_each(|(a, b)| *a += b);
            grad_b.iter_mut().zip(&pb).for_each(|(a, b)| *a += b);
        }
        let len = all.len();
        Ok((CpuStorage::F32(all), Shape::from(len)))
    }
}

fn fused_suits(x: &Tensor, w: &Tensor, b: &Tensor) -> bool {
    [x, w, b].iter().all(|t| t.device().is_cpu() && t.dtype() == DType::F32)
}

/// A 2-D convolution plus bias: `x (batch, channels, h, w)`, `w (filters, channels, k, k)`,
/// `b` of `filters` values (any shape that broadcasts over `(batch, filters, h, w)`).
pub(crate) fn conv2d(
    x: &Tensor,
    w: &Tensor,
    b: &Tensor,
    stride: usize,
    padding: usize,
) -> candle_core::Result<Tensor> {
    if fused_suits(x, w, b) {
        let op = Conv { stride: (stride, stride), padding: (padding, padding) };
        x.contiguous()?.apply_op3(&w.contiguous()?, &b.contiguous()?, op)
    } else {
        x.conv2d(w, padding, stride, 1, 1)?.broadcast_add(b)
    }
}

/// A convolution over time plus bias: `x (batch, channels, steps)`, `w (filters, channels, k)`;
/// the CPU path is the 2-D one on a one-row image.
pub(crate) fn conv1d(
    x: &Tensor,
    w: &Tensor,
    b: &Tensor,
    stride: usize,
    padding: usize,
) -> candle_core::Result<Tensor> {
    if fused_suits(x, w, b) {
        let (batch, channels, steps) = x.dims3()?;
        let (filters, _, kernel) = w.dims3()?;
        let op = Conv { stride: (1, stride), padding: (0, padding) };
        let y = x.contiguous()?.reshape((batch, channels, 1, steps))?.apply_op3(
            &w.contiguous()?.reshape((filters, channels, 1, kernel))?,
            &b.contiguous()?.flatten_all()?,
            op,
        )?;
        y.squeeze(2)
    } else {
        x.conv1d(w, padding, stride, 1, 1)?.broadcast_add(&b.flatten_all()?.reshape((1, (), 1))?)
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Var};

    use super::*;

    fn values(n: usize, seed: f32) -> Vec<f32> {
        (0..n).map(|i| ((i as f32 + seed) * 0.731).sin()).collect()
    }

    fn read(t: &Tensor) -> Vec<f32> {
        t.flatten_all().unwrap().to_vec1().unwrap()
    }

    fn close(a: &[f32], b: &[f32], tolerance: f32, what: &str) {
        assert_eq!(a.len(), b.len(), "{what}: lengths");
        for (i, (a, b)) in a.iter().zip(b).enumerate() {
            assert!((a - b).abs() <= tolerance * b.abs().max(1.0), "{what}[{i}]: {a} vs {b}");
        }
    }

    /// Outputs and all three gradients against candle's own convolution, for strides, paddings
    /// and a batch big enough to be split over threads.
    #[test]
    fn im2col_conv2d_matches_candles_convolution_and_its_gradients() {
        let dev = Device::Cpu;
        for (batch, channels, size, filters, kernel, stride, padding) in
            [(3, 2, 7, 4, 3, 1, 1), (2, 3, 8, 5, 3, 2, 0), (2, 1, 6, 3, 2, 2, 1), (64, 3, 12, 8, 3, 1, 1)]
        {
            let x = Var::from_vec(
                values(batch * channels * size * size, 0.3),
                (batch, channels, size, size),
                &dev,
            )
            .unwrap();
            let w = Var::from_vec(
                values(filters * channels * kernel * kernel, 1.7),
                (filters, channels, kernel, kernel),
                &dev,
            )
            .unwrap();
            let b = Var::from_vec(values(filters, 2.9), (1, filters, 1, 1), &dev).unwrap();
            let ours = conv2d(x.as_tensor(), w.as_tensor(), b.as_tensor(), stride, padding).unwrap();
            let reference = x
                .as_tensor()
                .conv2d(w.as_tensor(), padding, stride, 1, 1)
                .unwrap()
                .broadcast_add(b.as_tensor())
                .unwrap();
            assert_eq!(ours.dims(), reference.dims());
            close(&read(&ours), &read(&reference), 1e-5, "output");
            // A loss weighing every output differently, so each gradient entry is distinct.
            let weights = Tensor::from_vec(values(ours.elem_count(), 5.1), ours.shape(), &dev).unwrap();
            let g1 = (ours * &weights).unwrap().sum_all().unwrap().backward().unwrap();
            let g2 = (reference * &weights).unwrap().sum_all().unwrap().backward().unwrap();
            for (var, what) in [(&x, "input gradient"), (&w, "filter gradient"), (&b, "bias gradient")] {
                close(&read(g1.get(var).unwrap()), &read(g2.get(var).unwrap()), 1e-4, what);
            }
        }
    }

    /// Paddings wider than the image and strides past it leave some taps nowhere to read
    /// (found by the fuzz corpus: it panicked on a slice out of range).
    #[test]
    fn taps_that_land_only_in_padding_read_zeros() {
        let dev = Device::Cpu;
        for (size, kernel, stride, padding) in
            [(1, 3, 2, 2), (1, 5, 1, 2), (2, 5, 3, 4), (1, 1, 1, 3), (3, 2, 4, 3)]
        {
            let x = Var::from_vec(values(2 * size * size, 0.7), (1, 2, size, size), &dev).unwrap();
            let w =
                Var::from_vec(values(3 * 2 * kernel * kernel, 1.9), (3, 2, kernel, kernel), &dev).unwrap();
            let b = Var::from_vec(values(3, 0.2), (1, 3, 1, 1), &dev).unwrap();
            let ours = conv2d(x.as_tensor(), w.as_tensor(), b.as_tensor(), stride, padding).unwrap();
            let reference = x
                .as_tensor()
                .conv2d(w.as_tensor(), padding, stride, 1, 1)
                .unwrap()
                .broadcast_add(b.as_tensor())
                .unwrap();
            close(&read(&ours), &read(&reference), 1e-5, "output");
            let g = ours.sqr().unwrap().sum_all().unwrap().backward().unwrap();
            let r = reference.sqr().unwrap().sum_all().unwrap().backward().unwrap();
            close(&read(g.get(&x).unwrap()), &read(r.get(&x).unwrap()), 1e-4, "input gradient");
        }
    }

    /// A first layer's input is data: no gradient is computed for it, and the filters' and
    /// bias's are the same as when the input is a variable.
    #[test]
    fn a_data_input_gets_no_gradient_and_the_others_are_unchanged() {
        let dev = Device::Cpu;
        let xs = values(4 * 2 * 6 * 6, 0.9);
        let w = Var::from_vec(values(3 * 2 * 3 * 3, 1.2), (3, 2, 3, 3), &dev).unwrap();
        let b = Var::from_vec(values(3, 0.5), (1, 3, 1, 1), &dev).unwrap();
        let data = Tensor::from_slice(&xs, (4, 2, 6, 6), &dev).unwrap();
        let var = Var::from_slice(&xs, (4, 2, 6, 6), &dev).unwrap();
        let run = |x: &Tensor| {
            conv2d(x, w.as_tensor(), b.as_tensor(), 1, 1).unwrap().sqr().unwrap().sum_all().unwrap()
        };
        let (g1, g2) = (run(&data).backward().unwrap(), run(var.as_tensor()).backward().unwrap());
        assert!(g1.get(&data).is_none() && g2.get(&var).is_some());
        for v in [&w, &b] {
            assert_eq!(read(g1.get(v).unwrap()), read(g2.get(v).unwrap()));
        }
    }

    /// Each gradient against central finite differences of the loss, in f64 arithmetic on the
    /// f32 kernel (small values, so f32 rounding stays far below the tolerance).
    #[test]
    fn im2col_conv_gradients_match_finite_differences() {
        let dev = Device::Cpu;
        let (shape_x, shape_w) = ((2, 2, 5, 5), (3, 2, 3, 3));
        let xs = values(100, 0.1);
        let ws = values(54, 0.8);
        let bs = vec![0.1f32, -0.2, 0.05];
        let weights = values(2 * 3 * 3 * 3, 4.2);
        let loss = |xs: &[f32], ws: &[f32], bs: &[f32]| -> f64 {
            let x = Tensor::from_slice(xs, shape_x, &dev).unwrap();
            let w = Tensor::from_slice(ws, shape_w, &dev).unwrap();
            let b = Tensor::from_slice(bs, 3, &dev).unwrap().reshape((1, 3, 1, 1)).unwrap();
            let y = read(&conv2d(&x, &w, &b, 2, 1).unwrap());
            y.iter().zip(&weights).map(|(y, k)| f64::from(y * k)).sum()
        };
        let x = Var::from_slice(&xs, shape_x, &dev).unwrap();
        let w = Var::from_slice(&ws, shape_w, &dev).unwrap();
        let b = Var::from_slice(&bs, (1, 3, 1, 1), &dev).unwrap();
        let y = conv2d(x.as_tensor(), w.as_tensor(), b.as_tensor(), 2, 1).unwrap();
        let k = Tensor::from_slice(&weights, y.shape(), &dev).unwrap();
        let grads = (y * k).unwrap().sum_all().unwrap().backward().unwrap();
        let h = 1e-2f32;
        let numeric = |which: usize, i: usize| -> f64 {
            let mut args = [xs.clone(), ws.clone(), bs.clone()];
            args[which][i] += h;
            let up = loss(&args[0], &args[1], &args[2]);
            args[which][i] -= 2.0 * h;
            let down = loss(&args[0], &args[1], &args[2]);
            (up - down) / (2.0 * f64::from(h))
        };
        for (which, var) in [x, w, b].iter().enumerate() {
            let analytic = read(grads.get(var).unwrap());
            for (i, a) in analytic.iter().enumerate() {
                let n = numeric(which, i);
                assert!(
                    (f64::from(*a) - n).abs() < 2e-3 * n.abs().max(1.0),
                    "argument {which}, entry {i}: {a} vs {n}"
                );
            }
        }
    }

    /// Output, input and bias gradients against candle; the filter gradient against finite
    /// differences, because candle 0.11's own conv1d filter gradient is wrong (it disagrees
    /// with both this kernel and the finite differences).
    #[test]
    fn conv1d_through_the_2d_kernel_matches_candle_and_finite_differences() {
        let dev = Device::Cpu;
        let x = Var::from_vec(values(2 * 3 * 11, 0.4), (2, 3, 11), &dev).unwrap();
        let ws = values(4 * 3 * 5, 1.1);
        let w = Var::from_slice(&ws, (4, 3, 5), &dev).unwrap();
        let b = Var::from_vec(values(4, 3.3), (1, 1, 4), &dev).unwrap();
        for stride in [1, 2] {
            let ours = conv1d(x.as_tensor(), w.as_tensor(), b.as_tensor(), stride, 2).unwrap();
            let reference = x
                .as_tensor()
                .conv1d(w.as_tensor(), 2, stride, 1, 1)
                .unwrap()
                .broadcast_add(&b.as_tensor().reshape((1, 4, 1)).unwrap())
                .unwrap();
            close(&read(&ours), &read(&reference), 1e-5, "output");
            let g1 = ours.sqr().unwrap().sum_all().unwrap().backward().unwrap();
            let g2 = reference.sqr().unwrap().sum_all().unwrap().backward().unwrap();
            for (var, what) in [(&x, "input gradient"), (&b, "bias gradient")] {
                close(&read(g1.get(var).unwrap()), &read(g2.get(var).unwrap()), 1e-4, what);
            }
            let loss = |ws: &[f32]| -> f64 {
                let w = Tensor::from_slice(ws, (4, 3, 5), &dev).unwrap();
                let y = conv1d(x.as_tensor(), &w, b.as_tensor(), stride, 2).unwrap();
                read(&y).iter().map(|v| f64::from(v * v)).sum()
            };
            let h = 1e-2f32;
            for (i, a) in read(g1.get(&w).unwrap()).iter().enumerate() {
                let (mut up, mut down) = (ws.clone(), ws.clone());
                up[i] += h;
                down[i] -= h;
                let n = (loss(&up) - loss(&down)) / (2.0 * f64::from(h));
                assert!(
                    (f64::from(*a) - n).abs() < 2e-3 * n.abs().max(1.0),
                    "stride {stride}, filter {i}: {a} vs {n}"
                );
            }
        }
    }
}
