"""``python -m lenskit``: the ``lenskit`` command, wherever the command itself works."""

from lenskit.cli import main

main(prog_name="lenskit")
