//! Small dense kernels on `f32`: dot products, scaled additions, sums of
//! weighted outer products, and the Cholesky solve of a k x k system.
//!
//! Every value is computed by a fixed sequence of IEEE operations that
//! depends only on the vector length, never on the SIMD width the compiler
//! picks: element-wise loops do the same operations on every element, and
//! dot products keep [`LANES`] partial sums that are added in a fixed tree.
//! Products are added with fused multiply-add (`mul_add`, one rounding),
//! which every CPU computes to the same bits: in hardware where it has FMA,
//! in the C library where it has not. So results are the same on every
//! machine and for any thread count; [`dispatch`] only makes them quicker.
//!
//! Square matrices are k x k, row-major. The outer-product and Cholesky
//! kernels read and write only the upper triangle (`j >= i`); they may also
//! write a few entries just left of the diagonal so that every row update
//! starts on a multiple of [`ROW_ALIGN`], and those entries are meaningless.

use crate::embeddings::EmbeddingsView;

/// Partial sums a dot product keeps before adding them up.
pub const LANES: usize = 16;

/// Row updates of the upper triangle start at a multiple of this column.
pub const ROW_ALIGN: usize = 8;

/// Whether this CPU runs the AVX2 and FMA code of [`dispatch`] (x86-64).
#[inline]
pub fn has_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Define a function that runs an `#[inline(always)]` kernel compiled for
/// AVX2 and FMA when the CPU has them ([`has_fma`]), else as compiled for
/// the baseline target.
///
/// `dispatch!(pub fn name(a: A, b: B) -> R => kernel);` defines `name`,
/// calling `kernel(a, b)`. The kernel and the kernels it calls must be
/// `#[inline(always)]` (no closures on the way), so that they are compiled
/// into the AVX2 copy; the results are the same either way (see the module
/// documentation).
#[macro_export]
macro_rules! dispatch {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? => $kernel:path) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                unsafe fn with_fma($($arg: $ty),*) $(-> $ret)? {
                    $kernel($($arg),*)
                }
                if $crate::dense::has_fma() {
                    // SAFETY: the CPU has the features `with_fma` is compiled for.
                    return unsafe { with_fma($($arg),*) };
                }
            }
            $kernel($($arg),*)
        }
    };
}
pub use crate::dispatch;

/// `a . b`, summed in [`LANES`] interleaved parts added in a fixed tree.
#[inline(always)]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "dot of vectors of different lengths");
    let mut acc = [0f32; LANES];
    let mut xs = a.chunks_exact(LANES);
    let mut ys = b.chunks_exact(LANES);
    for (x, y) in (&mut xs).zip(&mut ys) {
        for l in 0..LANES {
            acc[l] = x[l].mul_add(y[l], acc[l]);
        }
    }
    for (l, (x, y)) in xs.remainder().iter().zip(ys.remainder()).enumerate() {
        acc[l] = x.mul_add(*y, acc[l]);
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
#[inline(always)]
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), y.len(), "axpy of vectors of different lengths");
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi = alpha.mul_add(*xi, *yi);
    }
}

/// `out = m x` for a full symmetric (or any square) k x k matrix `m`.
#[inline(always)]
pub fn matvec(m: &[f32], k: usize, x: &[f32], out: &mut [f32]) {
    for (i, o) in out.iter_mut().enumerate().take(k) {
        *o = dot(&m[i * k..(i + 1) * k], x);
    }
}

/// Add `sum_t w_t y_t y_t^T` to the upper triangle of `a`, over the rows
/// `y_t = rows.row(cols[t])` with weights `w_t = weights[t]` (1 when
/// `weights` is None), in order.
///
/// Terms are taken four at a time so that each entry of `a` is loaded and
/// stored once per four terms; the additions to each entry still happen in
/// term order, so the result is the one of adding the terms one by one.
#[inline(always)]
pub fn add_outer_products(
    a: &mut [f32],
    rows: EmbeddingsView<'_>,
    cols: &[i32],
    weights: Option<&[f32]>,
) {
    let k = rows.dim();
    assert_eq!(
        a.len(),
        k * k,
        "outer products into a matrix of the wrong size"
    );
    if let Some(w) = weights {
        assert_eq!(w.len(), cols.len(), "one weight per row");
    }
    let weight = |t: usize| weights.map_or(1.0, |w| w[t]);
    let row = |t: usize| rows.row(cols[t] as usize);
    let n = cols.len();
    let mut t = 0;
    while t + 4 <= n {
        outer4(
            a,
            k,
            [weight(t), weight(t + 1), weight(t + 2), weight(t + 3)],
            [row(t), row(t + 1), row(t + 2), row(t + 3)],
        );
        t += 4;
    }
    while t < n {
        outer1(a, k, weight(t), row(t));
        t += 1;
    }
}

