//! Item-kNN training and scoring against brute force on small matrices.
// Dense reference loops read most clearly with (i, j) indices.
#![allow(clippy::needless_range_loop)]

mod common;

use common::*;
use lenskit_knn::item_knn::{
    fit_item_knn, ItemKnnFitted, ItemKnnModel, ItemKnnOptions, ItemStrategy,
};
use lenskit_knn::sparse::CsrMatrix;
use lenskit_knn::{recommend, score_pairs, Exec, Feedback, KernelError};
use proptest::prelude::*;

fn fit(d: &Data, feedback: Feedback, save_nbrs: Option<usize>) -> ItemKnnFitted {
    let opts = ItemKnnOptions {
        feedback,
        min_sim: 1e-6,
        save_nbrs,
    };
    fit_item_knn(&d.ratings(feedback), &opts, &Exec::parallel()).unwrap()
}

fn model<'a>(
    d: &'a Data,
    f: &'a ItemKnnFitted,
    feedback: Feedback,
    k: usize,
    min_nbrs: usize,
) -> ItemKnnModel<'a> {
    ItemKnnModel::new(
        d.ratings(feedback),
        f.item_means.as_deref(),
        f.sims.view(),
        f.sims_t.as_ref().map(CsrMatrix::view),
        k,
        min_nbrs,
    )
    .unwrap()
}

fn dense_sims(m: &CsrMatrix<f64>) -> Vec<Vec<Option<f64>>> {
    let mut out = vec![vec![None; m.n_cols]; m.n_rows];
    for (i, row) in out.iter_mut().enumerate() {
        let (js, ss) = m.view().row(i);
        for (&j, &s) in js.iter().zip(ss) {
            row[j as usize] = Some(s);
        }
    }
    out
}

/// Brute-force score of (u, t) given the trained similarities.
fn brute_score(
    d: &Data,
    f: &ItemKnnFitted,
    feedback: Feedback,
    k: usize,
    min_nbrs: usize,
    u: usize,
    t: usize,
) -> f64 {
    let sims = dense_sims(&f.sims);
    let cands: Vec<(f64, i32, f64)> = d
        .row(u)
        .into_iter()
        .filter_map(|(j, r)| {
            sims[t][j].map(|s| {
                let c = match &f.item_means {
                    Some(m) => r as f64 - m[j],
                    None => 1.0,
                };
                (s, j as i32, c)
            })
        })
        .collect();
    let (count, num, den, sum) = java_top_n_sum(cands, k);
    if count < min_nbrs {
        return f64::NAN;
    }
    match (&f.item_means, feedback) {
        (Some(m), Feedback::Explicit) => m[t] + num / den,
        _ => sum,
    }
}

#[test]
fn known_similarities_on_a_tiny_matrix() {
    // items 0 and 1 rated identically after centring; item 2 the reverse
    let d = Data::from_dense(
        &[
            vec![Some(5.0), Some(4.0), Some(1.0)],
            vec![Some(1.0), Some(2.0), Some(5.0)],
        ],
        3,
    );
    let f = fit(&d, Feedback::Explicit, None);
    let sims = dense_sims(&f.sims);
    assert!((sims[0][1].unwrap() - 1.0).abs() < 1e-12);
    assert_eq!(sims[1][0], sims[0][1]);
    // cosine -1 is below min_sim, so not stored
    assert_eq!(sims[0][2], None);
    assert_eq!(sims[0][0], None);
    assert_eq!(f.item_means, Some(vec![3.0, 3.0, 3.0]));
}

#[test]
fn explicit_training_needs_ratings() {
    let d = Data::from_dense(&[vec![Some(1.0)]], 1);
    let opts = ItemKnnOptions {
        feedback: Feedback::Explicit,
        min_sim: 0.0,
        save_nbrs: None,
    };
    let err = fit_item_knn(&d.ratings(Feedback::Implicit), &opts, &Exec::sequential()).unwrap_err();
    assert!(matches!(err, KernelError::InvalidInput(m) if m.contains("rating values")));
}

#[test]
fn negative_min_sim_is_rejected() {
    let d = Data::from_dense(&[vec![Some(1.0)]], 1);
    let opts = ItemKnnOptions {
        feedback: Feedback::Implicit,
        min_sim: -0.5,
        save_nbrs: None,
    };
    let err = fit_item_knn(&d.ratings(Feedback::Implicit), &opts, &Exec::sequential()).unwrap_err();
    assert!(matches!(err, KernelError::InvalidInput(m) if m.contains("min_sim")));
}

