//! Slices and matrix products for the hand-written kernels (conv.rs, gru.rs): the `gemm`
//! crate candle's own matmul uses, called on one thread, since the kernels split their batch
//! over cores themselves (threads.rs).

use candle_core::{CpuStorage, Layout};

/// The f32 values of a contiguous CPU tensor, or an error naming `what` (e.g. "conv: the input").
pub(crate) fn contiguous_f32<'a>(
    storage: &'a CpuStorage,
    layout: &Layout,
    what: &str,
) -> candle_core::Result<&'a [f32]> {
    match (storage, layout.contiguous_offsets()) {
        (CpuStorage::F32(v), Some((start, end))) => Ok(&v[start..end]),
        _ => candle_core::bail!("{what} must be contiguous f32"),
    }
}

/// A row-major matrix in a slice, possibly read transposed: element (i, j) at
/// `i * row_stride + j * col_stride`.
#[derive(Clone, Copy)]
pub(crate) struct Matrix<'a> {
    values: &'a [f32],
    row_stride: usize,
    col_stride: usize,
}

impl<'a> Matrix<'a> {
    pub(crate) fn rows(values: &'a [f32], cols: usize) -> Self {
        Self { values, row_stride: cols, col_stride: 1 }
    }

    /// The transpose of a row-major `rows × cols` matrix.
    pub(crate) fn transposed(values: &'a [f32], cols: usize) -> Self {
        Self { values, row_stride: 1, col_stride: cols }
    }

    fn fits(&self, rows: usize, cols: usize) -> bool {
        rows == 0
            || cols == 0
            || (rows - 1) * self.row_stride + (cols - 1) * self.col_stride < self.values.len()
    }
}

/// `dst (m × n, row-major) = [dst +] lhs (m × k) · rhs (k × n)` on the calling thread.
pub(crate) fn gemm(
    dst: &mut [f32],
    accumulate: bool,
    lhs: Matrix<'_>,
    rhs: Matrix<'_>,
    (m, k, n): (usize, usize, usize),
) {
    assert!(
        dst.len() >= m * n && lhs.fits(m, k) && rhs.fits(k, n),
        "gemm: a matrix is smaller than its shape"
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            dst[..m * n].fill(0.0);
        }
        return;
    }
    // SAFETY: the assert above keeps every index the shapes and strides reach inside the slices,
    // and `dst` is borrowed mutably, so it overlaps neither operand.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            lhs.values.as_ptr(),
            lhs.col_stride as isize,
            lhs.row_stride as isize,
            rhs.values.as_ptr(),
            rhs.col_stride as isize,
            rhs.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}
