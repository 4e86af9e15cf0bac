//! Test data and brute-force reference computations on dense matrices.
#![allow(dead_code)]

use lenskit_knn::select::by_value_desc;
use lenskit_knn::sparse::Ratings;
use lenskit_knn::Feedback;
use proptest::prelude::*;

/// A fixed-seed xorshift generator, for large test data that must be the
/// same on every run (proptest shrinks small cases; these are not small).
pub fn seeded(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

/// Ratings of 1,500 users and 2,600 items (about 140,000), skewed to
/// popular low-numbered items as real data is, from `seed`: enough that
/// training splits its transpose, its rows and its output over several
/// parts, tasks and blocks.
pub fn large_data(seed: u64) -> Data {
    let (n_users, n_items) = (1500, 2600);
    let mut next = seeded(seed);
    let rows: Vec<Vec<Option<f32>>> = (0..n_users)
        .map(|_| {
            (0..n_items)
                .map(|i| {
                    let p = 30 + 3000 / (i + 20);
                    (next() % 1000 < p as u64).then(|| 0.5 * (1 + next() % 10) as f32)
                })
                .collect()
        })
        .collect();
    Data::from_dense(&rows, n_items)
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
    /// Build from a dense matrix of optional ratings.
    pub fn from_dense(rows: &[Vec<Option<f32>>], n_items: usize) -> Data {
        let mut indptr = vec![0i64];
        let mut indices = Vec::new();
        let mut values = Vec::new();
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

    pub fn ratings(&self, feedback: Feedback) -> Ratings<'_> {
        let values = (feedback == Feedback::Explicit).then_some(&self.values[..]);
        Ratings::new(
            self.n_users,
            self.n_items,
            &self.indptr,
            &self.indices,
            values,
        )
        .unwrap()
    }

    /// Rating of (u, i), if any.
    pub fn get(&self, u: usize, i: usize) -> Option<f32> {
        let r = self.indptr[u] as usize..self.indptr[u + 1] as usize;
        self.indices[r.clone()]
            .iter()
            .position(|&j| j as usize == i)
            .map(|p| self.values[r.start + p])
    }

    pub fn row(&self, u: usize) -> Vec<(usize, f32)> {
        let r = self.indptr[u] as usize..self.indptr[u + 1] as usize;
        self.indices[r.clone()]
            .iter()
            .zip(&self.values[r])
            .map(|(&j, &v)| (j as usize, v))
            .collect()
    }
}

/// Random small rating matrices: half-star ratings (many ties), empty rows
/// and columns included.
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

pub fn feedback_strategy() -> impl Strategy<Value = Feedback> {
    prop_oneof![Just(Feedback::Explicit), Just(Feedback::Implicit)]
}

/// Cosine similarity of two columns (items) or rows (users) of the data,
/// in f64, centred for explicit feedback; 0 when either vector is zero.
pub fn exact_cosine(a: &[Option<f64>], b: &[Option<f64>], feedback: Feedback) -> f64 {
    let centred = |v: &[Option<f64>]| -> Vec<f64> {
        let known: Vec<f64> = v.iter().flatten().copied().collect();
        let mean = if known.is_empty() {
            0.0
        } else {
            known.iter().sum::<f64>() / known.len() as f64
        };
        v.iter()
            .map(|x| match (x, feedback) {
                (None, _) => 0.0,
                (Some(_), Feedback::Implicit) => 1.0,
                (Some(r), Feedback::Explicit) => r - mean,
            })
            .collect()
    };
    let (x, y) = (centred(a), centred(b));
    let dot: f64 = x.iter().zip(&y).map(|(p, q)| p * q).sum();
    let nx = x.iter().map(|p| p * p).sum::<f64>().sqrt();
    let ny = y.iter().map(|p| p * p).sum::<f64>().sqrt();
    if nx == 0.0 || ny == 0.0 {
        0.0
    } else {
        dot / (nx * ny)
    }
}

pub fn item_column(d: &Data, i: usize) -> Vec<Option<f64>> {
    (0..d.n_users).map(|u| d.get(u, i).map(f64::from)).collect()
}

pub fn user_row(d: &Data, u: usize) -> Vec<Option<f64>> {
    (0..d.n_items).map(|i| d.get(u, i).map(f64::from)).collect()
}

/// Pick the k best (value, index) candidates and report the weighted sums
/// in selection order: (count, sum of s*c, sum of |s|, sum of s).
pub fn select_and_sum(mut cands: Vec<(f64, i32, f64)>, k: usize) -> (usize, f64, f64, f64) {
    cands.sort_by(|a, b| by_value_desc(&(a.0, a.1), &(b.0, b.1)));
    cands.truncate(k);
    let (mut num, mut den, mut sum) = (0.0, 0.0, 0.0);
    for (s, _, c) in &cands {
        num += s * c;
        den += s.abs();
        sum += s;
    }
    (cands.len(), num, den, sum)
}

/// Java LensKit's top-N accumulator, written out independently as a
/// reference: a binary min-heap of slots fed candidates `(sim, j, c)` in
/// increasing `j`; each arrival is enqueued and, beyond `k`, the minimum
/// is dequeued. The kept candidates are summed in increasing `j`:
/// (count, sum of s*c, sum of |s|, sum of s).
pub fn java_top_n_sum(mut cands: Vec<(f64, i32, f64)>, k: usize) -> (usize, f64, f64, f64) {
    cands.sort_by_key(|c| c.1);
    let mut slots: Vec<(f64, i32, f64)> = Vec::new();
    let mut heap: Vec<usize> = Vec::new();
    let mut free = 0;
    for c in cands {
        if free == slots.len() {
            slots.push(c);
        } else {
            slots[free] = c;
        }
        heap.push(free);
        let mut i = heap.len() - 1;
        while i > 0 && slots[heap[i]].0 < slots[heap[(i - 1) / 2]].0 {
            heap.swap(i, (i - 1) / 2);
            i = (i - 1) / 2;
        }
        if heap.len() > k {
            free = heap.swap_remove(0);
            let mut i = 0;
            loop {
                let (l, r) = (2 * i + 1, 2 * i + 2);
                if l >= heap.len() {
                    break;
                }
                let child = if r < heap.len() && slots[heap[r]].0 < slots[heap[l]].0 {
                    r
                } else {
                    l
                };
                if slots[heap[i]].0 <= slots[heap[child]].0 {
                    break;
                }
                heap.swap(i, child);
                i = child;
            }
        } else {
            free += 1;
        }
    }
    let mut kept: Vec<(f64, i32, f64)> = heap.iter().map(|&s| slots[s]).collect();
    kept.sort_by_key(|c| c.1);
    let (mut num, mut den, mut sum) = (0.0, 0.0, 0.0);
    for (s, _, c) in &kept {
        num += s * c;
        den += s.abs();
        sum += s;
    }
    (kept.len(), num, den, sum)
}

/// Compare two score vectors bit for bit (NaN equal to NaN).
pub fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// Compare scores within a tolerance, NaN matching NaN only.
pub fn close(a: f64, b: f64, tol: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= tol
}

/// Every (user, item) pair of the matrix, plus one unknown of each.
pub fn all_pairs(d: &Data) -> (Vec<i32>, Vec<i32>) {
    let mut users = Vec::new();
    let mut items = Vec::new();
    for u in 0..d.n_users {
        for i in 0..d.n_items {
            users.push(u as i32);
            items.push(i as i32);
        }
    }
    users.extend([-1, 0, d.n_users as i32]);
    items.extend([0, -1, d.n_items as i32]);
    (users, items)
}

pub fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}
