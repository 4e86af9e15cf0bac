"""The ``lenskit`` command line: one click group, one module per command.

Command modules import only click (and lenskit-config) at import time, so
``lenskit --help`` and ``lenskit doctor`` stay fast and work when only
lenskit-config and lenskit-cli are installed.
"""

import click

from lenskit.cli.config_command import config
from lenskit.cli.doctor import doctor
from lenskit.cli.recommend import recommend


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lenskit-cli", prog_name="lenskit")
def main() -> None:
    """LensKit parallel toolkit: inspect settings and run batch recommendation."""


main.add_command(doctor)
main.add_command(config)
main.add_command(recommend)
