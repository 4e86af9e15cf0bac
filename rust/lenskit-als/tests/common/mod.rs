//! Test data and brute-force reference computations for the ALS tests.
#![allow(dead_code)]

use lenskit_als::Embeddings;
use lenskit_core::sparse::Ratings;
use proptest::prelude::*;

/// A fixed-seed xorshift generator of u64.
pub fn seeded(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed.max(1);
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

/// An owned rating matrix in CSR form.
#[derive(Clone, Debug)]
pub struct Data {
    pub n_users: usize,
    pub n_items: usize,
    pub indptr: Vec<i64>,
    pub indices: Vec<i32>,
    pub values: Vec<f32>,
}

impl Data {
    pub fn from_dense(rows: &[Vec<Option<f32>>], n_items: usize) -> Data {
        let mut indptr = vec![0i64];
        let (mut indices, mut values) = (Vec::new(), Vec::new());
        for row in rows {
            for (j, r) in row.iter().enumerate() {
                if let Some(r) = r {
                    indices.push(j as i32);
                    values.push(*r);
                }
            }
            indptr.push(indices.len() as i64);
        }
        Data {
            n_users: rows.len(),
            n_items,
            indptr,
            indices,
            values,
        }
    }

    pub fn ratings(&self) -> Ratings<'_> {
        Ratings::new(
            self.n_users,
            self.n_items,
            &self.indptr,
            &self.indices,
            Some(&self.values),
        )
        .unwrap()
    }

    /// The same entries with other values.
    pub fn with_values(&self, values: Vec<f32>) -> Data {
        Data {
            values,
            ..self.clone()
        }
    }

    pub fn row(&self, u: usize) -> (Vec<i32>, Vec<f32>) {
        let r = self.indptr[u] as usize..self.indptr[u + 1] as usize;
        (self.indices[r.clone()].to_vec(), self.values[r].to_vec())
    }

    /// Dense values, None where there is no entry.
    pub fn dense(&self) -> Vec<Vec<Option<f32>>> {
        let mut out = vec![vec![None; self.n_items]; self.n_users];
        for (u, row) in out.iter_mut().enumerate() {
            let (items, values) = self.row(u);
            for (i, v) in items.iter().zip(values) {
                row[*i as usize] = Some(v);
            }
        }
        out
    }
}

/// Ratings of `n_users` x `n_items`, each present with probability about
/// `density` (more for low-numbered items, as real data is skewed), half
/// stars from 0.5 to 5.
pub fn random_data(seed: u64, n_users: usize, n_items: usize, density: f64) -> Data {
    let mut next = seeded(seed);
    let rows: Vec<Vec<Option<f32>>> = (0..n_users)
        .map(|_| {
            (0..n_items)
                .map(|i| {
                    let p = density * (1.0 + 3.0 / (1.0 + i as f64 / 10.0));
                    let draw = (next() % 10_000) as f64 / 10_000.0;
                    (draw < p).then(|| 0.5 * (1 + next() % 10) as f32)
                })
                .collect()
        })
        .collect();
    Data::from_dense(&rows, n_items)
}

/// Embeddings with values in [-0.5, 0.5), from a fixed seed.
pub fn random_embeddings(seed: u64, n_rows: usize, dim: usize) -> Embeddings {
    let mut next = seeded(seed);
    let data = (0..n_rows * dim)
        .map(|_| (next() % 1000) as f32 / 1000.0 - 0.5)
        .collect();
    Embeddings::new("test", n_rows, dim, data).unwrap()
}

pub fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

pub fn dot64(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum()
}

pub fn norm2(a: &[f32]) -> f64 {
    dot64(a, a)
}

/// Random small rating matrices, empty rows and columns included.
pub fn data_strategy(max_users: usize, max_items: usize) -> impl Strategy<Value = Data> {
    (1..=max_users, 1..=max_items, 0.1f64..0.9).prop_flat_map(|(nu, ni, density)| {
        proptest::collection::vec(
            proptest::collection::vec(
                proptest::option::weighted(density, (1u8..=10).prop_map(|x| x as f32 * 0.5)),
                ni,
            ),
            nu,
        )
        .prop_map(move |rows| Data::from_dense(&rows, ni))
    })
}
