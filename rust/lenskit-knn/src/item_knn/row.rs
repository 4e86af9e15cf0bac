//! The training kernel: one row of the item-item similarity matrix, from
//! the centred item vectors, into a buffer of consecutive rows.

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

/// Per-worker scratch: one dense accumulator row, the columns it touched,
/// and room to truncate a row to its most similar entries.
pub(super) struct RowScratch<D> {
    acc: Vec<D>,
    mark: Vec<u32>,
    touched: Vec<u32>,
    entries: Vec<(f64, i32)>,
}

impl<D: Dot> RowScratch<D> {
    /// Scratch for rows of `n_items` columns.
    pub(super) fn new(n_items: usize) -> Self {
        RowScratch {
            acc: vec![D::default(); n_items],
            mark: vec![0; n_items],
            touched: Vec::new(),
            entries: Vec::new(),
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
}

impl RowChunk {
    /// Empty the chunk, keeping its memory.
    pub(super) fn clear(&mut self) {
        self.lens.clear();
        self.indices.clear();
        self.values.clear();
        self.cut = false;
    }
}

/// The centred item vectors in both layouts the row kernel walks.
pub(super) struct Vectors<'a> {
    pub(super) n_items: usize,
    /// CSC: users of each item and the item's centred values.
    pub(super) item_indptr: Vec<i64>,
    pub(super) item_users: Vec<i32>,
    pub(super) item_c: Vec<f64>,
    /// CSR: items of each user and the same centred values.
    pub(super) user_indptr: &'a [i64],
    pub(super) user_items: &'a [i32],
    pub(super) user_c: Vec<f64>,
    pub(super) item_norms: Vec<f64>,
}

/// Append row `i` to `out`: the similarities of item `i` to every other
/// item above `min_sim`, in index order; at most `limit` of them (the most
/// similar, ties to the lower index).
pub(super) fn similarity_row<D: Dot>(
    v: &Vectors<'_>,
    i: usize,
    min_sim: f64,
    limit: usize,
    scratch: &mut RowScratch<D>,
    out: &mut RowChunk,
) {
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
        let dense = accumulate_row(v, i, scratch);
        let RowScratch {
            acc,
            touched,
            entries,
            ..
        } = scratch;
        let mut sink = RowSink {
            out: &mut *out,
            best: short.then_some(entries.as_mut_slice()),
            kept: 0,
            found: 0,
        };
        let sim = |j: usize, dot: f64| {
            let norm_j = v.item_norms[j];
            if j == i || norm_j == 0.0 {
                return None;
            }
            let s = dot / (norm_i * norm_j);
            (s > min_sim).then_some(s)
        };
        if dense {
            for (j, slot) in acc.iter_mut().enumerate() {
                if *slot != D::default() {
                    if let Some(s) = sim(j, slot.value()) {
                        sink.offer(s, j as i32);
                    }
                    *slot = D::default();
                }
            }
        } else {
            touched.sort_unstable();
            for &j in touched.iter() {
                let j = j as usize;
                if let Some(s) = sim(j, acc[j].value()) {
                    sink.offer(s, j as i32);
                }
                acc[j] = D::default();
            }
        }
        (found, kept) = (sink.found, sink.kept);
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
        out.indices.extend(entries.iter().map(|&(_, j)| j));
        out.values.extend(entries.iter().map(|&(s, _)| s));
        out.cut |= found > limit;
    }
    out.lens.push((out.indices.len() - row_start) as u32);
}

/// Where a row's entries go as they are found: straight into the chunk,
/// or, with a short limit, into a sorted list of the best so far.
struct RowSink<'a> {
    out: &'a mut RowChunk,
    best: Option<&'a mut [(f64, i32)]>,
    kept: usize,
    found: usize,
}

impl RowSink<'_> {
    #[inline(always)]
    fn offer(&mut self, s: f64, j: i32) {
        self.found += 1;
        match &mut self.best {
            Some(best) => {
                // most entries miss a full list; say so without a call
                let full = self.kept == best.len();
                if !full || precedes(&(s, j), &best[best.len() - 1]) {
                    insert_bounded(best, &mut self.kept, (s, j));
                }
            }
            None => {
                self.out.indices.push(j);
                self.out.values.push(s);
            }
        }
    }
}

/// Sum `c_ui * c_uj` over the users `u` of item `i` into `scratch.acc[j]`,
/// users in increasing order. Sparse rows list the columns they touch in
/// `scratch.touched`; dense rows, where a scan of the whole row is cheaper
/// than tracking them (both give the same sums), do not, and return true.
fn accumulate_row<D: Dot>(v: &Vectors<'_>, i: usize, scratch: &mut RowScratch<D>) -> bool {
    let cols = v.item_indptr[i] as usize..v.item_indptr[i + 1] as usize;
    let work: usize = v.item_users[cols.clone()]
        .iter()
        .map(|&u| (v.user_indptr[u as usize + 1] - v.user_indptr[u as usize]) as usize)
        .sum();
    let acc = &mut scratch.acc;
    let touched = &mut scratch.touched;
    touched.clear();
    let dense = work >= v.n_items / 4;
    if dense {
        for p in cols {
            let a = v.item_c[p];
            let u = v.item_users[p] as usize;
            let r = v.user_indptr[u] as usize..v.user_indptr[u + 1] as usize;
            for (&j, &x) in v.user_items[r.clone()].iter().zip(&v.user_c[r]) {
                acc[j as usize].add(a, x);
            }
        }
    } else {
        let stamp = i as u32 + 1;
        let mark = &mut scratch.mark;
        for p in cols {
            let a = v.item_c[p];
            let u = v.item_users[p] as usize;
            let r = v.user_indptr[u] as usize..v.user_indptr[u + 1] as usize;
            for (&j, &x) in v.user_items[r.clone()].iter().zip(&v.user_c[r]) {
                let j = j as usize;
                if mark[j] != stamp {
                    mark[j] = stamp;
                    touched.push(j as u32);
                }
                acc[j].add(a, x);
            }
        }
    }
    dense
}
