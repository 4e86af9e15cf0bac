"""Fixtures for the matrix factorisation tests: ml-latest-small and fitted scorers.

Fits use a fixed seed and, where the test is not about defaults, fewer
dimensions and epochs than the defaults, so the suite stays quick on two
busy cores.
"""

from __future__ import annotations

import pytest

from lenskit.als import BiasedMFScorer, ImplicitMFScorer
from lenskit.data import Interactions, movielens_small

SMALL = {"embedding_size": 16, "epochs": 4, "seed": 42}
"""Options of the shared fitted scorers."""


@pytest.fixture(scope="session")
def ml() -> Interactions:
    """ml-latest-small, as bundled with lenskit-data."""
    return movielens_small()


@pytest.fixture(scope="session")
def biased(ml: Interactions) -> BiasedMFScorer:
    """BiasedMF fitted on ml-latest-small."""
    return BiasedMFScorer(**SMALL).fit(ml)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def implicit(ml: Interactions) -> ImplicitMFScorer:
    """ImplicitMF fitted on ml-latest-small."""
    return ImplicitMFScorer(**SMALL).fit(ml)  # type: ignore[arg-type]


@pytest.fixture(scope="session", params=["biased", "implicit"])
def scorer(request: pytest.FixtureRequest) -> BiasedMFScorer | ImplicitMFScorer:
    """Each fitted scorer in turn, for behaviour both share."""
    return request.getfixturevalue(request.param)
