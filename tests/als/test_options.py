"""Options take LensKit's names and forms; bad values are one-line errors naming them."""

from __future__ import annotations

import math
import re

import pytest

from lenskit.als import BiasedMFScorer, ImplicitMFScorer

SCORERS = [BiasedMFScorer, ImplicitMFScorer]


@pytest.mark.parametrize("cls", SCORERS)
@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"embedding_size": 0}, "embedding_size must be an integer >= 1, got 0"),
        ({"embedding_size": -4}, "embedding_size must be an integer >= 1, got -4"),
        ({"embedding_size": 2.5}, "embedding_size must be an integer >= 1, got 2.5"),
        ({"features": True}, "features must be an integer >= 1, got True"),
        ({"features": 8, "embedding_size": 16}, "features is another name for embedding_size"),
        ({"epochs": 0}, "epochs must be an integer >= 1, got 0"),
        ({"regularization": 0}, "regularization must be a finite number > 0, got 0"),
        ({"regularization": -0.1}, "regularization must be a finite number > 0, got -0.1"),
        ({"regularization": math.nan}, "regularization must be a finite number > 0, got nan"),
        ({"regularization": math.inf}, "regularization must be a finite number > 0, got inf"),
        ({"regularization": "strong"}, "regularization must be a finite number > 0, got 'strong'"),
        ({"regularization": {"user": 0.1}}, "regularization needs both 'user' and 'item'"),
        (
            {"regularization": {"user": 0.1, "items": 0.2}},
            "regularization takes the keys 'user' and 'item', got items",
        ),
        (
            {"regularization": {"user": 0.1, "item": 0}},
            "regularization (item) must be a finite number > 0, got 0",
        ),
        (
            {"regularization": (0.1, 0.2, 0.3)},
            "regularization must be one number or a (user, item) pair",
        ),
        ({"user_embeddings": "always"}, "user_embeddings must be True or False or 'prefer'"),
        ({"user_embeddings": 1}, "user_embeddings must be True or False or 'prefer', got 1"),
        ({"solver": "lu"}, "solver must be 'cholesky' or 'cg', got 'lu'"),
        ({"seed": -1}, "seed must be an integer >= 0 or a sequence of them, got -1"),
        ({"seed": 1.5}, "seed must be an integer >= 0 or a sequence of them, got 1.5"),
        ({"seed": "abc"}, "seed must be an integer >= 0 or a sequence of them, got 'abc'"),
        ({"seed": []}, "seed must not be an empty sequence"),
    ],
)
def test_bad_option_raises_value_error_naming_it(cls, kwargs, named):
    with pytest.raises(ValueError, match="^" + re.escape(f"{cls.__name__}: {named}")) as err:
        cls(**kwargs)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"damping": -1}, "damping must be a finite number >= 0, got -1"),
        ({"damping": math.nan}, "damping must be a finite number >= 0, got nan"),
        ({"damping": {"users": 2}}, "damping takes the keys 'user' and 'item', got users"),
    ],
)
def test_bad_damping_is_rejected(kwargs, named):
    with pytest.raises(ValueError, match="^" + re.escape(f"BiasedMFScorer: {named}")):
        BiasedMFScorer(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"weight": 0}, "weight must be a finite number > 0, got 0"),
        ({"weight": -40}, "weight must be a finite number > 0, got -40"),
        ({"weight": math.inf}, "weight must be a finite number > 0, got inf"),
        ({"use_ratings": "yes"}, "use_ratings must be True or False, got 'yes'"),
        ({"use_ratings": 1}, "use_ratings must be True or False, got 1"),
    ],
)
def test_bad_implicit_option_is_rejected(kwargs, named):
    with pytest.raises(ValueError, match="^" + re.escape(f"ImplicitMFScorer: {named}")):
        ImplicitMFScorer(**kwargs)


def test_defaults_are_lenskits():
    b, i = BiasedMFScorer(), ImplicitMFScorer()
    for s in (b, i):
        assert (s.embedding_size, s.epochs, s.user_embeddings) == (64, 10, True)
        assert (s.regularization.user, s.regularization.item) == (0.1, 0.1)
    assert (b.damping.user, b.damping.item) == (5.0, 5.0)
    # not a LensKit option: our default, chosen by measurement (docs/als/biased-mf.md)
    assert b.solver == i.solver == "cg"
    assert (i.weight, i.use_ratings) == (40.0, False)


def test_lenskit_forms_of_the_options_are_accepted():
    s = BiasedMFScorer(features=32, regularization={"user": 0.5, "item": 0.25}, damping={"user": 3})
    assert s.embedding_size == 32
    assert (s.regularization.user, s.regularization.item) == (0.5, 0.25)
    # as in LensKit, a damping key left out is 0
    assert (s.damping.user, s.damping.item) == (3.0, 0.0)
    assert BiasedMFScorer(features=8, embedding_size=8).embedding_size == 8
    assert ImplicitMFScorer(regularization=(0.2, 0.3)).regularization.item == 0.3
    assert BiasedMFScorer(seed=[1, 2, 3]).seed == (1, 2, 3)


def test_repr_shows_the_options():
    text = repr(ImplicitMFScorer(embedding_size=8, regularization={"user": 0.1, "item": 0.2}))
    assert text.startswith("<ImplicitMFScorer(embedding_size=8, epochs=10, ")
    assert "regularization={'user': 0.1, 'item': 0.2}" in text
    assert text.endswith("not fitted>")


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        BiasedMFScorer(32)  # type: ignore[misc]
