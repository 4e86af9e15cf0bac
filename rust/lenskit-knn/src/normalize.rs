//! Turning rating vectors into the unit vectors whose dot products are the
//! similarities: mean-centred for explicit feedback, binary for implicit.

use crate::alloc;
use crate::error::Result;
use crate::Feedback;

/// Normalised vectors stored as segments of one entries array (the rows of
/// a CSR matrix, or the columns of a CSC one).
#[derive(Clone, Debug, PartialEq)]
pub struct Normalized {
    /// Mean rating of each vector (explicit feedback only; 0 for an empty vector).
    pub means: Option<Vec<f64>>,
    /// L2 norm of each centred (explicit) or binary (implicit) vector.
    pub norms: Vec<f64>,
    /// Each entry divided by its vector's norm; 0 for vectors of norm 0.
    pub values: Vec<f32>,
}

/// Normalise every segment `indptr[s]..indptr[s + 1]`; `raw(p)` gives the
/// rating of entry `p` (explicit feedback only).
pub fn normalize_segments(
    indptr: &[i64],
    feedback: Feedback,
    raw: impl Fn(usize) -> f64,
) -> Result<Normalized> {
    let n = indptr.len() - 1;
    let nnz = indptr[n] as usize;
    let mut norms = vec![0.0f64; n];
    let mut values = alloc::zeroed::<f32>(nnz, "the normalised user vectors")?;
    let means = match feedback {
        Feedback::Implicit => {
            for s in 0..n {
                let r = indptr[s] as usize..indptr[s + 1] as usize;
                let norm = (r.len() as f64).sqrt();
                norms[s] = norm;
                let x = if norm > 0.0 { (1.0 / norm) as f32 } else { 0.0 };
                values[r].fill(x);
            }
            None
        }
        Feedback::Explicit => {
            let mut means = vec![0.0f64; n];
            for s in 0..n {
                let r = indptr[s] as usize..indptr[s + 1] as usize;
                if r.is_empty() {
                    continue;
                }
                let mean = r.clone().map(&raw).sum::<f64>() / r.len() as f64;
                let norm = r
                    .clone()
                    .map(|p| (raw(p) - mean).powi(2))
                    .sum::<f64>()
                    .sqrt();
                means[s] = mean;
                norms[s] = norm;
                if norm > 0.0 {
                    for p in r {
                        values[p] = ((raw(p) - mean) / norm) as f32;
                    }
                }
            }
            Some(means)
        }
    };
    Ok(Normalized {
        means,
        norms,
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_vectors_are_centred_and_unit() {
        let raw = [1.0, 3.0, 5.0, 4.0];
        let n = normalize_segments(&[0, 3, 4], Feedback::Explicit, |p| raw[p]).unwrap();
        assert_eq!(n.means, Some(vec![3.0, 4.0]));
        let expect = 2.0 / 8.0f64.sqrt();
        assert!((n.values[0] as f64 + expect).abs() < 1e-7);
        assert_eq!(n.values[1], 0.0);
        assert!((n.values[2] as f64 - expect).abs() < 1e-7);
        // a single rating centres to zero: no direction, so no similarity
        assert_eq!(n.norms[1], 0.0);
        assert_eq!(n.values[3], 0.0);
    }

    #[test]
    fn implicit_vectors_are_binary_and_unit() {
        let n = normalize_segments(&[0, 4, 4], Feedback::Implicit, |_| f64::NAN).unwrap();
        assert_eq!(n.means, None);
        assert_eq!(n.values, vec![0.5; 4]);
        assert_eq!(n.norms, vec![2.0, 0.0]);
    }
}
