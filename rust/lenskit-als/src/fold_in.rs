//! Embeddings for users who were not in the training data, from their
//! ratings or interactions: one exact row solve against the fitted item
//! embeddings, the same system a training epoch solves for a user.

use lenskit_core::error::{invalid, Result};

use crate::bias::user_bias;
use crate::dense::NotPositiveDefinite;
use crate::embeddings::EmbeddingsView;
use crate::solve::{Base, Objective, RowSystem, Scratch, Solver};
use crate::train::not_positive_definite;

/// A new user's embedding (and bias, for explicit feedback).
#[derive(Clone, Debug, PartialEq)]
pub struct FoldedIn {
    /// The user's embedding.
    pub embedding: Vec<f32>,
    /// The user's bias (0 for implicit feedback).
    pub bias: f64,
}

fn check_items(items: &[i32], n_items: usize, values: &[f32]) -> Result<()> {
    if values.len() != items.len() {
        return Err(invalid!(
            "{} values for {} history items",
            values.len(),
            items.len()
        ));
    }
    for (p, w) in items.windows(2).enumerate() {
        if w[0] >= w[1] {
            return Err(invalid!(
                "history items must be strictly increasing; entry {} is {} after {}",
                p + 1,
                w[1],
                w[0]
            ));
        }
    }
    if let Some(&i) = items.iter().find(|&&i| i < 0 || i as usize >= n_items) {
        return Err(invalid!("history item {i} is outside 0..{n_items}"));
    }
    if let Some(v) = values.iter().find(|v| !v.is_finite()) {
        return Err(invalid!("history value {v} is not finite"));
    }
    Ok(())
}

/// Explicit feedback: the user's damped bias from `ratings` of `items`,
/// then the embedding that best reconstructs the residuals, regularised
/// by `reg` per rating.
#[allow(clippy::too_many_arguments)]
pub fn fold_in_explicit(
    item_embeddings: EmbeddingsView<'_>,
    global: f64,
    item_biases: &[f64],
    user_damping: f64,
    reg: f32,
    items: &[i32],
    ratings: &[f32],
) -> Result<FoldedIn> {
    let n_items = item_embeddings.n_rows();
    check_items(items, n_items, ratings)?;
    if item_biases.len() != n_items {
        return Err(invalid!(
            "{} item biases for {n_items} items",
            item_biases.len()
        ));
    }
    let bias = user_bias(items, ratings, global, item_biases, user_damping);
    let residuals: Vec<f32> = items
        .iter()
        .zip(ratings)
        .map(|(&i, &r)| (f64::from(r) - global - item_biases[i as usize] - bias) as f32)
        .collect();
    let system = RowSystem {
        cols: items,
        values: &residuals,
        other: item_embeddings,
        base: Base::Diagonal(reg * items.len() as f32),
        objective: Objective::Explicit,
    };
    let embedding = solve(&system, item_embeddings.dim())?;
    Ok(FoldedIn { embedding, bias })
}

/// Implicit feedback: the embedding for interactions with `items` whose
/// confidence minus one is `values`, given `gram`, the items' `Y^T Y` plus
/// the user regularisation (full k x k).
pub fn fold_in_implicit(
    item_embeddings: EmbeddingsView<'_>,
    gram: &[f32],
    items: &[i32],
    values: &[f32],
) -> Result<FoldedIn> {
    let k = item_embeddings.dim();
    check_items(items, item_embeddings.n_rows(), values)?;
    if gram.len() != k * k {
        return Err(invalid!(
            "Gram matrix has {} values, expected {k} x {k}",
            gram.len()
        ));
    }
    if let Some(v) = values.iter().find(|&&v| v < 0.0) {
        return Err(invalid!("confidence weight {v} < 0"));
    }
    let system = RowSystem {
        cols: items,
        values,
        other: item_embeddings,
        base: Base::Matrix(gram),
        objective: Objective::Implicit,
    };
    let embedding = solve(&system, k)?;
    Ok(FoldedIn {
        embedding,
        bias: 0.0,
    })
}

fn solve(system: &RowSystem<'_>, k: usize) -> Result<Vec<f32>> {
    let mut x = vec![0f32; k];
    system
        .solve(Solver::Cholesky, &mut Scratch::new(k), &mut x)
        .map_err(|NotPositiveDefinite(p)| not_positive_definite("the new user", 0, p))?;
    Ok(x)
}
