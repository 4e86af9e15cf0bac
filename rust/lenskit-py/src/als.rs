//! ALS matrix factorisation entry points.

use lenskit_als::{
    fit_biases, fold_in_explicit, fold_in_implicit, gram, residuals, train, AlsOptions, BiasView,
    Damping, Embeddings, EmbeddingsView, ItemPanels, MfModel, Objective, PanelsView, Solver,
};
use lenskit_core::Exec;
use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::arrays::{ratings, slice, RatingArrays};
use crate::run::{run_exec, run_here, run_on_pool};
use crate::scoring::{recommend_with, score_with};
use crate::RecommendArrays;

type Matrix<'py> = Bound<'py, PyArray2<f32>>;

/// Borrow a C-contiguous `n x k` array as embeddings.
fn embeddings_view<'a>(
    what: &str,
    array: &'a PyReadonlyArray2<'_, f32>,
) -> PyResult<EmbeddingsView<'a>> {
    let shape = array.shape();
    let data = array
        .as_slice()
        .map_err(|_| PyValueError::new_err(format!("{what} must be a C-contiguous array")))?;
    EmbeddingsView::new(what, shape[0], shape[1], data)
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

fn matrix_out(py: Python<'_>, m: Embeddings) -> PyResult<Matrix<'_>> {
    let (n, k) = (m.n_rows(), m.dim());
    m.into_vec().into_pyarray(py).reshape([n, k])
}

/// Fit the bias model of explicit ratings; see `_accel.pyi`.
#[pyfunction]
#[pyo3(signature = (shape, data, *, damping_user, damping_item))]
#[allow(clippy::type_complexity)]
pub fn als_biases<'py>(
    py: Python<'py>,
    shape: (usize, usize),
    data: RatingArrays<'py>,
    damping_user: f64,
    damping_item: f64,
) -> PyResult<(
    f64,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f32>>,
)> {
    let data = ratings(shape, &data)?;
    let damping = Damping {
        user: damping_user,
        item: damping_item,
    };
    let (biases, res) = run_here(py, || {
        data.validate()?;
        let biases = fit_biases(&data, damping)?;
        let res = residuals(&data, biases.view())?;
        Ok((biases, res))
    })?;
    Ok((
        biases.global,
        biases.items.into_pyarray(py),
        biases.users.into_pyarray(py),
        res.into_pyarray(py),
    ))
}

/// Train ALS on the global pool (interruptible); see `_accel.pyi`.
#[pyfunction]
#[pyo3(signature = (shape, data, users, items, *, implicit, epochs, reg_user, reg_item, cg_steps=None))]
#[allow(clippy::too_many_arguments)]
pub fn als_train<'py>(
    py: Python<'py>,
    shape: (usize, usize),
    data: RatingArrays<'py>,
    users: PyReadonlyArray2<'py, f32>,
    items: PyReadonlyArray2<'py, f32>,
    implicit: bool,
    epochs: usize,
    reg_user: f32,
    reg_item: f32,
    cg_steps: Option<usize>,
) -> PyResult<(Matrix<'py>, Matrix<'py>)> {
    let data = ratings(shape, &data)?;
    let users = embeddings_view("initial user embeddings", &users)?;
    let items = embeddings_view("initial item embeddings", &items)?;
    let opts = AlsOptions {
        objective: if implicit {
            Objective::Implicit
        } else {
            Objective::Explicit
        },
        solver: match cg_steps {
            Some(steps) => Solver::ConjugateGradient { steps },
            None => Solver::Cholesky,
        },
        epochs,
        reg_user,
        reg_item,
    };
    let owned = |e: EmbeddingsView<'_>, what: &str| {
        Embeddings::new(what, e.n_rows(), e.dim(), e.as_slice().to_vec())
    };
    let trained = run_on_pool(py, |cancel| {
        train(
            &data,
            owned(users, "user embeddings")?,
            owned(items, "item embeddings")?,
            &opts,
            &Exec::parallel().with_cancel(cancel),
        )
    })?;
    Ok((
        matrix_out(py, trained.users)?,
        matrix_out(py, trained.items)?,
    ))
}

/// `Y^T Y + reg I` of embeddings `Y`; see `_accel.pyi`.
#[pyfunction]
pub fn als_gram<'py>(
    py: Python<'py>,
    embeddings: PyReadonlyArray2<'py, f32>,
    reg: f32,
) -> PyResult<Matrix<'py>> {
    let y = embeddings_view("embeddings", &embeddings)?;
    let k = y.dim();
    let g = run_exec(py, true, |exec| gram(y, reg, exec))?;
    g.into_pyarray(py).reshape([k, k])
}

