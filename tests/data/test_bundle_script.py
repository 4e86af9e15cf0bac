"""The script that builds the bundled MovieLens Parquet file reproduces it from the CSV."""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pyarrow as pa
import pyarrow.parquet as pq

SCRIPT = Path(__file__).parents[2] / "packages" / "lenskit-data" / "scripts" / "bundle_movielens.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bundle_movielens", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bundle_movielens", module)
    spec.loader.exec_module(module)
    return module


def make_source(folder: Path) -> Path:
    folder.mkdir()
    (folder / "ratings.csv").write_text(
        "userId,movieId,rating,timestamp\n2,5,4.0,30\n1,9,2.5,10\n1,3,5.0,20\n"
    )
    (folder / "README.txt").write_text("license text\n")
    return folder


def test_script_writes_sorted_typed_ratings(tmp_path: Path):
    out = load_script().convert(make_source(tmp_path / "src"), tmp_path / "out")
    table = pq.read_table(out)
    assert table.schema.field("userId").type == pa.int32()
    assert table.schema.field("rating").type == pa.float32()
    assert table.column("userId").to_pylist() == [1, 1, 2]
    assert table.column("movieId").to_pylist() == [3, 9, 5]


def test_script_copies_the_license_readme(tmp_path: Path):
    load_script().convert(make_source(tmp_path / "src"), tmp_path / "out")
    assert (tmp_path / "out" / "README.txt").read_text() == "license text\n"


def test_script_output_is_byte_identical_across_runs(tmp_path: Path):
    script = load_script()
    src = make_source(tmp_path / "src")
    first = script.convert(src, tmp_path / "a").read_bytes()
    second = script.convert(src, tmp_path / "b").read_bytes()
    assert first == second