#[test]
fn out_of_range_item_index_is_an_error_not_a_panic() {
    let indptr = [0i64, 2];
    let indices = [0i32, 7];
    let r = lenskit_knn::sparse::Ratings::new(1, 3, &indptr, &indices, None).unwrap();
    let opts = ItemKnnOptions {
        feedback: Feedback::Implicit,
        min_sim: 0.0,
        save_nbrs: None,
    };
    let err = fit_item_knn(&r, &opts, &Exec::sequential()).unwrap_err();
    assert!(matches!(err, KernelError::InvalidInput(m) if m.contains("outside 0..3")));
}

#[test]
fn cancelled_training_stops_with_cancelled() {
    let d = Data::from_dense(&[vec![Some(1.0), Some(2.0)]], 2);
    let flag = std::sync::atomic::AtomicBool::new(true);
    let opts = ItemKnnOptions {
        feedback: Feedback::Explicit,
        min_sim: 0.0,
        save_nbrs: None,
    };
    let err = fit_item_knn(
        &d.ratings(Feedback::Explicit),
        &opts,
        &Exec::parallel().with_cancel(&flag),
    )
    .unwrap_err();
    assert_eq!(err, KernelError::Cancelled);
}

/// The seed of the large data set these tests share.
const LARGE_SEED: u64 = 0x2545_f491_4f6c_dd1d;

#[test]
fn large_training_is_the_same_at_any_thread_count() {
    let d = large_data(LARGE_SEED);
    assert!(d.indices.len() > 2 << 16, "{} ratings", d.indices.len());
    assert!(d.n_items > 2048, "one training block only");
    for feedback in [Feedback::Explicit, Feedback::Implicit] {
        for save_nbrs in [None, Some(15)] {
            let f1 = pool(1).install(|| fit(&d, feedback, save_nbrs));
            for threads in [2, 4] {
                let f = pool(threads).install(|| fit(&d, feedback, save_nbrs));
                assert!(
                    f == f1,
                    "{feedback:?}, save_nbrs {save_nbrs:?}, {threads} threads"
                );
            }
        }
    }
}

/// Without `save_nbrs`, on data this dense, training computes the upper
/// triangle and mirrors it; a `save_nbrs` no row can reach computes every
/// row whole. The two must agree bit for bit.
#[test]
fn mirrored_training_matches_whole_rows() {
    let d = large_data(LARGE_SEED);
    // training mirrors when the multiply-adds (the sum of every user's
    // rating count squared) are at least the item pairs
    let multiply_adds: usize = d
        .indptr
        .windows(2)
        .map(|w| ((w[1] - w[0]) as usize).pow(2))
        .sum();
    assert!(
        multiply_adds >= d.n_items * d.n_items,
        "too sparse to mirror"
    );
    for feedback in [Feedback::Explicit, Feedback::Implicit] {
        for threads in [1, 3] {
            let mirrored = pool(threads).install(|| fit(&d, feedback, None));
            let whole = pool(threads).install(|| fit(&d, feedback, Some(d.n_items)));
            assert!(whole.sims_t.is_none(), "no row was cut");
            assert_eq!(mirrored.sims.indptr, whole.sims.indptr, "{feedback:?}");
            assert_eq!(mirrored.sims.indices, whole.sims.indices, "{feedback:?}");
            let bits = |m: &ItemKnnFitted| {
                m.sims
                    .values
                    .iter()
                    .map(|s| s.to_bits())
                    .collect::<Vec<_>>()
            };
            assert!(
                bits(&mirrored) == bits(&whole),
                "{feedback:?}, {threads} threads"
            );
        }
    }
}

