"""Predictions match the original Java LensKit on ml-latest-small."""

import numpy as np

from lenskit.knn import ItemKNNScorer, UserKNNScorer


def _max_error(scorer: ItemKNNScorer | UserKNNScorer, expected) -> float:
    got = scorer.score_batch(expected.user_id.to_numpy(), expected.item_id.to_numpy())
    assert not np.isnan(got).any(), "every reference row has a prediction"
    return float(np.max(np.abs(got - expected.prediction.to_numpy())))


def test_item_item_predictions_match_java_on_every_row(item_knn, reference):
    assert _max_error(item_knn, reference("item-item")) < 0.01


def test_user_user_predictions_match_java_on_every_row(user_knn, reference):
    assert _max_error(user_knn, reference("user-user")) < 0.01
