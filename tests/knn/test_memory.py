"""Running out of memory: a fit too big for the process is refused with numbers, never an abort.

Each test runs a child interpreter under a real address-space limit
(``RLIMIT_AS``, set in the child after its imports, a few hundred MB above
what it already uses), on a synthetic set whose full item-kNN model needs
more than that.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="reads /proc; sets RLIMIT_AS"),
    pytest.mark.slow,
]

# The limit leaves 700 MB above what the child uses once it has loaded the
# data: the full model (77 million similarities) needs about twice that.
# A small fit first has the pool's threads reserve their allocator arenas
# (address space, if not memory), so the limit is measured from the same
# start every time.
_PRELUDE = """
import re, resource
from lenskit import _accel
from lenskit.data import synthetic
from lenskit.knn import ItemKNNScorer
from lenskit.parallel import ensure_parallel_init

ensure_parallel_init()
ItemKNNScorer().fit(synthetic(200, 100, 2000, seed=1))
data = synthetic(6000, 12000, 1_500_000, seed=3)

def vm_size():
    status = open("/proc/self/status").read()
    return int(re.search(r"VmSize:\\s+(\\d+) kB", status)[1]) * 1024

limit = vm_size() + 700 * 2**20
resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))
"""


def run_child(body: str) -> subprocess.CompletedProcess[str]:
    script = _PRELUDE + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600, check=False
    )


def test_a_fit_beyond_the_address_space_limit_is_refused_with_the_numbers() -> None:
    child = run_child(
        """
        try:
            ItemKNNScorer().fit(data)
            print("fitted")
        except MemoryError as err:
            print(err)
        """
    )
    assert child.returncode == 0, child.stderr
    lines = child.stdout.splitlines()
    assert len(lines) == 1, child.stdout
    message = lines[0]
    assert message.startswith("ItemKNNScorer: fitting would need about ")
    assert "similarities, a model of" in message
    assert "the address-space limit (RLIMIT_AS)" in message
    assert re.search(r"set save_nbrs to \d+ or less, or raise min_sim above 1e-06$", message)


def test_the_suggested_save_nbrs_fits_under_the_same_limit() -> None:
    child = run_child(
        """
        try:
            ItemKNNScorer().fit(data)
        except MemoryError as err:
            save = int(re.search(r"save_nbrs to (\\d+)", str(err))[1])
            model = ItemKNNScorer(save_nbrs=save).fit(data)
            print(save, len(model.model.sims[1]))
        """
    )
    assert child.returncode == 0, child.stderr
    save, stored = map(int, child.stdout.split())
    assert 0 < stored <= 2 * save * 12000


def test_running_out_inside_the_kernel_is_a_memory_error_not_an_abort() -> None:
    # straight to the kernel, past the estimate, so that allocation itself fails
    child = run_child(
        """
        arrays = (data.indptr, data.indices, data.ratings)
        try:
            _accel.item_knn_fit((data.n_users, data.n_items), arrays, explicit=True, min_sim=1e-6)
            print("fitted")
        except MemoryError as err:
            print(err)
        """
    )
    assert child.returncode == 0, f"the child died ({child.returncode}): {child.stderr[-500:]}"
    assert re.fullmatch(r"could not allocate [\d.]+ [kMG]B for .+\n", child.stdout), child.stdout
