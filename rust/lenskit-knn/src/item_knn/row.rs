//! The training kernel: one row of the item-item similarity matrix, from
//! the centred item vectors, into a buffer of consecutive rows.

use crate::alloc;
use crate::error::{KernelError, Result};
use crate::select::{insert_bounded, precedes, sort_truncate};

/// Up to this `save_nbrs`, rows are truncated by keeping a sorted list of
/// the best entries while the row is scanned, rather than by selecting
/// among all of them afterwards.
const SHORT_LIMIT: usize = 64;

/// A running dot product of two item vectors.
pub(super) trait Dot: Copy + Default + PartialEq + Send {
    /// Add the product `a * x`.
    fn add(&mut self, a: f64, x: f64);
    /// The sum so far.
    fn value(self) -> f64;
}

/// Explicit feedback: centred ratings.
impl Dot for f64 {
    #[inline(always)]
    fn add(&mut self, a: f64, x: f64) {
        *self += a * x;
    }
    #[inline(always)]
    fn value(self) -> f64 {
        self
    }
}

/// Implicit feedback: every product is 1, so the dot product is a count,
/// held in half the memory of an `f64` (the accumulator row then stays in
/// a core's L1 cache for up to about 16,000 items), with the same value.
impl Dot for u32 {
    #[inline(always)]
    fn add(&mut self, _: f64, _: f64) {
        *self += 1;
    }
    #[inline(always)]
    fn value(self) -> f64 {
        f64::from(self)
    }
}

/// Per-worker scratch: one dense accumulator row, a bitmap of the columns
/// it touched, and room to truncate a row to its most similar entries.
pub(super) struct RowScratch<D> {
    acc: Vec<D>,
    /// Bit `j % 64` of word `j / 64` is set when column `j` was touched.
    /// Walking the set bits visits the touched columns in index order for
    /// the cost of one word per 64 columns, where a scan of the whole row
    /// would cost one (often mispredicted) test per column.
    touched: Vec<u64>,
    entries: Vec<(f64, i32)>,
    /// A row's touched columns and their similarities, before the filter.
    cols: Vec<i32>,
    sims: Vec<f64>,
}

impl<D: Dot> RowScratch<D> {
    /// Scratch for rows of `n_items` columns.
    pub(super) fn new(n_items: usize) -> Self {
        RowScratch {
            // a power of two, so that the kernel's indexing needs no bounds
            // check (see `accumulate_row`)
            acc: vec![D::default(); n_items.next_power_of_two().max(64)],
            touched: vec![0; n_items.next_power_of_two().max(64) / 64],
            entries: Vec::new(),
            cols: vec![0; n_items],
            sims: vec![0.0; n_items],
        }
    }
}

/// Consecutive rows of the similarity matrix, laid end to end.
#[derive(Debug, Default)]
pub(super) struct RowChunk {
    /// Entries in each row.
    pub(super) lens: Vec<u32>,
    pub(super) indices: Vec<i32>,
    pub(super) values: Vec<f64>,
    /// Whether `save_nbrs` cut any of the rows.
    pub(super) cut: bool,
    /// Why the rows stopped short, if they did.
    pub(super) failed: Option<KernelError>,
}

impl RowChunk {
    /// Empty the chunk, keeping its memory.
    pub(super) fn clear(&mut self) {
        self.lens.clear();
        self.indices.clear();
        self.values.clear();
        self.cut = false;
        self.failed = None;
    }
}

/// What the rows of a block are held in before they join the matrix.
const ROWS_MEMORY: &str = "a block of similarity rows";

/// The centred item vectors in both layouts the row kernel walks.
pub(super) struct Vectors<'a> {
    pub(super) n_items: usize,
    /// CSC: users of each item and the item's centred values.
    pub(super) item_indptr: Vec<i64>,
    pub(super) item_users: Vec<i32>,
    /// Where each CSC entry sits in the CSR arrays: the items a user rated
    /// after item `i` start just past it.
    pub(super) item_source: Vec<usize>,
    pub(super) item_c: Vec<f64>,
    /// CSR: items of each user and the same centred values.
    pub(super) user_indptr: &'a [i64],
    pub(super) user_items: &'a [i32],
    pub(super) user_c: Vec<f64>,
    pub(super) item_norms: Vec<f64>,
}

/// Which columns of a row the kernel computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Columns {
    /// Every item: the whole row, as truncation needs.
    All,
    /// Only the items after the row's own (`j > i`): the upper triangle,
    /// half the work, mirrored into the rest afterwards.
    Above,
}

