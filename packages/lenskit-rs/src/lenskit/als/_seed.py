"""Where the seed of a fit comes from, so that every fit can be repeated.

The seed given to the scorer wins; without one, the ``random.seed`` of the
LensKit settings; without that, fresh entropy from the operating system. The
seed used is recorded on the fitted model (`MFModel.seed`), so a run seeded
from entropy can be repeated by passing it back.
"""

from __future__ import annotations

import numpy as np

from ._options import Seed


def resolve_seed(given: Seed | None) -> Seed:
    """The seed to draw a fit's initial embeddings from."""
    if given is not None:
        return given
    configured = configured_seed()
    if configured is not None:
        return configured
    return int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]


def configured_seed() -> int | None:
    """``random.seed`` of the settings in force (``lenskit.toml``, ``LK_RANDOM__SEED``)."""
    from lenskit.config import lenskit_config

    return lenskit_config().random.seed


def generator(seed: Seed) -> np.random.Generator:
    """numpy's default generator for ``seed``, as LensKit makes it."""
    return np.random.default_rng(seed)
