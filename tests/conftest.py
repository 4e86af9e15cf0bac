"""Fixtures shared by every package's tests."""

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The folder of test data files committed with the tests."""
    return FIXTURES


@pytest.fixture(scope="session")
def ml_small():
    """MovieLens ml-latest-small as bundled in lenskit-data (shared, immutable)."""
    from lenskit.data import movielens_small

    return movielens_small()