/// Append row `i` to `out`: the similarities of item `i` to every other
/// item (or every later one) above `min_sim`, in index order; at most
/// `limit` of them (the most similar, ties to the lower index).
pub(super) fn similarity_row<D: Dot>(
    v: &Vectors<'_>,
    i: usize,
    columns: Columns,
    min_sim: f64,
    limit: usize,
    scratch: &mut RowScratch<D>,
    out: &mut RowChunk,
) -> Result<()> {
    let row_start = out.indices.len();
    let norm_i = v.item_norms[i];
    // a short limit keeps a sorted list of the best entries so far, which
    // turns most entries away with one comparison
    let short = limit <= SHORT_LIMIT;
    if short {
        scratch.entries.clear();
        scratch.entries.resize(limit, (0.0, 0));
    }
    let mut found = 0;
    let mut kept = 0;
    if norm_i != 0.0 {
        accumulate_row(v, i, columns, scratch);
        let RowScratch {
            acc,
            touched,
            entries,
            cols,
            sims,
        } = scratch;
        // an item is not its own neighbour
        touched[i / 64] &= !(1u64 << (i % 64));
        acc[i] = D::default();
        let sim = |j: usize, acc: &mut [D]| {
            let dot = std::mem::take(&mut acc[j]).value();
            let norm_j = v.item_norms[j];
            // an all-zero item vector is nobody's neighbour: NaN fails the
            // comparison with min_sim
            if norm_j == 0.0 {
                f64::NAN
            } else {
                dot / (norm_i * norm_j)
            }
        };
        if short {
            let mut sink = BestSoFar {
                best: entries.as_mut_slice(),
                kept: 0,
                found: 0,
            };
            for_each_touched(&mut touched[..v.n_items.div_ceil(64)], |j| {
                let s = sim(j, acc);
                if s > min_sim {
                    sink.offer(s, j as i32);
                }
            });
            (found, kept) = (sink.found, sink.kept);
        } else {
            // two passes, so that neither waits on a comparison: the
            // divisions run back to back, then the filter writes every
            // entry and advances only past the kept ones (in the scratch,
            // which is in cache, before the kept ones join the output)
            let mut n = 0;
            for_each_touched(&mut touched[..v.n_items.div_ceil(64)], |j| {
                cols[n] = j as i32;
                sims[n] = sim(j, acc);
                n += 1;
            });
            for p in 0..n {
                let (j, s) = (cols[p], sims[p]);
                cols[found] = j;
                sims[found] = s;
                found += usize::from(s > min_sim);
            }
            alloc::grow(&mut out.indices, found, ROWS_MEMORY)?;
            alloc::grow(&mut out.values, found, ROWS_MEMORY)?;
            out.indices.extend_from_slice(&cols[..found]);
            out.values.extend_from_slice(&sims[..found]);
        }
    }
    let entries = &mut scratch.entries;
    if short {
        entries.truncate(kept);
    } else if found > limit {
        entries.clear();
        entries.extend(
            out.values[row_start..]
                .iter()
                .zip(&out.indices[row_start..])
                .map(|(&s, &j)| (s, j)),
        );
        sort_truncate(entries, limit);
        out.indices.truncate(row_start);
        out.values.truncate(row_start);
    }
    if short || found > limit {
        entries.sort_unstable_by_key(|&(_, j)| j);
        alloc::grow(&mut out.indices, entries.len(), ROWS_MEMORY)?;
        alloc::grow(&mut out.values, entries.len(), ROWS_MEMORY)?;
        out.indices.extend(entries.iter().map(|&(_, j)| j));
        out.values.extend(entries.iter().map(|&(s, _)| s));
        out.cut |= found > limit;
    }
    out.lens.push((out.indices.len() - row_start) as u32);
    Ok(())
}

/// With a short limit: a sorted list of the best entries found so far.
struct BestSoFar<'a> {
    best: &'a mut [(f64, i32)],
    kept: usize,
    found: usize,
}

impl BestSoFar<'_> {
    #[inline(always)]
    fn offer(&mut self, s: f64, j: i32) {
        self.found += 1;
        // most entries miss a full list; say so without a call
        let full = self.kept == self.best.len();
        if !full || precedes(&(s, j), &self.best[self.best.len() - 1]) {
            insert_bounded(self.best, &mut self.kept, (s, j));
        }
    }
}

/// Call `f` on every column marked in `touched`, in index order, clearing
/// the marks.
#[inline(always)]
fn for_each_touched(touched: &mut [u64], mut f: impl FnMut(usize)) {
    for (w, word) in touched.iter_mut().enumerate() {
        let mut bits = std::mem::take(word);
        while bits != 0 {
            f(w * 64 + bits.trailing_zeros() as usize);
            bits &= bits - 1;
        }
    }
}

