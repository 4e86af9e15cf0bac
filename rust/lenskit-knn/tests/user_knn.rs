//! User-kNN training and scoring against brute force on small matrices.
// Dense reference loops read most clearly with (i, j) indices.
#![allow(clippy::needless_range_loop)]

mod common;

use common::*;
use lenskit_knn::sparse::CsrView;
use lenskit_knn::user_knn::{fit_user_knn, UserKnnFitted, UserKnnModel, UserStrategy};
use lenskit_knn::{recommend, score_pairs, Exec, Feedback};
use proptest::prelude::*;

const MIN_SIM: f64 = 1e-6;

fn model<'a>(
    d: &'a Data,
    f: &'a UserKnnFitted,
    feedback: Feedback,
    k: usize,
    min_nbrs: usize,
) -> UserKnnModel<'a> {
    let index = CsrView::new(
        "item index",
        d.n_items,
        d.n_users,
        &f.item_indptr,
        &f.item_users,
        &f.item_vectors,
    )
    .unwrap();
    UserKnnModel::new(
        d.ratings(feedback),
        f.user_means.as_deref(),
        &f.user_norms,
        &f.user_vectors,
        index,
        k,
        min_nbrs,
        MIN_SIM,
    )
    .unwrap()
}

/// The fitted vector of user `u` as a dense f64 row.
fn dense_vector(d: &Data, f: &UserKnnFitted, u: usize) -> Vec<f64> {
    let mut row = vec![0.0; d.n_items];
    for p in d.indptr[u] as usize..d.indptr[u + 1] as usize {
        row[d.indices[p] as usize] = f.user_vectors[p] as f64;
    }
    row
}

/// Brute force: dense dot products of the fitted vectors, then the k most
/// similar raters of `t` by (sim desc, user asc).
fn brute_score(
    d: &Data,
    f: &UserKnnFitted,
    feedback: Feedback,
    k: usize,
    min_nbrs: usize,
    u: usize,
    t: usize,
) -> f64 {
    let xu = dense_vector(d, f, u);
    let mut cands = Vec::new();
    for v in 0..d.n_users {
        if v == u || d.get(v, t).is_none() {
            continue;
        }
        let xv = dense_vector(d, f, v);
        let sim = xu
            .iter()
            .zip(&xv)
            .filter(|(a, _)| **a != 0.0)
            .fold(0.0, |acc, (a, b)| acc + a * b);
        if sim > MIN_SIM {
            cands.push((sim, v as i32, xv[t] * f.user_norms[v]));
        }
    }
    let (count, num, den, sum) = select_and_sum(cands, k);
    if count < min_nbrs {
        return f64::NAN;
    }
    match (&f.user_means, feedback) {
        (Some(m), Feedback::Explicit) => m[u] + num / den,
        _ => sum,
    }
}

#[test]
fn a_users_own_ratings_never_predict_for_them() {
    // user 1 is the only other rater of item 2 and has the opposite taste
    let d = Data::from_dense(
        &[
            vec![Some(5.0), Some(1.0), None],
            vec![Some(1.0), Some(5.0), Some(4.0)],
        ],
        3,
    );
    let f = fit_user_knn(
        &d.ratings(Feedback::Explicit),
        Feedback::Explicit,
        &Exec::parallel(),
    )
    .unwrap();
    let m = model(&d, &f, Feedback::Explicit, 5, 1);
    let s = score_pairs(&m, &[0, 1], &[2, 2], &Exec::sequential()).unwrap();
    assert!(s[0].is_nan(), "negative similarity is below min_sim");
    assert!(s[1].is_nan(), "user 1 is not their own neighbour");
}

