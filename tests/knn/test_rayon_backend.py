"""The Rayon pool plugs into lenskit.parallel and is sized once."""

import json
import os
import subprocess
import sys

import pytest

from lenskit import _accel
from lenskit.knn._rayon_backend import RAYON_BACKEND
from lenskit.parallel import load_backends

from .conftest import run_python


def test_backend_is_registered_under_the_entry_point():
    entries = {e.name: e for e in load_backends()}
    assert entries["rayon"].backend is RAYON_BACKEND
    assert entries["rayon"].error is None


def test_fresh_process_reports_the_pool_not_built(tmp_path):
    proc = run_python(
        "import json; from lenskit.knn._rayon_backend import RAYON_BACKEND; "
        "print(json.dumps(RAYON_BACKEND.describe()))",
        cwd=tmp_path,
    )
    assert json.loads(proc.stdout) == {"threads": 0, "initialized": False}


def test_parallel_init_sizes_the_pool_from_num_threads(tmp_path):
    proc = run_python(
        "import json; from lenskit.parallel import ensure_parallel_init; "
        "from lenskit.knn._rayon_backend import RAYON_BACKEND; ensure_parallel_init(); "
        "print(json.dumps(RAYON_BACKEND.describe()))",
        cwd=tmp_path,
        threads=3,
    )
    assert json.loads(proc.stdout) == {"threads": 3, "initialized": True}


def test_the_pool_is_built_once(tmp_path):
    proc = run_python(
        "from lenskit import _accel; "
        "print(_accel.init_thread_pool(2), _accel.init_thread_pool(5), _accel.thread_count())",
        cwd=tmp_path,
    )
    assert proc.stdout.split() == ["True", "False", "2"]


def test_resizing_an_existing_pool_warns(tmp_path):
    proc = run_python(
        "import warnings; from lenskit import _accel\n"
        "from lenskit.config import ParallelSettings\n"
        "from lenskit.knn._rayon_backend import RAYON_BACKEND\n"
        "_accel.init_thread_pool(2)\n"
        "with warnings.catch_warnings(record=True) as seen:\n"
        "    warnings.simplefilter('always')\n"
        "    RAYON_BACKEND.configure(ParallelSettings(num_threads=3).resolve_defaults())\n"
        "print(seen[0].message)",
        cwd=tmp_path,
    )
    assert "already has 2 threads; cannot resize it to num_threads=3" in proc.stdout


def test_zero_threads_is_refused():
    with pytest.raises(ValueError, match="threads must be at least 1, got 0"):
        _accel.init_thread_pool(0)


def test_loading_the_backend_entry_point_imports_no_data_stack(tmp_path):
    """`lenskit doctor` loads this entry point; it must stay cheap."""
    proc = run_python(
        "import sys; import lenskit.knn._rayon_backend; "
        "print(','.join(m for m in ('pandas', 'pyarrow', 'lenskit.data') if m in sys.modules))",
        cwd=tmp_path,
    )
    assert proc.stdout.strip() == ""


MEMORY_LIMITED_START = """
import json, resource, warnings
from lenskit.config import ConfigError
from lenskit.parallel import ensure_parallel_init
from lenskit import _accel
from lenskit.data import movielens_small
from lenskit.knn import ItemKNNScorer

from lenskit.config import lenskit_config

data = movielens_small()
lenskit_config()
# 1 GiB more than in use: room for the fit, not for 1000 thread stacks of 8 MiB each.
in_use = next(int(line.split()[1]) * 1024 for line in open("/proc/self/status")
              if line.startswith("VmSize:"))
limit = in_use + 2**30
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
out = {}
with warnings.catch_warnings(record=True):
    warnings.simplefilter("always")
    try:
        ensure_parallel_init()
    except ConfigError as err:
        out["init"] = str(err)
try:
    ItemKNNScorer().fit(data)
except ConfigError as err:
    out["fit"] = str(err)
try:
    _accel.init_thread_pool(2)
except RuntimeError as err:
    out["again"] = str(err)
out["threads"] = _accel.thread_count()
print(json.dumps(out))
"""


def test_a_pool_that_cannot_start_is_a_clear_error_not_a_panic(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", MEMORY_LIMITED_START],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.startswith("LK_")}
        | {"LK_NUM_THREADS": "1000", "RUST_MIN_STACK": str(8 * 2**20)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "PanicException" not in proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["init"].startswith(
        "num_threads = 1000 (environment LK_NUM_THREADS): the Rayon pool (1000 threads) "
        "could not start: "
    )
    assert out["init"].endswith("; lower num_threads")
    assert out["fit"] == out["init"]
    assert "could not start" in out["again"]
    assert out["threads"] == 0
