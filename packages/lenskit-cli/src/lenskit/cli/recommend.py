"""``lenskit recommend`` (being built)."""

import click


@click.command()
def recommend() -> None:
    """Train a k-NN model and recommend for every user."""
