"""`BatchResults` conversions and `ResultWriter`: files by extension, written as results arrive."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from lenskit.batch import (
    BatchResults,
    ResultWriter,
    UnknownUsersWarning,
    UserScoringError,
    recommend,
    recommend_iter,
)
from lenskit.data import Interactions
from tests.batch.conftest import FailingScorer, PopularScorer


@pytest.fixture
def results(popular: PopularScorer, known_users: list[object]) -> BatchResults:
    return recommend(popular, known_users, 3, n_jobs=1)


def test_parquet_file_round_trips(results: BatchResults, tmp_path: Path) -> None:
    path = tmp_path / "recs.parquet"
    results.write(path)
    assert pq.read_table(path).equals(results.to_arrow())


def test_csv_file_round_trips(results: BatchResults, tmp_path: Path) -> None:
    path = tmp_path / "recs.csv"
    results.write(path)
    pd.testing.assert_frame_equal(pd.read_csv(path), results.to_pandas(), check_dtype=False)


def test_unsupported_extension_is_rejected_naming_the_file(
    results: BatchResults, tmp_path: Path
) -> None:
    path = tmp_path / "recs.xlsx"
    with pytest.raises(
        ValueError,
        match=r"recs\.xlsx: cannot write results to a \.xlsx file; use \.parquet or \.csv",
    ):
        results.write(path)
    assert not path.exists()


def test_missing_output_folder_is_reported(results: BatchResults, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        results.write(tmp_path / "nowhere" / "recs.parquet")


def test_writer_appends_chunks_as_they_arrive(
    popular: PopularScorer, known_users: list[object], tmp_path: Path
) -> None:
    path = tmp_path / "recs.parquet"
    with ResultWriter(path) as out:
        for chunk in recommend_iter(popular, known_users, 3, n_jobs=2, chunk_size=8):
            out.write(chunk)
    expected = recommend(popular, known_users, 3, n_jobs=1)
    assert pq.read_table(path).equals(expected.to_arrow())
    assert pq.ParquetFile(path).metadata.num_row_groups > 1


def test_failed_run_leaves_no_output_file(
    small_data: Interactions, known_users: list[object], tmp_path: Path
) -> None:
    path = tmp_path / "recs.parquet"
    model = FailingScorer(small_data, known_users[-1])
    with pytest.raises(UserScoringError), ResultWriter(path) as out:
        for chunk in recommend_iter(model, known_users, 3, n_jobs=1, chunk_size=4):
            out.write(chunk)
    assert list(tmp_path.iterdir()) == []


def test_failed_run_keeps_an_earlier_file_untouched(
    small_data: Interactions, known_users: list[object], tmp_path: Path
) -> None:
    path = tmp_path / "recs.csv"
    path.write_text("previous results\n")
    model = FailingScorer(small_data, known_users[-1])
    with pytest.raises(UserScoringError), ResultWriter(path) as out:
        for chunk in recommend_iter(model, known_users, 3, n_jobs=1, chunk_size=4):
            out.write(chunk)
    assert path.read_text() == "previous results\n"


def test_empty_results_still_write_the_standard_columns(
    popular: PopularScorer, tmp_path: Path
) -> None:
    path = tmp_path / "none.parquet"
    recommend(popular, [], 3, n_jobs=1).write(path)
    assert pq.read_table(path).column_names == ["user_id", "item_id", "rank", "score"]


def test_results_refuse_a_table_without_the_standard_columns() -> None:
    import pyarrow as pa

    with pytest.raises(ValueError, match="batch results need columns"):
        BatchResults(pa.table({"user": [1]}), n_users=1)


def test_concatenated_chunks_count_their_users(
    popular: PopularScorer, known_users: list[object]
) -> None:
    users = [*known_users[:5], 4242]
    with pytest.warns(UnknownUsersWarning):
        chunks = list(recommend_iter(popular, users, 2, n_jobs=1, chunk_size=2))
    whole = BatchResults.concat(chunks, ranked=True)
    assert (whole.n_users, whole.n_unknown, len(whole)) == (6, 1, 10)
