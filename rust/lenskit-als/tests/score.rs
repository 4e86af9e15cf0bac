//! Scoring and top-N with fitted embeddings, through the shared batch
//! entry points.

mod common;

use common::*;
use lenskit_als::recommend;
use lenskit_als::{BiasView, ItemPanels, MfModel};
use lenskit_core::select::by_value_desc;
use lenskit_core::sparse::Ratings;
use lenskit_core::{score_pairs, Exec};
use proptest::prelude::*;

struct Fitted {
    data: Data,
    users: lenskit_als::Embeddings,
    items: lenskit_als::Embeddings,
    panels: ItemPanels,
    global: f64,
    item_biases: Vec<f64>,
    user_biases: Vec<f64>,
}

impl Fitted {
    fn new(data: Data, dim: usize, seed: u64) -> Fitted {
        let users = random_embeddings(seed, data.n_users, dim);
        let items = random_embeddings(seed + 1, data.n_items, dim);
        let item_biases = (0..data.n_items)
            .map(|i| (i % 7) as f64 * 0.1 - 0.3)
            .collect();
        let user_biases = (0..data.n_users).map(|u| (u % 5) as f64 * 0.05).collect();
        let panels = ItemPanels::pack(items.view());
        Fitted {
            data,
            users,
            items,
            panels,
            global: 3.25,
            item_biases,
            user_biases,
        }
    }

    fn rated(&self) -> Ratings<'_> {
        let d = &self.data;
        Ratings::new(d.n_users, d.n_items, &d.indptr, &d.indices, None).unwrap()
    }

    fn model(&self, biased: bool) -> MfModel<'_> {
        let biases = biased.then_some(BiasView {
            global: self.global,
            items: &self.item_biases,
            users: &self.user_biases,
        });
        MfModel::new(self.rated(), self.users.view(), self.panels.view(), biases).unwrap()
    }

    fn expected(&self, biased: bool, u: usize, i: usize) -> f64 {
        let s = dot64(self.users.view().row(u), self.items.view().row(i));
        if biased {
            s + self.global + self.item_biases[i] + self.user_biases[u]
        } else {
            s
        }
    }
}

#[test]
fn scores_are_dot_products_plus_biases() {
    let f = Fitted::new(random_data(3, 20, 30, 0.2), 12, 5);
    for biased in [false, true] {
        let m = f.model(biased);
        let users: Vec<i32> = (0..20).flat_map(|u| [u, u]).collect();
        let items: Vec<i32> = (0..40).map(|p| (p * 7) % 30).collect();
        let scores = score_pairs(&m, &users, &items, &Exec::sequential()).unwrap();
        for p in 0..40 {
            let expect = f.expected(biased, users[p] as usize, items[p] as usize);
            assert!((scores[p] - expect).abs() < 1e-5, "pair {p}");
            assert_eq!(
                scores[p].to_bits(),
                m.score(users[p] as usize, items[p] as usize).to_bits()
            );
        }
    }
}

#[test]
fn unknown_users_and_items_score_nan_and_get_no_recommendations() {
    let f = Fitted::new(random_data(4, 5, 6, 0.3), 4, 9);
    let m = f.model(true);
    let scores = score_pairs(&m, &[-1, 0, 5], &[0, 6, 1], &Exec::sequential()).unwrap();
    assert!(scores.iter().all(|s| s.is_nan()));
    let recs = recommend(&m, &[-1, 5], 3, None, true, &Exec::sequential()).unwrap();
    assert_eq!(recs.offsets, vec![0, 0, 0]);
}

#[test]
fn a_model_must_match_its_embeddings() {
    let f = Fitted::new(random_data(5, 5, 6, 0.3), 4, 9);
    let short = random_embeddings(1, 4, 4);
    assert!(MfModel::new(f.rated(), short.view(), f.panels.view(), None).is_err());
    let narrow = ItemPanels::pack(random_embeddings(1, 6, 3).view());
    assert!(MfModel::new(f.rated(), f.users.view(), narrow.view(), None).is_err());
    let values = vec![0.0; 7];
    assert!(lenskit_als::PanelsView::new("panels", 6, 4, &values).is_err());
    let few = vec![0.0; 5];
    let biases = BiasView {
        global: 0.0,
        items: &few,
        users: &f.user_biases,
    };
    assert!(MfModel::new(f.rated(), f.users.view(), f.panels.view(), Some(biases)).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn top_n_is_the_brute_force_ranking(
        data in data_strategy(15, 40),
        dim in 1usize..10,
        n in 0usize..70,
        exclude_seen in any::<bool>(),
        biased in any::<bool>(),
        use_candidates in any::<bool>(),
    ) {
        let f = Fitted::new(data, dim, 3);
        let m = f.model(biased);
        // every user, plus unknown ones, so blocks of users hold gaps
        let users: Vec<i32> = (-1..f.data.n_users as i32 + 1).collect();
        // a candidate list with repeats and unknown items exercises the scored path
        let candidates: Vec<i32> = (-2..f.data.n_items as i32 + 2).chain(0..3).collect();
        let cands = use_candidates.then_some(&candidates[..]);
        let seq = recommend(&m, &users, n, cands, exclude_seen, &Exec::sequential()).unwrap();
        let par = pool(3).install(|| recommend(&m, &users, n, cands, exclude_seen, &Exec::parallel()).unwrap());
        prop_assert_eq!(&seq, &par);
        // the same lists as scoring one user at a time through lenskit-core
        let core = lenskit_core::recommend(&m, &users, n, cands, exclude_seen, &Exec::sequential()).unwrap();
        prop_assert_eq!(&seq, &core);
        prop_assert_eq!(seq.offsets[1], 0);
        for u in 0..f.data.n_users {
            let (rated, _) = f.data.row(u);
            let mut all: Vec<(f64, i32)> = (0..f.data.n_items as i32)
                .filter(|i| !exclude_seen || !rated.contains(i))
                .map(|i| (m.score(u, i as usize), i))
                .collect();
            all.sort_by(by_value_desc);
            all.truncate(n);
            let range = seq.offsets[u + 1] as usize..seq.offsets[u + 2] as usize;
            let got: Vec<(f64, i32)> = seq.scores[range.clone()].iter().copied().zip(seq.items[range].iter().copied()).collect();
            prop_assert_eq!(got, all);
        }
    }
}
