"""Every runner and scoring path gives exactly the reference results on ml-latest-small.

The reference scores every user alone on the calling thread; item k-NN
recommends 10 items for every user; outputs are compared row by row (ids,
ranks and scores bit for bit).
"""

from __future__ import annotations

import pytest

from lenskit.batch import BatchResults, plan_run, predict, recommend, recommend_iter
from lenskit.config import ParallelSettings
from lenskit.data import Interactions
from tests.batch.conftest import OneUserAtATime


def assert_identical(result: BatchResults, reference: BatchResults) -> None:
    got, want = result.to_pandas(), reference.to_pandas()
    assert len(got) == len(want) > 0
    for column in ("user_id", "item_id", "rank", "score"):
        assert got[column].tolist() == want[column].tolist(), column


@pytest.mark.parametrize(
    ("jobs", "threads", "chunk_size"), [(1, 2, None), (1, 1, 50), (2, 2, None), (2, 1, 7)]
)
def test_every_scoring_path_is_identical_to_the_reference(
    item_knn: object,
    item_knn_reference: BatchResults,
    ml_small: Interactions,
    *,
    jobs: int,
    threads: int,
    chunk_size: int | None,
) -> None:
    plan = plan_run(jobs, settings=ParallelSettings(num_cpus=2, num_threads=threads))
    assert plan.pool_scoring is (threads > 1)
    chunks = recommend_iter(item_knn, ml_small.users.ids, 10, plan=plan, chunk_size=chunk_size)
    assert_identical(BatchResults.concat(list(chunks), ranked=True), item_knn_reference)


def test_default_run_is_identical_to_the_reference(
    item_knn: object, item_knn_reference: BatchResults, ml_small: Interactions
) -> None:
    assert_identical(recommend(item_knn, ml_small.users.ids, 10), item_knn_reference)


def test_reference_covers_every_user(
    item_knn_reference: BatchResults, ml_small: Interactions
) -> None:
    frame = item_knn_reference.to_pandas()
    assert frame["user_id"].drop_duplicates().tolist() == ml_small.users.ids.tolist()


@pytest.mark.parametrize("chunk_size", [None, 7])
def test_thread_runner_is_identical_to_sequential(
    item_knn: object,
    item_knn_reference: BatchResults,
    ml_small: Interactions,
    chunk_size: int | None,
) -> None:
    result = recommend(item_knn, ml_small.users.ids, 10, n_jobs=2, chunk_size=chunk_size)
    assert_identical(result, item_knn_reference)


@pytest.mark.ray
def test_ray_runner_is_identical_to_sequential(
    ray_session: object, item_knn: object, item_knn_reference: BatchResults, ml_small: Interactions
) -> None:
    result = recommend(item_knn, ml_small.users.ids, 10, n_jobs=2, use_ray=True)
    assert_identical(result, item_knn_reference)


class ListsOnly:
    """Item k-NN seen through `recommend_batch` only (one `ItemList` per user)."""

    def __init__(self, scorer: object) -> None:
        self.recommend_batch = scorer.recommend_batch  # type: ignore[attr-defined]


def test_flat_and_per_user_lists_give_identical_tables(
    item_knn: object, item_knn_reference: BatchResults, ml_small: Interactions
) -> None:
    # the reference came through recommend_arrays, which k-NN scorers offer
    assert callable(getattr(item_knn, "recommend_arrays", None))
    lists = recommend(ListsOnly(item_knn), ml_small.users.ids, 10, n_jobs=1, chunk_size=50)
    assert_identical(lists, item_knn_reference)


@pytest.fixture(scope="module", params=["BiasedMFScorer", "ImplicitMFScorer"])
def mf(request: pytest.FixtureRequest, ml_small: Interactions) -> tuple[object, BatchResults]:
    """A matrix factorisation scorer and its sequential recommendations (the reference)."""
    als = pytest.importorskip("lenskit.als", reason="lenskit-rs is not built")
    model = getattr(als, request.param)(embedding_size=16, epochs=4, seed=3).fit(ml_small)
    return model, recommend(OneUserAtATime(model), ml_small.users.ids, 10, n_jobs=1)


def test_matrix_factorisation_is_identical_on_the_pool(
    mf: tuple[object, BatchResults], ml_small: Interactions
) -> None:
    model, reference = mf
    plan = plan_run(1, settings=ParallelSettings(num_cpus=2, num_threads=2))
    assert plan.pool_scoring
    chunks = recommend_iter(model, ml_small.users.ids, 10, plan=plan, chunk_size=50)
    assert_identical(BatchResults.concat(list(chunks), ranked=True), reference)


def test_matrix_factorisation_is_identical_on_threads(
    mf: tuple[object, BatchResults], ml_small: Interactions
) -> None:
    model, reference = mf
    assert_identical(recommend(model, ml_small.users.ids, 10, n_jobs=2, chunk_size=7), reference)
    pairs = ml_small.to_frame().iloc[::50]
    one = predict(model, pairs, n_jobs=1).to_pandas()
    two = predict(model, pairs, n_jobs=2, chunk_size=5).to_pandas()
    assert one["score"].tolist() == two["score"].tolist() and len(one) == len(pairs)


@pytest.mark.ray
def test_matrix_factorisation_is_identical_on_ray(
    ray_session: object, mf: tuple[object, BatchResults], ml_small: Interactions
) -> None:
    model, reference = mf
    assert_identical(recommend(model, ml_small.users.ids, 10, n_jobs=2, use_ray=True), reference)
