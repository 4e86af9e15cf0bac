//! One row's regularised least-squares system, and the two ways of solving
//! it.
//!
//! Every row of a half-epoch (a user, given the item embeddings, or an item,
//! given the user embeddings) solves `A x = b` with
//! `A = B + sum_j w_j y_j y_j^T` and `b = sum_j t_j y_j`, the sums running
//! over the row's entries `j` (value `v_j`, other side's embedding `y_j`):
//!
//! | objective | `B`                  | `w_j`   | `t_j`       |
//! |-----------|----------------------|---------|-------------|
//! | explicit  | `reg * n * I`        | 1       | `v_j`       |
//! | implicit  | `Y^T Y + reg * I`    | `v_j`   | `1 + v_j`   |
//!
//! Explicit values are residual ratings and `n` the row's entry count
//! (weighted-lambda regularisation); implicit values are confidence minus
//! one, so `1 + v_j` is the confidence of a preference of 1, and the
//! precomputed Gram matrix `Y^T Y` accounts for every unrated entry at once
//! (Hu, Koren and Volinsky).

use crate::dense::NotPositiveDefinite;
use crate::dense::{add_outer_products, axpy, cholesky, cholesky_solve, dispatch, dot, matvec};
use crate::embeddings::EmbeddingsView;

/// How each row's system is solved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Solver {
    /// Exactly, by Cholesky factorisation of `A`: `n k^2 + k^3 / 3`
    /// multiply-adds for a row of `n` entries.
    Cholesky,
    /// Approximately, by `steps` steps of conjugate gradient started from the
    /// row's current embedding: about `4 n k + k^2` multiply-adds per step
    /// (`2 n k` for explicit feedback, which has no Gram matrix).
    ConjugateGradient {
        /// Steps per row and half-epoch (at least 1).
        steps: usize,
    },
}

/// What the embeddings are fitted to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Objective {
    /// Ratings (after bias removal), squared error on rated entries only.
    Explicit,
    /// Confidence-weighted preferences on every entry (rated or not).
    Implicit,
}

/// The fixed part `B` of a row's matrix.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Base<'a> {
    /// `d * I`.
    Diagonal(f32),
    /// A full symmetric k x k matrix.
    Matrix(&'a [f32]),
}

/// One row's system: its entries, the other side's embeddings, and `B`.
pub(crate) struct RowSystem<'a> {
    pub cols: &'a [i32],
    pub values: &'a [f32],
    pub other: EmbeddingsView<'a>,
    pub base: Base<'a>,
    pub objective: Objective,
}

/// Per-worker buffers, reused across rows.
pub(crate) struct Scratch {
    a: Vec<f32>,
    r: Vec<f32>,
    p: Vec<f32>,
    ap: Vec<f32>,
}

impl Scratch {
    pub fn new(k: usize) -> Self {
        Scratch {
            a: vec![0.0; k * k],
            r: vec![0.0; k],
            p: vec![0.0; k],
            ap: vec![0.0; k],
        }
    }
}

/// Below this squared residual norm, conjugate gradient has converged (and
/// another step would divide by about zero).
const CG_TOLERANCE: f32 = 1e-20;

