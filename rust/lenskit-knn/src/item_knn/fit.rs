//! Training: the item-item similarity matrix, one row per item, computed in
//! parallel without ever holding a dense item x item matrix.
//!
//! The arithmetic follows Java LensKit's so that similarities round the same
//! way, which decides between neighbours whose similarities are equal in
//! exact arithmetic: item means are the global mean plus the item's mean
//! offset from it; centred vectors are not normalised, but their dot product
//! (summed over users in increasing order) is divided by the product of
//! their norms; similarities are kept in `f64`.

use crate::error::{invalid, Result};
use crate::exec::Exec;
use crate::select::{insert_bounded, precedes, sort_truncate};
use crate::sparse::{transpose_on, CsrMatrix, Ratings, Transposed};
use crate::Feedback;

/// Training parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ItemKnnOptions {
    /// Explicit (mean-centred ratings) or implicit (binary) vectors.
    pub feedback: Feedback,
    /// Only similarities strictly above this (finite, >= 0) are kept.
    pub min_sim: f64,
    /// Keep at most this many neighbours per item (the most similar, ties
    /// to the lower index), or all.
    pub save_nbrs: Option<usize>,
}

/// A trained item-kNN model.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemKnnFitted {
    /// Mean rating of each item (explicit feedback only).
    pub item_means: Option<Vec<f64>>,
    /// Row `i`: the neighbours `j` of item `i` with `sim(i, j)`, in
    /// increasing `j` order (as any CSR matrix).
    pub sims: CsrMatrix<f64>,
    /// The transpose of `sims`, present only when `save_nbrs` truncated some
    /// row; without truncation `sims` is exactly symmetric.
    pub sims_t: Option<CsrMatrix<f64>>,
}

/// Rows per block of training work: the block's rows are held apart
/// before they join the matrix, so this bounds the extra memory.
const BLOCK_ROWS: usize = 2048;

/// Rows per task. Tasks write their rows end to end into buffers of their
/// own, so training allocates a few hundred buffers rather than one per row.
const CHUNK_ROWS: usize = 16;

/// Up to this `save_nbrs`, rows are truncated by keeping a sorted list of
/// the best entries while the row is scanned, rather than by selecting
/// among all of them afterwards.
const SHORT_LIMIT: usize = 64;

/// A running dot product of two item vectors.
trait Dot: Copy + Default + PartialEq + Send {
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
struct RowScratch<D> {
    acc: Vec<D>,
    mark: Vec<u32>,
    touched: Vec<u32>,
    entries: Vec<(f64, i32)>,
}

/// Consecutive rows of the similarity matrix, laid end to end.
#[derive(Debug, Default)]
struct RowChunk {
    /// Entries in each row.
    lens: Vec<u32>,
    indices: Vec<i32>,
    values: Vec<f64>,
    /// Whether `save_nbrs` cut any of the rows.
    cut: bool,
}

impl RowChunk {
    /// Empty the chunk, keeping its memory.
    fn clear(&mut self) {
        self.lens.clear();
        self.indices.clear();
        self.values.clear();
        self.cut = false;
    }
}

/// The centred item vectors in both layouts the row kernel walks.
struct Vectors<'a> {
    n_items: usize,
    /// CSC: users of each item and the item's centred values.
    item_indptr: Vec<i64>,
    item_users: Vec<i32>,
    item_c: Vec<f64>,
    /// CSR: items of each user and the same centred values.
    user_indptr: &'a [i64],
    user_items: &'a [i32],
    user_c: Vec<f64>,
    item_norms: Vec<f64>,
}

/// Entries per task when filling entry-sized arrays in parallel.
const FILL_CHUNK: usize = 1 << 15;

/// Set `out[p] = f(p)` for every position, spread over the workers.
fn fill(out: &mut [f64], exec: &Exec<'_>, f: impl Fn(usize) -> f64 + Sync + Send) {
    let chunks: Vec<(usize, &mut [f64])> = out.chunks_mut(FILL_CHUNK).enumerate().collect();
    exec.for_each(chunks, |(c, chunk)| {
        let first = c * FILL_CHUNK;
        for (p, x) in chunk.iter_mut().enumerate() {
            *x = f(first + p);
        }
    });
}

/// Split `values` into the rows that `indptr` delimits.
fn split_rows<'a>(mut values: &'a mut [f64], indptr: &[i64]) -> Vec<&'a mut [f64]> {
    indptr
        .windows(2)
        .map(|w| {
            let (row, rest) = std::mem::take(&mut values).split_at_mut((w[1] - w[0]) as usize);
            values = rest;
            row
        })
        .collect()
}