/// Item embeddings packed for scoring; see `_accel.pyi`.
#[pyfunction]
pub fn als_item_panels<'py>(
    py: Python<'py>,
    items: PyReadonlyArray2<'py, f32>,
) -> PyResult<Bound<'py, PyArray1<f32>>> {
    let items = embeddings_view("item embeddings", &items)?;
    let panels = py.detach(|| ItemPanels::pack(items));
    Ok(panels.into_vec().into_pyarray(py))
}

/// The arrays of a fitted model, as passed from Python.
type MfModelArrays<'py> = (
    (usize, usize),
    RatingArrays<'py>,
    PyReadonlyArray2<'py, f32>,
    PyReadonlyArray1<'py, f32>,
    Option<(f64, PyReadonlyArray1<'py, f64>, PyReadonlyArray1<'py, f64>)>,
);

fn mf_model<'a>(model: &'a MfModelArrays<'_>) -> PyResult<MfModel<'a>> {
    let (shape, rated, users, panels, biases) = model;
    let biases = match biases {
        Some((global, items, users)) => Some(BiasView {
            global: *global,
            items: slice(items, "item_biases")?,
            users: slice(users, "user_biases")?,
        }),
        None => None,
    };
    let users = embeddings_view("user embeddings", users)?;
    let panels = PanelsView::new(
        "item panels",
        shape.1,
        users.dim(),
        slice(panels, "item panels")?,
    )
    .map_err(|e| PyValueError::new_err(e.to_string()))?;
    MfModel::new(ratings(*shape, rated)?, users, panels, biases)
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

/// Score (user, item) pairs; see `_accel.pyi`.
#[pyfunction]
#[pyo3(signature = (model, *, users, items, parallel))]
pub fn als_score<'py>(
    py: Python<'py>,
    model: MfModelArrays<'py>,
    users: PyReadonlyArray1<'py, i32>,
    items: PyReadonlyArray1<'py, i32>,
    parallel: bool,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    score_with(py, &mf_model(&model)?, &users, &items, parallel)
}

/// Top-N recommendations; see `_accel.pyi`.
#[pyfunction]
#[pyo3(signature = (model, *, users, n, candidates, exclude_seen, parallel))]
pub fn als_recommend<'py>(
    py: Python<'py>,
    model: MfModelArrays<'py>,
    users: PyReadonlyArray1<'py, i32>,
    n: usize,
    candidates: Option<PyReadonlyArray1<'py, i32>>,
    exclude_seen: bool,
    parallel: bool,
) -> PyResult<RecommendArrays<'py>> {
    let m = mf_model(&model)?;
    recommend_with(
        py,
        &m,
        lenskit_als::recommend,
        &users,
        n,
        candidates.as_ref(),
        exclude_seen,
        parallel,
    )
}

/// A new user's embedding and bias from their ratings; see `_accel.pyi`.
#[pyfunction]
#[pyo3(signature = (item_embeddings, global_bias, item_biases, *, user_damping, reg, items, ratings))]
#[allow(clippy::too_many_arguments)]
pub fn als_fold_in_explicit<'py>(
    py: Python<'py>,
    item_embeddings: PyReadonlyArray2<'py, f32>,
    global_bias: f64,
    item_biases: PyReadonlyArray1<'py, f64>,
    user_damping: f64,
    reg: f32,
    items: PyReadonlyArray1<'py, i32>,
    ratings: PyReadonlyArray1<'py, f32>,
) -> PyResult<(Bound<'py, PyArray1<f32>>, f64)> {
    let y = embeddings_view("item embeddings", &item_embeddings)?;
    let biases = slice(&item_biases, "item_biases")?;
    let items = slice(&items, "items")?;
    let ratings = slice(&ratings, "ratings")?;
    let f = run_here(py, || {
        fold_in_explicit(y, global_bias, biases, user_damping, reg, items, ratings)
    })?;
    Ok((f.embedding.into_pyarray(py), f.bias))
}

/// A new user's embedding from their interactions; see `_accel.pyi`.
#[pyfunction]
#[pyo3(signature = (item_embeddings, gram, *, items, values))]
pub fn als_fold_in_implicit<'py>(
    py: Python<'py>,
    item_embeddings: PyReadonlyArray2<'py, f32>,
    gram: PyReadonlyArray2<'py, f32>,
    items: PyReadonlyArray1<'py, i32>,
    values: PyReadonlyArray1<'py, f32>,
) -> PyResult<Bound<'py, PyArray1<f32>>> {
    let y = embeddings_view("item embeddings", &item_embeddings)?;
    let g = gram
        .as_slice()
        .map_err(|_| PyValueError::new_err("gram must be a C-contiguous array"))?;
    let items = slice(&items, "items")?;
    let values = slice(&values, "values")?;
    let f = run_here(py, || fold_in_implicit(y, g, items, values))?;
    Ok(f.embedding.into_pyarray(py))
}