/// Add `sum_t y_t y_t^T` to the upper triangle of `a` over every row of
/// `rows`, in order: the Gram matrix of a block of rows.
#[inline(always)]
pub fn add_gram(a: &mut [f32], rows: EmbeddingsView<'_>) {
    let k = rows.dim();
    assert_eq!(a.len(), k * k, "Gram matrix of the wrong size");
    let n = rows.n_rows();
    let mut t = 0;
    while t + 4 <= n {
        outer4(
            a,
            k,
            [1.0; 4],
            [
                rows.row(t),
                rows.row(t + 1),
                rows.row(t + 2),
                rows.row(t + 3),
            ],
        );
        t += 4;
    }
    while t < n {
        outer1(a, k, 1.0, rows.row(t));
        t += 1;
    }
}

#[inline(always)]
fn row_start(i: usize) -> usize {
    i - i % ROW_ALIGN
}

#[inline(always)]
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
            v = s[0].mul_add(*c0, v);
            v = s[1].mul_add(*c1, v);
            v = s[2].mul_add(*c2, v);
            v = s[3].mul_add(*c3, v);
            *aj = v;
        }
    }
}

#[inline(always)]
fn outer1(a: &mut [f32], k: usize, w: f32, y: &[f32]) {
    assert_eq!(y.len(), k);
    for i in 0..k {
        let s = w * y[i];
        let j0 = row_start(i);
        for (aj, c) in a[i * k + j0..(i + 1) * k].iter_mut().zip(&y[j0..]) {
            *aj = s.mul_add(*c, *aj);
        }
    }
}

/// Copy the upper triangle of `a` into its lower triangle.
#[inline(always)]
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
#[inline(always)]
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
                *x = (-f).mul_add(*y, *x);
            }
        }
    }
    Ok(())
}

/// Solve `U^T U x = b` in place (`b` becomes `x`), with `U` from
/// [`cholesky`].
#[inline(always)]
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
            let flat: Vec<f32> = ys.concat();
            let rows = EmbeddingsView::new("test", 7, k, &flat).unwrap();
            let cols: Vec<i32> = (0..7).collect();
            let mut blocked = vec![0.5f32; k * k];
            let mut single = blocked.clone();
            add_outer_products(&mut blocked, rows, &cols, Some(&ws));
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
            let flat: Vec<f32> = m.concat();
            let mut a = vec![0f32; k * k];
            add_gram(
                &mut a,
                EmbeddingsView::new("test", m.len(), k, &flat).unwrap(),
            );
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

    #[inline(always)]
    fn solve_and_dot(m: &[Vec<f32>], k: usize) -> Vec<u32> {
        let mut a = vec![0f32; k * k];
        for (t, y) in m.iter().enumerate() {
            outer1(&mut a, k, 0.5 + t as f32, y);
        }
        for i in 0..k {
            a[i * k + i] += 1.0;
        }
        let mut x = m[0].clone();
        cholesky(&mut a, k).unwrap();
        cholesky_solve(&a, k, &mut x);
        let d = dot(&x, &m[1]);
        x.push(d);
        x.iter().map(|v| v.to_bits()).collect()
    }

    dispatch!(fn solve_and_dot_dispatched(m: &[Vec<f32>], k: usize) -> Vec<u32> => solve_and_dot);

    #[test]
    fn the_fast_path_computes_the_same_bits_as_the_baseline() {
        // on a CPU with FMA, the dispatched copy runs hardware fused
        // multiply-adds and the plain call the C library's; both round
        // once, so they must agree
        let mut next = seeded(17);
        let k = 37;
        let m: Vec<Vec<f32>> = (0..50).map(|_| (0..k).map(|_| next()).collect()).collect();
        assert_eq!(solve_and_dot_dispatched(&m, k), solve_and_dot(&m, k));
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
