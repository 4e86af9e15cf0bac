"""`recommend`, `predict` and their streaming forms, as users call them."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest

from lenskit.batch import (
    BatchError,
    BatchResults,
    UnknownUsersWarning,
    UserScoringError,
    plan_run,
    predict,
    predict_iter,
    recommend,
    recommend_iter,
)
from lenskit.config import ParallelSettings
from lenskit.data import Interactions
from tests.batch.conftest import BatchPopularScorer, FailingScorer, PopularScorer


def test_recommend_gives_n_ranked_items_per_user(
    popular: PopularScorer, known_users: list[object]
) -> None:
    frame = recommend(popular, known_users[:10], 3, n_jobs=1).to_pandas()
    assert list(frame.columns) == ["user_id", "item_id", "rank", "score"]
    assert frame.groupby("user_id").size().tolist() == [3] * 10
    assert frame.groupby("user_id")["rank"].apply(list).tolist() == [[1, 2, 3]] * 10


def test_recommend_keeps_the_input_user_order(
    popular: PopularScorer, known_users: list[object]
) -> None:
    users = list(reversed(known_users))
    frame = recommend(popular, users, 2, n_jobs=2, chunk_size=4).to_pandas()
    assert frame["user_id"].drop_duplicates().tolist() == users


def test_recommend_matches_the_model_called_user_by_user(
    popular: PopularScorer, known_users: list[object]
) -> None:
    frame = recommend(popular, known_users[:5], 4, n_jobs=2, chunk_size=2).to_pandas()
    for user, rows in frame.groupby("user_id", sort=False):
        expected = popular.recommend(user, 4)
        assert rows["item_id"].tolist() == expected.ids.tolist()
        assert rows["score"].tolist() == expected.scores.tolist()  # type: ignore[union-attr]


def test_batch_and_per_user_models_give_the_same_results(
    small_data: Interactions, known_users: list[object]
) -> None:
    per_user = recommend(PopularScorer(small_data), known_users, 5, n_jobs=2)
    batched = recommend(BatchPopularScorer(small_data), known_users, 5, n_jobs=2)
    assert per_user.to_arrow().equals(batched.to_arrow())


class BadArraysScorer(BatchPopularScorer):
    """Offers `recommend_arrays` but returns offsets that do not fit its items."""

    def recommend_arrays(
        self, users: list[object], n: int = 10, *, parallel: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return np.array([0, 3, 1]), np.array([1, 2, 3]), np.array([0.5, 0.4, 0.3])


def test_inconsistent_flat_arrays_are_a_batch_error(
    small_data: Interactions, known_users: list[object]
) -> None:
    with pytest.raises(BatchError, match="recommend_arrays returned inconsistent"):
        recommend(BadArraysScorer(small_data), known_users[:2], 3, n_jobs=1)


def test_thread_and_sequential_runs_are_identical(
    batch_popular: BatchPopularScorer, known_users: list[object]
) -> None:
    sequential = recommend(batch_popular, known_users, 5, n_jobs=1)
    threaded = recommend(batch_popular, known_users, 5, n_jobs=2, chunk_size=3)
    assert sequential.to_arrow().equals(threaded.to_arrow())


def test_string_user_ids_are_supported() -> None:
    data = Interactions.from_frame(
        pd.DataFrame({"user_id": ["ann", "bob", "ann"], "item_id": ["x", "y", "y"]})
    )
    frame = recommend(PopularScorer(data), ["bob", "ann"], 5, n_jobs=1).to_pandas()
    assert frame.to_dict("list") == {
        "user_id": ["bob"],
        "item_id": ["x"],
        "rank": [1],
        "score": [1.0],
    }


def test_unknown_users_get_nothing_and_one_warning(
    popular: PopularScorer, known_users: list[object]
) -> None:
    users = [*known_users[:3], 9001, 9002, known_users[3]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = recommend(popular, users, 2, n_jobs=2, chunk_size=2)
    unknown = [w for w in caught if issubclass(w.category, UnknownUsersWarning)]
    assert len(unknown) == 1
    assert "2 of 6 users" in str(unknown[0].message)
    assert "9001, 9002" in str(unknown[0].message)
    assert result.n_unknown == 2
    assert set(result.to_pandas()["user_id"]) == {*known_users[:4]}


def test_unknown_users_warning_points_at_the_callers_line(popular: PopularScorer) -> None:
    with pytest.warns(UnknownUsersWarning) as record:
        recommend(popular, [123456], 2, n_jobs=1)
    assert record[0].filename == __file__


def test_unknown_user_warning_quotes_only_a_few_examples(popular: PopularScorer) -> None:
    with pytest.warns(
        UnknownUsersWarning,
        match=r"20 of 20 users .*\(e\.g\. 1000, 1001, 1002, 1003, 1004, \.\.\.\)",
    ):
        recommend(popular, range(1000, 1020), 2, n_jobs=1)


def test_scoring_error_names_the_user_and_returns_nothing(
    small_data: Interactions, known_users: list[object]
) -> None:
    bad = known_users[7]
    with pytest.raises(UserScoringError, match=f"user {bad!r}") as err:
        recommend(FailingScorer(small_data, bad), known_users, 2, n_jobs=1)
    assert err.value.user == bad
    assert "corrupt history" in str(err.value)


def test_model_without_recommend_is_rejected_before_any_work(known_users: list[object]) -> None:
    with pytest.raises(TypeError, match="object cannot recommend: it has neither"):
        recommend(object(), known_users, 2)


@pytest.mark.parametrize("users", ["abc", b"abc"], ids=["str", "bytes"])
def test_a_string_is_refused_not_taken_as_one_user_per_character(
    popular: PopularScorer, users: object
) -> None:
    with pytest.raises(
        TypeError, match=r"users must be a collection of user ids, got the (str|bytes) .?'abc'"
    ):
        recommend(popular, users, 2)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"for one user, pass \[.?'abc'\]"):
        recommend_iter(popular, users, 2)  # type: ignore[arg-type]


def test_a_single_id_is_refused_saying_how_to_pass_one_user(popular: PopularScorer) -> None:
    with pytest.raises(TypeError, match=r"got the int 5; for one user, pass \[5\]"):
        recommend(popular, 5, 2)  # type: ignore[arg-type]


def test_n_must_be_positive(popular: PopularScorer, known_users: list[object]) -> None:
    with pytest.raises(ValueError, match="n must be at least 1, not 0"):
        recommend(popular, known_users, 0)


def test_chunk_size_must_be_positive(popular: PopularScorer, known_users: list[object]) -> None:
    with pytest.raises(ValueError, match="chunk_size must be at least 1, not 0"):
        recommend(popular, known_users, 2, chunk_size=0)


def test_recommend_iter_yields_chunks_in_user_order(
    popular: PopularScorer, known_users: list[object]
) -> None:
    chunks = list(recommend_iter(popular, known_users[:10], 2, n_jobs=2, chunk_size=3))
    assert [c.n_users for c in chunks] == [3, 3, 3, 1]
    users = pd.concat([c.to_pandas() for c in chunks])["user_id"].drop_duplicates()
    assert users.tolist() == known_users[:10]


def test_recommend_iter_consumes_an_endless_stream_lazily(
    popular: PopularScorer, known_users: list[object]
) -> None:
    endless = itertools.cycle(known_users)
    stream = recommend_iter(popular, endless, 2, n_jobs=2, chunk_size=4)
    first = list(itertools.islice(stream, 3))
    stream.close()
    assert sum(c.n_users for c in first) == 12


def test_progress_is_reported_on_stderr_when_asked(
    popular: PopularScorer, known_users: list[object], capsys: pytest.CaptureFixture[str]
) -> None:
    recommend(popular, known_users, 2, n_jobs=1, progress=True)
    err = capsys.readouterr().err
    assert f"recommend  {len(known_users)}/{len(known_users)} users (100%)" in err
    assert "users/s" in err


def test_progress_is_silent_when_stderr_is_not_a_terminal(
    popular: PopularScorer, known_users: list[object], capsys: pytest.CaptureFixture[str]
) -> None:
    recommend(popular, known_users, 2, n_jobs=1)
    assert capsys.readouterr().err == ""


def test_predict_scores_frame_pairs_grouped_by_user(popular: PopularScorer) -> None:
    items = popular.items.ids
    users = popular.users.ids
    pairs = pd.DataFrame(
        {"user_id": [users[1], users[0], users[1]], "item_id": [items[0], items[1], items[2]]}
    )
    frame = predict(popular, pairs, n_jobs=2, chunk_size=1).to_pandas()
    assert list(frame.columns) == ["user_id", "item_id", "score"]
    assert frame["user_id"].tolist() == [users[1], users[1], users[0]]
    assert frame["item_id"].tolist() == [items[0], items[2], items[1]]
    expected = popular.score(users[1], [items[0], items[2]]).scores.tolist()  # type: ignore[union-attr]
    assert frame["score"].tolist()[:2] == expected


def test_predict_gives_nan_for_items_the_model_cannot_score(popular: PopularScorer) -> None:
    user = popular.users.ids[0]
    frame = predict(popular, [(user, [popular.items.ids[0], 424242])], n_jobs=1).to_pandas()
    assert np.isnan(frame["score"].iloc[1])
    assert not np.isnan(frame["score"].iloc[0])


def test_batch_and_per_user_predictions_agree(
    small_data: Interactions, known_users: list[object]
) -> None:
    items = [*small_data.items.ids[:6].tolist(), 99999]
    pairs = [(u, items) for u in known_users]
    per_user = predict(PopularScorer(small_data), pairs, n_jobs=1)
    batched = predict(BatchPopularScorer(small_data), pairs, n_jobs=2, chunk_size=5)
    pd.testing.assert_frame_equal(per_user.to_pandas(), batched.to_pandas())


def test_predict_skips_unknown_users_with_a_warning(popular: PopularScorer) -> None:
    user = popular.users.ids[0]
    item = popular.items.ids[0]
    with pytest.warns(UnknownUsersWarning, match="1 of 2 users"):
        result = predict(popular, [(777777, [item]), (user, [item])], n_jobs=1)
    assert result.to_pandas()["user_id"].tolist() == [user]


def test_results_of_no_users_have_the_standard_columns(popular: PopularScorer) -> None:
    result = recommend(popular, [], 3, n_jobs=1)
    assert isinstance(result, BatchResults)
    assert len(result) == 0
    assert result.to_arrow().column_names == ["user_id", "item_id", "rank", "score"]


@pytest.mark.parametrize("model_kind", ["per-user", "batch"])
def test_predict_keeps_each_entry_of_a_repeated_user(
    small_data: Interactions, model_kind: str
) -> None:
    model = (
        PopularScorer(small_data) if model_kind == "per-user" else BatchPopularScorer(small_data)
    )
    user = small_data.users.ids[0]
    first, second = small_data.items.ids[:1].tolist(), small_data.items.ids[1:3].tolist()
    frame = predict(model, [(user, first), (user, second)], n_jobs=1).to_pandas()
    assert frame["item_id"].tolist() == first + second


@pytest.mark.parametrize(("threads", "parallel"), [(2, True), (1, False)])
def test_one_job_hands_chunks_to_the_pool_when_it_has_threads_to_spare(
    batch_popular: BatchPopularScorer, known_users: list[object], threads: int, parallel: bool
) -> None:
    plan = plan_run(1, settings=ParallelSettings(num_cpus=2, num_threads=threads))
    list(recommend_iter(batch_popular, known_users[:12], 2, plan=plan, chunk_size=4))
    pairs = [(user, [batch_popular.items.ids[0]]) for user in known_users[:12]]
    list(predict_iter(batch_popular, pairs, plan=plan, chunk_size=4))
    assert batch_popular.parallel_flags == [parallel] * 6
