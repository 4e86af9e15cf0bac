"""Fuzzing the scorers (and so the compiled binding) with random small data.

Random shapes, empty and one-item users, repeated and unknown ids in
requests: nothing crashes, and results stay sane.
"""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lenskit.data import Interactions
from lenskit.knn import ItemKNNScorer, UserKNNScorer


@st.composite
def interactions(draw: st.DrawFn) -> Interactions:
    n_users = draw(st.integers(1, 9))
    n_items = draw(st.integers(1, 9))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n_users - 1), st.integers(0, n_items - 1)),
            min_size=1,
            max_size=n_users * n_items,
            unique=True,
        )
    )
    ratings = draw(
        st.lists(
            st.sampled_from([0.5 * h for h in range(1, 11)]),
            min_size=len(pairs),
            max_size=len(pairs),
        )
    )
    frame = pd.DataFrame(
        {
            "user_id": [100 + u for u, _ in pairs],
            "item_id": [200 + i for _, i in pairs],
            "rating": ratings,
        }
    )
    if draw(st.booleans()):
        frame = frame.drop(columns="rating")
    return Interactions.from_frame(frame)


@st.composite
def scorers(draw: st.DrawFn, explicit: bool) -> ItemKNNScorer | UserKNNScorer:
    k = draw(st.integers(1, 6))
    common = {
        "k": k,
        "min_nbrs": draw(st.integers(1, k)),
        "min_sim": draw(st.sampled_from([0.0, 1e-6, 0.3])),
        "feedback": "explicit" if explicit and draw(st.booleans()) else "implicit",
    }
    if draw(st.booleans()):
        return UserKNNScorer(**common)
    return ItemKNNScorer(save_nbrs=draw(st.none() | st.integers(1, 5)), **common)


ids = st.integers(95, 215)  # known users are 100-108, items 200-208


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=interactions(),
    draw=st.data(),
    users=st.lists(ids, max_size=12),
    items=st.lists(ids, max_size=12),
    parallel=st.booleans(),
)
def test_random_data_and_requests_give_sane_results(data, draw, users, items, parallel):
    scorer = draw.draw(scorers(explicit=data.ratings is not None)).fit(data)
    pair_items = (items * (len(users) // max(len(items), 1) + 1))[: len(users)] if items else []
    if len(pair_items) == len(users):
        scores = scorer.score_batch(users, pair_items, parallel=parallel)
        assert scores.shape == (len(users),)
        assert not np.isinf(scores).any()
        for user, item, value in zip(users, pair_items, scores, strict=True):
            single = scorer.score(user, [item]).numpy()[0]
            assert single == value or (np.isnan(single) and np.isnan(value))
            if user not in data.users or item not in data.items:
                assert np.isnan(value)
    n = draw.draw(st.integers(1, 10))
    lists = scorer.recommend_batch(users, n=n, parallel=parallel)
    assert len(lists) == len(users)
    for user, recs in zip(users, lists, strict=True):
        assert len(recs) <= n
        assert recs.ranks is not None
        assert recs.ranks.tolist() == list(range(1, len(recs) + 1))
        assert np.isfinite(recs.numpy()).all()
        assert len(set(recs.ids.tolist())) == len(recs)
        if user not in data.users:
            assert len(recs) == 0
        else:
            row = data.users.index(user)
            seen = set(data.items.ids[data.indices[data.indptr[row] : data.indptr[row + 1]]])
            assert not seen & set(recs.ids.tolist())
    if users:
        chosen = scorer.recommend(users[0], n=n, candidates=items, exclude_seen=False)
        assert set(chosen.ids.tolist()) <= set(items)
