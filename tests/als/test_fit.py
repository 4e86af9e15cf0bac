"""Fitting: data checked before any Rust runs, seeds, threads, Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lenskit.als import BiasedMFScorer, ImplicitMFScorer
from lenskit.data import Interactions, Vocabulary
from tests.knn.conftest import run_python

SCORERS = [BiasedMFScorer, ImplicitMFScorer]
SMALL = {"embedding_size": 8, "epochs": 2}


def _frame(ratings: list[float] | None) -> Interactions:
    frame = pd.DataFrame({"user_id": [1, 1, 2, 3], "item_id": [10, 11, 10, 12]})
    if ratings is not None:
        frame["rating"] = ratings
    return Interactions.from_frame(frame)


@pytest.mark.parametrize("cls", SCORERS)
def test_fit_needs_interactions(cls, ml: Interactions) -> None:
    needs = f"^{cls.__name__}.fit needs lenskit.data.Interactions, got DataFrame"
    with pytest.raises(TypeError, match=needs):
        cls().fit(ml.to_frame())


@pytest.mark.parametrize("cls", SCORERS)
def test_empty_data_is_refused(cls) -> None:
    empty = Interactions(Vocabulary([]), Vocabulary([]), [0], [])
    refused = f"^{cls.__name__}: the training data has no interactions$"
    with pytest.raises(ValueError, match=refused):
        cls().fit(empty)


def test_biased_mf_needs_ratings() -> None:
    with pytest.raises(ValueError, match="use ImplicitMFScorer for interaction-only data"):
        BiasedMFScorer().fit(_frame(None))


def test_use_ratings_needs_ratings_and_non_negative_ones() -> None:
    with pytest.raises(ValueError, match="use_ratings=True needs rating values"):
        ImplicitMFScorer(use_ratings=True).fit(_frame(None))
    with pytest.raises(ValueError, match=r"needs ratings >= 0 .* user 2 rated item 10 -1.5"):
        ImplicitMFScorer(use_ratings=True).fit(_frame([1.0, 2.0, -1.5, 3.0]))
    # without use_ratings, ratings are ignored, negative or not
    ImplicitMFScorer(**SMALL, seed=1).fit(_frame([1.0, 2.0, -1.5, 3.0]))  # type: ignore[arg-type]


@pytest.mark.parametrize("cls", SCORERS)
def test_unfitted_scorer_says_to_fit_first(cls) -> None:
    with pytest.raises(RuntimeError, match=r"not fitted: call fit\(data\) first"):
        cls().recommend(1)


def _embeddings(scorer: BiasedMFScorer | ImplicitMFScorer) -> bytes:
    m = scorer.model
    return m.user_embeddings.tobytes() + m.item_embeddings.tobytes()


@pytest.mark.parametrize("cls", SCORERS)
def test_the_same_seed_gives_the_same_model_and_another_seed_another(cls, ml: Interactions) -> None:
    one = cls(**SMALL, seed=7).fit(ml)
    again = cls(**SMALL, seed=7).fit(ml)
    other = cls(**SMALL, seed=8).fit(ml)
    assert one.model.seed == 7
    assert _embeddings(one) == _embeddings(again)
    assert _embeddings(one) != _embeddings(other)


@pytest.mark.parametrize("cls", SCORERS)
def test_an_unseeded_fit_records_its_seed_so_it_can_be_repeated(cls, ml: Interactions) -> None:
    first = cls(**SMALL).fit(ml)
    second = cls(**SMALL).fit(ml)
    assert first.model.seed != second.model.seed
    repeat = cls(**SMALL, seed=first.model.seed).fit(ml)
    assert _embeddings(repeat) == _embeddings(first)


def test_initial_embeddings_are_drawn_as_lenskit_draws_them(ml: Interactions) -> None:
    # zero epochs is not allowed, so check the draw itself: items first, then users
    rng = np.random.default_rng(5)
    items = rng.standard_normal((ml.n_items, 8), dtype=np.float32)
    items /= np.linalg.norm(items, axis=1).reshape((ml.n_items, 1))
    scorer = BiasedMFScorer(embedding_size=8, seed=5)
    assert np.array_equal(scorer._initial(np.random.default_rng(5), ml.n_items), items)


# Fits both scorers in a fresh process whose pool is sized from LK_NUM_THREADS
# and saves the embeddings, some recommendations and scores.
_RUN = """
import numpy as np
from lenskit import _accel
from lenskit.als import BiasedMFScorer, ImplicitMFScorer
from lenskit.data import movielens_small

