//! The parallel transpose against the sequential one.

use lenskit_core::sparse::{transpose, transpose_on};
use lenskit_core::Exec;

/// A fixed-seed xorshift generator.
fn seeded(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

/// A random CSR structure: rows of 0 to 2 * `mean_len` distinct sorted
/// columns, from a fixed-seed generator.
fn random_structure(n_rows: usize, n_cols: usize, mean_len: usize) -> (Vec<i64>, Vec<i32>) {
    let mut next = seeded(0x9e37_79b9_7f4a_7c15);
    let (mut indptr, mut indices) = (vec![0i64], Vec::new());
    for _ in 0..n_rows {
        let len = next() as usize % (2 * mean_len + 1);
        let mut row: Vec<i32> = (0..len).map(|_| (next() % n_cols as u64) as i32).collect();
        row.sort_unstable();
        row.dedup();
        indices.extend(row);
        indptr.push(indices.len() as i64);
    }
    (indptr, indices)
}

#[test]
fn parallel_transpose_matches_the_sequential_one() {
    let (n_rows, n_cols) = (3000, 500);
    let (indptr, indices) = random_structure(n_rows, n_cols, 100);
    assert!(indices.len() > 4 * (1 << 16), "too few entries to split");
    let serial = transpose(n_rows, n_cols, &indptr, &indices).unwrap();
    for threads in [2, 3, 4] {
        let parallel = pool(threads).install(|| {
            let exec = Exec::parallel();
            assert_eq!(exec.workers(), threads);
            transpose_on(n_rows, n_cols, &indptr, &indices, &exec).unwrap()
        });
        assert_eq!(parallel, serial, "{threads} threads");
    }
    // every entry lands once, each column in increasing row order
    let mut seen = vec![false; indices.len()];
    for c in 0..n_cols {
        let col = serial.indptr[c] as usize..serial.indptr[c + 1] as usize;
        assert!(serial.indices[col.clone()].windows(2).all(|w| w[0] < w[1]));
        for p in col {
            let src = serial.source[p];
            assert_eq!(indices[src], c as i32);
            assert!(!std::mem::replace(&mut seen[src], true));
        }
    }
    assert!(seen.iter().all(|&s| s));
}
