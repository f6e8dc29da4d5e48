"""``python -m camhub``: the same as the ``camhub`` command."""

from camhub.cli import main

main()
