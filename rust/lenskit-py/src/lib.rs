//! Thin PyO3 layer: converts arrays, releases the GIL, calls lenskit-knn.
use pyo3::prelude::*;

#[pymodule(gil_used = false)]
mod _accel {}
