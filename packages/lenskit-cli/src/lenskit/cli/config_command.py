"""``lenskit config`` (being built)."""

import click


@click.command()
def config() -> None:
    """Print the resolved settings and where each value came from."""
