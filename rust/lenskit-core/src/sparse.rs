//! Compressed sparse row (CSR) matrices: borrowed views of caller-owned
//! arrays (numpy arrays, in the Python binding) and the owned similarity
//! matrices that training produces.
//!
//! Views check only array lengths when they are made, which is O(1); full
//! content checks ([`Ratings::validate`], [`CsrView::validate`]) are O(nnz)
//! and run where data enters the kernels (training). A view whose content is
//! inconsistent can make a kernel panic on an out-of-range index but never
//! read out of bounds: all indexing is checked.

use std::ops::Range;

use crate::alloc::{self, Zero};
use crate::error::{invalid, Result};
use crate::exec::Exec;

fn check_structure(
    what: &str,
    n_rows: usize,
    n_cols: usize,
    indptr: &[i64],
    indices: &[i32],
) -> Result<()> {
    if indptr.len() != n_rows + 1 {
        return Err(invalid!(
            "{what}: indptr has length {}, expected n_rows + 1 = {}",
            indptr.len(),
            n_rows + 1
        ));
    }
    if indptr[0] != 0 {
        return Err(invalid!("{what}: indptr[0] is {}, expected 0", indptr[0]));
    }
    if indptr[n_rows] != indices.len() as i64 {
        return Err(invalid!(
            "{what}: indptr ends at {} but there are {} indices",
            indptr[n_rows],
            indices.len()
        ));
    }
    if n_cols > i32::MAX as usize {
        return Err(invalid!(
            "{what}: {n_cols} columns do not fit 32-bit indices"
        ));
    }
    Ok(())
}

fn check_content(
    what: &str,
    n_cols: usize,
    indptr: &[i64],
    indices: &[i32],
    sorted: bool,
) -> Result<()> {
    for (r, w) in indptr.windows(2).enumerate() {
        if w[1] < w[0] {
            return Err(invalid!(
                "{what}: indptr decreases at row {r} ({} > {})",
                w[0],
                w[1]
            ));
        }
        let row = &indices[w[0] as usize..w[1] as usize];
        for (p, &c) in row.iter().enumerate() {
            if c < 0 || c as usize >= n_cols {
                return Err(invalid!(
                    "{what}: row {r} has column index {c}, outside 0..{n_cols}"
                ));
            }
            if sorted && p > 0 && row[p - 1] >= c {
                return Err(invalid!(
                    "{what}: row {r} has column indices out of order or repeated ({} then {c})",
                    row[p - 1]
                ));
            }
        }
    }
    Ok(())
}

/// A user-item rating matrix in CSR form: row `u` lists the items user `u`
/// interacted with, in increasing item order, with their ratings when the
/// data is explicit.
#[derive(Clone, Copy, Debug)]
pub struct Ratings<'a> {
    n_users: usize,
    n_items: usize,
    indptr: &'a [i64],
    indices: &'a [i32],
    values: Option<&'a [f32]>,
}

impl<'a> Ratings<'a> {
    /// Wrap CSR arrays, checking their lengths agree.
    pub fn new(
        n_users: usize,
        n_items: usize,
        indptr: &'a [i64],
        indices: &'a [i32],
        values: Option<&'a [f32]>,
    ) -> Result<Self> {
        check_structure("ratings", n_users, n_items, indptr, indices)?;
        if let Some(v) = values {
            if v.len() != indices.len() {
                return Err(invalid!(
                    "ratings: {} rating values for {} entries",
                    v.len(),
                    indices.len()
                ));
            }
        }
        Ok(Ratings {
            n_users,
            n_items,
            indptr,
            indices,
            values,
        })
    }

    /// Check every entry: rows non-decreasing, item indices in range and
    /// strictly increasing within a row, ratings finite.
    pub fn validate(&self) -> Result<()> {
        check_content("ratings", self.n_items, self.indptr, self.indices, true)?;
        if let Some(v) = self.values {
            if let Some(p) = v.iter().position(|x| !x.is_finite()) {
                return Err(invalid!(
                    "ratings: value at entry {p} is {}, not finite",
                    v[p]
                ));
            }
        }
        Ok(())
    }

