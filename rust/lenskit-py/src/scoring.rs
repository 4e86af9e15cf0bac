//! Scoring and top-N for any fitted model: the part of every model's
//! binding that is the same once its arrays are borrowed as a
//! [`UserScorer`].

use lenskit_core::{score_pairs, Exec, Recommendations, UserScorer};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::arrays::slice;
use crate::run::run_exec;
use crate::RecommendArrays;

/// Score `(users[p], items[p])` pairs; see `_accel.pyi`.
pub fn score_with<'py, M: UserScorer>(
    py: Python<'py>,
    model: &M,
    users: &PyReadonlyArray1<'py, i32>,
    items: &PyReadonlyArray1<'py, i32>,
    parallel: bool,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let users = slice(users, "users")?;
    let items = slice(items, "items")?;
    let scores = run_exec(py, parallel, |exec| score_pairs(model, users, items, exec))?;
    Ok(scores.into_pyarray(py))
}

/// How a model ranks items for many users: `lenskit_core::recommend`, or a
/// model's own faster way to the same lists.
pub type Ranker<M> =
    fn(&M, &[i32], usize, Option<&[i32]>, bool, &Exec<'_>) -> lenskit_core::Result<Recommendations>;

/// Top-`n` items for each of `users`, ranked by `ranker`; see `_accel.pyi`.
#[allow(clippy::too_many_arguments)]
pub fn recommend_with<'py, M: UserScorer>(
    py: Python<'py>,
    model: &M,
    ranker: Ranker<M>,
    users: &PyReadonlyArray1<'py, i32>,
    n: usize,
    candidates: Option<&PyReadonlyArray1<'py, i32>>,
    exclude_seen: bool,
    parallel: bool,
) -> PyResult<RecommendArrays<'py>> {
    let users = slice(users, "users")?;
    let candidates = match candidates {
        Some(c) => Some(slice(c, "candidates")?),
        None => None,
    };
    let recs = run_exec(py, parallel, |exec| {
        ranker(model, users, n, candidates, exclude_seen, exec)
    })?;
    Ok(crate::recommend_out(py, recs))
}
