//! Before training: the ratings transposed to item-major order and centred
//! on the item means the way Java LensKit computes them, in both layouts the
//! training kernel walks.

use super::row::Vectors;
use crate::alloc;
use crate::error::Result;
use crate::exec::Exec;
use crate::sparse::{transpose_on, Ratings, Transposed};

/// Entries per task when filling entry-sized arrays in parallel.
const FILL_CHUNK: usize = 1 << 15;

/// Set `out[p] = f(p)` for every position, spread over the workers.
fn fill(out: &mut [f64], exec: &Exec<'_>, f: impl Fn(usize) -> f64 + Sync + Send) {
    let chunks: Vec<(usize, &mut [f64])> = out.chunks_mut(FILL_CHUNK).enumerate().collect();
    exec.for_each(chunks, |(c, chunk)| {
        let first = c * FILL_CHUNK;
        for (p, x) in chunk.iter_mut().enumerate() {
            *x = f(first + p);
        }
    });
}

/// Split `values` into the rows that `indptr` delimits.
fn split_rows<'a>(mut values: &'a mut [f64], indptr: &[i64]) -> Vec<&'a mut [f64]> {
    indptr
        .windows(2)
        .map(|w| {
            let (row, rest) = std::mem::take(&mut values).split_at_mut((w[1] - w[0]) as usize);
            values = rest;
            row
        })
        .collect()
}

/// Centre one item's ratings on its mean, the way Java LensKit computes
/// it (the global mean plus the item's mean offset from it), and give the
/// mean and the centred vector's norm.
///
/// An item whose ratings are all equal has that rating as its mean, so its
/// centred vector is exactly zero: through the global mean, rounding can
/// leave a residue of about 1e-16 whose direction is noise, and the cosine
/// of noise (which ignores its scale) would make the item a strong
/// neighbour of unrelated items.
fn centre_item(ratings: &mut [f64], global: f64) -> (f64, f64) {
    let Some(&first) = ratings.first() else {
        return (0.0, 0.0);
    };
    let mean = if ratings.iter().all(|&x| x == first) {
        first
    } else {
        global + ratings.iter().fold(0.0, |s, &x| s + (x - global)) / ratings.len() as f64
    };
    for x in ratings.iter_mut() {
        *x -= mean;
    }
    (mean, ratings.iter().fold(0.0, |s, &x| s + x * x).sqrt())
}

/// The centred item vectors: item means (explicit feedback only), the
/// centred values in item-major order (`t`'s) and in user-major order
/// (`ratings`'), and each item's norm.
fn centre_values(
    ratings: &Ratings<'_>,
    values: Option<&[f32]>,
    t: &Transposed,
    exec: &Exec<'_>,
) -> Result<CentredValues> {
    let nnz = ratings.nnz();
    let n_items = ratings.n_items();
    let what = "the centred item vectors";
    let Some(v) = values else {
        let norms = t
            .indptr
            .windows(2)
            .map(|w| ((w[1] - w[0]) as f64).sqrt())
            .collect();
        let ones = alloc::filled(nnz, 1.0, what)?;
        return Ok((None, ones.clone(), ones, norms));
    };
    let mut item_c = alloc::zeroed(nnz, what)?;
    fill(&mut item_c, exec, |p| f64::from(v[t.source[p]]));
    // the global mean sums item by item, users in order, as Java does
    let global = if nnz == 0 {
        0.0
    } else {
        item_c.iter().fold(0.0, |s, &r| s + r) / nnz as f64
    };
    let mut means = vec![0.0; n_items];
    let mut norms = vec![0.0; n_items];
    let items: Vec<_> = split_rows(&mut item_c, &t.indptr)
        .into_iter()
        .zip(means.iter_mut().zip(norms.iter_mut()))
        .collect();
    exec.for_each(items, |(ratings, (mean, norm))| {
        (*mean, *norm) = centre_item(ratings, global);
    });
    let mut user_c = alloc::zeroed(nnz, what)?;
    let items_of = ratings.indices();
    fill(&mut user_c, exec, |q| {
        f64::from(v[q]) - means[items_of[q] as usize]
    });
    Ok((Some(means), item_c, user_c, norms))
}

/// Item means (explicit feedback), centred values in item-major and in
/// user-major order, and item norms.
type CentredValues = (Option<Vec<f64>>, Vec<f64>, Vec<f64>, Vec<f64>);

/// The centred item vectors of `ratings`, and the item means when
/// `values` (explicit ratings) are given.
pub(super) fn centred_vectors<'a>(
    ratings: &Ratings<'a>,
    values: Option<&[f32]>,
    exec: &Exec<'_>,
) -> Result<(Option<Vec<f64>>, Vectors<'a>)> {
    let n_items = ratings.n_items();
    let t = transpose_on(
        ratings.n_users(),
        n_items,
        ratings.indptr(),
        ratings.indices(),
        exec,
    )?;
    let (means, item_c, user_c, item_norms) = centre_values(ratings, values, &t, exec)?;
    let vectors = Vectors {
        n_items,
        item_indptr: t.indptr,
        item_users: t.indices,
        item_source: t.source,
        item_c,
        user_indptr: ratings.indptr(),
        user_items: ratings.indices(),
        user_c,
        item_norms,
    };
    Ok((means, vectors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_with_equal_ratings_centres_to_exactly_zero() {
        // through this global mean, three ratings of 0.5 leave a residue
        // of rounding when centred the Java way
        let global = 33.5 / 18.0;
        let offset = (3.0 * (0.5 - global)) / 3.0;
        assert_ne!(global + offset, 0.5, "the case this test is about");
        let mut ratings = [0.5, 0.5, 0.5];
        assert_eq!(centre_item(&mut ratings, global), (0.5, 0.0));
        assert_eq!(ratings, [0.0; 3]);
    }

    #[test]
    fn other_items_centre_on_the_java_mean() {
        let global = 33.5 / 18.0;
        let mut ratings = [5.0, 0.5];
        let (mean, norm) = centre_item(&mut ratings, global);
        let java = global + ((5.0 - global) + (0.5 - global)) / 2.0;
        assert_eq!(mean, java);
        assert_eq!(ratings, [5.0 - java, 0.5 - java]);
        assert_eq!(
            norm,
            (ratings[0] * ratings[0] + ratings[1] * ratings[1]).sqrt()
        );
    }
}
