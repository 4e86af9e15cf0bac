//! Small dense kernels on `f32`: dot products, scaled additions, sums of
//! weighted outer products, and the Cholesky solve of a k x k system.
//!
//! Every value is computed by a fixed sequence of IEEE operations that
//! depends only on the vector length, never on the SIMD width the compiler
//! picks: element-wise loops do the same operations on every element, and
//! dot products keep [`LANES`] partial sums that are added in a fixed tree.
//! No fused multiply-add is used, so results are the same on machines with
//! and without FMA, as well as for any thread count.
//!
//! Square matrices are k x k, row-major. The outer-product and Cholesky
//! kernels read and write only the upper triangle (`j >= i`); they may also
//! write a few entries just left of the diagonal so that every row update
//! starts on a multiple of [`ROW_ALIGN`], and those entries are meaningless.

/// Partial sums a dot product keeps before adding them up.
pub const LANES: usize = 16;

/// Row updates of the upper triangle start at a multiple of this column.
pub const ROW_ALIGN: usize = 8;

/// `a . b`, summed in [`LANES`] interleaved parts added in a fixed tree.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "dot of vectors of different lengths");
    let mut acc = [0f32; LANES];
    let mut xs = a.chunks_exact(LANES);
    let mut ys = b.chunks_exact(LANES);
    for (x, y) in (&mut xs).zip(&mut ys) {
        for l in 0..LANES {
            acc[l] += x[l] * y[l];
        }
    }
    for (l, (x, y)) in xs.remainder().iter().zip(ys.remainder()).enumerate() {
        acc[l] += x * y;
    }
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for l in 0..width {
            acc[l] += acc[l + width];
        }
    }
    acc[0]
}

/// `y += alpha * x`, element by element.
#[inline]
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), y.len(), "axpy of vectors of different lengths");
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

/// `out = m x` for a full symmetric (or any square) k x k matrix `m`.
#[inline]
pub fn matvec(m: &[f32], k: usize, x: &[f32], out: &mut [f32]) {
    for (i, o) in out.iter_mut().enumerate().take(k) {
        *o = dot(&m[i * k..(i + 1) * k], x);
    }
}

/// Add `sum_t w_t y_t y_t^T` to the upper triangle of `a`, for the `n`
/// terms `(w_t, y_t) = term(t)` in order.
///
/// Terms are taken four at a time so that each entry of `a` is loaded and
/// stored once per four terms; the additions to each entry still happen in
/// term order, so the result is the one of adding the terms one by one.
pub fn add_outer_products<'y>(
    a: &mut [f32],
    k: usize,
    n: usize,
    term: impl Fn(usize) -> (f32, &'y [f32]),
) {
    assert_eq!(
        a.len(),
        k * k,
        "outer products into a matrix of the wrong size"
    );
    let mut t = 0;
    while t + 4 <= n {
        let (w0, y0) = term(t);
        let (w1, y1) = term(t + 1);
        let (w2, y2) = term(t + 2);
        let (w3, y3) = term(t + 3);
        outer4(a, k, [w0, w1, w2, w3], [y0, y1, y2, y3]);
        t += 4;
    }
    while t < n {
        let (w, y) = term(t);
        outer1(a, k, w, y);
        t += 1;
    }
}

#[inline]
fn row_start(i: usize) -> usize {
    i - i % ROW_ALIGN
}

#[inline]
fn outer4(a: &mut [f32], k: usize, w: [f32; 4], y: [&[f32]; 4]) {
    let [y0, y1, y2, y3] = y;
    assert!(y0.len() == k && y1.len() == k && y2.len() == k && y3.len() == k);
    for i in 0..k {
        let s = [w[0] * y0[i], w[1] * y1[i], w[2] * y2[i], w[3] * y3[i]];
        let j0 = row_start(i);
        let row = &mut a[i * k + j0..(i + 1) * k];
        let cols = y0[j0..].iter().zip(&y1[j0..]).zip(&y2[j0..]).zip(&y3[j0..]);
        for (aj, (((c0, c1), c2), c3)) in row.iter_mut().zip(cols) {
            let mut v = *aj;
            v += s[0] * c0;
            v += s[1] * c1;
            v += s[2] * c2;
            v += s[3] * c3;
            *aj = v;
        }
    }
}

#[inline]
fn outer1(a: &mut [f32], k: usize, w: f32, y: &[f32]) {
    assert_eq!(y.len(), k);
    for i in 0..k {
        let s = w * y[i];
        let j0 = row_start(i);
        for (aj, c) in a[i * k + j0..(i + 1) * k].iter_mut().zip(&y[j0..]) {
            *aj += s * c;
        }
    }
}

/// Copy the upper triangle of `a` into its lower triangle.
pub fn mirror_upper(a: &mut [f32], k: usize) {
    for i in 0..k {
        for j in 0..i {
            a[i * k + j] = a[j * k + i];
        }
    }
}

