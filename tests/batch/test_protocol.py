"""The model protocol of lenskit.batch: custom models that get it wrong get one line saying how.

Each class below is a model a user might write; each mistake is reported
before any scoring (or, for return types, at the first chunk) with the
model's class, the method and what was expected, never as a raw
AttributeError from deep inside the batch layer or as a scoring failure of
some user.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lenskit.batch import (
    ArrayRecommender,
    BatchPredictor,
    BatchRecommender,
    ModelProtocolError,
    Predictor,
    Recommender,
    check_model,
    predict,
    recommend,
)
from lenskit.data import Interactions, ItemList
from tests.batch.conftest import BatchPopularScorer, PopularScorer


class ListRecommender(PopularScorer):
    """Returns plain lists of item ids instead of ItemLists."""

    def recommend(self, user: object, n: int = 10) -> Any:
        return super().recommend(user, n).ids.tolist()


class NoParallel(PopularScorer):
    """Has recommend_batch, but without the parallel keyword."""

    def recommend_batch(self, users: Sequence[object], n: int = 10) -> list[ItemList]:
        return [self.recommend(u, n) for u in users]


class UsersMethod:
    """Offers its users through a method, not an attribute."""

    def __init__(self, inner: PopularScorer) -> None:
        self.inner = inner

    def users(self) -> object:
        return self.inner.users

    def recommend(self, user: object, n: int = 10) -> ItemList:
        return self.inner.recommend(user, n)


class OneArgRecommend:
    def recommend(self, user: object) -> ItemList:
        return ItemList([])


class ArraysOfTwo(BatchPopularScorer):
    def recommend_arrays(self, users: Sequence[object], n: int, *, parallel: bool) -> Any:
        return np.zeros(len(users) + 1, np.int64), np.empty(0, np.int64)


class ShortScoreBatch(BatchPopularScorer):
    def score_batch(
        self, users: Sequence[object], items: Sequence[object], *, parallel: bool = True
    ) -> np.ndarray:
        return np.zeros(len(users) - 1)


def test_a_list_instead_of_an_item_list_names_the_method_and_the_type(
    small_data: Interactions, known_users: list[object]
) -> None:
    with pytest.raises(ModelProtocolError) as err:
        recommend(ListRecommender(small_data), known_users, 3, n_jobs=1)
    message = str(err.value)
    assert "ListRecommender.recommend returned a list" in message
    assert "ItemList" in message
    assert "\n" not in message


def test_recommend_batch_without_parallel_is_rejected_before_any_scoring(
    small_data: Interactions, known_users: list[object]
) -> None:
    with pytest.raises(ModelProtocolError) as err:
        recommend(NoParallel(small_data), known_users, 3, n_jobs=1)
    message = str(err.value)
    assert "NoParallel.recommend_batch" in message
    assert "parallel" in message
    assert "user" not in message.split("recommend_batch", 1)[0]


def test_a_users_method_is_rejected_saying_users_must_be_a_collection(
    small_data: Interactions, known_users: list[object]
) -> None:
    with pytest.raises(ModelProtocolError) as err:
        recommend(UsersMethod(PopularScorer(small_data)), known_users, 3, n_jobs=1)
    message = str(err.value)
    assert "UsersMethod.users" in message
    assert "method" in message


def test_a_recommend_that_takes_no_n_is_rejected(known_users: list[object]) -> None:
    with pytest.raises(ModelProtocolError, match=r"OneArgRecommend\.recommend\(user, n\)"):
        recommend(OneArgRecommend(), known_users, 3)


def test_malformed_flat_arrays_name_recommend_arrays(
    small_data: Interactions, known_users: list[object]
) -> None:
    with pytest.raises(ModelProtocolError, match=r"ArraysOfTwo\.recommend_arrays returned"):
        recommend(ArraysOfTwo(small_data), known_users, 3, n_jobs=1)


def test_a_short_score_batch_result_names_score_batch(small_data: Interactions) -> None:
    pairs = [(small_data.users.id(0), [small_data.items.id(0), small_data.items.id(1)])]
    with pytest.raises(ModelProtocolError, match=r"ShortScoreBatch\.score_batch returned 1"):
        predict(ShortScoreBatch(small_data), pairs, n_jobs=1)


def test_protocol_errors_are_type_errors(known_users: list[object]) -> None:
    with pytest.raises(TypeError, match="object cannot recommend"):
        recommend(object(), known_users, 2)


def test_check_model_names_the_entry_point_a_run_will_use(small_data: Interactions) -> None:
    assert check_model(PopularScorer(small_data), "recommend") == "recommend"
    assert check_model(BatchPopularScorer(small_data), "recommend") == "recommend_batch"
    assert check_model(BatchPopularScorer(small_data), "predict") == "score_batch"
    with pytest.raises(ValueError, match="task must be"):
        check_model(PopularScorer(small_data), "rank")  # type: ignore[arg-type]


def test_the_protocols_describe_the_shapes_models_take(small_data: Interactions) -> None:
    popular, batch = PopularScorer(small_data), BatchPopularScorer(small_data)
    assert isinstance(popular, Recommender) and isinstance(popular, Predictor)
    assert not isinstance(popular, BatchRecommender)
    assert isinstance(batch, BatchRecommender) and isinstance(batch, BatchPredictor)
    assert not isinstance(batch, ArrayRecommender)


DOCS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "batch-protocol.md"


def test_the_documented_custom_model_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOCS_PAGE.read_text(), flags=re.DOTALL)
    assert len(blocks) == 1, "the page has one worked example"
    namespace: dict[str, Any] = {}
    exec(compile(blocks[0], str(DOCS_PAGE), "exec"), namespace)
    recs = namespace["recs"].to_pandas()
    data = namespace["data"]
    assert len(recs) == 5 * data.n_users
    assert len(namespace["scores"].to_pandas()) == 3


def test_the_documented_messages_are_the_real_ones(
    small_data: Interactions, known_users: list[object]
) -> None:
    page = DOCS_PAGE.read_text()
    for model in (
        ListRecommender(small_data),
        NoParallel(small_data),
        UsersMethod(PopularScorer(small_data)),
        object(),
    ):
        with pytest.raises(ModelProtocolError) as err:
            recommend(model, known_users, 3, n_jobs=1)
        message = str(err.value).replace("object cannot", "Thing cannot")
        assert f"`{message}`" in page, f"docs/batch-protocol.md does not show: {message}"
