"""The ``lenskit`` command line: one click group, one module per command.

Every command runs with the project's settings in force: the group finds the
project root (``-R``/``--project-root``, ``LK_PROJECT_ROOT``, else the folder
`lenskit.config.locate_configuration_root` finds) and calls
`lenskit.config.configure` on it, as LensKit's command does.  Command modules
import only click (and lenskit-config) at import time, so ``lenskit --help``
stays fast and works when only lenskit-config and lenskit-cli are installed.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import click

from lenskit.cli.config_command import config
from lenskit.cli.doctor import doctor
from lenskit.cli.recommend import recommend
from lenskit.config import ConfigError, locate_configuration_root


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lenskit-cli", prog_name="lenskit")
@click.option(
    "-R",
    "--project-root",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="LK_PROJECT_ROOT",
    metavar="DIR",
    help="Read lenskit.toml and lenskit.local.toml from DIR [default: found from the "
    "working directory upwards].",
)
def main(project_root: Path | None) -> None:
    """LensKit parallel toolkit: inspect settings and run batch recommendation."""
    from lenskit.config import configure
    from lenskit.parallel import ParallelInitWarning

    root = project_root or locate_configuration_root()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ParallelInitWarning)
        try:
            configure(root)
        except ConfigError as err:
            raise click.ClickException(str(err)) from None
    for warning in caught:
        if issubclass(warning.category, ParallelInitWarning):
            click.echo(f"warning: {warning.message}", err=True)
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )


lenskit = main
"""LensKit's name for the command group (``from lenskit.cli import lenskit``)."""

main.add_command(doctor)
main.add_command(config)
main.add_command(recommend)