#[test]
fn implicit_training_ignores_rating_values() {
    let d = large_data(LARGE_SEED);
    let opts = ItemKnnOptions {
        feedback: Feedback::Implicit,
        min_sim: 1e-6,
        save_nbrs: None,
    };
    // the data's explicit view carries the ratings; they must not matter
    let with_values = fit_item_knn(&d.ratings(Feedback::Explicit), &opts, &Exec::parallel());
    assert!(with_values.unwrap() == fit(&d, Feedback::Implicit, None));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn similarities_match_exact_cosine(d in data_strategy(12, 10), feedback in feedback_strategy()) {
        let f = fit(&d, feedback, None);
        let sims = dense_sims(&f.sims);
        for i in 0..d.n_items {
            for j in 0..d.n_items {
                let exact = exact_cosine(&item_column(&d, i), &item_column(&d, j), feedback);
                match sims[i][j] {
                    Some(s) => {
                        prop_assert!(i != j);
                        prop_assert!((s - exact).abs() < 1e-9, "sim({i},{j}) {s} vs {exact}");
                    }
                    None => prop_assert!(i == j || exact <= 1e-6 + 1e-7, "missing sim({i},{j}) = {exact}"),
                }
            }
        }
    }

    #[test]
    fn similarities_are_symmetric_bounded_and_in_index_order(d in data_strategy(12, 10), feedback in feedback_strategy()) {
        let f = fit(&d, feedback, None);
        prop_assert!(f.sims_t.is_none());
        let sims = dense_sims(&f.sims);
        for i in 0..d.n_items {
            for j in 0..d.n_items {
                prop_assert_eq!(sims[i][j].map(f64::to_bits), sims[j][i].map(f64::to_bits));
                if let Some(s) = sims[i][j] {
                    prop_assert!(s > 0.0 && s <= 1.0 + 1e-12);
                }
            }
            let (js, _) = f.sims.view().row(i);
            prop_assert!(js.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn save_nbrs_keeps_the_most_similar(d in data_strategy(12, 10), limit in 1usize..4) {
        let full = fit(&d, Feedback::Explicit, None);
        prop_assert!(full == fit(&d, Feedback::Explicit, Some(d.n_items)), "mirror differs from whole rows");
        let cut = fit(&d, Feedback::Explicit, Some(limit));
        for i in 0..d.n_items {
            let (fj, fs) = full.sims.view().row(i);
            let mut best: Vec<(f64, i32)> = fs.iter().copied().zip(fj.iter().copied()).collect();
            best.sort_by(lenskit_knn::select::by_value_desc);
            best.truncate(limit);
            best.sort_by_key(|&(_, j)| j);
            let (cj, cs) = cut.sims.view().row(i);
            let kept: Vec<(f64, i32)> = cs.iter().copied().zip(cj.iter().copied()).collect();
            prop_assert_eq!(kept, best);
        }
        if let Some(t) = &cut.sims_t {
            prop_assert_eq!(t, &cut.sims.transpose(&Exec::sequential()).unwrap());
        }
    }

    #[test]
    fn scores_match_brute_force_with_both_strategies(
        d in data_strategy(12, 10),
        feedback in feedback_strategy(),
        k in 1usize..5,
        min_nbrs in 1usize..3,
        save_nbrs in proptest::option::of(1usize..5),
    ) {
        let f = fit(&d, feedback, save_nbrs);
        let (users, items) = all_pairs(&d);
        let m = model(&d, &f, feedback, k, min_nbrs);
        let by_target = score_pairs(&m.with_strategy(ItemStrategy::Intersect), &users, &items, &Exec::sequential()).unwrap();
        let by_rated = score_pairs(&m.with_strategy(ItemStrategy::Gather), &users, &items, &Exec::sequential()).unwrap();
        let auto = score_pairs(&m, &users, &items, &Exec::parallel()).unwrap();
        prop_assert!(same_bits(&by_target, &by_rated));
        prop_assert!(same_bits(&by_target, &auto));
        for (p, (&u, &i)) in users.iter().zip(&items).enumerate() {
            let expect = if u < 0 || i < 0 || u as usize >= d.n_users || i as usize >= d.n_items {
                f64::NAN
            } else {
                brute_score(&d, &f, feedback, k, min_nbrs, u as usize, i as usize)
            };
            prop_assert!(close(by_target[p], expect, 1e-9), "({u},{i}): {} vs {expect}", by_target[p]);
        }
    }

    #[test]
    fn recommendations_are_the_top_scores_of_unseen_items(
        d in data_strategy(10, 30),
        feedback in feedback_strategy(),
        n in 1usize..6,
        // short neighbour lists make recommend skip items without candidates
        save_nbrs in proptest::option::of(1usize..3),
        exclude_seen in any::<bool>(),
    ) {
        let f = fit(&d, feedback, save_nbrs);
        let m = model(&d, &f, feedback, 3, 1);
        let users: Vec<i32> = (0..d.n_users as i32).chain([-3]).collect();
        let recs = recommend(&m, &users, n, None, exclude_seen, &Exec::parallel()).unwrap();
        let (pu, pi) = all_pairs(&d);
        let scores = score_pairs(&m, &pu, &pi, &Exec::sequential()).unwrap();
        for (b, &u) in users.iter().enumerate() {
            let got = recs.offsets[b] as usize..recs.offsets[b + 1] as usize;
            if u < 0 {
                prop_assert!(got.is_empty());
                continue;
            }
            let u = u as usize;
            let mut expect: Vec<(f64, i32)> = (0..d.n_items)
                .filter(|&i| !exclude_seen || d.get(u, i).is_none())
                .map(|i| (scores[u * d.n_items + i], i as i32))
                .filter(|(s, _)| !s.is_nan())
                .collect();
            expect.sort_by(lenskit_knn::select::by_value_desc);
            expect.truncate(n);
            let items: Vec<i32> = expect.iter().map(|e| e.1).collect();
            let vals: Vec<f64> = expect.iter().map(|e| e.0).collect();
            prop_assert_eq!(&recs.items[got.clone()], &items[..]);
            prop_assert!(same_bits(&recs.scores[got], &vals));
        }
    }

    #[test]
    fn thread_count_does_not_change_results(
        d in data_strategy(16, 12),
        feedback in feedback_strategy(),
        save_nbrs in proptest::option::of(1usize..5),
    ) {
        let users: Vec<i32> = (0..d.n_users as i32).collect();
        let run = |threads: usize| {
            pool(threads).install(|| {
                let f = fit(&d, feedback, save_nbrs);
                let m = model(&d, &f, feedback, 3, 1);
                let recs = recommend(&m, &users, 5, None, true, &Exec::parallel()).unwrap();
                (f, recs)
            })
        };
        let (f1, r1) = run(1);
        for threads in [2, 4] {
            let (f, r) = run(threads);
            prop_assert_eq!(&f, &f1);
            prop_assert_eq!(&r.items, &r1.items);
            prop_assert!(same_bits(&r.scores, &r1.scores));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Tiny gather blocks, so targets are bucketed over many blocks.
    #[test]
    fn gather_blocks_do_not_change_scores(
        d in data_strategy(30, 40),
        feedback in feedback_strategy(),
        k in 1usize..6,
        block in 1usize..50,
        save_nbrs in proptest::option::of(1usize..8),
    ) {
        let f = fit(&d, feedback, save_nbrs);
        let m = model(&d, &f, feedback, k, 1);
        let users: Vec<i32> = (0..d.n_users as i32).collect();
        let intersect = recommend(&m.with_strategy(ItemStrategy::Intersect), &users, 10, None, true, &Exec::sequential()).unwrap();
        let blocked = m.with_strategy(ItemStrategy::Gather).with_gather_block(block);
        let gathered = recommend(&blocked, &users, 10, None, true, &Exec::sequential()).unwrap();
        prop_assert_eq!(&intersect.items, &gathered.items);
        prop_assert!(same_bits(&intersect.scores, &gathered.scores));
        let (pu, pi) = all_pairs(&d);
        let a = score_pairs(&m.with_strategy(ItemStrategy::Intersect), &pu, &pi, &Exec::sequential()).unwrap();
        let b = score_pairs(&blocked, &pu, &pi, &Exec::sequential()).unwrap();
        prop_assert!(same_bits(&a, &b));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// No item has more neighbours than there are items, so any larger k,
    /// however large, must give what k = the item count gives.
    #[test]
    fn a_k_beyond_every_neighbour_means_all_of_them(
        d in data_strategy(12, 20),
        feedback in feedback_strategy(),
        save_nbrs in proptest::option::of(1usize..8),
        huge in proptest::sample::select(vec![1usize << 32, (1usize << 32) + 2, usize::MAX]),
    ) {
        let f = fit(&d, feedback, save_nbrs);
        let users: Vec<i32> = (0..d.n_users as i32).collect();
        let (pu, pi) = all_pairs(&d);
        for strategy in [ItemStrategy::Auto, ItemStrategy::Intersect, ItemStrategy::Gather] {
            let all = model(&d, &f, feedback, d.n_items, 1).with_strategy(strategy);
            let big = model(&d, &f, feedback, huge, 1).with_strategy(strategy);
            let want = recommend(&all, &users, 6, None, true, &Exec::sequential()).unwrap();
            let got = recommend(&big, &users, 6, None, true, &Exec::sequential()).unwrap();
            prop_assert_eq!(&got.items, &want.items);
            prop_assert!(same_bits(&got.scores, &want.scores));
            let want = score_pairs(&all, &pu, &pi, &Exec::sequential()).unwrap();
            let got = score_pairs(&big, &pu, &pi, &Exec::sequential()).unwrap();
            prop_assert!(same_bits(&got, &want));
        }
    }
}
