//! Training: the item-item similarity matrix, one row per item, computed in
//! parallel without ever holding a dense item x item matrix.
//!
//! The arithmetic follows Java LensKit's so that similarities round the same
//! way, which decides between neighbours whose similarities are equal in
//! exact arithmetic: item means are the global mean plus the item's mean
//! offset from it; centred vectors are not normalised, but their dot product
//! (summed over users in increasing order) is divided by the product of
//! their norms; similarities are kept in `f64`.

use crate::alloc;
use crate::error::{invalid, Result};
use crate::exec::Exec;
use crate::sparse::{CsrMatrix, Ratings};

use super::centre::centred_vectors;
use super::mirror::mirror_upper;
use super::row::{similarity_row, Columns, Dot, RowChunk, RowScratch, Vectors};
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
/// before they join the matrix, so this bounds the extra memory...
const BLOCK_ROWS: usize = 2048;

/// ... as does this: with many items, blocks have fewer rows, so that a
/// block of rows with every item a neighbour stays within this many bytes.
const BLOCK_BYTES: usize = 256 << 20;

/// Bytes a similarity takes in the matrix: its column and its value.
pub(super) const ENTRY_BYTES: usize = size_of::<i32>() + size_of::<f64>();

/// Rows per block for `n_items` items.
pub(super) fn block_rows(n_items: usize) -> usize {
    (BLOCK_BYTES / (n_items.max(1) * ENTRY_BYTES)).clamp(CHUNK_ROWS * 16, BLOCK_ROWS)
}

/// What the similarity matrix's memory is called in an out-of-memory error.
pub(super) const MATRIX_MEMORY: &str = "the similarity matrix";

/// Rows per task. Tasks write their rows end to end into buffers of their
/// own, so training allocates a few hundred buffers rather than one per row.
const CHUNK_ROWS: usize = 16;

/// Compute the item-item similarity matrix.
///
/// Row `i` is computed by accumulating, for each user `u` of `i` and each
/// item `j` of `u`, `c_ui * c_uj` into a dense per-worker row; the cost is
/// the sum over users of their rating count squared. Every row's sums run
/// over users in increasing order, so the matrix is the same bit for bit
/// whatever the number of threads, and exactly symmetric before truncation.
///
/// Without truncation, on data dense enough to pay for it (see
/// [`mirror_pays`]), only the upper triangle (`j > i`) is computed and then
/// mirrored, for half the multiply-adds: `sim(j, i)` would sum the same
/// products over the same users in the same order, with the factors
/// swapped, which IEEE multiplication does not notice, so the mirrored
/// value is the one row `j` would have computed. Truncation needs every
/// row whole, so it keeps computing each row in full.
pub fn fit_item_knn(
    ratings: &Ratings<'_>,
    opts: &ItemKnnOptions,
    exec: &Exec<'_>,
) -> Result<ItemKnnFitted> {
    let explicit = checked_values(ratings, opts)?;
    let columns = match opts.save_nbrs {
        None if mirror_pays(ratings) => Columns::Above,
        _ => Columns::All,
    };
    fit_columns(ratings, explicit, opts, columns, exec)
}

/// Check the options and the ratings; the rating values the fit centres
/// (explicit feedback), if any.
pub(super) fn checked_values<'a>(
    ratings: &Ratings<'a>,
    opts: &ItemKnnOptions,
) -> Result<Option<&'a [f32]>> {
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
    match (opts.feedback, ratings.values()) {
        (Feedback::Explicit, None) => Err(invalid!(
            "explicit feedback needs rating values, but the data has none"
        )),
        (Feedback::Explicit, v) => Ok(v),
        (Feedback::Implicit, _) => Ok(None),
    }
}

/// Whether computing the upper triangle and mirroring it beats computing
/// every row whole.
///
/// Mirroring halves the multiply-adds (the sum over users of their rating
/// count squared) but moves every entry of the result twice more, so it
/// pays when there are many multiply-adds per entry. The result has at
/// most one entry per pair of items, so with at least as many
/// multiply-adds as pairs it does: 1.15 s against 2.0 s on one thread for
/// 1M ratings of 6,000 users and 4,000 items (27 per pair), 8% less on
/// 20,000 x 10,000 (1.2 per pair). On sparser data, where most pairs have
/// nobody in common, it does not: ml-latest-small (0.6 per pair) was 5-10%
/// slower mirrored.
pub(super) fn mirror_pays(ratings: &Ratings<'_>) -> bool {
    let multiply_adds: f64 = (0..ratings.n_users())
        .map(|u| (ratings.row_range(u).len() as f64).powi(2))
        .sum();
    let pairs = (ratings.n_items() as f64).powi(2);
    multiply_adds >= pairs
}

/// [`fit_item_knn`] on checked input, computing the rows' `columns`.
fn fit_columns(
    ratings: &Ratings<'_>,
    explicit: Option<&[f32]>,
    opts: &ItemKnnOptions,
    columns: Columns,
    exec: &Exec<'_>,
) -> Result<ItemKnnFitted> {
    let (means, vectors) = centred_vectors(ratings, explicit, exec)?;
    exec.check()?;
    let (mut sims, truncated) = match opts.feedback {
        Feedback::Explicit => similarity_rows::<f64>(&vectors, columns, opts, exec)?,
        Feedback::Implicit => similarity_rows::<u32>(&vectors, columns, opts, exec)?,
    };
    drop(vectors);
    if columns == Columns::Above {
        sims = mirror_upper(&sims, exec)?;
    }
    let sims_t = if truncated {
        Some(sims.transpose(exec)?)
    } else {
        None
    };
    Ok(ItemKnnFitted {
        item_means: means,
        sims,
        sims_t,
    })
}

