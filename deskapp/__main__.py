"""`python -m deskapp`: the same as the `deskapp` command (the browser desk starts it so)."""

from deskapp.cli import main

main()
