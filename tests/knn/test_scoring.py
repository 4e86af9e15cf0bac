"""What scoring and recommending return, for both scorers."""

import pickle
import threading

import numpy as np
import pandas as pd
import pytest

from lenskit.data import Interactions, ItemList
from lenskit.knn import ItemKNNScorer, UserKNNScorer

USER = 257  # an ml-latest-small user with a moderate history


def _rated(ml: Interactions, user: object) -> set[object]:
    row = ml.users.index(user)
    return set(ml.items.ids[ml.indices[ml.indptr[row] : ml.indptr[row + 1]]].tolist())


def test_score_keeps_the_requested_order_and_repeats(scorer):
    scores = scorer.score(USER, [42, 1562, 42])
    assert scores.ids.tolist() == [42, 1562, 42]
    assert scores.scores is not None
    assert scores.scores[0] == scores.scores[2]


def test_unknown_user_scores_nan(scorer):
    scores = scorer.score(-999, [42, 1562])
    assert scores.scores is not None
    assert np.isnan(scores.scores).all()


def test_unknown_item_scores_nan_and_others_are_scored(scorer):
    scores = scorer.score(USER, [42, 10**9])
    assert scores.scores is not None
    assert np.isfinite(scores.scores[0])
    assert np.isnan(scores.scores[1])


def test_unknown_user_gets_an_empty_ranked_list(scorer):
    recs = scorer.recommend(-999)
    assert len(recs) == 0
    assert recs.ranks is not None


def test_recommendations_are_ranked_best_first(scorer):
    recs = scorer.recommend(USER, n=15)
    assert len(recs) == 15
    assert recs.ranks is not None and recs.scores is not None
    assert recs.ranks.tolist() == list(range(1, 16))
    assert (np.diff(recs.scores) <= 0).all()


def test_recommendations_leave_out_rated_items(scorer, ml):
    recs = scorer.recommend(USER, n=50)
    assert not set(recs.ids.tolist()) & _rated(ml, USER)


def test_recommendations_can_include_rated_items(scorer, ml):
    recs = scorer.recommend(USER, n=200, exclude_seen=False)
    assert set(recs.ids.tolist()) & _rated(ml, USER)


def test_recommendation_scores_equal_item_scores(scorer):
    recs = scorer.recommend(USER, n=5)
    direct = scorer.score(USER, recs.ids)
    assert direct.scores is not None and recs.scores is not None
    np.testing.assert_array_equal(direct.scores, recs.scores)


def test_candidates_limit_recommendations_once_each(scorer):
    candidates = [42, 1562, 42, 10**9, 2796]
    recs = scorer.recommend(USER, n=10, candidates=candidates)
    assert sorted(recs.ids.tolist()) == sorted(
        i for i in (42, 1562, 2796) if not np.isnan(scorer.score(USER, [i]).numpy()[0])
    )


def test_candidates_may_be_an_item_list(scorer):
    recs = scorer.recommend(USER, candidates=ItemList([42, 1562]))
    assert set(recs.ids.tolist()) <= {42, 1562}


def test_recommend_batch_keeps_input_order_with_empty_lists_for_unknown_users(scorer):
    users = [USER, -999, 1, USER]
    lists = scorer.recommend_batch(users, n=3)
    assert [len(x) for x in lists] == [3, 0, 3, 3]
    assert lists[0].ids.tolist() == lists[3].ids.tolist()
    assert lists[0].ids.tolist() == scorer.recommend(USER, n=3).ids.tolist()


def test_recommend_batch_is_the_same_on_the_calling_thread(scorer, ml):
    users = ml.users.ids[:40]
    pooled = scorer.recommend_batch(users, n=5, parallel=True)
    here = scorer.recommend_batch(users, n=5, parallel=False)
    for a, b in zip(pooled, here, strict=True):
        assert a.ids.tolist() == b.ids.tolist()
        assert a.scores is not None and b.scores is not None
        assert a.scores.tobytes() == b.scores.tobytes()


def test_recommend_arrays_are_the_batch_lists_end_to_end(scorer, ml):
    users = [*ml.users.ids[:30].tolist(), -999]
    lists = scorer.recommend_batch(users, n=7)
    offsets, item_ids, scores = scorer.recommend_arrays(users, n=7)
    assert offsets.tolist() == np.cumsum([0] + [len(x) for x in lists]).tolist()
    assert offsets[-1] == offsets[-2]  # the unknown user gets nothing
    assert item_ids.tolist() == [i for x in lists for i in x.ids.tolist()]
    assert scores.tobytes() == np.concatenate([x.scores for x in lists]).tobytes()


