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


LARGEST_COUNT = 2**64 - 1
"""The largest count the kernels take (a 64-bit size)."""


@pytest.mark.parametrize("cls", SCORERS)
def test_k_beyond_64_bits_is_refused_at_construction(cls):
    """Not accepted and then an OverflowError from the kernels at fit or scoring time."""
    message = f"{cls.__name__}: k must be at most {LARGEST_COUNT}, got {2**64}"
    with pytest.raises(ValueError, match=re.escape(message)):
        cls(k=2**64)


def test_save_nbrs_beyond_64_bits_is_refused_at_construction():
    with pytest.raises(ValueError, match=re.escape(f"save_nbrs must be at most {LARGEST_COUNT}")):
        ItemKNNScorer(save_nbrs=2**64)


def test_a_list_length_beyond_64_bits_is_refused(item_knn):
    with pytest.raises(ValueError, match=re.escape(f"n must be at most {LARGEST_COUNT}")):
        item_knn.recommend(1, n=2**64)


@pytest.mark.parametrize("cls", SCORERS)
@pytest.mark.parametrize("k", [2**32, 2**32 + 5, LARGEST_COUNT])
def test_a_k_beyond_every_neighbour_means_all_of_them(ml, cls, k):
    """Any k above the number of possible neighbours gives what k = that number gives."""
    users = ml.users.ids[:40]
    everyone = max(ml.n_users, ml.n_items)
    expected = cls(k=everyone).fit(ml).recommend_batch(users, 10)
    got = cls(k=k).fit(ml).recommend_batch(users, 10)
    for want, have in zip(expected, got, strict=True):
        np.testing.assert_array_equal(have.ids, want.ids)
        np.testing.assert_array_equal(have.scores, want.scores)