#[test]
fn centred_vectors_give_back_the_centred_ratings() {
    let d = Data::from_dense(&[vec![Some(4.0), Some(2.0), Some(3.0)]], 3);
    let f = fit_user_knn(
        &d.ratings(Feedback::Explicit),
        Feedback::Explicit,
        &Exec::parallel(),
    )
    .unwrap();
    assert_eq!(f.user_means, Some(vec![3.0]));
    for (p, want) in [1.0, -1.0, 0.0].into_iter().enumerate() {
        let c = f.user_vectors[p] as f64 * f.user_norms[0];
        assert!((c - want).abs() < 1e-6);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn user_similarities_match_exact_cosine(d in data_strategy(10, 12), feedback in feedback_strategy()) {
        let f = fit_user_knn(&d.ratings(feedback), feedback, &Exec::parallel()).unwrap();
        for u in 0..d.n_users {
            for v in 0..d.n_users {
                let (xu, xv) = (dense_vector(&d, &f, u), dense_vector(&d, &f, v));
                let dot: f64 = xu.iter().zip(&xv).map(|(a, b)| a * b).sum();
                let exact = exact_cosine(&user_row(&d, u), &user_row(&d, v), feedback);
                prop_assert!((dot - exact).abs() < 1e-6);
                prop_assert!((-1.0 - 1e-6..=1.0 + 1e-6).contains(&dot));
            }
        }
    }

    #[test]
    fn scores_match_brute_force_with_every_strategy(
        d in data_strategy(12, 10),
        feedback in feedback_strategy(),
        k in 1usize..5,
        min_nbrs in 1usize..3,
    ) {
        let f = fit_user_knn(&d.ratings(feedback), feedback, &Exec::parallel()).unwrap();
        let m = model(&d, &f, feedback, k, min_nbrs);
        let (users, items) = all_pairs(&d);
        let walk = score_pairs(&m.with_strategy(UserStrategy::Walk), &users, &items, &Exec::sequential()).unwrap();
        let by_target = score_pairs(&m.with_strategy(UserStrategy::ByTarget), &users, &items, &Exec::sequential()).unwrap();
        let auto = score_pairs(&m, &users, &items, &Exec::parallel()).unwrap();
        prop_assert!(same_bits(&walk, &by_target));
        prop_assert!(same_bits(&walk, &auto));
        for (p, (&u, &i)) in users.iter().zip(&items).enumerate() {
            let expect = if u < 0 || i < 0 || u as usize >= d.n_users || i as usize >= d.n_items {
                f64::NAN
            } else {
                brute_score(&d, &f, feedback, k, min_nbrs, u as usize, i as usize)
            };
            prop_assert!(close(walk[p], expect, 1e-9), "({u},{i}): {} vs {expect}", walk[p]);
        }
    }

    #[test]
    fn recommend_with_candidates_ranks_only_known_unique_candidates(
        d in data_strategy(10, 10),
        cands in proptest::collection::vec(-2i32..14, 0..12),
    ) {
        let f = fit_user_knn(&d.ratings(Feedback::Explicit), Feedback::Explicit, &Exec::parallel()).unwrap();
        let m = model(&d, &f, Feedback::Explicit, 3, 1);
        let users: Vec<i32> = (0..d.n_users as i32).collect();
        let recs = recommend(&m, &users, 20, Some(&cands), false, &Exec::sequential()).unwrap();
        for b in 0..users.len() {
            let got = &recs.items[recs.offsets[b] as usize..recs.offsets[b + 1] as usize];
            let mut uniq = got.to_vec();
            uniq.sort_unstable();
            uniq.dedup();
            prop_assert_eq!(uniq.len(), got.len());
            for i in got {
                prop_assert!(cands.contains(i) && (*i as usize) < d.n_items);
            }
        }
    }

    #[test]
    fn thread_count_does_not_change_results(d in data_strategy(16, 12), feedback in feedback_strategy()) {
        let f = fit_user_knn(&d.ratings(feedback), feedback, &Exec::parallel()).unwrap();
        let m = model(&d, &f, feedback, 3, 1);
        let users: Vec<i32> = (0..d.n_users as i32).collect();
        let (pu, pi) = all_pairs(&d);
        let run = |threads: usize| {
            pool(threads).install(|| {
                (
                    recommend(&m, &users, 5, None, true, &Exec::parallel()).unwrap(),
                    score_pairs(&m, &pu, &pi, &Exec::parallel()).unwrap(),
                )
            })
        };
        let (r1, s1) = run(1);
        for threads in [2, 4] {
            let (r, s) = run(threads);
            prop_assert_eq!(&r.items, &r1.items);
            prop_assert!(same_bits(&r.scores, &r1.scores));
            prop_assert!(same_bits(&s, &s1));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Larger, skewed data so that the automatic strategy switches from the
    /// walk to by-target scans part-way through.
    #[test]
    fn switching_mid_walk_gives_the_same_bits(d in data_strategy(60, 40), k in 1usize..6) {
        let f = fit_user_knn(&d.ratings(Feedback::Explicit), Feedback::Explicit, &Exec::parallel()).unwrap();
        let m = model(&d, &f, Feedback::Explicit, k, 1);
        let users: Vec<i32> = (0..d.n_users as i32).collect();
        let walk = recommend(&m.with_strategy(UserStrategy::Walk), &users, 8, None, true, &Exec::sequential()).unwrap();
        let auto = recommend(&m, &users, 8, None, true, &Exec::sequential()).unwrap();
        prop_assert_eq!(&walk.items, &auto.items);
        prop_assert!(same_bits(&walk.scores, &auto.scores));
    }
}

/// Many users and skewed item popularity: with every item a target,
/// scoring sorts and ranks the neighbours, and both of its ways to find an
/// item's best raters (a rank bitmap for items with many users, integer
/// selection for items with few) must agree bit for bit with scoring one
/// item at a time, which does neither.
#[test]
fn ranked_scoring_of_every_item_matches_scoring_one_at_a_time() {
    let (n_users, n_items): (usize, usize) = (4000, 400);
    let mut next = seeded(0x9e37_79b9_7f4a_7c15);
    let rows: Vec<Vec<Option<f32>>> = (0..n_users)
        .map(|u| {
            (0..n_items)
                .map(|i| {
                    // per mille: from 40% of the users down to a few; every
                    // 100th user rates many items, so that users share items
                    // and have many neighbours
                    let p = if u % 100 == 0 { 300 } else { 1 + 800 / (i + 2) };
                    (next() % 1000 < p as u64).then(|| 0.5 * (1 + next() % 10) as f32)
                })
                .collect()
        })
        .collect();
    let d = Data::from_dense(&rows, n_items);
    let mut raters = vec![0i64; n_items];
    for &i in &d.indices {
        raters[i as usize] += 1;
    }
    // a bitmap word holds 64 ranks: with half the users as neighbours, the
    // popular items have many users per word, the rare ones under one
    assert!(*raters.iter().max().unwrap() * 64 > n_users as i64 * 4);
    assert!(*raters.iter().min().unwrap() * 64 < n_users as i64 / 2);
    let f = fit_user_knn(
        &d.ratings(Feedback::Explicit),
        Feedback::Explicit,
        &Exec::parallel(),
    )
    .unwrap();
    let users: Vec<i32> = (0..n_users as i32).step_by(100).take(12).collect();
    for strategy in [
        UserStrategy::Auto,
        UserStrategy::Walk,
        UserStrategy::ByTarget,
    ] {
        let m = model(&d, &f, Feedback::Explicit, 20, 1).with_strategy(strategy);
        let recs = recommend(&m, &users, n_items, None, false, &Exec::sequential()).unwrap();
        for (b, &u) in users.iter().enumerate() {
            let got = recs.offsets[b] as usize..recs.offsets[b + 1] as usize;
            assert!(got.len() >= 64, "user {u}: {} items scored", got.len());
            for (&i, &score) in recs.items[got.clone()].iter().zip(&recs.scores[got]) {
                let one = score_pairs(&m, &[u], &[i], &Exec::sequential()).unwrap();
                assert_eq!(
                    one[0].to_bits(),
                    score.to_bits(),
                    "{strategy:?}, user {u}, item {i}"
                );
            }
        }
    }
}

/// Training builds the item index on the pool, in as many parts as it has
/// workers (given enough ratings); the model must not depend on that.
#[test]
fn training_is_the_same_at_any_thread_count() {
    let d = large_data(0x9e37_79b9_7f4a_7c15);
    assert!(
        d.indices.len() > 2 << 16,
        "{} ratings: one part only",
        d.indices.len()
    );
    for feedback in [Feedback::Explicit, Feedback::Implicit] {
        let fit = |threads| {
            pool(threads)
                .install(|| fit_user_knn(&d.ratings(feedback), feedback, &Exec::parallel()))
        };
        let one = fit(1).unwrap();
        for threads in [2, 4] {
            assert!(
                fit(threads).unwrap() == one,
                "{feedback:?}, {threads} threads"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// No user has more neighbours than there are users, so any larger k,
    /// however large, must give what k = the user count gives.
    #[test]
    fn a_k_beyond_every_neighbour_means_all_of_them(
        d in data_strategy(20, 12),
        feedback in feedback_strategy(),
        huge in proptest::sample::select(vec![1usize << 32, (1usize << 32) + 2, usize::MAX]),
    ) {
        let f = fit_user_knn(&d.ratings(feedback), feedback, &Exec::parallel()).unwrap();
        let users: Vec<i32> = (0..d.n_users as i32).collect();
        let (pu, pi) = all_pairs(&d);
        for strategy in [UserStrategy::Auto, UserStrategy::Walk, UserStrategy::ByTarget] {
            let all = model(&d, &f, feedback, d.n_users, 1).with_strategy(strategy);
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