/// The pivot at which a Cholesky factorisation failed: the matrix is not
/// (numerically) positive definite, or holds NaN or infinite values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotPositiveDefinite(pub usize);

/// Factor the symmetric positive definite matrix whose upper triangle is in
/// `a` as `U^T U`, leaving `U` in the upper triangle.
///
/// Right-looking: after each pivot row is scaled, it updates the rows below
/// it with contiguous scaled additions.
pub fn cholesky(a: &mut [f32], k: usize) -> Result<(), NotPositiveDefinite> {
    assert_eq!(a.len(), k * k, "Cholesky of a matrix of the wrong size");
    for i in 0..k {
        let (done, below) = a.split_at_mut((i + 1) * k);
        let pivot_row = &mut done[i * k..];
        let d = pivot_row[i];
        // also false for NaN
        if !(d > 0.0 && d.is_finite()) {
            return Err(NotPositiveDefinite(i));
        }
        let u = d.sqrt();
        pivot_row[i] = u;
        for v in &mut pivot_row[i + 1..] {
            *v /= u;
        }
        for p in i + 1..k {
            let f = pivot_row[p];
            let j0 = row_start(p).max(i + 1);
            let row = &mut below[(p - i - 1) * k + j0..(p - i) * k];
            for (x, y) in row.iter_mut().zip(&pivot_row[j0..]) {
                *x -= f * y;
            }
        }
    }
    Ok(())
}

/// Solve `U^T U x = b` in place (`b` becomes `x`), with `U` from
/// [`cholesky`].
pub fn cholesky_solve(u: &[f32], k: usize, b: &mut [f32]) {
    assert_eq!(b.len(), k, "right-hand side of the wrong length");
    for i in 0..k {
        let z = b[i] / u[i * k + i];
        b[i] = z;
        axpy(-z, &u[i * k + i + 1..(i + 1) * k], &mut b[i + 1..]);
    }
    for i in (0..k).rev() {
        let s = dot(&u[i * k + i + 1..(i + 1) * k], &b[i + 1..]);
        b[i] = (b[i] - s) / u[i * k + i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeded(seed: u64) -> impl FnMut() -> f32 {
        let mut state = seed;
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 2001) as f32 / 1000.0 - 1.0
        }
    }

    #[test]
    fn dot_is_close_to_the_exact_sum_for_every_length() {
        let mut next = seeded(3);
        for n in 0..70 {
            let a: Vec<f32> = (0..n).map(|_| next()).collect();
            let b: Vec<f32> = (0..n).map(|_| next()).collect();
            let exact: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| f64::from(*x) * f64::from(*y))
                .sum();
            assert!((f64::from(dot(&a, &b)) - exact).abs() < 1e-5, "n = {n}");
        }
    }

    #[test]
    fn four_outer_products_at_once_equal_one_at_a_time() {
        let mut next = seeded(5);
        for k in [1, 3, 8, 13, 16, 64] {
            let ys: Vec<Vec<f32>> = (0..7).map(|_| (0..k).map(|_| next()).collect()).collect();
            let ws: Vec<f32> = (0..7).map(|_| next()).collect();
            let mut blocked = vec![0.5f32; k * k];
            let mut single = blocked.clone();
            add_outer_products(&mut blocked, k, 7, |t| (ws[t], &ys[t]));
            for t in 0..7 {
                outer1(&mut single, k, ws[t], &ys[t]);
            }
            for i in 0..k {
                for j in i..k {
                    assert_eq!(blocked[i * k + j].to_bits(), single[i * k + j].to_bits());
                }
            }
        }
    }

    #[test]
    fn cholesky_solves_a_positive_definite_system() {
        let mut next = seeded(11);
        for k in [1, 2, 7, 16, 33] {
            let m: Vec<Vec<f32>> = (0..k + 3)
                .map(|_| (0..k).map(|_| next()).collect())
                .collect();
            let mut a = vec![0f32; k * k];
            add_outer_products(&mut a, k, m.len(), |t| (1.0, &m[t]));
            for i in 0..k {
                a[i * k + i] += 0.5;
            }
            mirror_upper(&mut a, k);
            let full = a.clone();
            let b: Vec<f32> = (0..k).map(|_| next()).collect();
            let mut x = b.clone();
            cholesky(&mut a, k).unwrap();
            cholesky_solve(&a, k, &mut x);
            let mut back = vec![0f32; k];
            matvec(&full, k, &x, &mut back);
            for i in 0..k {
                assert!((back[i] - b[i]).abs() < 1e-3, "k = {k}, row {i}");
            }
        }
    }

    #[test]
    fn cholesky_reports_the_failing_pivot() {
        // [[1, 2], [2, 1]] is indefinite: the second pivot is 1 - 4 < 0
        let mut a = vec![1.0, 2.0, 2.0, 1.0];
        assert_eq!(cholesky(&mut a, 2), Err(NotPositiveDefinite(1)));
        let mut nan = vec![f32::NAN];
        assert_eq!(cholesky(&mut nan, 1), Err(NotPositiveDefinite(0)));
    }
}
