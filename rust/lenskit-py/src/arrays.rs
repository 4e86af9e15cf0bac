//! Borrowing numpy arrays as slices and returning vectors as arrays.

use lenskit_knn::sparse::{CsrView, Finite, Ratings};
use numpy::{PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// A CSR matrix passed from Python as `(indptr, indices, values)`.
pub type CsrArrays<'py, V = f32> = (
    PyReadonlyArray1<'py, i64>,
    PyReadonlyArray1<'py, i32>,
    PyReadonlyArray1<'py, V>,
);

/// A rating matrix passed from Python as `(indptr, indices, values or None)`.
pub type RatingArrays<'py> = (
    PyReadonlyArray1<'py, i64>,
    PyReadonlyArray1<'py, i32>,
    Option<PyReadonlyArray1<'py, f32>>,
);

/// Borrow a contiguous array as a slice.
pub fn slice<'a, T: numpy::Element>(
    array: &'a PyReadonlyArray1<'_, T>,
    name: &str,
) -> PyResult<&'a [T]> {
    array.as_slice().map_err(|_| {
        PyValueError::new_err(format!(
            "{name} must be a C-contiguous array (got strides {:?})",
            array.strides()
        ))
    })
}

/// Borrow `(indptr, indices, values)` as a rating matrix of the given shape.
pub fn ratings<'a>(shape: (usize, usize), arrays: &'a RatingArrays<'_>) -> PyResult<Ratings<'a>> {
    let values = match &arrays.2 {
        Some(v) => Some(slice(v, "ratings.values")?),
        None => None,
    };
    Ratings::new(
        shape.0,
        shape.1,
        slice(&arrays.0, "ratings.indptr")?,
        slice(&arrays.1, "ratings.indices")?,
        values,
    )
    .map_err(|e| PyValueError::new_err(e.to_string()))
}

/// Borrow `(indptr, indices, values)` as a CSR matrix of the given shape.
pub fn csr<'a, V: numpy::Element + Copy + Finite>(
    what: &str,
    shape: (usize, usize),
    arrays: &'a CsrArrays<'_, V>,
) -> PyResult<CsrView<'a, V>> {
    CsrView::new(
        what,
        shape.0,
        shape.1,
        slice(&arrays.0, what)?,
        slice(&arrays.1, what)?,
        slice(&arrays.2, what)?,
    )
    .map_err(|e| PyValueError::new_err(e.to_string()))
}