@pytest.mark.parametrize("feedback", ["implicit", "explicit"])
def test_short_neighbourhoods_recommend_the_best_of_every_item(ml, feedback):
    # few saved neighbours leave most items without candidates, which the
    # kernel then skips; the lists must be those scoring every item gives
    scorer = ItemKNNScorer(feedback=feedback, save_nbrs=5).fit(ml)
    users = ml.users.ids[::70].tolist()
    offsets, item_ids, scores = scorer.recommend_arrays(users, n=10)
    position = {item: p for p, item in enumerate(ml.items.ids.tolist())}
    for b, user in enumerate(users):
        every = scorer.score(user, ml.items.ids)
        assert every.scores is not None
        rated = _rated(ml, user)
        best = sorted(
            (
                (-s, position[i], i, s)
                for i, s in zip(every.ids.tolist(), every.scores.tolist(), strict=True)
                if not np.isnan(s) and i not in rated
            ),
        )[:10]
        got = slice(offsets[b], offsets[b + 1])
        assert item_ids[got].tolist() == [e[2] for e in best], user
        assert scores[got].tolist() == [e[3] for e in best], user


def test_score_batch_matches_single_user_scores(scorer):
    users = [USER, 1, USER, -5]
    items = [42, 31, 1562, 42]
    batch = scorer.score_batch(users, items, parallel=True)
    singles = [scorer.score(u, [i]).numpy()[0] for u, i in zip(users, items, strict=True)]
    np.testing.assert_array_equal(batch, singles)


def test_pickled_scorer_scores_the_same(scorer):
    copy = pickle.loads(pickle.dumps(scorer))
    a = scorer.recommend(USER, n=20)
    b = copy.recommend(USER, n=20)
    assert a.ids.tolist() == b.ids.tolist()
    assert a.scores is not None and b.scores is not None
    assert a.scores.tobytes() == b.scores.tobytes()


def test_many_python_threads_share_the_scorer(scorer, ml):
    users = ml.users.ids[:32]
    expected = [scorer.recommend(u, n=5).ids.tolist() for u in users]
    results: dict[int, list[object]] = {}

    def work(pos: int) -> None:
        results[pos] = scorer.recommend_batch([users[pos]], n=5, parallel=True)[0].ids.tolist()

    threads = [threading.Thread(target=work, args=(p,)) for p in range(len(users))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [results[p] for p in range(len(users))] == expected


def test_vocabularies_are_the_training_ones(scorer, ml):
    assert scorer.users == ml.users
    assert scorer.items == ml.items


def test_repr_shows_parameters_and_state():
    assert repr(UserKNNScorer(k=7)) == (
        "<UserKNNScorer(k=7, min_nbrs=1, min_sim=1e-06, feedback='explicit'), not fitted>"
    )


@pytest.mark.parametrize("cls", [ItemKNNScorer, UserKNNScorer])
def test_implicit_scores_sum_positive_similarities(cls):
    frame = pd.DataFrame(
        {"user_id": [1, 1, 2, 2, 3, 3, 3], "item_id": [10, 11, 10, 11, 10, 11, 12]}
    )
    scorer = cls(k=5, feedback="implicit").fit(Interactions.from_frame(frame))
    scores = scorer.score(1, [12]).numpy()
    assert scores[0] > 0


def test_min_nbrs_leaves_thinly_supported_items_unscored(ml):
    loose = ItemKNNScorer(k=20, min_nbrs=1).fit(ml)
    strict = ItemKNNScorer(k=20, min_nbrs=20).fit(ml)
    items = ml.items.ids[:500]
    assert (
        np.isnan(strict.score(USER, items).numpy()).sum()
        > np.isnan(loose.score(USER, items).numpy()).sum()
    )


def test_save_nbrs_bounds_each_items_neighbours(ml):
    scorer = ItemKNNScorer(save_nbrs=5).fit(ml)
    indptr = scorer.model.sims[0]
    assert np.diff(indptr).max() == 5
    assert np.isfinite(scorer.recommend(USER, n=5).numpy()).all()


def test_an_item_rated_alike_by_everyone_is_nobodys_neighbour():
    # item 7's three ratings are equal, so centred it is the zero vector: it
    # has no direction to be similar in (rounding once made it a 0.41
    # neighbour of item 0, which no user rated alongside it)
    ratings = {
        0: {2: 2.5, 3: 1.5},
        1: {8: 3.0},
        2: {4: 4.0, 7: 0.5},
        3: {2: 2.5, 5: 0.5},
        4: {0: 5.0, 1: 2.5, 5: 2.0, 6: 0.5, 7: 0.5},
        5: {1: 1.0, 3: 5.0, 7: 0.5},
        6: {0: 0.5, 6: 0.5, 9: 1.0},
    }
    frame = pd.DataFrame(
        [(u, i, r) for u, row in ratings.items() for i, r in row.items()],
        columns=["user_id", "item_id", "rating"],
    )
    scorer = ItemKNNScorer(k=5).fit(Interactions.from_frame(frame))
    indptr, indices, _ = scorer.model.sims[:3]
    seven = scorer.items.index(7)
    assert indptr[seven + 1] == indptr[seven], "item 7 has neighbours"
    assert seven not in set(np.asarray(indices).tolist()), "item 7 is a neighbour"
    assert np.isnan(scorer.score(2, [0]).numpy()).all()
