"""Loading rating files from disk: CSV, TSV, Parquet and MovieLens folders."""

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lenskit.data import DataError, Interactions, load_interactions

ML_CSV = "userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,3.0,1260759179\n2,31,4.0,1\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_csv_file_loads(tmp_path: Path):
    data = load_interactions(write(tmp_path / "r.csv", "user_id,item_id,rating\n1,2,3.5\n2,2,4\n"))
    assert data.n_ratings == 2
    assert data.ratings is not None and data.ratings.tolist() == [3.5, 4.0]


def test_gzipped_csv_loads(tmp_path: Path):
    path = tmp_path / "r.csv.gz"
    pd.DataFrame({"user": [1, 2], "item": [3, 3]}).to_csv(path, index=False)
    assert load_interactions(path).n_ratings == 2


def test_tsv_file_loads(tmp_path: Path):
    data = load_interactions(write(tmp_path / "r.tsv", "user\titem\trating\n1\t2\t3\n"))
    assert data.items.ids.tolist() == [2]


def test_parquet_file_loads(tmp_path: Path):
    path = tmp_path / "r.parquet"
    pq.write_table(pa.table({"user": ["a", "b"], "item": [1, 2], "rating": [1.0, 2.0]}), path)
    data = load_interactions(path)
    assert data.users.ids.tolist() == ["a", "b"]


def test_movielens_folder_loads_ratings_csv(tmp_path: Path):
    write(tmp_path / "ratings.csv", ML_CSV)
    write(tmp_path / "movies.csv", "movieId,title\n31,x\n")
    data = load_interactions(tmp_path)
    assert data.users.ids.tolist() == [1, 2]
    assert data.items.ids.tolist() == [31, 1029]


def test_classmethod_load_matches_function(tmp_path: Path):
    path = write(tmp_path / "ratings.csv", ML_CSV)
    assert Interactions.load(path) == load_interactions(path)


def test_load_passes_column_options(tmp_path: Path):
    path = write(tmp_path / "r.csv", "a,b,c\n1,2,5\n1,2,3\n")
    data = Interactions.load(path, user_col="a", item_col="b", rating_col="c", duplicates="mean")
    assert data.ratings is not None and data.ratings.tolist() == [4.0]


def test_missing_path_is_file_not_found(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match=r"nope\.csv: no such file"):
        load_interactions(tmp_path / "nope.csv")


def test_folder_without_ratings_lists_its_contents(tmp_path: Path):
    write(tmp_path / "movies.csv", "movieId\n1\n")
    with pytest.raises(DataError, match=r"no ratings.csv or ratings.parquet \(found: movies.csv\)"):
        load_interactions(tmp_path)


def test_unknown_suffix_is_rejected(tmp_path: Path):
    with pytest.raises(DataError, match=r"unsupported file type; expected a \.csv"):
        load_interactions(write(tmp_path / "r.json", "{}"))


def test_empty_csv_file_is_reported(tmp_path: Path):
    with pytest.raises(DataError, match=r"r\.csv: the file is empty"):
        load_interactions(write(tmp_path / "r.csv", ""))


def test_header_only_csv_has_no_rows(tmp_path: Path):
    with pytest.raises(DataError, match="no rows"):
        load_interactions(write(tmp_path / "r.csv", "user,item,rating\n"))


def test_ragged_csv_names_the_line(tmp_path: Path):
    with pytest.raises(DataError, match=r"cannot parse as CSV: .*line 3"):
        load_interactions(write(tmp_path / "r.csv", "user,item\n1,2\n3,4,5,6\n"))


def test_corrupt_parquet_is_reported(tmp_path: Path):
    with pytest.raises(DataError, match=r"r\.parquet: cannot read as Parquet"):
        load_interactions(write(tmp_path / "r.parquet", "not parquet"))


def test_csv_error_gives_file_column_row_and_line(tmp_path: Path):
    path = write(tmp_path / "r.csv", "user,item,rating\n1,1,4\n2,1,4\n3,1,oops\n")
    with pytest.raises(DataError) as info:
        load_interactions(path)
    assert str(info.value) == (
        f"{path}, column 'rating', row 2 (line 4): rating 'oops' is not a number"
    )


def test_csv_blank_line_is_reported_not_skipped(tmp_path: Path):
    path = write(tmp_path / "r.csv", "user,item,rating\n1,1,4\n\n2,1,4\n")
    with pytest.raises(DataError, match=r"row 1 \(line 3\): blank row"):
        load_interactions(path)


def test_csv_duplicate_names_both_lines(tmp_path: Path):
    path = write(tmp_path / "r.csv", "user,item,rating\n1,1,4\n2,1,4\n1,1,5\n")
    with pytest.raises(DataError, match=r"line 4\): .*user 1 and item 1 already appear at line 2"):
        load_interactions(path)


def test_parquet_error_names_file_and_row(tmp_path: Path):
    path = tmp_path / "r.parquet"
    pq.write_table(pa.table({"user": [1, None], "item": [1, 2]}), path)
    with pytest.raises(DataError, match=r"r.parquet, column 'user', row 1: missing user id"):
        load_interactions(path)