ml = movielens_small()
users = ml.users.ids[:150]
out = {{}}
for name, cls, solver in [
    ("biased", BiasedMFScorer, "cholesky"),
    ("biased-cg", BiasedMFScorer, "cg"),
    ("implicit", ImplicitMFScorer, "cg"),
    ("implicit-chol", ImplicitMFScorer, "cholesky"),
]:
    s = cls(embedding_size=24, epochs=3, seed=11, solver=solver).fit(ml)
    out[name + "_users"] = s.model.user_embeddings
    out[name + "_items"] = s.model.item_embeddings
    recs = s.recommend_arrays(users, n=15, parallel=True)
    out[name + "_recs"] = recs.item_ids
    out[name + "_rec_scores"] = recs.scores
    out[name + "_pairs"] = s.score_batch(users, ml.items.ids[:150], parallel=True)
out["threads"] = np.array([_accel.thread_count()])
np.savez({path!r}, **out)
"""


@pytest.fixture(scope="module")
def thread_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, dict[str, np.ndarray]]:
    base = tmp_path_factory.mktemp("als-threads")
    results = {}
    for threads in (1, 2, 4):
        path = base / f"{threads}.npz"
        run_python(_RUN.format(path=str(path)), cwd=base, threads=threads, timeout=600)
        with np.load(path) as saved:
            results[threads] = {k: saved[k] for k in saved.files}
    return results


@pytest.mark.slow
@pytest.mark.parametrize("threads", [2, 4])
def test_models_and_outputs_are_bit_identical_to_one_thread(thread_runs, threads) -> None:
    assert int(thread_runs[threads]["threads"][0]) == threads
    one, many = thread_runs[1], thread_runs[threads]
    for key in one:
        if key != "threads":
            assert one[key].tobytes() == many[key].tobytes(), key


# Big enough that training takes several seconds on two cores.
_CHILD = """
import resource, time
from lenskit.als import ImplicitMFScorer
from lenskit.data import synthetic
from lenskit.parallel import ensure_parallel_init

ensure_parallel_init()
data = synthetic(30000, 6000, 3_000_000, seed=7)
print("fitting", flush=True)
try:
    ImplicitMFScorer(solver="cholesky", epochs=50, seed=1).fit(data)
    print("finished", flush=True)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    time.sleep(0.5)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    print(f"idle-cpu {after - before:.3f}", flush=True)
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals")
def test_sigint_interrupts_training_within_a_second_or_so(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LK_")}
    env["LK_NUM_THREADS"] = "2"
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "fitting"
        time.sleep(1.0)
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        reply = child.stdout.readline().strip()
        latency = time.monotonic() - sent
        idle = child.stdout.readline().split()
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert reply == "interrupted", "training finished before the signal; make the data bigger"
    assert latency < 2.0
    # threads left spinning would burn CPU while the main thread sleeps
    assert idle[0] == "idle-cpu" and float(idle[1]) < 0.15


def test_without_a_seed_the_settings_random_seed_is_used(ml: Interactions) -> None:
    from lenskit.config import LenskitSettings, RandomSettings, reconfigure

    explicit = ImplicitMFScorer(**SMALL, seed=5).fit(ml)  # type: ignore[arg-type]
    with reconfigure(LenskitSettings(random=RandomSettings(seed=5))):
        configured = ImplicitMFScorer(**SMALL).fit(ml)  # type: ignore[arg-type]
        argument = ImplicitMFScorer(**SMALL, seed=6).fit(ml)  # type: ignore[arg-type]
    assert configured.model.seed == 5 and argument.model.seed == 6
    assert _embeddings(configured) == _embeddings(explicit)


def test_the_seed_setting_comes_from_the_environment_too(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LK_")}
    env["LK_RANDOM__SEED"] = "1234"
    code = (
        "from lenskit.als import BiasedMFScorer\n"
        "from lenskit.data import movielens_small\n"
        "print(BiasedMFScorer(embedding_size=4, epochs=1).fit(movielens_small()).model.seed)\n"
    )
    command = [sys.executable, "-c", code]
    proc = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "1234"
