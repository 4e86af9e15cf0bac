//! Alternating least squares: each epoch solves every user's system given
//! the item embeddings, then every item's given the user embeddings.
//!
//! Each half-epoch is one parallel pass over rows; a row's new embedding
//! depends only on the other side's embeddings from before the pass, so
//! rows are independent and the result does not depend on which worker
//! solves which row. The Gram matrix of the implicit objective is summed
//! over fixed blocks of rows and the blocks are added in order, so it too
//! is the same for any thread count.

use lenskit_core::error::{invalid, Result};
use lenskit_core::exec::Exec;
use lenskit_core::sparse::{transpose_map_on, CsrView, Ratings};

use crate::dense::{add_gram, dispatch, mirror_upper, NotPositiveDefinite};
use crate::embeddings::{Embeddings, EmbeddingsView};
use crate::solve::{Base, Objective, RowSystem, Scratch, Solver};

/// Rows summed together into one partial Gram matrix.
const GRAM_BLOCK_ROWS: usize = 1024;

/// Training settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AlsOptions {
    /// What the embeddings are fitted to; see [`Objective`].
    pub objective: Objective,
    /// How each row's system is solved.
    pub solver: Solver,
    /// Full epochs (a user half and an item half each).
    pub epochs: usize,
    /// Regularisation of user embeddings (> 0).
    pub reg_user: f32,
    /// Regularisation of item embeddings (> 0).
    pub reg_item: f32,
}

/// Trained embeddings.
#[derive(Clone, Debug, PartialEq)]
pub struct Trained {
    /// One row per user.
    pub users: Embeddings,
    /// One row per item.
    pub items: Embeddings,
}

fn check_options(opts: &AlsOptions) -> Result<()> {
    for (name, reg) in [("user", opts.reg_user), ("item", opts.reg_item)] {
        if !(reg.is_finite() && reg > 0.0) {
            return Err(invalid!(
                "{name} regularization must be a finite number > 0, got {reg}"
            ));
        }
    }
    if opts.solver == (Solver::ConjugateGradient { steps: 0 }) {
        return Err(invalid!("conjugate gradient needs at least 1 step"));
    }
    Ok(())
}

fn check_inputs(
    data: &Ratings<'_>,
    users: &Embeddings,
    items: &Embeddings,
    objective: Objective,
) -> Result<()> {
    data.validate()?;
    let Some(values) = data.values() else {
        return Err(invalid!("ALS training needs a value for every entry"));
    };
    if objective == Objective::Implicit {
        if let Some(p) = values.iter().position(|&v| v < 0.0) {
            return Err(invalid!(
                "implicit ALS: entry {p} has confidence weight {} < 0",
                values[p]
            ));
        }
    }
    if users.n_rows() != data.n_users() || items.n_rows() != data.n_items() {
        return Err(invalid!(
            "embeddings of {} users and {} items for data of {} users and {} items",
            users.n_rows(),
            items.n_rows(),
            data.n_users(),
            data.n_items()
        ));
    }
    if users.dim() != items.dim() {
        return Err(invalid!(
            "user embeddings have {} dimensions but item embeddings {}",
            users.dim(),
            items.dim()
        ));
    }
    if !users.view().all_finite() || !items.view().all_finite() {
        return Err(invalid!("initial embeddings must be finite"));
    }
    Ok(())
}

/// Train from the initial embeddings `users` and `items` for `opts.epochs`
/// epochs on `data`, whose values are residual ratings (explicit) or
/// confidence minus one (implicit, all >= 0).
///
/// Stops with [`lenskit_core::KernelError::Cancelled`] between rows when
/// `exec`'s cancel flag is raised.
pub fn train(
    data: &Ratings<'_>,
    mut users: Embeddings,
    mut items: Embeddings,
    opts: &AlsOptions,
    exec: &Exec<'_>,
) -> Result<Trained> {
    check_options(opts)?;
    check_inputs(data, &users, &items, opts.objective)?;
    let values = data.values().unwrap_or(&[]);
    let user_rows = CsrView::new(
        "ratings",
        data.n_users(),
        data.n_items(),
        data.indptr(),
        data.indices(),
        values,
    )?;
    let (t_indptr, t_indices, t_values) = transpose_map_on(
        data.n_users(),
        data.n_items(),
        data.indptr(),
        data.indices(),
        exec,
        |p| values[p],
    )?;
    let item_rows = CsrView::new(
        "transposed ratings",
        data.n_items(),
        data.n_users(),
        &t_indptr,
        &t_indices,
        &t_values,
    )?;
    for _ in 0..opts.epochs {
        half_epoch(
            "user",
            user_rows,
            &mut users,
            items.view(),
            opts.reg_user,
            opts,
            exec,
        )?;
        half_epoch(
            "item",
            item_rows,
            &mut items,
            users.view(),
            opts.reg_item,
            opts,
            exec,
        )?;
    }
    Ok(Trained { users, items })
}

/// Solve every row of `this` given `other`.
fn half_epoch(
    what: &str,
    rows: CsrView<'_, f32>,
    this: &mut Embeddings,
    other: EmbeddingsView<'_>,
    reg: f32,
    opts: &AlsOptions,
    exec: &Exec<'_>,
) -> Result<()> {
    let k = this.dim();
    let gram = match opts.objective {
        Objective::Implicit => Some(gram(other, reg, exec)?),
        Objective::Explicit => None,
    };
    exec.try_for_each_row_mut(
        this.as_mut_slice(),
        k,
        || Scratch::new(k),
        |scratch, i, x| {
            let (cols, values) = rows.row(i);
            let base = match &gram {
                Some(g) => Base::Matrix(g),
                None => Base::Diagonal(reg * cols.len() as f32),
            };
            let system = RowSystem {
                cols,
                values,
                other,
                base,
                objective: opts.objective,
            };
            system
                .solve(opts.solver, scratch, x)
                .map_err(|NotPositiveDefinite(p)| not_positive_definite(what, i, p))
        },
    )
}

pub(crate) fn not_positive_definite(
    what: &str,
    row: usize,
    pivot: usize,
) -> lenskit_core::KernelError {
    invalid!(
        "the regularised system of {what} {row} is not positive definite (pivot {pivot}); \
         the data or embeddings hold values too large for single precision, \
         or the regularization is too small"
    )
}

/// `Y^T Y + reg I` of the rows of `other`, as a full symmetric matrix.
pub fn gram(other: EmbeddingsView<'_>, reg: f32, exec: &Exec<'_>) -> Result<Vec<f32>> {
    let k = other.dim();
    let n = other.n_rows();
    let blocks = n.div_ceil(GRAM_BLOCK_ROWS);
    let partials = exec.map_indexed(
        blocks,
        || (),
        |_, b| {
            let start = b * GRAM_BLOCK_ROWS;
            let end = n.min(start + GRAM_BLOCK_ROWS);
            let mut part = vec![0f32; k * k];
            gram_block(&mut part, other.rows(start..end));
            part
        },
    )?;
    let mut total = vec![0f32; k * k];
    for part in &partials {
        for (t, p) in total.iter_mut().zip(part) {
            *t += p;
        }
    }
    for i in 0..k {
        total[i * k + i] += reg;
    }
    mirror_upper(&mut total, k);
    Ok(total)
}

dispatch!(fn gram_block(part: &mut [f32], rows: EmbeddingsView<'_>) => add_gram);
