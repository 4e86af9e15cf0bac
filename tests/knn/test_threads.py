"""Results are bit-identical whatever the Rayon pool size, which LK_NUM_THREADS sets."""

from pathlib import Path

import numpy as np
import pytest

from .conftest import run_python

# Fits both scorers and scores in a fresh process whose pool is sized from
# LK_NUM_THREADS, saving every output array.
_RUN = """
import sys
import numpy as np
import pandas as pd
from lenskit import _accel
from lenskit.data import movielens_small
from lenskit.knn import ItemKNNScorer, UserKNNScorer

ml = movielens_small()
pairs = pd.read_csv(sys.argv[1] if len(sys.argv) > 1 else {pairs!r})
users = ml.users.ids[:120]
out = {{}}
for name, scorer in [("item", ItemKNNScorer(save_nbrs=300)), ("user", UserKNNScorer(k=30))]:
    scorer.fit(ml)
    recs = scorer.recommend_batch(users, n=20, parallel=True)
    out[name + "_items"] = np.concatenate([r.ids for r in recs])
    out[name + "_scores"] = np.concatenate([r.numpy() for r in recs])
    out[name + "_pairs"] = scorer.score_batch(
        pairs.user_id.to_numpy(), pairs.item_id.to_numpy(), parallel=True
    )
    if name == "item":
        for part, array in zip(("indptr", "indices", "values"), scorer.model.sims):
            out["sims_" + part] = array
out["threads"] = np.array([_accel.thread_count()])
np.savez({path!r}, **out)
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory, fixtures_dir: Path) -> dict[int, dict[str, np.ndarray]]:
    base = tmp_path_factory.mktemp("threads")
    pairs = fixtures_dir / "reference" / "item-item-preds.csv"
    results = {}
    for threads in (1, 2, 4):
        path = base / f"{threads}.npz"
        run_python(_RUN.format(pairs=str(pairs), path=str(path)), cwd=base, threads=threads)
        with np.load(path) as saved:
            results[threads] = {k: saved[k] for k in saved.files}
    return results


def test_pool_size_follows_lk_num_threads(runs):
    assert {n: int(r["threads"][0]) for n, r in runs.items()} == {1: 1, 2: 2, 4: 4}


@pytest.mark.parametrize("threads", [2, 4])
def test_outputs_are_bit_identical_to_one_thread(runs, threads):
    one, many = runs[1], runs[threads]
    for key in one:
        if key == "threads":
            continue
        assert one[key].dtype == many[key].dtype, key
        assert one[key].tobytes() == many[key].tobytes(), key
