//! Scoring with fitted embeddings: the dot product of user and item
//! embeddings ([`crate::panels`]), plus the biases for explicit feedback.
//!
//! A score asked for one pair and the same score found while ranking all
//! items agree bit for bit.

use lenskit_core::batch::{Recommendations, UserScorer};
use lenskit_core::error::{invalid, Result};
use lenskit_core::exec::Exec;
use lenskit_core::select::{insert_bounded, select_best};
use lenskit_core::sparse::Ratings;

use crate::bias::{check_bias_shape, BiasView};
use crate::dense::dispatch;
use crate::embeddings::EmbeddingsView;
use crate::panels::{PanelsView, BLOCK, PANEL};

/// A fitted matrix factorisation, borrowed for scoring.
#[derive(Clone, Copy, Debug)]
pub struct MfModel<'a> {
    rated: Ratings<'a>,
    users: EmbeddingsView<'a>,
    items: PanelsView<'a>,
    biases: Option<BiasView<'a>>,
}

impl<'a> MfModel<'a> {
    /// Wrap fitted arrays: `rated` lists each user's training items (values
    /// are not used), `users` the user embeddings, `items` the item
    /// embeddings packed in panels, `biases` the bias model of explicit
    /// feedback.
    pub fn new(
        rated: Ratings<'a>,
        users: EmbeddingsView<'a>,
        items: PanelsView<'a>,
        biases: Option<BiasView<'a>>,
    ) -> Result<Self> {
        if users.n_rows() != rated.n_users() || items.n_items() != rated.n_items() {
            return Err(invalid!(
                "embeddings of {} users and {} items for a model of {} users and {} items",
                users.n_rows(),
                items.n_items(),
                rated.n_users(),
                rated.n_items()
            ));
        }
        if users.dim() != items.dim() {
            return Err(invalid!(
                "user embeddings have {} dimensions but item embeddings {}",
                users.dim(),
                items.dim()
            ));
        }
        if let Some(b) = biases {
            check_bias_shape(b, rated.n_users(), rated.n_items())?;
        }
        Ok(MfModel {
            rated,
            users,
            items,
            biases,
        })
    }

    /// The score of item `i` for user `u` (valid indices).
    #[inline(always)]
    pub fn score(&self, u: usize, i: usize) -> f64 {
        self.with_biases(u, i, self.items.score(self.users.row(u), i))
    }

    /// The score of item `i` for user `u` given their embeddings' product.
    #[inline(always)]
    fn with_biases(&self, u: usize, i: usize, product: f32) -> f64 {
        let s = f64::from(product);
        match self.biases {
            Some(b) => s + b.global + b.items[i] + b.users[u],
            None => s,
        }
    }
}

impl UserScorer for MfModel<'_> {
    type Scratch = ();

    fn n_users(&self) -> usize {
        self.rated.n_users()
    }

    fn n_items(&self) -> usize {
        self.rated.n_items()
    }

    fn new_scratch(&self) -> Self::Scratch {}

    fn rated_items(&self, user: usize) -> &[i32] {
        self.rated.row_items(user)
    }

    fn score_into(&self, user: usize, targets: &[i32], _scratch: &mut (), out: &mut [f64]) {
        score_targets(self, user, targets, out);
    }
}

#[inline(always)]
fn score_targets_here(model: &MfModel<'_>, user: usize, targets: &[i32], out: &mut [f64]) {
    for (o, &i) in out.iter_mut().zip(targets) {
        *o = model.score(user, i as usize);
    }
}

