"""Bad parameters are rejected in Python, naming the parameter and the value."""

import math
import re

import numpy as np
import pandas as pd
import pytest

from lenskit.data import Interactions
from lenskit.knn import ItemKNNScorer, UserKNNScorer

SCORERS = [ItemKNNScorer, UserKNNScorer]


@pytest.mark.parametrize("cls", SCORERS)
@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"k": 0}, "k must be an integer >= 1, got 0"),
        ({"k": -3}, "k must be an integer >= 1, got -3"),
        ({"k": 2.5}, "k must be an integer >= 1, got 2.5"),
        ({"k": True}, "k must be an integer >= 1, got True"),
        ({"min_nbrs": 0}, "min_nbrs must be an integer >= 1, got 0"),
        ({"k": 3, "min_nbrs": 4}, "min_nbrs (4) is larger than k (3)"),
        ({"min_sim": math.nan}, "min_sim must be a finite number >= 0, got nan"),
        ({"min_sim": math.inf}, "min_sim must be a finite number >= 0, got inf"),
        ({"min_sim": -0.1}, "min_sim must be a finite number >= 0, got -0.1"),
        ({"min_sim": "high"}, "min_sim must be a finite number >= 0, got 'high'"),
        ({"feedback": "ratings"}, "feedback must be 'explicit' or 'implicit', got 'ratings'"),
    ],
)
def test_bad_parameter_raises_value_error_naming_it(cls, kwargs, named):
    with pytest.raises(ValueError, match="^" + re.escape(f"{cls.__name__}: {named}")):
        cls(**kwargs)


def test_save_nbrs_below_one_is_rejected():
    with pytest.raises(ValueError, match="save_nbrs must be an integer >= 1, got 0"):
        ItemKNNScorer(save_nbrs=0)


def test_numpy_integers_are_accepted_as_counts():
    scorer = ItemKNNScorer(k=np.int64(5), min_nbrs=np.int32(2), save_nbrs=np.int16(9))
    assert (scorer.k, scorer.min_nbrs, scorer.save_nbrs) == (5, 2, 9)


@pytest.mark.parametrize("cls", SCORERS)
def test_explicit_feedback_on_data_without_ratings_is_rejected(cls):
    data = Interactions.from_frame(pd.DataFrame({"user_id": [1, 2], "item_id": [5, 5]}))
    with pytest.raises(ValueError, match="feedback='explicit' needs rating values"):
        cls().fit(data)


@pytest.mark.parametrize("cls", SCORERS)
def test_unfitted_scorer_says_to_fit_first(cls):
    with pytest.raises(RuntimeError, match=r"not fitted: call fit\(data\) first"):
        cls().score(1, [1])


def test_recommendation_length_below_one_is_rejected(item_knn):
    with pytest.raises(ValueError, match="n must be an integer >= 1, got 0"):
        item_knn.recommend(1, n=0)


def test_score_batch_needs_one_item_per_user(item_knn):
    with pytest.raises(ValueError, match="got 2 users and 1 items"):
        item_knn.score_batch([1, 2], [10])