    /// Number of users (rows).
    pub fn n_users(&self) -> usize {
        self.n_users
    }

    /// Number of items (columns).
    pub fn n_items(&self) -> usize {
        self.n_items
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Entry positions of user `u`'s row.
    #[inline]
    pub fn row_range(&self, u: usize) -> Range<usize> {
        self.indptr[u] as usize..self.indptr[u + 1] as usize
    }

    /// Item indices of user `u`'s row.
    #[inline]
    pub fn row_items(&self, u: usize) -> &'a [i32] {
        &self.indices[self.row_range(u)]
    }

    /// Ratings of user `u`'s row, if the data is explicit.
    #[inline]
    pub fn row_values(&self, u: usize) -> Option<&'a [f32]> {
        let r = self.row_range(u);
        self.values.map(|v| &v[r])
    }

    /// All item indices.
    pub fn indices(&self) -> &'a [i32] {
        self.indices
    }

    /// The row pointer array.
    pub fn indptr(&self) -> &'a [i64] {
        self.indptr
    }

    /// All ratings, if explicit.
    pub fn values(&self) -> Option<&'a [f32]> {
        self.values
    }
}

/// A CSR matrix of values of type `V`: for a similarity matrix (`f64`),
/// row `i` lists the neighbours of `i` and their similarities; for an item
/// index (`f32`), row `i` lists the users of item `i` and their vector
/// entries.
#[derive(Clone, Copy, Debug)]
pub struct CsrView<'a, V = f32> {
    n_rows: usize,
    n_cols: usize,
    indptr: &'a [i64],
    indices: &'a [i32],
    values: &'a [V],
}

impl<'a, V: Copy + Finite> CsrView<'a, V> {
    /// Wrap CSR arrays, checking their lengths agree.
    pub fn new(
        what: &str,
        n_rows: usize,
        n_cols: usize,
        indptr: &'a [i64],
        indices: &'a [i32],
        values: &'a [V],
    ) -> Result<Self> {
        check_structure(what, n_rows, n_cols, indptr, indices)?;
        if values.len() != indices.len() {
            return Err(invalid!(
                "{what}: {} values for {} entries",
                values.len(),
                indices.len()
            ));
        }
        Ok(CsrView {
            n_rows,
            n_cols,
            indptr,
            indices,
            values,
        })
    }

    /// Check every entry: rows non-decreasing, indices in range, values finite.
    pub fn validate(&self, what: &str) -> Result<()> {
        check_content(what, self.n_cols, self.indptr, self.indices, false)?;
        if let Some(p) = self.values.iter().position(|x| !x.finite()) {
            return Err(invalid!("{what}: value at entry {p} is not finite"));
        }
        Ok(())
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Entry positions of row `i`.
    #[inline]
    pub fn row_range(&self, i: usize) -> Range<usize> {
        self.indptr[i] as usize..self.indptr[i + 1] as usize
    }

    /// Length of row `i`.
    #[inline]
    pub fn row_len(&self, i: usize) -> usize {
        (self.indptr[i + 1] - self.indptr[i]) as usize
    }

    /// Column indices and values of row `i`.
    #[inline]
    pub fn row(&self, i: usize) -> (&'a [i32], &'a [V]) {
        let r = self.row_range(i);
        (&self.indices[r.clone()], &self.values[r])
    }
}

/// Values that can be checked for being finite.
pub trait Finite {
    /// Whether the value is finite (not NaN or infinite).
    fn finite(&self) -> bool;
}

impl Finite for f32 {
    fn finite(&self) -> bool {
        self.is_finite()
    }
}

impl Finite for f64 {
    fn finite(&self) -> bool {
        self.is_finite()
    }
}

/// An owned CSR matrix (similarities, or vector entries).
#[derive(Clone, Debug, PartialEq)]
pub struct CsrMatrix<V = f32> {
    /// Number of rows.
    pub n_rows: usize,
    /// Number of columns.
    pub n_cols: usize,
    /// Row pointers, length `n_rows + 1`.
    pub indptr: Vec<i64>,
    /// Column indices.
    pub indices: Vec<i32>,
    /// Values.
    pub values: Vec<V>,
}

impl<V: Copy> CsrMatrix<V> {
    /// Borrow as a [`CsrView`].
    pub fn view(&self) -> CsrView<'_, V> {
        CsrView {
            n_rows: self.n_rows,
            n_cols: self.n_cols,
            indptr: &self.indptr,
            indices: &self.indices,
            values: &self.values,
        }
    }