dispatch!(
    fn score_targets(model: &MfModel<'_>, user: usize, targets: &[i32], out: &mut [f64])
        => score_targets_here
);

/// Per-worker buffers of [`recommend`].
struct RankScratch {
    zeros: Vec<f32>,
    products: Vec<f32>,
    scores: Vec<f64>,
}

/// The top `n` items for each of `users`, as [`lenskit_core::recommend`]
/// gives them (the same lists, bit for bit), but scoring every item for
/// [`BLOCK`] users at a time so that each item panel is read from memory
/// once per block rather than once per user. With `candidates`, it is
/// [`lenskit_core::recommend`].
pub fn recommend(
    model: &MfModel<'_>,
    users: &[i32],
    n: usize,
    candidates: Option<&[i32]>,
    exclude_seen: bool,
    exec: &Exec<'_>,
) -> Result<Recommendations> {
    if candidates.is_some() {
        return lenskit_core::recommend(model, users, n, candidates, exclude_seen, exec);
    }
    let k = model.users.dim();
    let stride = model.n_items().div_ceil(PANEL) * PANEL;
    let known = |u: i32| usize::try_from(u).ok().filter(|&u| u < model.n_users());
    let blocks = exec.map_indexed(
        users.len().div_ceil(BLOCK),
        || RankScratch {
            zeros: vec![0.0; k],
            products: vec![0.0; BLOCK * stride],
            scores: Vec::with_capacity(model.n_items()),
        },
        |s, b| {
            let block = &users[b * BLOCK..users.len().min((b + 1) * BLOCK)];
            let rows: [&[f32]; BLOCK] =
                std::array::from_fn(|j| match block.get(j).copied().and_then(known) {
                    Some(u) => model.users.row(u),
                    None => &s.zeros,
                });
            score_block(model, rows, &mut s.products);
            block
                .iter()
                .enumerate()
                .map(|(j, &u)| match known(u) {
                    Some(u) => {
                        let products = &s.products[j * stride..j * stride + model.n_items()];
                        model.rank(u, products, n, exclude_seen, &mut s.scores)
                    }
                    None => Vec::new(),
                })
                .collect::<Vec<_>>()
        },
    )?;
    Ok(Recommendations::from_lists(blocks.into_iter().flatten()))
}

impl MfModel<'_> {
    /// The `n` best items for user `u` from every item's embedding product
    /// with them, leaving out the rated items when `exclude_seen`.
    fn rank(
        &self,
        u: usize,
        products: &[f32],
        n: usize,
        exclude_seen: bool,
        scores: &mut Vec<f64>,
    ) -> Vec<(f64, i32)> {
        scores.clear();
        // `with_biases`, item by item, in loops the compiler can vectorise
        match self.biases {
            Some(b) => {
                let (global, user) = (b.global, b.users[u]);
                let biased = products.iter().zip(b.items);
                scores.extend(biased.map(|(&p, &item)| f64::from(p) + global + item + user));
            }
            None => scores.extend(products.iter().map(|&p| f64::from(p))),
        }
        if exclude_seen {
            for &j in self.rated.row_items(u) {
                scores[j as usize] = f64::NAN;
            }
        }
        let mut out = Vec::new();
        top_n_scores(scores, n, &mut out);
        out
    }
}

/// The `n` best of `scores` (by value, then index), NaN entries left out:
/// what [`select_best`] gives, found faster for short lists by skipping, with
/// one comparison, every entry no better than the list's last.
fn top_n_scores(scores: &[f64], n: usize, out: &mut Vec<(f64, i32)>) {
    if n == 0 || n > SHORT_LIST {
        let valid = scores.iter().enumerate().filter(|(_, s)| !s.is_nan());
        select_best(valid.map(|(i, &s)| (s, i as i32)), n, out);
        return;
    }
    out.clear();
    out.resize(n, (f64::NAN, 0));
    let mut len = 0;
    let mut rest = scores.iter().enumerate();
    for (i, &s) in rest.by_ref() {
        if !s.is_nan() {
            insert_bounded(out, &mut len, (s, i as i32));
            if len == n {
                break;
            }
        }
    }
    if len == n {
        // a later entry equal to the last one ranks below it (larger index)
        let mut last = out[n - 1].0;
        for (i, &s) in rest {
            if s > last {
                insert_bounded(out, &mut len, (s, i as i32));
                last = out[n - 1].0;
            }
        }
    }
    out.truncate(len);
}

/// Lists up to this long are found by [`top_n_scores`]'s threshold scan.
const SHORT_LIST: usize = 64;

#[inline(always)]
fn score_block_here(model: &MfModel<'_>, users: [&[f32]; BLOCK], out: &mut [f32]) {
    model.items.score_all_block(users, out);
}

dispatch!(
    fn score_block(model: &MfModel<'_>, users: [&[f32]; BLOCK], out: &mut [f32]) => score_block_here
);
