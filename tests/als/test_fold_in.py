"""Users not in the training data are scored from their history (fold-in), as LensKit does."""

from __future__ import annotations

import numpy as np
import pytest

from lenskit.als import BiasedMFScorer, ImplicitMFScorer
from lenskit.data import Interactions, ItemList

NEW_USER = "someone new"


def _history(ml: Interactions, user_index: int) -> tuple[np.ndarray, np.ndarray]:
    items, ratings = ml.user_row(user_index)
    assert ratings is not None
    return ml.items.ids[items], ratings


def expected_biased(scorer: BiasedMFScorer, item_ids: np.ndarray, ratings: np.ndarray):
    m = scorer.model
    assert m.bias is not None
    idx = scorer.items.indices(item_ids)
    offsets = ratings - m.bias.global_bias - m.bias.item_biases[idx]
    bias = offsets.sum() / (len(idx) + scorer.damping.user)
    y = m.item_embeddings[idx].astype(np.float64)
    a = y.T @ y + scorer.regularization.user * len(idx) * np.eye(y.shape[1])
    return np.linalg.solve(a, y.T @ (offsets - bias)), bias


def expected_implicit(scorer: ImplicitMFScorer, item_ids: np.ndarray) -> np.ndarray:
    m = scorer.model
    y_all = m.item_embeddings.astype(np.float64)
    gram = y_all.T @ y_all + scorer.regularization.user * np.eye(y_all.shape[1])
    assert m.gram is not None
    np.testing.assert_allclose(m.gram, gram, rtol=1e-4, atol=1e-4)
    y = y_all[scorer.items.indices(item_ids)]
    a = gram + scorer.weight * (y.T @ y)
    return np.linalg.solve(a, y.T @ np.full(len(y), 1.0 + scorer.weight))


def test_a_new_users_ratings_give_the_least_squares_embedding(
    biased: BiasedMFScorer, ml: Interactions
) -> None:
    items, ratings = _history(ml, 10)
    x, bias = expected_biased(biased, items, ratings)
    scores = biased.score(NEW_USER, ml.items.ids, history=ItemList(items, ratings)).scores
    b = biased.model.bias
    assert b is not None and scores is not None
    embedded = biased.model.item_embeddings.astype(np.float64) @ x
    want = embedded + b.global_bias + b.item_biases + bias
    np.testing.assert_allclose(scores, want, rtol=1e-4, atol=1e-4)


def test_a_new_users_interactions_give_the_least_squares_embedding(
    implicit: ImplicitMFScorer, ml: Interactions
) -> None:
    items, _ = _history(ml, 10)
    x = expected_implicit(implicit, items)
    scores = implicit.score(NEW_USER, ml.items.ids, history=list(items)).scores
    want = implicit.model.item_embeddings.astype(np.float64) @ x
    np.testing.assert_allclose(scores, want, rtol=1e-3, atol=1e-4)  # type: ignore[arg-type]


def test_history_forms_agree(biased: BiasedMFScorer, ml: Interactions) -> None:
    items, ratings = _history(ml, 3)
    as_list = biased.recommend(NEW_USER, 10, history=ItemList(items, ratings))
    as_mapping = biased.recommend(NEW_USER, 10, history=dict(zip(items, ratings, strict=True)))
    assert as_list.ids.tolist() == as_mapping.ids.tolist()
    # history items are left out, as a training user's rated items are
    assert not set(as_list.ids.tolist()) & set(items.tolist())


def test_a_training_users_history_replaces_their_training_embedding(
    implicit: ImplicitMFScorer, ml: Interactions
) -> None:
    user = ml.users.ids[8]
    items, _ = _history(ml, 8)
    trained = implicit.score(user, ml.items.ids[:50]).scores
    folded = implicit.score(user, ml.items.ids[:50], history=items[:5]).scores
    assert trained is not None and folded is not None
    assert not np.allclose(trained, folded)


def test_prefer_uses_the_training_embedding_when_there_is_one(ml: Interactions) -> None:
    scorer = ImplicitMFScorer(embedding_size=8, epochs=2, seed=3, user_embeddings="prefer").fit(ml)
    user = ml.users.ids[8]
    items, _ = _history(ml, 8)
    trained = scorer.score(user, ml.items.ids[:50]).scores
    assert trained is not None
    preferred = scorer.score(user, ml.items.ids[:50], history=items[:5]).scores
    assert preferred is not None and trained.tolist() == preferred.tolist()
    new = scorer.score(NEW_USER, ml.items.ids[:50], history=items[:5]).scores
    assert new is not None and np.isfinite(new).all()


def test_without_user_embeddings_only_histories_can_be_scored(ml: Interactions) -> None:
    scorer = BiasedMFScorer(embedding_size=8, epochs=2, seed=3, user_embeddings=False).fit(ml)
    assert len(scorer.users) == 0 and scorer.model.user_embeddings.shape == (0, 8)
    user = ml.users.ids[0]
    assert len(scorer.recommend(user)) == 0
    items, ratings = _history(ml, 0)
    assert len(scorer.recommend(user, history=ItemList(items, ratings))) == 10


def test_unknown_history_items_are_ignored(biased: BiasedMFScorer, ml: Interactions) -> None:
    items, ratings = _history(ml, 4)
    plain = biased.recommend(NEW_USER, 10, history=ItemList(items, ratings))
    extra = ItemList([*items.tolist(), -1, -2], [*ratings.tolist(), 5.0, 1.0])
    assert biased.recommend(NEW_USER, 10, history=extra).ids.tolist() == plain.ids.tolist()


def test_bad_histories_are_one_line_errors(
    biased: BiasedMFScorer, implicit: ImplicitMFScorer, ml: Interactions
) -> None:
    items, ratings = _history(ml, 4)
    with pytest.raises(ValueError, match="BiasedMFScorer: a history needs ratings"):
        biased.recommend(NEW_USER, history=list(items))
    with pytest.raises(ValueError, match=f"lists item {items[0].item()!r} more than once"):
        biased.recommend(NEW_USER, history=ItemList([items[0], items[0]], [3.0, 4.0]))
    with pytest.raises(ValueError, match=f"rating of item {items[1].item()!r} is not finite"):
        biased.recommend(NEW_USER, history=ItemList(items[:2], [3.0, np.nan]))
    with pytest.raises(ValueError, match="use_ratings=True a history needs ratings"):
        ImplicitMFScorer(embedding_size=4, epochs=1, use_ratings=True, seed=1).fit(ml).recommend(
            NEW_USER, history=list(items)
        )
    # implicit feedback needs no ratings, and ignores them unless use_ratings
    assert len(implicit.recommend(NEW_USER, history=ItemList(items, ratings))) == 10
