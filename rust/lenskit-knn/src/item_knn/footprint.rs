//! Before training: how much memory a fit would hold.
//!
//! Keeping every neighbour makes the model grow with the square of the item
//! count, so a fit on a large catalogue can need more memory than the
//! process may use. The caller estimates the footprint first, compares it
//! with the memory at hand and refuses with the numbers, rather than
//! attempting a fit that would fail part way.
//!
//! The estimate starts from a bound that costs one pass over the ratings:
//! an item has at most as many neighbours as the other ratings of its
//! users. When the bound fits, that is the answer. When it does not (the
//! bound counts every co-rated pair, also those `min_sim` drops), a sample
//! of rows is computed exactly and scaled up.

use super::centre::centred_vectors;
use super::fit::{block_rows, checked_values, mirror_pays, ItemKnnOptions, ENTRY_BYTES};
use super::row::{similarity_row, Columns, Dot, RowChunk, RowScratch, Vectors};
use crate::error::Result;
use crate::exec::Exec;
use crate::sparse::Ratings;
use crate::Feedback;

/// Rows computed to estimate the size of the matrix when the bound is too
/// loose to decide: enough for a few per cent of error on most data.
const SAMPLE_ROWS: usize = 512;

/// A suggested `save_nbrs` leaves this share of the budget for what the
/// estimate does not count: the allocator's own reserves (each thread's
/// arena, freed memory not yet returned) and the estimate's error.
const SUGGESTION_SHARE: f64 = 0.75;

/// What a fit would hold in memory.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Footprint {
    /// Similarities the model would store (estimated, or an upper bound).
    pub similarities: u64,
    /// Bytes of the fitted model.
    pub model_bytes: u64,
    /// Most bytes the fit would hold at once, the model included, besides
    /// the ratings it is given.
    pub peak_bytes: u64,
    /// Rows computed for the estimate; 0 when it is the bound.
    pub sampled_rows: usize,
    /// The largest `save_nbrs` whose fit would stay within
    /// [`SUGGESTION_SHARE`] of the budget, by the bound; `None` when not even
    /// one neighbour per item would.
    pub largest_save_nbrs: Option<usize>,
}

/// Estimate the memory [`super::fit_item_knn`] would need with `opts`,
/// sampling rows only when the bound exceeds `budget` bytes.
pub fn estimate_item_knn(
    ratings: &Ratings<'_>,
    opts: &ItemKnnOptions,
    budget: u64,
    exec: &Exec<'_>,
) -> Result<Footprint> {
    let explicit = checked_values(ratings, opts)?;
    let bounds = neighbour_bounds(ratings);
    let sizes = Sizes::of(ratings, explicit.is_some());
    let limit = opts.save_nbrs.unwrap_or(usize::MAX);
    let truncates = bounds.iter().any(|&b| b > limit);
    let mirrors = opts.save_nbrs.is_none() && mirror_pays(ratings);
    let bounded = |cap: usize| bounds.iter().map(|&b| b.min(cap) as u64).sum::<u64>();
    let mut similarities = bounded(limit);
    let mut sampled_rows = 0;
    if sizes.peak(similarities, truncates, mirrors) > budget {
        let n = ratings.n_items();
        let rows: Vec<usize> = (0..SAMPLE_ROWS.min(n))
            .map(|k| (2 * k + 1) * n / (2 * SAMPLE_ROWS.min(n)))
            .collect();
        let (_, vectors) = centred_vectors(ratings, explicit, exec)?;
        let counts = match opts.feedback {
            Feedback::Explicit => row_sizes::<f64>(&vectors, &rows, opts, exec)?,
            Feedback::Implicit => row_sizes::<u32>(&vectors, &rows, opts, exec)?,
        };
        let found: u64 = counts.iter().sum();
        similarities = (found as f64 * n as f64 / rows.len() as f64).round() as u64;
        sampled_rows = rows.len();
    }
    let share = (budget as f64 * SUGGESTION_SHARE) as u64;
    let fits = |s: usize| sizes.peak(bounded(s), true, false) <= share;
    let largest_save_nbrs = if fits(1) {
        // the largest s that fits, by bisection: fits(lo) and !fits(hi)
        let (mut lo, mut hi) = (1, ratings.n_items().max(2));
        if fits(hi) {
            lo = hi;
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if fits(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Some(lo)
    } else {
        None
    };
    Ok(Footprint {
        similarities,
        model_bytes: sizes.model(similarities),
        peak_bytes: sizes.peak(similarities, truncates, mirrors),
        sampled_rows,
        largest_save_nbrs,
    })
}

/// For each item, at most how many neighbours it can have: the other items
/// its users rated, counted with repeats, and at most every other item.
fn neighbour_bounds(ratings: &Ratings<'_>) -> Vec<usize> {
    let n = ratings.n_items();
    let mut co = vec![0usize; n];
    for u in 0..ratings.n_users() {
        let items = ratings.row_items(u);
        let others = items.len().saturating_sub(1);
        for &i in items {
            co[i as usize] += others;
        }
    }
    for c in &mut co {
        *c = (*c).min(n.saturating_sub(1));
    }
    co
}

/// How many similarities each of `rows` keeps.
fn row_sizes<D: Dot>(
    vectors: &Vectors<'_>,
    rows: &[usize],
    opts: &ItemKnnOptions,
    exec: &Exec<'_>,
) -> Result<Vec<u64>> {
    let limit = opts.save_nbrs.unwrap_or(usize::MAX);
    let sizes = exec.map_indexed(
        rows.len(),
        || (RowScratch::<D>::new(vectors.n_items), RowChunk::default()),
        |(scratch, chunk), k| {
            chunk.clear();
            let row = rows[k];
            similarity_row(
                vectors,
                row,
                Columns::All,
                opts.min_sim,
                limit,
                scratch,
                chunk,
            )
            .map(|()| chunk.indices.len() as u64)
        },
    )?;
    sizes.into_iter().collect()
}

/// The sizes that decide a fit's memory, besides the number of similarities.
struct Sizes {
    n_items: u64,
    n_ratings: u64,
    block_rows: u64,
    explicit: bool,
}

impl Sizes {
    fn of(ratings: &Ratings<'_>, explicit: bool) -> Self {
        let n_items = ratings.n_items();
        Sizes {
            n_items: n_items as u64,
            n_ratings: ratings.nnz() as u64,
            block_rows: block_rows(n_items).min(n_items) as u64,
            explicit,
        }
    }

    /// The model: the matrix and the item means.
    fn model(&self, similarities: u64) -> u64 {
        let means = if self.explicit { 8 * self.n_items } else { 0 };
        similarities * ENTRY_BYTES as u64 + 8 * (self.n_items + 1) + means
    }

    /// The most the fit holds at once: the centred vectors (item users,
    /// their positions, values in both layouts) while the rows are computed
    /// and a block of rows waits to join the matrix; then, without them,
    /// the upper triangle beside the mirrored matrix, or the truncated
    /// matrix beside its transpose.
    fn peak(&self, similarities: u64, truncates: bool, mirrors: bool) -> u64 {
        let vectors = self.n_ratings * (4 + 8 + 8 + 8) + 3 * 8 * self.n_items;
        let per_row = similarities / self.n_items.max(1);
        let block = self.block_rows * per_row * ENTRY_BYTES as u64;
        let model = self.model(similarities);
        if mirrors {
            let upper = self.model(similarities / 2);
            (vectors + upper + block).max(upper + model)
        } else if truncates {
            (vectors + model + block).max(2 * model)
        } else {
            vectors + model + block
        }
    }
}
