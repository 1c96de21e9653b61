//! Convolutions on the CPU as im2col + gemm, forward and backward.
//!
//! Written by hand because candle 0.11's CPU convolution gradient goes through
//! `conv_transpose2d` and a direct kernel-gradient convolution, scalar dot products that made
//! a small CNN (bench W9) six times slower than PyTorch. Here each image is unrolled into a
//! patch matrix and every product is one gemm call (the `gemm` crate, which candle's own matmul
//! uses); the batch is split over cores when the work pays for it (`threads`). Other devices
//! and dtypes use candle's convolution.
//!
//! A convolution followed by ReLU and a max pool (every CNN block) runs as one op: each image's
//! full-size output stays in its thread's cache, and the backward pass scatters the pooled
//! gradient straight onto it. As three graph nodes, the largest tensor of the network was
//! written, zeroed and added up by candle on the main thread several times per step.

use std::sync::{Arc, Mutex};

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
                    let image = &image[c * plane..(c + 1) * plane];
                    if let Some(tap) = self.same_size_tap(ky, kx) {
                        tap.copy_into(image, row, self.width);
                        continue;
                    }
                    let (inside, x0) = self.inside_x(kx);
                    for oy in 0..self.out_h {
                        let out = &mut row[oy * self.out_w..(oy + 1) * self.out_w];
                        let Some(y) = self.input_y(oy, ky) else {
                            out.fill(0.0);
                            continue;
                        };
                        let line = &image[y * self.width..][..self.width];
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

    /// Tap (ky, kx) of a stride-1 convolution whose output is as large as its input (the usual
    /// "same" padding): its row of the patch matrix is the image plane shifted, so it moves as
    /// one block instead of a short copy per image row.
    fn same_size_tap(&self, ky: usize, kx: usize) -> Option<ShiftedTap> {
        let same =
            self.stride_h == 1 && self.stride_w == 1 && self.out_h == self.height && self.out_w == self.width;
        if !same {
            return None;
        }
        let inside = |k: usize, pad: usize, len: usize| {
            // Output index o reads input o + k − pad.
            let start = pad.saturating_sub(k).min(len);
            let end = (len + pad).saturating_sub(k).min(len).max(start);
            start..end
        };
        let rows = inside(ky, self.pad_h, self.height);
        let cols = inside(kx, self.pad_w, self.width);
        let shift =
            (ky as isize - self.pad_h as isize) * self.width as isize + kx as isize - self.pad_w as isize;
        Some(ShiftedTap { rows, cols, shift })
    }

    /// The adjoint of [`Self::im2col`]: adds every entry of `cols` back onto the input value it
    /// was read from (`cols` is scratch: entries that read padding may be zeroed).
    fn col2im(&self, cols: &mut [f32], image: &mut [f32]) {
        image.fill(0.0);
        let (pixels, plane, s) = (self.pixels(), self.height * self.width, self.stride_w);
        for c in 0..self.channels {
            for ky in 0..self.kernel_h {
                for kx in 0..self.kernel_w {
                    let row = (c * self.kernel_h + ky) * self.kernel_w + kx;
                    let row = &mut cols[row * pixels..(row + 1) * pixels];
                    let image = &mut image[c * plane..(c + 1) * plane];
                    if let Some(tap) = self.same_size_tap(ky, kx) {
                        tap.add_back(row, image, self.width);
                        continue;
                    }
                    let (inside, x0) = self.inside_x(kx);
                    for oy in 0..self.out_h {
                        let Some(y) = self.input_y(oy, ky) else { continue };
                        let line = &mut image[y * self.width..][..self.width];
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

/// One tap of a same-size convolution: output pixel `p` (flat) reads input `p + shift` when its
/// row is in `rows` and its column in `cols`; elsewhere it reads padding.
struct ShiftedTap {
    rows: std::ops::Range<usize>,
    cols: std::ops::Range<usize>,
    shift: isize,
}

impl ShiftedTap {
    /// The part of the plane one block copy covers: the inside rows, less what would fall
    /// off either end of the plane. Columns outside `cols` in it wrap onto a neighbouring row.
    fn block(&self, width: usize, plane: usize) -> std::ops::Range<usize> {
        let (lo, hi) = (self.rows.start * width, self.rows.end * width);
        let start = lo.max((-self.shift).max(0) as usize).min(hi);
        let end = hi.min((plane as isize - self.shift).max(0) as usize).max(start);
        start..end
    }

    /// Every row's columns outside `cols` (they read padding): one strided pass per column,
    /// since a row's few padding values are too short for a fill.
    fn outside_columns(&self, row: &mut [f32], width: usize) {
        let lines = self.rows.len();
        if lines == 0 {
            return;
        }
        for x in (0..self.cols.start).chain(self.cols.end..width) {
            let column = row[self.rows.start * width + x..].iter_mut().step_by(width).take(lines);
            column.for_each(|v| *v = 0.0);
        }
    }

    fn copy_into(&self, image: &[f32], row: &mut [f32], width: usize) {
        let block = self.block(width, image.len());
        row[..block.start].fill(0.0);
        row[block.end..].fill(0.0);
        if !block.is_empty() {
            let from = (block.start as isize + self.shift) as usize;
            row[block.clone()].copy_from_slice(&image[from..from + block.len()]);
        }
        self.outside_columns(row, width);
    }

    fn add_back(&self, row: &mut [f32], image: &mut [f32], width: usize) {
        self.outside_columns(row, width);
        let block = self.block(width, image.len());
        if block.is_empty() {
            return;
        }
        let to = (block.start as isize + self.shift) as usize;
        image[to..to + block.len()].iter_mut().zip(&row[block]).for_each(|(v, g)| *v += g);
    }
}

/// Which input of a pooled window won, or [`NOT_PASSED`] where the ReLU zeroed the window.
type Winner = u8;
const NOT_PASSED: Winner = Winner::MAX;

/// ReLU then a `k × k` max pool (stride `k`, a partial last window dropped) on one image's
/// convolution output, `filters` planes of `conv_h × conv_w`.
#[derive(Clone, Copy, Debug)]
struct ReluMaxPool {
    k: usize,
    conv_h: usize,
    conv_w: usize,
    out_h: usize,
    out_w: usize,
}

impl ReluMaxPool {
    fn new(g: &Geometry, k: usize) -> candle_core::Result<Self> {
        if k == 0 || k * k >= usize::from(NOT_PASSED) || g.out_h < k || g.out_w < k {
            candle_core::bail!("max pool: a {k}×{k} window does not fit {}×{}", g.out_h, g.out_w)
        }
        Ok(Self { k, conv_h: g.out_h, conv_w: g.out_w, out_h: g.out_h / k, out_w: g.out_w / k })
    }

    fn pixels(&self) -> usize {
        self.out_h * self.out_w
    }

    /// Offset of each window position from the window's top-left input.
    fn offsets(&self) -> Vec<usize> {
        (0..self.k * self.k).map(|w| (w / self.k) * self.conv_w + w % self.k).collect()
    }

    /// Pools one image: `out` gets each window's largest value after ReLU, `winners` the
    /// position of its first largest input (as PyTorch picks), or [`NOT_PASSED`].
    fn forward(&self, conv: &[f32], out: &mut [f32], winners: &mut [Winner]) {
        let (k, conv_w, plane, pixels) = (self.k, self.conv_w, self.conv_h * self.conv_w, self.pixels());
        let offsets = self.offsets();
        let planes = conv.chunks_exact(plane).zip(out.chunks_exact_mut(pixels));
        for ((conv, out), winners) in planes.zip(winners.chunks_exact_mut(pixels)) {
            let rows = out.chunks_exact_mut(self.out_w).zip(winners.chunks_exact_mut(self.out_w));
            for (oy, (out, winners)) in rows.enumerate() {
                let top = &conv[oy * k * conv_w..];
                if k == 2 {
                    // Straight-line selects over the row pair: no branch on which input wins.
                    let (upper, lower) = (&top[..2 * self.out_w], &top[conv_w..conv_w + 2 * self.out_w]);
                    let windows = upper.chunks_exact(2).zip(lower.chunks_exact(2));
                    for ((o, winner), (u, l)) in out.iter_mut().zip(winners.iter_mut()).zip(windows) {
                        let larger = |a: f32, b: f32| if a >= b { a } else { b };
                        let best = larger(larger(u[0], u[1]), larger(l[0], l[1]));
                        // The first input equal to the largest, as arithmetic on the matches.
                        let (not0, not1, not2) =
                            (u8::from(u[0] != best), u8::from(u[1] != best), u8::from(l[0] != best));
                        let at = not0 * (1 + not1 * (1 + not2));
                        *o = if best > 0.0 { best } else { 0.0 };
                        *winner = if best > 0.0 { at } else { NOT_PASSED };
                    }
                    continue;
                }
                for (ox, (o, winner)) in out.iter_mut().zip(winners.iter_mut()).enumerate() {
                    let window = &top[ox * k..];
                    let (mut best, mut at) = (window[0], 0);
                    for (w, &offset) in offsets.iter().enumerate().skip(1) {
                        let v = window[offset];
                        // Selects, not branches: which input wins is a coin toss to a predictor.
                        at = if v > best { w } else { at };
                        best = if v > best { v } else { best };
                    }
                    *o = if best > 0.0 { best } else { 0.0 };
                    *winner = if best > 0.0 { at as Winner } else { NOT_PASSED };
                }
            }
        }
    }

    /// The gradient of one image's convolution output from its pooled gradient: each window's
    /// gradient onto its winner, zero elsewhere; `grad_b` gets each plane's sum.
    fn backward(&self, grad: &[f32], winners: &[Winner], conv_grad: &mut [f32], grad_b: &mut [f32]) {
        let (k, conv_w, plane, pixels) = (self.k, self.conv_w, self.conv_h * self.conv_w, self.pixels());
        // The 2 × 2 path writes every input of its windows; a dropped edge or a wider pool
        // leaves others untouched.
        let tiled = k == 2 && self.conv_h == 2 * self.out_h && conv_w == 2 * self.out_w;
        if !tiled {
            conv_grad.fill(0.0);
        }
        let offsets = self.offsets();
        let planes = conv_grad.chunks_exact_mut(plane).zip(grad.chunks_exact(pixels));
        for ((conv_grad, grad), (winners, bias)) in
            planes.zip(winners.chunks_exact(pixels).zip(grad_b.iter_mut()))
        {
            let rows = grad.chunks_exact(self.out_w).zip(winners.chunks_exact(self.out_w));
            for (oy, (grad, winners)) in rows.enumerate() {
                let top = &mut conv_grad[oy * k * conv_w..];
                if tiled {
                    let (upper, lower) = top[..2 * conv_w].split_at_mut(conv_w);
                    let windows = upper.chunks_exact_mut(2).zip(lower.chunks_exact_mut(2));
                    for ((&g, &winner), (u, l)) in grad.iter().zip(winners).zip(windows) {
                        u[0] = if winner == 0 { g } else { 0.0 };
                        u[1] = if winner == 1 { g } else { 0.0 };
                        l[0] = if winner == 2 { g } else { 0.0 };
                        l[1] = if winner == 3 { g } else { 0.0 };
                    }
                    continue;
                }
                for (ox, (&g, &winner)) in grad.iter().zip(winners).enumerate() {
                    if winner != NOT_PASSED {
                        top[ox * k + offsets[usize::from(winner)]] = g;
                    }
                }
            }
            *bias += lane_sum(conv_grad);
        }
    }
}

/// `conv(x, w) + b` for `x (batch, channels, h, w)`, `w (filters, channels, kh, kw)` and a bias
/// of `filters` values; with `pool`, then ReLU and a `k × k` max pool.
struct Conv {
    stride: (usize, usize),
    padding: (usize, usize),
    pool: Option<usize>,
    /// The pool's winners, kept from the forward pass for the backward one.
    winners: Mutex<Option<Arc<Vec<Winner>>>>,
}

impl Conv {
    fn new(stride: (usize, usize), padding: (usize, usize), pool: Option<usize>) -> Self {
        Self { stride, padding, pool, winners: Mutex::new(None) }
    }
}

impl Geometry {
    /// One image's `filters × pixels` output: bias, plus filters · patches.
    fn convolve(&self, image: &[f32], w: &[f32], b: &[f32], cols: &mut [f32], y: &mut [f32]) {
        self.im2col(image, cols);
        let pixels = self.pixels();
        for (row, &bias) in y.chunks_mut(pixels).zip(b) {
            row.fill(bias);
        }
        gemm(
            y,
            true,
            Matrix::rows(w, self.patch()),
            Matrix::rows(cols, pixels),
            (self.filters, self.patch(), pixels),
        );
    }
}

impl CustomOp3 for Conv {
    fn name(&self) -> &'static str {
        if self.pool.is_some() { "im2col-conv-relu-maxpool" } else { "im2col-conv" }
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
        let pool = self.pool.map(|k| ReluMaxPool::new(&g, k)).transpose()?;
        let (conv_len, image) = (g.filters * g.pixels(), g.image());
        let out_len = pool.map_or(conv_len, |p| g.filters * p.pixels());
        let mut out = vec![0.0f32; g.batch * out_len];
        let winners = fill_chunks(&mut out, out_len, g.work(), |samples, out| {
            let mut cols = vec![0.0f32; g.patch() * g.pixels()];
            let mut conv = vec![0.0f32; if pool.is_some() { conv_len } else { 0 }];
            let first = samples.start;
            let mut winners = vec![0; if pool.is_some() { samples.len() * out_len } else { 0 }];
            for (s, y) in samples.zip(out.chunks_exact_mut(out_len)) {
                let image = &x[s * image..(s + 1) * image];
                match pool {
                    Some(pool) => {
                        g.convolve(image, w, b, &mut cols, &mut conv);
                        let at = (s - first) * out_len;
                        pool.forward(&conv, y, &mut winners[at..at + out_len]);
                    }
                    None => g.convolve(image, w, b, &mut cols, y),
                }
            }
            winners
        });
        let shape = match pool {
            Some(p) => {
                let kept = Arc::new(winners.concat());
                *self.winners.lock().unwrap_or_else(|e| e.into_inner()) = Some(kept);
                Shape::from((g.batch, g.filters, p.out_h, p.out_w))
            }
            None => Shape::from((g.batch, g.filters, g.out_h, g.out_w)),
        };
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
        let pool = match self.pool {
            Some(k) => {
                let winners = self.winners.lock().unwrap_or_else(|e| e.into_inner()).clone();
                let Some(winners) = winners else {
                    candle_core::bail!("conv + max pool: the backward pass came before the forward one")
                };
                Some((k, winners))
            }
            None => None,
        };
        let op = ConvBackward { stride: self.stride, padding: self.padding, input_gradient, pool };
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
/// `input_gradient` is off), filters, bias. With `pool` (its size and the forward pass's
/// winners), `grad` is the pooled output's gradient.
struct ConvBackward {
    stride: (usize, usize),
    padding: (usize, usize),
    input_gradient: bool,
    pool: Option<(usize, Arc<Vec<Winner>>)>,
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
        let (patch, pixels, conv_len) = (g.patch(), g.pixels(), g.filters * g.pixels());
        let pool = match &self.pool {
            Some((k, winners)) => Some((ReluMaxPool::new(&g, *k)?, winners.as_slice())),
            None => None,
        };
        let out_len = pool.map_or(conv_len, |(p, _)| g.filters * p.pixels());
        if grad.len() != g.batch * out_len || pool.is_some_and(|(_, winners)| winners.len() != grad.len()) {
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
            let mut grad_conv = vec![0.0f32; if pool.is_some() { conv_len } else { 0 }];
            let mut grad_w = vec![0.0f32; g.filters * patch];
            let mut grad_b = vec![0.0f32; g.filters];
            for (i, s) in samples.enumerate() {
                let gy = &grad[s * out_len..(s + 1) * out_len];
                let gy = match pool {
                    Some((pool, winners)) => {
                        let winners = &winners[s * out_len..(s + 1) * out_len];
                        pool.backward(gy, winners, &mut grad_conv, &mut grad_b);
                        &grad_conv[..]
                    }
                    None => {
                        for (sum, row) in grad_b.iter_mut().zip(gy.chunks(pixels)) {
                            *sum += lane_sum(row);
                        }
                        gy
                    }
                };
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
                    g.col2im(&mut grad_cols, &mut grad_x[i * g.image()..(i + 1) * g.image()]);
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

/// A sum in eight running lanes, which the compiler vectorizes (one running f32 sum cannot be
/// reordered, so it would add one value per cycle's latency).
fn lane_sum(values: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let chunks = values.chunks_exact(8);
    let rest: f32 = chunks.remainder().iter().sum();
    for chunk in chunks {
        lanes.iter_mut().zip(chunk).for_each(|(l, v)| *l += v);
    }
    lanes.iter().sum::<f32>() + rest
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
        let op = Conv::new((stride, stride), (padding, padding), None);
        x.contiguous()?.apply_op3(&w.contiguous()?, &b.contiguous()?, op)
    } else {
        x.conv2d(w, padding, stride, 1, 1)?.broadcast_add(b)
    }
}

/// [`conv2d`], then ReLU and a `k × k` max pool (stride `k`, a partial last window dropped):
/// one op on the CPU.
pub(crate) fn conv2d_relu_max_pool(
    x: &Tensor,
    w: &Tensor,
    b: &Tensor,
    (stride, padding): (usize, usize),
    k: usize,
) -> candle_core::Result<Tensor> {
    if fused_suits(x, w, b) {
        let op = Conv::new((stride, stride), (padding, padding), Some(k));
        x.contiguous()?.apply_op3(&w.contiguous()?, &b.contiguous()?, op)
    } else {
        super::pool::max_pool2d(&conv2d(x, w, b, stride, padding)?, k)?.relu()
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
    let (batch, channels, steps) = x.dims3()?;
    let (filters, _, kernel) = w.dims3()?;
    let x = x.contiguous()?.reshape((batch, channels, 1, steps))?;
    let w = w.contiguous()?.reshape((filters, channels, 1, kernel))?;
    let y = if fused_suits(&x, &w, b) {
        let op = Conv::new((1, stride), (0, padding), None);
        x.apply_op3(&w, &b.contiguous()?.flatten_all()?, op)?
    } else {
        // candle's own conv1d gets the filters' gradient wrong (see the tests), its conv2d does
        // not: other devices and dtypes take the one-row image too, with a 1 × k filter.
        let y = x.pad_with_zeros(3, padding, padding)?.conv2d(&w, 0, stride, 1, 1)?;
        y.broadcast_add(&b.flatten_all()?.reshape((1, (), 1, 1))?)?
    };
    y.squeeze(2)
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

    /// An input batch, `filters` square filters and their biases, with distinct values.
    fn conv_variables(
        (batch, channels, size): (usize, usize, usize),
        (filters, kernel): (usize, usize),
    ) -> (Var, Var, Var) {
        let dev = Device::Cpu;
        let x_shape = (batch, channels, size, size);
        let x = Var::from_vec(values(batch * channels * size * size, 0.3), x_shape, &dev).unwrap();
        let w_shape = (filters, channels, kernel, kernel);
        let w = Var::from_vec(values(filters * channels * kernel * kernel, 1.7), w_shape, &dev).unwrap();
        let b = Var::from_vec(values(filters, 2.9), (1, filters, 1, 1), &dev).unwrap();
        (x, w, b)
    }

    /// candle's own convolution plus bias, the reference for ours.
    fn candle_conv2d(x: &Var, w: &Var, b: &Var, stride: usize, padding: usize) -> Tensor {
        let y = x.as_tensor().conv2d(w.as_tensor(), padding, stride, 1, 1).unwrap();
        y.broadcast_add(b.as_tensor()).unwrap()
    }

    /// The gradients of `ours` and `reference` agree for each variable, under a loss weighing
    /// every output differently (so each gradient entry is distinct).
    fn same_gradients(ours: &Tensor, reference: &Tensor, [x, w, b]: [&Var; 3]) {
        let weights = Tensor::from_vec(values(ours.elem_count(), 5.1), ours.shape(), ours.device()).unwrap();
        let g1 = (ours * &weights).unwrap().sum_all().unwrap().backward().unwrap();
        let g2 = (reference * &weights).unwrap().sum_all().unwrap().backward().unwrap();
        for (var, what) in [(x, "input gradient"), (w, "filter gradient"), (b, "bias gradient")] {
            close(&read(g1.get(var).unwrap()), &read(g2.get(var).unwrap()), 1e-4, what);
        }
    }

    /// Outputs and all three gradients against candle's own convolution, for strides, paddings
    /// and a batch big enough to be split over threads.
    #[test]
    fn im2col_conv2d_matches_candles_convolution_and_its_gradients() {
        for (batch, channels, size, filters, kernel, stride, padding) in [
            (3, 2, 7, 4, 3, 1, 1),
            (2, 3, 8, 5, 3, 2, 0),
            (2, 1, 6, 3, 2, 2, 1),
            (2, 2, 6, 3, 5, 1, 2),
            (1, 2, 3, 2, 5, 1, 2),
            (64, 3, 12, 8, 3, 1, 1),
        ] {
            let (x, w, b) = conv_variables((batch, channels, size), (filters, kernel));
            let ours = conv2d(x.as_tensor(), w.as_tensor(), b.as_tensor(), stride, padding).unwrap();
            let reference = candle_conv2d(&x, &w, &b, stride, padding);
            assert_eq!(ours.dims(), reference.dims());
            close(&read(&ours), &read(&reference), 1e-5, "output");
            same_gradients(&ours, &reference, [&x, &w, &b]);
        }
    }

    /// The fused block against candle's convolution, ReLU and reshape + max pooling, values and
    /// all three gradients: 2 × 2 and 3 × 3 pools, partial windows dropped, windows that ReLU
    /// zeroes, and a batch big enough to be split over threads.
    #[test]
    fn conv_relu_max_pool_matches_the_three_ops_and_their_gradients() {
        for (batch, channels, size, filters, stride, padding, k) in
            [(3, 2, 7, 4, 1, 1, 2), (2, 3, 9, 5, 1, 0, 3), (2, 1, 8, 3, 2, 1, 2), (64, 3, 12, 8, 1, 1, 2)]
        {
            let (x, w, b) = conv_variables((batch, channels, size), (filters, 3));
            let ours =
                conv2d_relu_max_pool(x.as_tensor(), w.as_tensor(), b.as_tensor(), (stride, padding), k)
                    .unwrap();
            let conv = candle_conv2d(&x, &w, &b, stride, padding).relu().unwrap();
            let (_, _, h, wd) = conv.dims4().unwrap();
            let (oh, ow) = (h / k, wd / k);
            let reference = conv
                .narrow(2, 0, oh * k)
                .unwrap()
                .narrow(3, 0, ow * k)
                .unwrap()
                .reshape((batch, filters, oh, k, ow, k))
                .unwrap()
                .max(5)
                .unwrap()
                .max(3)
                .unwrap();
            assert_eq!(ours.dims(), reference.dims());
            let zeroed = read(&reference).iter().filter(|v| **v == 0.0).count();
            assert!(zeroed > 0, "some windows should be zeroed by the ReLU");
            close(&read(&ours), &read(&reference), 1e-5, "output");
            same_gradients(&ours, &reference, [&x, &w, &b]);
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

    /// candle's own conv1d with padding 2 plus a `(1, 1, filters)` bias: right values, though
    /// not the right filter gradient.
    fn candle_conv1d(x: &Tensor, w: &Tensor, b: &Tensor, stride: usize) -> Tensor {
        let filters = b.elem_count();
        x.conv1d(w, 2, stride, 1, 1).unwrap().broadcast_add(&b.reshape((1, filters, 1)).unwrap()).unwrap()
    }

    /// Dtypes and devices our kernel does not take (f64 here, as any tensor on a GPU) go
    /// through candle's conv2d on a one-row image: the output is candle's conv1d's, and every
    /// gradient, the filters' included, agrees with finite differences.
    #[test]
    fn conv1d_off_the_f32_kernel_has_the_right_gradients() {
        let dev = Device::Cpu;
        let wide = |v: Vec<f32>| v.into_iter().map(f64::from).collect::<Vec<f64>>();
        let (xs, ws, bs) =
            (wide(values(2 * 3 * 11, 0.4)), wide(values(4 * 3 * 5, 1.1)), wide(values(4, 3.3)));
        let (shape_x, shape_w, shape_b) = ((2, 3, 11), (4, 3, 5), (1, 1, 4));
        for stride in [1, 2] {
            let loss = |xs: &[f64], ws: &[f64], bs: &[f64]| -> f64 {
                let x = Tensor::from_slice(xs, shape_x, &dev).unwrap();
                let w = Tensor::from_slice(ws, shape_w, &dev).unwrap();
                let b = Tensor::from_slice(bs, shape_b, &dev).unwrap();
                conv1d(&x, &w, &b, stride, 2).unwrap().sqr().unwrap().sum_all().unwrap().to_scalar().unwrap()
            };
            let x = Var::from_slice(&xs, shape_x, &dev).unwrap();
            let w = Var::from_slice(&ws, shape_w, &dev).unwrap();
            let b = Var::from_slice(&bs, shape_b, &dev).unwrap();
            let ours = conv1d(x.as_tensor(), w.as_tensor(), b.as_tensor(), stride, 2).unwrap();
            let reference = candle_conv1d(x.as_tensor(), w.as_tensor(), b.as_tensor(), stride);
            let flat = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f64>().unwrap();
            assert_eq!(ours.dims(), reference.dims());
            for (a, r) in flat(&ours).iter().zip(flat(&reference)) {
                assert!((a - r).abs() < 1e-9, "output {a} vs {r}");
            }
            let grads = ours.sqr().unwrap().sum_all().unwrap().backward().unwrap();
            let h = 1e-4;
            for (which, var) in [&x, &w, &b].into_iter().enumerate() {
                for (i, a) in flat(grads.get(var).unwrap()).iter().enumerate() {
                    let mut args = [xs.clone(), ws.clone(), bs.clone()];
                    args[which][i] += h;
                    let up = loss(&args[0], &args[1], &args[2]);
                    args[which][i] -= 2.0 * h;
                    let down = loss(&args[0], &args[1], &args[2]);
                    let n = (up - down) / (2.0 * h);
                    assert!(
                        (a - n).abs() < 1e-6 * n.abs().max(1.0),
                        "stride {stride}, argument {which}[{i}]: {a} vs {n}"
                    );
                }
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
            let reference = candle_conv1d(x.as_tensor(), w.as_tensor(), b.as_tensor(), stride);
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