/// Centre one item's ratings on its mean, the way Java LensKit computes
/// it (the global mean plus the item's mean offset from it), and give the
/// mean and the centred vector's norm.
fn centre_item(ratings: &mut [f64], global: f64) -> (f64, f64) {
    if ratings.is_empty() {
        return (0.0, 0.0);
    }
    let offset = ratings.iter().fold(0.0, |s, &x| s + (x - global)) / ratings.len() as f64;
    let mean = global + offset;
    for x in ratings.iter_mut() {
        *x -= mean;
    }
    (mean, ratings.iter().fold(0.0, |s, &x| s + x * x).sqrt())
}

/// The centred item vectors: item means (explicit feedback only), the
/// centred values in item-major order (`t`'s) and in user-major order
/// (`ratings`'), and each item's norm.
fn centre(
    ratings: &Ratings<'_>,
    values: Option<&[f32]>,
    t: &Transposed,
    exec: &Exec<'_>,
) -> (Option<Vec<f64>>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let nnz = ratings.nnz();
    let n_items = ratings.n_items();
    let Some(v) = values else {
        let norms = t
            .indptr
            .windows(2)
            .map(|w| ((w[1] - w[0]) as f64).sqrt())
            .collect();
        return (None, vec![1.0; nnz], vec![1.0; nnz], norms);
    };
    let mut item_c = vec![0.0; nnz];
    fill(&mut item_c, exec, |p| f64::from(v[t.source[p]]));
    // the global mean sums item by item, users in order, as Java does
    let global = if nnz == 0 {
        0.0
    } else {
        item_c.iter().fold(0.0, |s, &r| s + r) / nnz as f64
    };
    let mut means = vec![0.0; n_items];
    let mut norms = vec![0.0; n_items];
    let items: Vec<_> = split_rows(&mut item_c, &t.indptr)
        .into_iter()
        .zip(means.iter_mut().zip(norms.iter_mut()))
        .collect();
    exec.for_each(items, |(ratings, (mean, norm))| {
        (*mean, *norm) = centre_item(ratings, global);
    });
    let mut user_c = vec![0.0; nnz];
    let items_of = ratings.indices();
    fill(&mut user_c, exec, |q| {
        f64::from(v[q]) - means[items_of[q] as usize]
    });
    (Some(means), item_c, user_c, norms)
}

/// Compute the item-item similarity matrix.
///
/// Row `i` is computed by accumulating, for each user `u` of `i` and each
/// item `j` of `u`, `c_ui * c_uj` into a dense per-worker row; the cost is
/// the sum over users of their rating count squared. Every row's sums run
/// over users in increasing order, so the matrix is the same bit for bit
/// whatever the number of threads, and exactly symmetric before truncation.
pub fn fit_item_knn(
    ratings: &Ratings<'_>,
    opts: &ItemKnnOptions,
    exec: &Exec<'_>,
) -> Result<ItemKnnFitted> {
    if !opts.min_sim.is_finite() || opts.min_sim < 0.0 {
        return Err(invalid!(
            "min_sim must be finite and at least 0, got {}",
            opts.min_sim
        ));
    }
    if opts.save_nbrs == Some(0) {
        return Err(invalid!("save_nbrs must be at least 1, got 0"));
    }
    ratings.validate()?;
    let values = match (opts.feedback, ratings.values()) {
        (Feedback::Explicit, None) => {
            return Err(invalid!(
                "explicit feedback needs rating values, but the data has none"
            ))
        }
        (_, v) => v,
    };
    let n_items = ratings.n_items();
    let t = transpose_on(
        ratings.n_users(),
        n_items,
        ratings.indptr(),
        ratings.indices(),
        exec,
    );
    let explicit = values.filter(|_| opts.feedback == Feedback::Explicit);
    let (means, item_c, user_c, item_norms) = centre(ratings, explicit, &t, exec);
    exec.check()?;
    let vectors = Vectors {
        n_items,
        item_indptr: t.indptr,
        item_users: t.indices,
        item_c,
        user_indptr: ratings.indptr(),
        user_items: ratings.indices(),
        user_c,
        item_norms,
    };
    let (mut sims, truncated) = match opts.feedback {
        Feedback::Explicit => similarity_rows::<f64>(&vectors, opts, exec)?,
        Feedback::Implicit => similarity_rows::<u32>(&vectors, opts, exec)?,
    };
    sims.indices.shrink_to_fit();
    sims.values.shrink_to_fit();
    let sims_t = truncated.then(|| sims.transpose());
    Ok(ItemKnnFitted {
        item_means: means,
        sims,
        sims_t,
    })
}

