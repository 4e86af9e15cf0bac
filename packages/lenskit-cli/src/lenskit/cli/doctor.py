"""``lenskit doctor`` (being built)."""

import click


@click.command()
def doctor() -> None:
    """Report the environment and resolved parallel settings."""
