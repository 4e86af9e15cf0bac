"""The bundled MovieLens ml-latest-small data set."""

import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from lenskit.data import Interactions, load_interactions, movielens_small, movielens_small_path


def test_sizes_match_the_data_set_description(ml_small: Interactions):
    assert (ml_small.n_ratings, ml_small.n_users, ml_small.n_items) == (100_004, 671, 9_066)


def test_ratings_are_explicit_half_stars(ml_small: Interactions):
    assert ml_small.ratings is not None
    assert set(np.unique(ml_small.ratings).tolist()) == {x / 2 for x in range(1, 11)}


def test_ids_are_integers(ml_small: Interactions):
    assert ml_small.users.kind == "int"
    assert ml_small.items.kind == "int"


def test_every_movielens_user_rated_at_least_twenty_movies(ml_small: Interactions):
    assert ml_small.user_counts().min() >= 20


def test_loaded_once_per_process():
    assert movielens_small() is movielens_small()


def test_threads_share_one_object():
    seen: list[Interactions] = []
    lock = threading.Lock()

    def work() -> None:
        data = movielens_small()
        with lock:
            seen.append(data)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 8
    assert all(d is seen[0] for d in seen)


def test_license_readme_ships_beside_the_ratings():
    readme = movielens_small_path().parent / "README.txt"
    text = readme.read_text(encoding="utf-8", errors="replace")
    assert "GroupLens" in text
    assert "license" in text.lower()


def test_bundled_file_is_compact_zstd_parquet():
    path = movielens_small_path()
    meta = pq.ParquetFile(path).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"
    assert path.stat().st_size < 1_000_000


def test_bundled_columns_and_types():
    schema = pq.read_schema(movielens_small_path())
    assert schema == pa.schema(
        [
            ("userId", pa.int32()),
            ("movieId", pa.int32()),
            ("rating", pa.float32()),
            ("timestamp", pa.int64()),
        ]
    )


def test_loading_the_bundled_file_directly_gives_the_same_data(ml_small: Interactions):
    assert load_interactions(movielens_small_path()) == ml_small


def test_reference_prediction_pairs_are_in_the_data(ml_small: Interactions, fixtures_dir: Path):
    for name in ("item-item-preds.csv", "user-user-preds.csv"):
        ref = pd.read_csv(fixtures_dir / "reference" / name)
        assert (ml_small.users.indices(ref["user_id"], missing="negative") >= 0).all()
        assert (ml_small.items.indices(ref["item_id"], missing="negative") >= 0).all()