/// The rows of the similarity matrix, and whether `save_nbrs` cut any,
/// with dot products summed as `D`.
///
/// Rows are computed a block at a time and appended to the matrix, so the
/// rows in flight never hold more than one block beside it.
fn similarity_rows<D: Dot>(
    vectors: &Vectors<'_>,
    opts: &ItemKnnOptions,
    exec: &Exec<'_>,
) -> Result<(CsrMatrix<f64>, bool)> {
    let n_items = vectors.n_items;
    let limit = opts.save_nbrs.unwrap_or(usize::MAX);
    let mut sims = CsrMatrix {
        n_rows: n_items,
        n_cols: n_items,
        indptr: Vec::with_capacity(n_items + 1),
        indices: Vec::new(),
        values: Vec::new(),
    };
    sims.indptr.push(0);
    let mut truncated = false;
    // one buffer per task of a block, reused from block to block so that
    // their memory is allocated (and first touched) once
    let mut chunks: Vec<RowChunk> = (0..n_items.min(BLOCK_ROWS).div_ceil(CHUNK_ROWS))
        .map(|_| RowChunk::default())
        .collect();
    for start in (0..n_items).step_by(BLOCK_ROWS) {
        let end = (start + BLOCK_ROWS).min(n_items);
        let used = &mut chunks[..(end - start).div_ceil(CHUNK_ROWS)];
        exec.for_each_init(
            used.iter_mut().enumerate().collect(),
            || RowScratch {
                acc: vec![D::default(); n_items],
                mark: vec![0; n_items],
                touched: Vec::new(),
                entries: Vec::new(),
            },
            |scratch, (c, chunk)| {
                chunk.clear();
                let first = start + c * CHUNK_ROWS;
                for i in first..(first + CHUNK_ROWS).min(end) {
                    if exec.check().is_err() {
                        return;
                    }
                    similarity_row(vectors, i, opts.min_sim, limit, scratch, chunk);
                }
            },
        );
        exec.check()?;
        let used = &chunks[..(end - start).div_ceil(CHUNK_ROWS)];
        let mut offset = sims.indices.len() as i64;
        for chunk in used {
            truncated |= chunk.cut;
            for &len in &chunk.lens {
                offset += i64::from(len);
                sims.indptr.push(offset);
            }
        }
        append_rows(&mut sims, used, exec);
    }
    Ok((sims, truncated))
}

/// Append the entries of `chunks`, in order, to the matrix's entry arrays,
/// copying the chunks in parallel: on dense data the similarity matrix is
/// large enough that one thread copying it (and touching its fresh pages
/// first) would hold up the other workers for a tenth of the fit.
fn append_rows(sims: &mut CsrMatrix<f64>, chunks: &[RowChunk], exec: &Exec<'_>) {
    let total: usize = chunks.iter().map(|c| c.indices.len()).sum();
    sims.indices.reserve(total);
    sims.values.reserve(total);
    let mut indices = &mut sims.indices.spare_capacity_mut()[..total];
    let mut values = &mut sims.values.spare_capacity_mut()[..total];
    let mut copies = Vec::with_capacity(chunks.len());
    for chunk in chunks {
        let n = chunk.indices.len();
        let (chunk_indices, rest) = std::mem::take(&mut indices).split_at_mut(n);
        indices = rest;
        let (chunk_values, rest) = std::mem::take(&mut values).split_at_mut(n);
        values = rest;
        copies.push((chunk, chunk_indices, chunk_values));
    }
    exec.for_each(copies, |(chunk, indices, values)| {
        for (slot, &j) in indices.iter_mut().zip(&chunk.indices) {
            slot.write(j);
        }
        for (slot, &s) in values.iter_mut().zip(&chunk.values) {
            slot.write(s);
        }
    });
    // SAFETY: the `total` slots after each array's old length were reserved
    // above, and every one was written by exactly one copy: the chunks'
    // stretches tile them, and `values` has as many entries as `indices`.
    unsafe {
        sims.indices.set_len(sims.indices.len() + total);
        sims.values.set_len(sims.values.len() + total);
    }
}

/// Append row `i` to `out`: the similarities of item `i` to every other
/// item above `min_sim`, in index order; at most `limit` of them (the most
/// similar, ties to the lower index).
fn similarity_row<D: Dot>(
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
