"""Scores are embedding dot products (plus biases); top-N ranks them; batches agree."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from lenskit.als import BiasedMFScorer, ImplicitMFScorer
from lenskit.data import Interactions


def expected_scores(scorer: BiasedMFScorer | ImplicitMFScorer, user_index: int) -> np.ndarray:
    """Every item's score for one training user, from the model's arrays in numpy."""
    m = scorer.model
    u = m.user_embeddings[user_index].astype(np.float64)
    scores = m.item_embeddings.astype(np.float64) @ u
    if m.bias is not None:
        b = m.bias
        scores += b.global_bias + b.item_biases + b.user_biases[user_index]
    return scores


def test_scores_are_dot_products_plus_biases(scorer, ml: Interactions) -> None:
    for user_index in (0, 17, 300):
        user = ml.users.ids[user_index]
        items = ml.items.ids[::37]
        got = scorer.score(user, items).scores
        want = expected_scores(scorer, user_index)[::37]
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_biased_scores_are_on_the_rating_scale(biased: BiasedMFScorer, ml: Interactions) -> None:
    scores = biased.score_batch(np.repeat(ml.users.ids[:50], 50), np.tile(ml.items.ids[:50], 50))
    assert 2.0 < float(np.mean(scores)) < 4.5


def test_recommend_ranks_unrated_items_by_score(scorer, ml: Interactions) -> None:
    for user_index in (3, 42):
        user = ml.users.ids[user_index]
        recs = scorer.recommend(user, n=25)
        rated = set(ml.user_row(user_index)[0].tolist())
        scores = expected_scores(scorer, user_index)
        order = [i for i in np.argsort(-scores, kind="stable") if i not in rated][:25]
        assert recs.ids.tolist() == ml.items.ids[order].tolist()
        assert recs.ranks is not None and recs.ranks.tolist() == list(range(1, 26))
        assert not rated & set(ml.items.indices(recs.ids).tolist())
        # the list's scores are the scores `score` gives, bit for bit
        assert recs.scores is not None
        assert recs.scores.tolist() == scorer.score(user, recs.ids).scores.tolist()


def test_exclude_seen_false_and_candidates(scorer, ml: Interactions) -> None:
    user = ml.users.ids[5]
    rated = ml.items.ids[ml.user_row(5)[0]]
    everything = scorer.recommend(user, n=None, exclude_seen=False)
    assert len(everything) == ml.n_items
    cands = [*ml.items.ids[:30].tolist(), -99, *ml.items.ids[:5].tolist()]
    recs = scorer.recommend(user, n=10, candidates=cands)
    assert set(recs.ids.tolist()) <= set(ml.items.ids[:30].tolist()) - set(rated.tolist())
    full = [i for i in everything.ids.tolist() if i in set(recs.ids.tolist()) | set(cands)]
    assert recs.ids.tolist() == [i for i in full if i not in set(rated.tolist())][:10]


def test_unknown_users_and_items_get_nan_and_no_recommendations(scorer, ml: Interactions) -> None:
    assert np.isnan(scorer.score(-5, ml.items.ids[:3]).scores).all()
    assert len(scorer.recommend(-5)) == 0
    scores = scorer.score(ml.users.ids[0], [ml.items.ids[0], -1]).scores
    assert np.isfinite(scores[0]) and np.isnan(scores[1])


@pytest.mark.parametrize("parallel", [False, True])
def test_batches_agree_with_single_users(scorer, ml: Interactions, parallel: bool) -> None:
    users = ml.users.ids[:40]
    lists = scorer.recommend_batch(users, 10, parallel=parallel)
    flat = scorer.recommend_arrays(users, 10, parallel=parallel)
    for pos, user in enumerate(users):
        one = scorer.recommend(user, 10)
        assert lists[pos].ids.tolist() == one.ids.tolist()
        start, end = flat.offsets[pos], flat.offsets[pos + 1]
        assert flat.item_ids[start:end].tolist() == one.ids.tolist()
        assert flat.scores[start:end].tolist() == one.scores.tolist()  # type: ignore[union-attr]
    items = ml.items.ids[:40]
    pairs = scorer.score_batch(users, items, parallel=parallel)
    singles = [scorer.score(u, [i]).scores[0] for u, i in zip(users, items, strict=True)]  # type: ignore[index]
    assert pairs.tolist() == singles


def test_a_pickled_model_scores_the_same(scorer, ml: Interactions) -> None:
    copy = pickle.loads(pickle.dumps(scorer))
    users = ml.users.ids[:20]
    got, want = copy.recommend_arrays(users), scorer.recommend_arrays(users)
    assert got.scores.tolist() == want.scores.tolist()
    assert copy.model.seed == scorer.model.seed


def test_fitted_arrays_are_read_only(scorer) -> None:
    m = scorer.model
    for array in (m.user_embeddings, m.item_embeddings):
        with pytest.raises(ValueError, match="read-only"):
            array[0, 0] = 1.0


def test_users_and_items_are_the_training_vocabularies(scorer, ml: Interactions) -> None:
    assert scorer.users == ml.users and scorer.items == ml.items
    assert scorer.model.user_embeddings.shape == (ml.n_users, 16)
    assert scorer.model.item_embeddings.shape == (ml.n_items, 16)
