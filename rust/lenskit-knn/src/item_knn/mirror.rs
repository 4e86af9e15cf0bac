//! The whole similarity matrix from its upper triangle.
//!
//! Training without truncation computes each similarity once, in the row
//! of the lower-numbered item; this fills in the other half. Every row of
//! the result is its mirrored entries (columns below the row, from earlier
//! rows, in row order) followed by its own (columns above it), so rows stay
//! in increasing column order with no sorting.

use std::ops::Range;

use super::fit::MATRIX_MEMORY;
use crate::alloc;
use crate::error::Result;
use crate::exec::Exec;
use crate::sparse::{row_at_share, CsrMatrix};

/// Rows of the result written per pass over the earlier rows: few enough
/// that the places each row's next mirrored entry goes stay in cache.
const PASS_ROWS: usize = 256;

/// Parts of the result per worker: parts near the end scan more rows (every
/// row before them), so a few per worker keep the workers evenly loaded.
const PARTS_PER_WORKER: usize = 4;

/// The symmetric matrix whose entries above the diagonal are `upper`'s,
/// which must have no entries on or below it.
///
/// The result is built in parts of consecutive rows, each written by one
/// task into its own stretch of the arrays; the parts only move entries,
/// so the result does not depend on how many there are.
pub(super) fn mirror_upper(upper: &CsrMatrix<f64>, exec: &Exec<'_>) -> Result<CsrMatrix<f64>> {
    let n = upper.n_rows;
    let below = entries_per_column(upper, exec);
    let mut indptr = Vec::with_capacity(n + 1);
    indptr.push(0i64);
    let mut end = 0i64;
    for (i, &extra) in below.iter().enumerate() {
        end += i64::from(extra) + (upper.indptr[i + 1] - upper.indptr[i]);
        indptr.push(end);
    }
    let nnz = end as usize;
    // zeroed allocations come as untouched pages, first written (and so
    // placed) by the tasks below
    let mut indices = alloc::zeroed::<i32>(nnz, MATRIX_MEMORY)?;
    let mut values = alloc::zeroed::<f64>(nnz, MATRIX_MEMORY)?;
    let n_parts = (exec.workers() * PARTS_PER_WORKER).clamp(1, n.max(1));
    let mut parts = Vec::with_capacity(n_parts);
    let (mut rest_indices, mut rest_values) = (indices.as_mut_slice(), values.as_mut_slice());
    let mut start = 0;
    for p in 1..=n_parts {
        let stop = row_at_share(&indptr, n, p, n_parts).max(start);
        let len = (indptr[stop] - indptr[start]) as usize;
        let (part_indices, tail) = std::mem::take(&mut rest_indices).split_at_mut(len);
        rest_indices = tail;
        let (part_values, tail) = std::mem::take(&mut rest_values).split_at_mut(len);
        rest_values = tail;
        parts.push((start..stop, part_indices, part_values));
        start = stop;
    }
    exec.for_each(parts, |(rows, part_indices, part_values)| {
        fill_rows(upper, &indptr, rows, part_indices, part_values);
    });
    Ok(CsrMatrix {
        n_rows: n,
        n_cols: upper.n_cols,
        indptr,
        indices,
        values,
    })
}

/// How many entries each column of `upper` holds: the entries its row
/// gains from the mirror.
fn entries_per_column(upper: &CsrMatrix<f64>, exec: &Exec<'_>) -> Vec<u32> {
    let n = upper.n_rows;
    let stripe = upper.indices.len().div_ceil(exec.workers()).max(1);
    let mut stripes: Vec<(Vec<u32>, &[i32])> = upper
        .indices
        .chunks(stripe)
        .map(|columns| (Vec::new(), columns))
        .collect();
    exec.for_each(stripes.iter_mut().collect(), |(counts, columns)| {
        *counts = vec![0; n];
        for &j in columns.iter() {
            counts[j as usize] += 1;
        }
    });
    let mut total = vec![0u32; n];
    for (counts, _) in &stripes {
        for (t, &c) in total.iter_mut().zip(counts) {
            *t += c;
        }
    }
    total
}

/// Write rows `rows` of the mirrored matrix into `indices` and `values`,
/// which hold exactly those rows, laid out by `indptr`.
///
/// The rows are written a pass of [`PASS_ROWS`] at a time. A pass visits
/// every row `k` before its end in increasing order: the entries `(k, j)`
/// of `upper` with `j` in the pass become the next mirrored entries
/// `(j, k)` of row `j`, and a row of the pass gets its own entries when it
/// is reached, by which point every earlier row has given it its mirrored
/// ones. Each row keeps a cursor where the last pass left it, so the scan
/// reads every entry once.
fn fill_rows(
    upper: &CsrMatrix<f64>,
    indptr: &[i64],
    rows: Range<usize>,
    indices: &mut [i32],
    values: &mut [f64],
) {
    let view = upper.view();
    let base = indptr[rows.start];
    let mut cursors: Vec<Cursor> = (0..rows.end)
        .map(|k| {
            let range = view.row_range(k);
            let (cols, _) = view.row(k);
            let skip = cols.partition_point(|&j| (j as usize) < rows.start);
            Cursor::at(upper, range.start + skip, range.end)
        })
        .collect();
    for first in rows.clone().step_by(PASS_ROWS) {
        let pass = first..(first + PASS_ROWS).min(rows.end);
        let mut next: Vec<usize> = indptr[pass.clone()]
            .iter()
            .map(|&p| (p - base) as usize)
            .collect();
        for (k, cursor) in cursors.iter_mut().enumerate().take(pass.end) {
            if k >= pass.start {
                let (cols, sims) = view.row(k);
                let own = next[k - pass.start];
                indices[own..own + cols.len()].copy_from_slice(cols);
                values[own..own + cols.len()].copy_from_slice(sims);
            }
            // most rows have nothing in a given pass; say so without
            // reading them
            while cursor.col < pass.end {
                let slot = &mut next[cursor.col - pass.start];
                indices[*slot] = k as i32;
                values[*slot] = upper.values[cursor.pos];
                *slot += 1;
                *cursor = Cursor::at(upper, cursor.pos + 1, cursor.end);
            }
        }
    }
}

/// Where the mirror has got to in one row of the upper triangle.
#[derive(Clone, Copy)]
struct Cursor {
    /// The next entry to mirror, and the end of the row.
    pos: usize,
    end: usize,
    /// The column of the next entry (`usize::MAX` past the end), held
    /// here so a pass can pass over the row without reading it.
    col: usize,
}

impl Cursor {
    #[inline(always)]
    fn at(upper: &CsrMatrix<f64>, pos: usize, end: usize) -> Self {
        let col = if pos < end {
            upper.indices[pos] as usize
        } else {
            usize::MAX
        };
        Cursor { pos, end, col }
    }
}