/// Sum `c_ui * c_uj` over the users `u` of item `i` into `scratch.acc[j]`,
/// users in increasing order, and mark the columns touched; with
/// [`Columns::Above`], only for the items `j > i`, which each user's sorted
/// list holds after `i`.
///
/// A sparse row marks each column as it adds to it. A dense row (work of at
/// least a quarter of the row) only adds, then finds its nonzero columns in
/// one branch-free pass over the row: marking as it goes would chain every
/// product of a user's (sorted, so often neighbouring) items through one
/// bitmap word in memory. Both mark the same columns, except for a sum that
/// is exactly zero, which no similarity threshold (at least 0) keeps.
fn accumulate_row<D: Dot>(
    v: &Vectors<'_>,
    i: usize,
    columns: Columns,
    scratch: &mut RowScratch<D>,
) {
    let cols = v.item_indptr[i] as usize..v.item_indptr[i + 1] as usize;
    // the stretch of the user's items (CSR positions) that row `i` reads,
    // given the CSC entry `p` of `i` and the user `u`
    let items_of = |p: usize, u: usize| {
        let end = v.user_indptr[u + 1] as usize;
        match columns {
            Columns::All => v.user_indptr[u] as usize..end,
            Columns::Above => v.item_source[p] + 1..end,
        }
    };
    let first_col = match columns {
        Columns::All => 0,
        Columns::Above => i + 1,
    };
    let work: usize = cols
        .clone()
        .map(|p| items_of(p, v.item_users[p] as usize).len())
        .sum();
    let mark = work < (v.n_items - first_col) / 4;
    let RowScratch { acc, touched, .. } = scratch;
    // every item index is below the (power of two) length, so masking it
    // changes nothing but proves it in range, which takes the bounds checks
    // out of the loop below
    let slots = acc.len() - 1;
    let words = touched.len() - 1;
    for p in cols {
        let a = v.item_c[p];
        let u = v.item_users[p] as usize;
        let r = items_of(p, u);
        if mark {
            let items = v.user_items[r.clone()].iter().zip(&v.user_c[r]);
            for (&j, &x) in items {
                let j = j as usize;
                acc[j & slots].add(a, x);
                touched[(j / 64) & words] |= 1u64 << (j % 64);
            }
        } else {
            // four at a time: the loop's own bookkeeping is then a small
            // share of the work
            let (js, xs) = (&v.user_items[r.clone()], &v.user_c[r]);
            let (mut j4, mut x4) = (js.chunks_exact(4), xs.chunks_exact(4));
            for (js, xs) in (&mut j4).zip(&mut x4) {
                for q in 0..4 {
                    acc[js[q] as usize & slots].add(a, xs[q]);
                }
            }
            for (&j, &x) in j4.remainder().iter().zip(x4.remainder()) {
                acc[j as usize & slots].add(a, x);
            }
        }
    }
    if !mark {
        // the words before the first column's were cleared by the last row
        let w0 = first_col / 64;
        let row = &acc[w0 * 64..v.n_items.div_ceil(64) * 64];
        for (word, slots) in touched[w0..].iter_mut().zip(row.chunks_exact(64)) {
            *word = nonzero_mask(slots.try_into().expect("64 slots"));
        }
    }
}

/// Bit `k` set where `slots[k]` is not zero: eight bytes of flags at a
/// time, which compiles to vector compares rather than a shift per slot.
#[inline(always)]
fn nonzero_mask<D: Dot>(slots: &[D; 64]) -> u64 {
    let mut flags = [0u8; 64];
    for (flag, &x) in flags.iter_mut().zip(slots) {
        *flag = u8::from(x != D::default());
    }
    flags
        .chunks_exact(8)
        .enumerate()
        .fold(0u64, |mask, (g, bytes)| {
            let bytes = u64::from_le_bytes(bytes.try_into().expect("8 flags"));
            // one bit per byte: byte b's low bit moves to bit b
            let packed = bytes.wrapping_mul(0x0102_0408_1020_4080) >> 56;
            mask | (packed << (8 * g))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonzero_mask_sets_the_bit_of_every_nonzero_slot() {
        let mut state = 7u64;
        for _ in 0..200 {
            let mut slots = [0.0f64; 64];
            let mut counts = [0u32; 64];
            let mut expect = 0u64;
            for k in 0..64 {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                if state >> 62 == 0 {
                    slots[k] = (state >> 40) as f64 - 1000.0;
                    counts[k] = 1 + (state >> 50) as u32;
                    expect |= u64::from(slots[k] != 0.0) << k;
                }
            }
            assert_eq!(nonzero_mask(&slots), expect);
            let expect_counts = (0..64).fold(0u64, |m, k| m | (u64::from(counts[k] != 0) << k));
            assert_eq!(nonzero_mask(&counts), expect_counts);
        }
    }
}
