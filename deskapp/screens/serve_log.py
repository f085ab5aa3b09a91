"""`deskapp serve` without spilling: textual-serve's own logging prints tracebacks with their
local variables (a browser session's rows, a PIN in a frame) and copies whatever a session's
desk wrote to stderr into the server's output. Here its log goes to the desk's rotating file
(phones masked) and the terminal gets the server's own lines only, without locals; a session's
desk never writes a traceback to stderr (DeskApp.last_resort prints one line with an incident
number), so nothing with customer data reaches the server's output."""

from __future__ import annotations

import logging

from textual_serve.server import Server

from deskapp.logs import RedactingFilter, configure_logging


class QuietServer(Server):
    def initialize_logging(self) -> None:
        from rich.logging import RichHandler

        configure_logging()
        console = RichHandler(
            show_path=False,
            show_time=False,
            rich_tracebacks=True,
            tracebacks_show_locals=False,
            console=self.console,
        )
        console.addFilter(RedactingFilter())
        served = logging.getLogger("textual-serve")
        served.setLevel(logging.DEBUG if self.debug else logging.INFO)
        served.handlers = [console, *logging.getLogger("deskapp").handlers]
        served.propagate = False
