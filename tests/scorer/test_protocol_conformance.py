"""Every lenskit-rs scorer follows the lenskit.batch model protocol, through its fast paths."""

from __future__ import annotations

import pytest

from lenskit.als import BiasedMFScorer, ImplicitMFScorer
from lenskit.batch import (
    ArrayRecommender,
    BatchPredictor,
    BatchRecommender,
    Predictor,
    Recommender,
    check_model,
)
from lenskit.data import Interactions
from lenskit.knn import ItemKNNScorer, UserKNNScorer

SCORERS = [ItemKNNScorer, UserKNNScorer, BiasedMFScorer, ImplicitMFScorer]


@pytest.mark.parametrize("cls", SCORERS)
def test_scorers_offer_every_entry_point_and_batch_uses_the_flat_one(
    cls, ml_small: Interactions
) -> None:
    scorer = cls().fit(ml_small)  # default options: a few seconds for the ALS scorers
    for protocol in (ArrayRecommender, BatchRecommender, Recommender, Predictor, BatchPredictor):
        assert isinstance(scorer, protocol), protocol.__name__
    assert check_model(scorer, "recommend") == "recommend_arrays"
    assert check_model(scorer, "predict") == "score_batch"


def test_an_unfitted_scorer_in_a_batch_run_says_to_fit_it() -> None:
    from lenskit.batch import recommend

    with pytest.raises(
        RuntimeError, match=r"^ImplicitMFScorer is not fitted: call fit\(data\) first$"
    ):
        recommend(ImplicitMFScorer(), [1, 2], 3)
