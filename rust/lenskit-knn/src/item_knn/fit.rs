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
use crate::select::sort_truncate;
use crate::sparse::{transpose, CsrMatrix, Ratings};
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

/// Rows per block of training work.
const BLOCK_ROWS: usize = 2048;

/// Per-worker scratch: one dense accumulator row and the list of columns
/// it touched.
struct RowScratch {
    acc: Vec<f64>,
    mark: Vec<u32>,
    touched: Vec<u32>,
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

/// Item means the way Java LensKit computes them: the global mean (summed
/// item by item, users in order) plus each item's mean offset from it.
fn item_means(indptr: &[i64], values: &[f64]) -> Vec<f64> {
    let n = values.len();
    let global = if n == 0 {
        0.0
    } else {
        values.iter().fold(0.0, |s, &r| s + r) / n as f64
    };
    indptr
        .windows(2)
        .map(|w| {
            let r = &values[w[0] as usize..w[1] as usize];
            if r.is_empty() {
                return 0.0;
            }
            global + r.iter().fold(0.0, |s, &x| s + (x - global)) / r.len() as f64
        })
        .collect()
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
    let t = transpose(
        ratings.n_users(),
        n_items,
        ratings.indptr(),
        ratings.indices(),
    );
    let (means, item_c) = match (opts.feedback, values) {
        (Feedback::Explicit, Some(v)) => {
            let raw: Vec<f64> = t.source.iter().map(|&p| v[p] as f64).collect();
            let means = item_means(&t.indptr, &raw);
            let mut c = raw;
            for (i, w) in t.indptr.windows(2).enumerate() {
                for x in &mut c[w[0] as usize..w[1] as usize] {
                    *x -= means[i];
                }
            }
            (Some(means), c)
        }
        _ => (None, vec![1.0; ratings.nnz()]),
    };
    let item_norms: Vec<f64> = t
        .indptr
        .windows(2)
        .map(|w| {
            item_c[w[0] as usize..w[1] as usize]
                .iter()
                .fold(0.0, |s, &x| s + x * x)
                .sqrt()
        })
        .collect();
    let mut user_c = vec![0.0f64; ratings.nnz()];
    for (p, &src) in t.source.iter().enumerate() {
        user_c[src] = item_c[p];
    }
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
    let limit = opts.save_nbrs.unwrap_or(usize::MAX);
    // Rows are computed a block at a time and appended to the matrix, so
    // the per-row lists never hold more than one block beside it.
    let mut sims = CsrMatrix {
        n_rows: n_items,
        n_cols: n_items,
        indptr: Vec::with_capacity(n_items + 1),
        indices: Vec::new(),
        values: Vec::new(),
    };
    sims.indptr.push(0);
    let mut truncated = false;
    for start in (0..n_items).step_by(BLOCK_ROWS) {
        let rows = exec.map_range(
            start..(start + BLOCK_ROWS).min(n_items),
            || RowScratch {
                acc: vec![0.0; n_items],
                mark: vec![0; n_items],
                touched: Vec::new(),
            },
            |scratch, i| similarity_row(&vectors, i, opts.min_sim, limit, scratch),
        )?;
        // Lay the block's rows out serially (offsets only), then copy them
        // into place in parallel: on dense data the copy is a fifth of the
        // fit, too much to leave on one thread.
        let base = sims.indices.len();
        let mut end = base;
        for (row, cut) in &rows {
            truncated |= *cut;
            end += row.len();
            sims.indptr.push(end as i64);
        }
        sims.indices.resize(end, 0);
        sims.values.resize(end, 0.0);
        let slots = row_slots(&rows, &mut sims.indices[base..], &mut sims.values[base..]);
        exec.for_each(slots, |(row, indices, values)| {
            for ((&(s, j), index), value) in row.iter().zip(indices).zip(values) {
                *index = j;
                *value = s;
            }
        });
    }
    sims.indices.shrink_to_fit();
    sims.values.shrink_to_fit();
    let sims_t = truncated.then(|| sims.transpose());
    Ok(ItemKnnFitted {
        item_means: means,
        sims,
        sims_t,
    })
}

/// Pair each computed row with its own stretch of the output arrays.
type RowSlot<'r, 'o> = (&'r [(f64, i32)], &'o mut [i32], &'o mut [f64]);

fn row_slots<'r, 'o>(
    rows: &'r [(Vec<(f64, i32)>, bool)],
    mut indices: &'o mut [i32],
    mut values: &'o mut [f64],
) -> Vec<RowSlot<'r, 'o>> {
    let mut slots = Vec::with_capacity(rows.len());
    for (row, _) in rows {
        let (row_indices, rest_indices) = std::mem::take(&mut indices).split_at_mut(row.len());
        let (row_values, rest_values) = std::mem::take(&mut values).split_at_mut(row.len());
        indices = rest_indices;
        values = rest_values;
        slots.push((row.as_slice(), row_indices, row_values));
    }
    slots
}

/// Similarities of item `i` to every other item above `min_sim`, in index
/// order; at most `limit` of them (the most similar, ties to the lower
/// index); also whether the limit cut anything.
fn similarity_row(
    v: &Vectors<'_>,
    i: usize,
    min_sim: f64,
    limit: usize,
    scratch: &mut RowScratch,
) -> (Vec<(f64, i32)>, bool) {
    let norm_i = v.item_norms[i];
    if norm_i == 0.0 {
        return (Vec::new(), false);
    }
    let cols = v.item_indptr[i] as usize..v.item_indptr[i + 1] as usize;
    let work: usize = v.item_users[cols.clone()]
        .iter()
        .map(|&u| (v.user_indptr[u as usize + 1] - v.user_indptr[u as usize]) as usize)
        .sum();
    let acc = &mut scratch.acc;
    let mut entries: Vec<(f64, i32)> = Vec::new();
    let mut keep = |j: usize, dot: f64| {
        let norm_j = v.item_norms[j];
        if j != i && norm_j != 0.0 {
            let s = dot / (norm_i * norm_j);
            if s > min_sim {
                entries.push((s, j as i32));
            }
        }
    };
    // A sequential scan of the whole row is cheaper than tracking touched
    // columns once the row gets dense; both give the same sums.
    let dense = work >= v.n_items / 4;
    if dense {
        for p in cols {
            let a = v.item_c[p];
            let u = v.item_users[p] as usize;
            let r = v.user_indptr[u] as usize..v.user_indptr[u + 1] as usize;
            for (&j, &x) in v.user_items[r.clone()].iter().zip(&v.user_c[r]) {
                acc[j as usize] += a * x;
            }
        }
        for (j, slot) in acc.iter_mut().enumerate() {
            if *slot != 0.0 {
                keep(j, *slot);
                *slot = 0.0;
            }
        }
    } else {
        let stamp = i as u32 + 1;
        let mark = &mut scratch.mark;
        let touched = &mut scratch.touched;
        touched.clear();
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
                acc[j] += a * x;
            }
        }
        for &j in touched.iter() {
            let j = j as usize;
            keep(j, acc[j]);
            acc[j] = 0.0;
        }
    }
    let cut = entries.len() > limit;
    if cut {
        sort_truncate(&mut entries, limit);
        entries.sort_unstable_by_key(|&(_, j)| j);
    } else if !dense {
        entries.sort_unstable_by_key(|&(_, j)| j);
    }
    entries.shrink_to_fit();
    (entries, cut)
}