    /// Build from per-row `(value, column)` lists, in row order.
    pub fn from_rows(n_cols: usize, rows: Vec<Vec<(V, i32)>>) -> CsrMatrix<V> {
        let n_rows = rows.len();
        let nnz = rows.iter().map(Vec::len).sum();
        let mut indptr = Vec::with_capacity(n_rows + 1);
        let mut indices = Vec::with_capacity(nnz);
        let mut values = Vec::with_capacity(nnz);
        indptr.push(0);
        for row in rows {
            for (s, j) in row {
                indices.push(j);
                values.push(s);
            }
            indptr.push(indices.len() as i64);
        }
        CsrMatrix {
            n_rows,
            n_cols,
            indptr,
            indices,
            values,
        }
    }

    /// The transpose: row `j` lists every `i` whose row holds `j`, with the
    /// value stored there, in increasing `i` order, made on the workers of
    /// `exec` (the same whatever their number).
    pub fn transpose(&self, exec: &Exec<'_>) -> Result<CsrMatrix<V>>
    where
        V: Zero + Send + Sync,
    {
        let (indptr, indices, values) = transpose_map_on(
            self.n_rows,
            self.n_cols,
            &self.indptr,
            &self.indices,
            exec,
            |p| self.values[p],
        )?;
        Ok(CsrMatrix {
            n_rows: self.n_cols,
            n_cols: self.n_rows,
            indptr,
            indices,
            values,
        })
    }
}

/// The transpose of a CSR structure, with `source[p]` giving the entry of
/// the original matrix that transposed entry `p` came from.
///
/// Entries of each transposed row are in increasing original-row order, so
/// the result depends only on the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transposed {
    /// Row pointers of the transpose, length `n_cols + 1`.
    pub indptr: Vec<i64>,
    /// Original row index of each transposed entry.
    pub indices: Vec<i32>,
    /// Original entry position of each transposed entry.
    pub source: Vec<usize>,
}

/// Transpose the structure of an `n_rows` x `n_cols` CSR matrix by counting
/// sort, O(nnz + n_cols), on the calling thread.
pub fn transpose(
    n_rows: usize,
    n_cols: usize,
    indptr: &[i64],
    indices: &[i32],
) -> Result<Transposed> {
    transpose_on(n_rows, n_cols, indptr, indices, &Exec::sequential())
}

/// [`transpose`], with the rows split into one part per worker of `exec`.
///
/// Each part counts its entries per column; column `c` of the transpose
/// then holds part 0's entries, then part 1's, and so on, so every part
/// fills its own stretch of every column, and the result is the same
/// however many parts there are.
pub fn transpose_on(
    n_rows: usize,
    n_cols: usize,
    indptr: &[i64],
    indices: &[i32],
    exec: &Exec<'_>,
) -> Result<Transposed> {
    let (indptr, indices, source) = transpose_map_on(n_rows, n_cols, indptr, indices, exec, |p| p)?;
    Ok(Transposed {
        indptr,
        indices,
        source,
    })
}

