//! Dense row-major matrices of embeddings: one row of `dim` values per user
//! or item.

use std::ops::Range;

use lenskit_core::error::{invalid, Result};

/// Owned embeddings, `n_rows x dim`, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Embeddings {
    n_rows: usize,
    dim: usize,
    data: Vec<f32>,
}

impl Embeddings {
    /// Take `data` as `n_rows` rows of `dim` values.
    pub fn new(what: &str, n_rows: usize, dim: usize, data: Vec<f32>) -> Result<Self> {
        check_shape(what, n_rows, dim, data.len())?;
        Ok(Embeddings { n_rows, dim, data })
    }

    /// `n_rows` rows of zeros.
    pub fn zeros(n_rows: usize, dim: usize) -> Self {
        Embeddings {
            n_rows,
            dim,
            data: vec![0.0; n_rows * dim],
        }
    }

    /// Borrow as a view.
    pub fn view(&self) -> EmbeddingsView<'_> {
        EmbeddingsView {
            n_rows: self.n_rows,
            dim: self.dim,
            data: &self.data,
        }
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Values per row.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// All values, row after row.
    pub fn as_slice(&self) -> &[f32] {
        &self.data
    }

    /// All values, row after row, for updating in place.
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        &mut self.data
    }

    /// The values, row after row.
    pub fn into_vec(self) -> Vec<f32> {
        self.data
    }
}

/// Borrowed embeddings, `n_rows x dim`, row-major.
#[derive(Clone, Copy, Debug)]
pub struct EmbeddingsView<'a> {
    n_rows: usize,
    dim: usize,
    data: &'a [f32],
}

impl<'a> EmbeddingsView<'a> {
    /// View `data` as `n_rows` rows of `dim` values.
    pub fn new(what: &str, n_rows: usize, dim: usize, data: &'a [f32]) -> Result<Self> {
        check_shape(what, n_rows, dim, data.len())?;
        Ok(EmbeddingsView { n_rows, dim, data })
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Values per row.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Row `i`.
    #[inline]
    pub fn row(&self, i: usize) -> &'a [f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// All values, row after row.
    pub fn as_slice(&self) -> &'a [f32] {
        self.data
    }

    /// The rows in `range`.
    pub fn rows(&self, range: Range<usize>) -> EmbeddingsView<'a> {
        EmbeddingsView {
            n_rows: range.len(),
            dim: self.dim,
            data: &self.data[range.start * self.dim..range.end * self.dim],
        }
    }

    /// Whether every value is finite.
    pub fn all_finite(&self) -> bool {
        self.data.iter().all(|x| x.is_finite())
    }
}

fn check_shape(what: &str, n_rows: usize, dim: usize, len: usize) -> Result<()> {
    if dim == 0 {
        return Err(invalid!("{what}: embeddings need at least 1 dimension"));
    }
    match n_rows.checked_mul(dim) {
        Some(n) if n == len => Ok(()),
        _ => Err(invalid!(
            "{what}: {len} values cannot be {n_rows} rows of {dim}"
        )),
    }
}
