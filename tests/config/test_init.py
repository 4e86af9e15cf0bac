"""``ensure_parallel_init`` sizes every pool exactly once per process, even under a thread race.

Initialisation is global to a process, so each test runs in a fresh
interpreter; backends are real entry points installed into a folder on
``PYTHONPATH``.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path

import pytest

RunPython = Callable[..., subprocess.CompletedProcess[str]]
InstallBackend = Callable[[Path, str, str, str], Path]

COUNTING_BACKEND = """
    import time

    class Counting:
        name = "counting"

        def __init__(self):
            self.calls = []

        def configure(self, settings):
            time.sleep(0.05)  # widen the window in which a second thread could slip in
            self.calls.append(settings.num_threads)

        def describe(self):
            return {"calls": len(self.calls)}

    BACKEND = Counting()
"""

RACE = """
    import json, threading
    import numpy  # loads numpy's BLAS so threadpoolctl can see and size it
    from threadpoolctl import threadpool_info
    import counting
    from lenskit.parallel import ensure_parallel_init

    barrier = threading.Barrier(16)
    seen_after_return = []

    def work():
        barrier.wait()
        ensure_parallel_init()
        seen_after_return.append(len(counting.BACKEND.calls))

    threads = [threading.Thread(target=work) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    blas = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    print(json.dumps({"calls": counting.BACKEND.calls, "seen": seen_after_return, "blas": blas}))
"""


@pytest.fixture
def plugins(tmp_path: Path, install_backend: InstallBackend) -> Path:
    return install_backend(tmp_path / "plugins", "counting", COUNTING_BACKEND, "counting:BACKEND")


def run_json(run_python: RunPython, code: str, **kwargs: object) -> dict[str, object]:
    result = run_python(code, **kwargs)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_sixteen_racing_threads_configure_a_backend_exactly_once(
    run_python: RunPython, plugins: Path
) -> None:
    out = run_json(run_python, RACE, pythonpath=[plugins], LK_NUM_THREADS="3")
    assert out["calls"] == [3]


def test_no_racing_thread_returns_before_the_pools_are_sized(
    run_python: RunPython, plugins: Path
) -> None:
    out = run_json(run_python, RACE, pythonpath=[plugins])
    assert out["seen"] == [1] * 16


def test_blas_is_sized_to_the_backend_threads(run_python: RunPython, plugins: Path) -> None:
    out = run_json(run_python, RACE, pythonpath=[plugins], LK_NUM_BACKEND_THREADS="1")
    assert out["blas"]
    assert set(out["blas"]) == {1}  # type: ignore[arg-type]


def test_blas_set_by_the_user_is_left_alone(run_python: RunPython, plugins: Path) -> None:
    out = run_json(
        run_python,
        RACE,
        pythonpath=[plugins],
        LK_NUM_BACKEND_THREADS="1",
        OPENBLAS_NUM_THREADS="2",
    )
    assert set(out["blas"]) == {2}  # type: ignore[arg-type]


def test_minus_one_backend_threads_leaves_blas_alone(run_python: RunPython) -> None:
    out = run_json(
        run_python,
        """
        import json
        import numpy
        from threadpoolctl import threadpool_info, threadpool_limits
        from lenskit.parallel import ensure_parallel_init

        threadpool_limits(limits=1, user_api="blas")
        ensure_parallel_init()
        print(json.dumps({"blas": [p["num_threads"] for p in threadpool_info()
                                   if p["user_api"] == "blas"]}))
        """,
        LK_NUM_CPUS="2",
        LK_NUM_BACKEND_THREADS="-1",
    )
    assert set(out["blas"]) == {1}  # type: ignore[arg-type]


WARNINGS_OF = """
    import json, warnings
    from lenskit.parallel import ParallelInitWarning

    def caught(action):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            action()
        return [str(w.message) for w in seen if issubclass(w.category, ParallelInitWarning)]
"""


def test_a_later_init_with_other_settings_warns(run_python: RunPython) -> None:
    out = run_json(
        run_python,
        WARNINGS_OF
        + """
    from lenskit.config import ParallelSettings
    from lenskit.parallel import init_threading, get_parallel_config

    init_threading(ParallelSettings(num_cpus=4, num_threads=2))
    other = caught(lambda: init_threading(ParallelSettings(num_cpus=4, num_threads=1)))
    print(json.dumps({"other": other, "threads": get_parallel_config().num_threads}))
    """,
    )
    assert len(out["other"]) == 1  # type: ignore[arg-type]
    assert "num_threads 2 -> 1" in out["other"][0]  # type: ignore[index]
    assert out["threads"] == 2


def test_a_later_init_with_the_same_settings_is_silent(run_python: RunPython) -> None:
    out = run_json(
        run_python,
        WARNINGS_OF
        + """
    from lenskit.config import ParallelSettings
    from lenskit.parallel import init_threading

    init_threading(ParallelSettings(num_cpus=4, num_threads=2))
    same = caught(lambda: init_threading(ParallelSettings(num_cpus=4, num_threads=2)))
    print(json.dumps({"same": same}))
    """,
    )
    assert out["same"] == []


def test_configure_after_init_warns_once_about_the_change(run_python: RunPython) -> None:
    out = run_json(
        run_python,
        WARNINGS_OF
        + """
    import os
    from lenskit.config import configure
    from lenskit.parallel import ensure_parallel_init

    ensure_parallel_init()
    os.environ["LK_NUM_THREADS"] = "1"
    twice = caught(lambda: (configure(), ensure_parallel_init(), ensure_parallel_init()))
    print(json.dumps({"twice": twice}))
    """,
        LK_NUM_THREADS="3",
    )
    assert len(out["twice"]) == 1  # type: ignore[arg-type]
    assert "num_threads 3 -> 1" in out["twice"][0]  # type: ignore[index]


def test_explicit_init_wins_over_the_process_settings_silently(run_python: RunPython) -> None:
    out = run_json(
        run_python,
        WARNINGS_OF
        + """
    from lenskit.config import ParallelSettings
    from lenskit.parallel import ensure_parallel_init, get_parallel_config, init_threading

    init_threading(ParallelSettings(num_cpus=4, num_threads=1))
    later = caught(ensure_parallel_init)
    print(json.dumps({"later": later, "threads": get_parallel_config().num_threads}))
    """,
        LK_NUM_THREADS="3",
    )
    assert out == {"later": [], "threads": 1}


def test_get_parallel_config_gives_the_resolved_settings(run_python: RunPython) -> None:
    out = run_json(
        run_python,
        """
        import json
        from lenskit.parallel import get_parallel_config

        config = get_parallel_config()
        print(json.dumps({"threads": config.num_threads, "cpus": config.num_cpus,
                          "backend": config.num_backend_threads}))
        """,
        LK_NUM_CPUS="8",
        LK_NUM_THREADS="4",
    )
    assert out == {"threads": 4, "cpus": 8, "backend": 2}


@pytest.mark.skipif(find_spec("torch") is not None, reason="torch is installed here")
def test_torch_is_never_imported_when_not_installed(run_python: RunPython) -> None:
    out = run_json(
        run_python,
        """
        import json, sys
        from lenskit.parallel import ensure_parallel_init

        ensure_parallel_init()
        print(json.dumps({"torch": "torch" in sys.modules}))
        """,
    )
    assert out == {"torch": False}


def test_an_importable_torch_gets_its_pools_sized(run_python: RunPython, tmp_path: Path) -> None:
    fake = tmp_path / "fake-torch" / "torch"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "calls = []\n"
        "def set_num_threads(n): calls.append(('intra', n))\n"
        "def set_num_interop_threads(n): calls.append(('interop', n))\n"
    )
    out = run_json(
        run_python,
        """
        import json, torch
        from lenskit.parallel import ensure_parallel_init

        ensure_parallel_init()
        print(json.dumps({"calls": torch.calls}))
        """,
        pythonpath=[fake.parent],
        LK_NUM_THREADS="3",
        LK_NUM_BACKEND_THREADS="2",
    )
    assert out == {"calls": [["intra", 2], ["interop", 3]]}


def test_broken_backends_warn_and_the_others_are_still_sized(
    run_python: RunPython, tmp_path: Path, install_backend: InstallBackend
) -> None:
    folder = tmp_path / "plugins"
    install_backend(folder, "counting", COUNTING_BACKEND, "counting:BACKEND")
    install_backend(folder, "absent", "BACKEND = None\n", "absent:BACKEND")
    install_backend(folder, "crashing", "raise RuntimeError('boom')\n", "crashing:BACKEND")
    install_backend(
        folder,
        "failing",
        """
        class Failing:
            name = "failing"
            def configure(self, settings):
                raise OSError("no pool for you")
            def describe(self):
                return {}
        BACKEND = Failing()
        """,
        "failing:BACKEND",
    )
    out = run_json(
        run_python,
        WARNINGS_OF
        + """
    import counting
    from lenskit.parallel import ensure_parallel_init

    seen = caught(ensure_parallel_init)
    print(json.dumps({"warnings": seen, "calls": counting.BACKEND.calls}))
    """,
        pythonpath=[folder],
    )
    joined = "\n".join(out["warnings"])  # type: ignore[arg-type]
    assert "'absent' (absent:BACKEND) not sized: the entry point resolves to None" in joined
    assert "'crashing' (crashing:BACKEND) not sized: failed to load: RuntimeError: boom" in joined
    assert "'failing' failed to configure: OSError: no pool for you" in joined
    assert len(out["calls"]) == 1  # type: ignore[arg-type]


def test_blas_loaded_after_init_is_sized_too(run_python: RunPython) -> None:
    out = run_json(
        run_python,
        """
        import json, sys
        from lenskit.parallel import ensure_parallel_init

        ensure_parallel_init()
        assert "numpy" not in sys.modules
        import numpy
        from threadpoolctl import threadpool_info
        print(json.dumps({"blas": [p["num_threads"] for p in threadpool_info()
                                   if p["user_api"] == "blas"]}))
        """,
        LK_NUM_CPUS="2",
        LK_NUM_BACKEND_THREADS="1",
    )
    assert out["blas"]
    assert set(out["blas"]) == {1}  # type: ignore[arg-type]


def test_blas_variables_the_user_set_are_kept(run_python: RunPython) -> None:
    out = run_json(
        run_python,
        """
        import json, os
        from lenskit.parallel import ensure_parallel_init

        ensure_parallel_init()
        print(json.dumps({v: os.environ.get(v) for v in
                          ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}))
        """,
        LK_NUM_BACKEND_THREADS="1",
        OMP_NUM_THREADS="2",
    )
    assert out == {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def test_minus_one_backend_threads_leaves_torch_alone_inter_op_included(
    run_python: RunPython, tmp_path: Path
) -> None:
    fake = tmp_path / "fake-torch" / "torch"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "calls = []\n"
        "def set_num_threads(n): calls.append(('intra', n))\n"
        "def set_num_interop_threads(n): calls.append(('interop', n))\n"
    )
    out = run_json(
        run_python,
        """
        import json, os, torch
        from lenskit.parallel import ensure_parallel_init

        ensure_parallel_init()
        print(json.dumps({"calls": torch.calls, "omp": os.environ.get("OMP_NUM_THREADS")}))
        """,
        pythonpath=[fake.parent],
        LK_NUM_THREADS="2",
        LK_NUM_BACKEND_THREADS="-1",
    )
    assert out == {"calls": [], "omp": None}


def test_a_count_far_above_the_cpus_warns_at_init(run_python: RunPython) -> None:
    out = run_json(
        run_python,
        WARNINGS_OF
        + """
    from lenskit.parallel import ensure_parallel_init

    print(json.dumps({"warnings": caught(ensure_parallel_init)}))
    """,
        LK_NUM_THREADS="64",
        PYTHON_CPU_COUNT="2",
    )
    assert any(
        w.startswith("num_threads = 64 (environment LK_NUM_THREADS) is far above the 2 CPUs")
        for w in out["warnings"]  # type: ignore[union-attr]
    )


def test_init_threading_resolves_the_settings_it_is_given_in_place(run_python: RunPython) -> None:
    out = run_json(
        run_python,
        """
        import json
        from lenskit.config import ParallelSettings
        from lenskit.parallel import get_parallel_config, init_threading

        settings = ParallelSettings(num_cpus=4, num_threads=2)
        init_threading(config=settings)
        print(json.dumps([settings.num_backend_threads, get_parallel_config() is settings]))
        """,
    )
    assert out == [2, True]  # type: ignore[comparison-overlap]