impl RowSystem<'_> {
    #[inline(always)]
    fn y(&self, t: usize) -> &[f32] {
        self.other.row(self.cols[t] as usize)
    }

    #[inline(always)]
    fn weight(&self, t: usize) -> f32 {
        match self.objective {
            Objective::Explicit => 1.0,
            Objective::Implicit => self.values[t],
        }
    }

    #[inline(always)]
    fn target(&self, t: usize) -> f32 {
        match self.objective {
            Objective::Explicit => self.values[t],
            Objective::Implicit => 1.0 + self.values[t],
        }
    }

    #[inline(always)]
    fn n(&self) -> usize {
        self.cols.len()
    }

    /// `out = B x`.
    #[inline(always)]
    fn base_times(&self, x: &[f32], out: &mut [f32]) {
        match self.base {
            Base::Diagonal(d) => {
                for (o, xi) in out.iter_mut().zip(x) {
                    *o = d * xi;
                }
            }
            Base::Matrix(m) => matvec(m, x.len(), x, out),
        }
    }

    /// Solve with `solver`, updating `x` (the row's embedding) in place.
    ///
    /// A row without entries has the solution 0 (its `b` is 0).
    pub fn solve(
        &self,
        solver: Solver,
        scratch: &mut Scratch,
        x: &mut [f32],
    ) -> Result<(), NotPositiveDefinite> {
        solve_row(self, solver, scratch, x)
    }

    #[inline(always)]
    fn solve_here(
        &self,
        solver: Solver,
        scratch: &mut Scratch,
        x: &mut [f32],
    ) -> Result<(), NotPositiveDefinite> {
        if self.n() == 0 {
            x.fill(0.0);
            return Ok(());
        }
        match solver {
            Solver::Cholesky => self.solve_exact(scratch, x),
            Solver::ConjugateGradient { steps } => {
                self.solve_cg(steps, scratch, x);
                Ok(())
            }
        }
    }

    #[inline(always)]
    fn solve_exact(&self, s: &mut Scratch, x: &mut [f32]) -> Result<(), NotPositiveDefinite> {
        let k = x.len();
        match self.base {
            Base::Diagonal(d) => {
                s.a.fill(0.0);
                for i in 0..k {
                    s.a[i * k + i] = d;
                }
            }
            Base::Matrix(m) => s.a.copy_from_slice(m),
        }
        let weights = match self.objective {
            Objective::Explicit => None,
            Objective::Implicit => Some(self.values),
        };
        add_outer_products(&mut s.a, self.other, self.cols, weights);
        x.fill(0.0);
        for t in 0..self.n() {
            axpy(self.target(t), self.y(t), x);
        }
        cholesky(&mut s.a, k)?;
        cholesky_solve(&s.a, k, x);
        Ok(())
    }

    /// `out = A p`.
    #[inline(always)]
    fn times(&self, p: &[f32], out: &mut [f32]) {
        self.base_times(p, out);
        for t in 0..self.n() {
            let y = self.y(t);
            axpy(self.weight(t) * dot(y, p), y, out);
        }
    }

    #[inline(always)]
    fn solve_cg(&self, steps: usize, s: &mut Scratch, x: &mut [f32]) {
        // r = b - A x = -B x + sum_j (t_j - w_j y_j.x) y_j
        self.base_times(x, &mut s.r);
        for v in &mut s.r {
            *v = -*v;
        }
        for t in 0..self.n() {
            let y = self.y(t);
            axpy(
                (-self.weight(t)).mul_add(dot(y, x), self.target(t)),
                y,
                &mut s.r,
            );
        }
        s.p.copy_from_slice(&s.r);
        let mut rs = dot(&s.r, &s.r);
        for _ in 0..steps {
            if rs < CG_TOLERANCE {
                break;
            }
            self.times(&s.p, &mut s.ap);
            let alpha = rs / dot(&s.p, &s.ap);
            axpy(alpha, &s.p, x);
            axpy(-alpha, &s.ap, &mut s.r);
            let rs_next = dot(&s.r, &s.r);
            let beta = rs_next / rs;
            for (p, r) in s.p.iter_mut().zip(&s.r) {
                *p = beta.mul_add(*p, *r);
            }
            rs = rs_next;
        }
    }
}

#[inline(always)]
fn solve_row_here(
    system: &RowSystem<'_>,
    solver: Solver,
    scratch: &mut Scratch,
    x: &mut [f32],
) -> Result<(), NotPositiveDefinite> {
    system.solve_here(solver, scratch, x)
}

dispatch!(
    fn solve_row(
        system: &RowSystem<'_>,
        solver: Solver,
        scratch: &mut Scratch,
        x: &mut [f32],
    ) -> Result<(), NotPositiveDefinite> => solve_row_here
);