/// The rows of the similarity matrix (or their parts above the diagonal),
/// and whether `save_nbrs` cut any, with dot products summed as `D`.
///
/// Rows are computed a block at a time and appended to the matrix, so the
/// rows in flight never hold more than one block beside it.
fn similarity_rows<D: Dot>(
    vectors: &Vectors<'_>,
    columns: Columns,
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
    let block = block_rows(n_items);
    let mut chunks: Vec<RowChunk> = (0..n_items.min(block).div_ceil(CHUNK_ROWS))
        .map(|_| RowChunk::default())
        .collect();
    for start in (0..n_items).step_by(block) {
        let end = (start + block).min(n_items);
        let used = &mut chunks[..(end - start).div_ceil(CHUNK_ROWS)];
        exec.for_each_init(
            used.iter_mut().enumerate().collect(),
            || RowScratch::<D>::new(n_items),
            |scratch, (c, chunk)| {
                chunk.clear();
                let first = start + c * CHUNK_ROWS;
                for i in first..(first + CHUNK_ROWS).min(end) {
                    if exec.check().is_err() {
                        return;
                    }
                    let row =
                        similarity_row(vectors, i, columns, opts.min_sim, limit, scratch, chunk);
                    if let Err(err) = row {
                        chunk.failed = Some(err);
                        return;
                    }
                }
            },
        );
        exec.check()?;
        let used = &mut chunks[..(end - start).div_ceil(CHUNK_ROWS)];
        if let Some(err) = used.iter_mut().find_map(|c| c.failed.take()) {
            return Err(err);
        }
        let used = &chunks[..(end - start).div_ceil(CHUNK_ROWS)];
        let mut offset = sims.indices.len() as i64;
        for chunk in used {
            truncated |= chunk.cut;
            for &len in &chunk.lens {
                offset += i64::from(len);
                sims.indptr.push(offset);
            }
        }
        append_rows(&mut sims, used, exec)?;
    }
    Ok((sims, truncated))
}

/// Append the entries of `chunks`, in order, to the matrix's entry arrays,
/// copying the chunks in parallel: on dense data the similarity matrix is
/// large enough that one thread copying it (and touching its fresh pages
/// first) would hold up the other workers for a tenth of the fit.
fn append_rows(sims: &mut CsrMatrix<f64>, chunks: &[RowChunk], exec: &Exec<'_>) -> Result<()> {
    let total: usize = chunks.iter().map(|c| c.indices.len()).sum();
    // exactly: growing by doubling could ask for twice the matrix's size
    alloc::reserve(&mut sims.indices, total, MATRIX_MEMORY)?;
    alloc::reserve(&mut sims.values, total, MATRIX_MEMORY)?;
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seeded ratings, `density` of the cells filled, with popular
    /// low-numbered items.
    fn ratings_data(
        n_users: usize,
        n_items: usize,
        density: f64,
        seed: u64,
    ) -> (Vec<i64>, Vec<i32>, Vec<f32>) {
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as f64 / (1u64 << 31) as f64
        };
        let (mut indptr, mut indices, mut values) = (vec![0i64], Vec::new(), Vec::new());
        for _ in 0..n_users {
            for i in 0..n_items {
                let p = density * 2.0 / (1.0 + i as f64 / n_items as f64 * 3.0);
                if next() < p {
                    indices.push(i as i32);
                    values.push((1.0 + (next() * 9.0).floor() / 2.0) as f32);
                }
            }
            indptr.push(indices.len() as i64);
        }
        (indptr, indices, values)
    }

    /// Both ways of computing the rows give the same matrix, bit for bit,
    /// on sparse and dense data, whichever way `fit_item_knn` would choose.
    #[test]
    fn mirrored_rows_equal_whole_rows() {
        for (n_users, n_items, density) in [(80, 700, 0.03), (300, 2500, 0.02), (200, 150, 0.4)] {
            let (indptr, indices, values) = ratings_data(n_users, n_items, density, n_items as u64);
            let ratings = Ratings::new(n_users, n_items, &indptr, &indices, Some(&values)).unwrap();
            for feedback in [Feedback::Explicit, Feedback::Implicit] {
                let opts = ItemKnnOptions {
                    feedback,
                    min_sim: 1e-6,
                    save_nbrs: None,
                };
                let explicit = (feedback == Feedback::Explicit).then_some(values.as_slice());
                let fit = |columns| {
                    fit_columns(&ratings, explicit, &opts, columns, &Exec::parallel()).unwrap()
                };
                let (mirrored, whole) = (fit(Columns::Above), fit(Columns::All));
                assert!(
                    mirrored.sims.indices.len() > n_items,
                    "too few similarities to test"
                );
                assert_eq!(mirrored.sims.indptr, whole.sims.indptr);
                assert_eq!(mirrored.sims.indices, whole.sims.indices);
                let bits = |f: &ItemKnnFitted| {
                    f.sims
                        .values
                        .iter()
                        .map(|s| s.to_bits())
                        .collect::<Vec<_>>()
                };
                assert!(
                    bits(&mirrored) == bits(&whole),
                    "{n_users} x {n_items}, {feedback:?}"
                );
            }
        }
    }
}
