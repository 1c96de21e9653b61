//! How many cores a kernel uses, chosen by its work.
//!
//! The binary pins rayon's global pool (and with it candle's matmuls) to one thread: tiny
//! networks train fastest that way. Heavy kernels (the im2col convolutions, the recurrent
//! sequences) split their batch over a pool of their own instead, one thread per core, but
//! only when a call has enough arithmetic to pay for the hand-over.

use std::ops::Range;
use std::sync::OnceLock;

/// Multiply-adds below which one call stays on its caller's thread. A hand-over to the pool
/// costs some microseconds; at about 1 ns per multiply-add on one core, a million of them
/// (a millisecond) is where a second thread starts to pay.
pub(crate) const PARALLEL_WORK: usize = 1_000_000;

/// The cores heavy kernels may use: `LEARNSCOPE_THREADS` when set (1 turns the pool off),
/// else every core the process may run on.
pub(crate) fn kernel_threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| {
        let asked = std::env::var("LEARNSCOPE_THREADS").ok().and_then(|v| v.trim().parse::<usize>().ok());
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        asked.filter(|&n| n > 0).unwrap_or(cores).clamp(1, 64)
    })
}

#[cfg(not(target_arch = "wasm32"))]
fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        let threads = kernel_threads();
        if threads < 2 {
            return None;
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("learnscope-kernel-{i}"))
            .build()
            .ok()
    })
    .as_ref()
}

/// Splits `0..items` into one range per thread the `work` (multiply-adds) pays for and runs `f`
/// on each, in order; the results come back in the same order.
pub(crate) fn map_chunks<T: Send>(items: usize, work: usize, f: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    let threads = (work / PARALLEL_WORK).clamp(1, kernel_threads()).min(items.max(1));
    #[cfg(not(target_arch = "wasm32"))]
    if threads > 1
        && let Some(pool) = pool()
    {
        use rayon::prelude::*;
        let per = items.div_ceil(threads);
        let ranges: Vec<Range<usize>> =
            (0..threads).map(|t| t * per..((t + 1) * per).min(items)).filter(|r| !r.is_empty()).collect();
        return pool.install(|| ranges.into_par_iter().map(&f).collect());
    }
    let _ = threads;
    vec![f(0..items)]
}

/// Like [`map_chunks`], and each range also gets its own part of `out`, `per_item` values per
/// item, to write its results in place (no copying the parts together afterwards).
pub(crate) fn fill_chunks<T: Send>(
    out: &mut [f32],
    per_item: usize,
    work: usize,
    f: impl Fn(Range<usize>, &mut [f32]) -> T + Sync,
) -> Vec<T> {
    let items = if per_item == 0 { 0 } else { out.len() / per_item };
    let threads = (work / PARALLEL_WORK).clamp(1, kernel_threads()).min(items.max(1));
    #[cfg(not(target_arch = "wasm32"))]
    if threads > 1
        && let Some(pool) = pool()
    {
        use rayon::prelude::*;
        let per = items.div_ceil(threads);
        let mut pieces = Vec::with_capacity(threads);
        let mut rest = out;
        for t in 0..threads {
            let range = t * per..((t + 1) * per).min(items);
            if range.is_empty() {
                break;
            }
            let (piece, tail) = rest.split_at_mut(range.len() * per_item);
            pieces.push((range, piece));
            rest = tail;
        }
        return pool.install(|| pieces.into_par_iter().map(|(range, piece)| f(range, piece)).collect());
    }
    let _ = threads;
    vec![f(0..items, out)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_every_item_once_in_order() {
        for (items, work) in [(0, 0), (1, usize::MAX), (7, 10 * PARALLEL_WORK), (64, 2 * PARALLEL_WORK)] {
            let chunks = map_chunks(items, work, |r| r.collect::<Vec<_>>());
            let flat: Vec<usize> = chunks.into_iter().flatten().collect();
            assert_eq!(flat, (0..items).collect::<Vec<_>>());
        }
        // Too little work for a second thread: one chunk.
        assert_eq!(map_chunks(64, PARALLEL_WORK / 2, |r| r.len()), vec![64]);
        // Each range writes its own part of the output.
        let mut out = vec![0.0f32; 7 * 3];
        fill_chunks(&mut out, 3, 10 * PARALLEL_WORK, |range, part| {
            for (item, values) in range.zip(part.chunks_mut(3)) {
                values.fill(item as f32);
            }
        });
        assert_eq!(out, (0..21).map(|i| (i / 3) as f32).collect::<Vec<_>>());
    }
}
