//! Scoring with fitted embeddings: the dot product of user and item
//! embeddings, plus the biases for explicit feedback.
//!
//! Every score, whether asked for one pair or found while ranking all
//! items, comes from [`MfModel::score`], so the two agree bit for bit.

use lenskit_core::batch::UserScorer;
use lenskit_core::error::{invalid, Result};
use lenskit_core::select::select_best;
use lenskit_core::sparse::Ratings;

use crate::bias::{check_bias_shape, BiasView};
use crate::dense::{dispatch, dot};
use crate::embeddings::EmbeddingsView;

/// A fitted matrix factorisation, borrowed for scoring.
#[derive(Clone, Copy, Debug)]
pub struct MfModel<'a> {
    rated: Ratings<'a>,
    users: EmbeddingsView<'a>,
    items: EmbeddingsView<'a>,
    biases: Option<BiasView<'a>>,
}

impl<'a> MfModel<'a> {
    /// Wrap fitted arrays: `rated` lists each user's training items (values
    /// are not used), `users` and `items` are the embeddings, `biases` the
    /// bias model of explicit feedback.
    pub fn new(
        rated: Ratings<'a>,
        users: EmbeddingsView<'a>,
        items: EmbeddingsView<'a>,
        biases: Option<BiasView<'a>>,
    ) -> Result<Self> {
        if users.n_rows() != rated.n_users() || items.n_rows() != rated.n_items() {
            return Err(invalid!(
                "embeddings of {} users and {} items for a model of {} users and {} items",
                users.n_rows(),
                items.n_rows(),
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
        let s = f64::from(dot(self.users.row(u), self.items.row(i)));
        match self.biases {
            Some(b) => s + b.global + b.items[i] + b.users[u],
            None => s,
        }
    }
}

impl UserScorer for MfModel<'_> {
    /// Every item's score for the user being ranked.
    type Scratch = Vec<f64>;

    fn n_users(&self) -> usize {
        self.rated.n_users()
    }

    fn n_items(&self) -> usize {
        self.rated.n_items()
    }

    fn new_scratch(&self) -> Self::Scratch {
        Vec::new()
    }

    fn rated_items(&self, user: usize) -> &[i32] {
        self.rated.row_items(user)
    }

    fn score_into(&self, user: usize, targets: &[i32], _scratch: &mut Vec<f64>, out: &mut [f64]) {
        score_targets(self, user, targets, out);
    }

    fn recommend_all(
        &self,
        user: usize,
        n: usize,
        exclude_seen: bool,
        scores: &mut Vec<f64>,
        out: &mut Vec<(f64, i32)>,
    ) -> bool {
        let rated = if exclude_seen {
            self.rated.row_items(user)
        } else {
            &[]
        };
        let mut next_rated = rated.iter().peekable();
        let unrated = (0..self.n_items()).filter(move |&i| {
            if next_rated.peek().is_some_and(|&&r| r as usize == i) {
                next_rated.next();
                false
            } else {
                true
            }
        });
        scores.resize(self.n_items(), 0.0);
        score_all(self, user, scores);
        select_best(unrated.map(|i| (scores[i], i as i32)), n, out);
        true
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

#[inline(always)]
fn score_all_here(model: &MfModel<'_>, user: usize, out: &mut [f64]) {
    for (i, o) in out.iter_mut().enumerate() {
        *o = model.score(user, i);
    }
}

dispatch!(fn score_all(model: &MfModel<'_>, user: usize, out: &mut [f64]) => score_all_here);