/// [`transpose_on`], carrying `value_of(p)` for each original entry `p` to
/// its transposed place instead of `p` itself: row pointers, original row
/// indices and values of the transpose. Moving the values as the entries
/// move saves a gather through the source positions afterwards (and the
/// memory of the positions).
pub fn transpose_map_on<T: Zero + Send>(
    n_rows: usize,
    n_cols: usize,
    indptr: &[i64],
    indices: &[i32],
    exec: &Exec<'_>,
    value_of: impl Fn(usize) -> T + Sync,
) -> Result<(Vec<i64>, Vec<i32>, Vec<T>)> {
    let nnz = indices.len();
    // a part per worker, but none smaller than this many entries
    // and the per-part column tables no bigger than a quarter of the data
    const MIN_PART: usize = 1 << 16;
    let n_parts = exec
        .workers()
        .min(nnz / MIN_PART)
        .min(nnz / (4 * n_cols.max(1)))
        .max(1);
    let bounds: Vec<usize> = (0..=n_parts)
        .map(|p| row_at_share(indptr, n_rows, p, n_parts))
        .collect();
    let parts: Vec<Range<usize>> = bounds.windows(2).map(|w| w[0]..w[1]).collect();
    let mut counts: Vec<Vec<u32>> = parts.iter().map(|_| Vec::new()).collect();
    exec.for_each(counts.iter_mut().zip(&parts).collect(), |(count, rows)| {
        *count = vec![0; n_cols];
        let entries = indptr[rows.start] as usize..indptr[rows.end] as usize;
        for &c in &indices[entries] {
            count[c as usize] += 1;
        }
    });
    let mut t_indptr = vec![0i64; n_cols + 1];
    for c in 0..n_cols {
        let col: i64 = counts.iter().map(|count| i64::from(count[c])).sum();
        t_indptr[c + 1] = t_indptr[c] + col;
    }
    let mut t_indices = alloc::zeroed::<i32>(nnz, "a transposed index")?;
    let mut values = alloc::zeroed::<T>(nnz, "a transposed index")?;
    if parts.len() == 1 {
        // one part: each column's next slot as a flat position, with no
        // stretch per column to look up for every entry
        let mut next: Vec<usize> = t_indptr[..n_cols].iter().map(|&p| p as usize).collect();
        for r in 0..n_rows {
            let start = indptr[r] as usize;
            for (p, &c) in indices[start..indptr[r + 1] as usize].iter().enumerate() {
                let slot = &mut next[c as usize];
                t_indices[*slot] = r as i32;
                values[*slot] = value_of(start + p);
                *slot += 1;
            }
        }
        return Ok((t_indptr, t_indices, values));
    }
    let index_parts = split_columns(&mut t_indices, &counts);
    let value_parts = split_columns(&mut values, &counts);
    let work: Vec<_> = parts
        .into_iter()
        .zip(index_parts)
        .zip(value_parts)
        .collect();
    exec.for_each(work, |((rows, mut index_cols), mut value_cols)| {
        let mut next = vec![0usize; n_cols];
        for r in rows {
            let start = indptr[r] as usize;
            for (p, &c) in indices[start..indptr[r + 1] as usize].iter().enumerate() {
                let c = c as usize;
                index_cols[c][next[c]] = r as i32;
                value_cols[c][next[c]] = value_of(start + p);
                next[c] += 1;
            }
        }
        // the column lists held borrowed stretches only
        index_cols.clear();
        value_cols.clear();
    });
    Ok((t_indptr, t_indices, values))
}

/// The first row at or after the `p`-th of `n` equal shares of the entries.
pub fn row_at_share(indptr: &[i64], n_rows: usize, p: usize, n: usize) -> usize {
    if p == n {
        return n_rows;
    }
    let target = (indptr[n_rows] as usize * p / n) as i64;
    indptr[..n_rows].partition_point(|&x| x < target)
}

/// Split `out`, laid out column by column with every part's entries of a
/// column after the previous part's, into each part's list of per-column
/// stretches; `counts[p][c]` is part `p`'s count in column `c`.
fn split_columns<'a, T>(mut out: &'a mut [T], counts: &[Vec<u32>]) -> Vec<Vec<&'a mut [T]>> {
    let n_cols = counts.first().map_or(0, Vec::len);
    let mut lists: Vec<Vec<&mut [T]>> = counts.iter().map(|_| Vec::with_capacity(n_cols)).collect();
    for c in 0..n_cols {
        for (list, count) in lists.iter_mut().zip(counts) {
            let (head, rest) = std::mem::take(&mut out).split_at_mut(count[c] as usize);
            list.push(head);
            out = rest;
        }
    }
    lists
}
