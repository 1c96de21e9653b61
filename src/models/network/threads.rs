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

/// Most parts one call is split into. The split depends on the call's size alone, never on
/// the cores, so partial sums add up in the same order everywhere: a seed gives the same
/// numbers on one core or sixteen. The parts then share out over the cores there are.
const MAX_PARTS: usize = 8;

/// The ranges `0..items` is split into for `work` multiply-adds: one per million, at most
/// [`MAX_PARTS`], none empty.
fn parts(items: usize, work: usize) -> Vec<Range<usize>> {
    let count = (work / PARALLEL_WORK).clamp(1, MAX_PARTS).min(items.max(1));
    let per = items.div_ceil(count).max(1);
    (0..count).map(|t| (t * per).min(items)..((t + 1) * per).min(items)).filter(|r| !r.is_empty()).collect()
}

/// Runs `f` on each part of `0..items` (see [`parts`]), on the kernel pool when there is more
/// than one; the results come back in order.
pub(crate) fn map_chunks<T: Send>(items: usize, work: usize, f: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    let ranges = parts(items, work);
    #[cfg(not(target_arch = "wasm32"))]
    if ranges.len() > 1
        && let Some(pool) = pool()
    {
        use rayon::prelude::*;
        return pool.install(|| ranges.into_par_iter().map(&f).collect());
    }
    if ranges.is_empty() {
        return vec![f(0..0)];
    }
    ranges.into_iter().map(f).collect()
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
    let ranges = parts(items, work);
    if ranges.is_empty() {
        return vec![f(0..0, out)];
    }
    let mut pieces = Vec::with_capacity(ranges.len());
    let mut rest = out;
    for range in ranges {
        let (piece, tail) = rest.split_at_mut(range.len() * per_item);
        pieces.push((range, piece));
        rest = tail;
    }
    #[cfg(not(target_arch = "wasm32"))]
    if pieces.len() > 1
        && let Some(pool) = pool()
    {
        use rayon::prelude::*;
        return pool.install(|| pieces.into_par_iter().map(|(range, piece)| f(range, piece)).collect());
    }
    pieces.into_iter().map(|(range, piece)| f(range, piece)).collect()
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
        // The split follows the work alone: at most MAX_PARTS parts, whatever the cores.
        assert_eq!(map_chunks(64, 100 * PARALLEL_WORK, |r| r.len()), vec![8; MAX_PARTS]);
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
