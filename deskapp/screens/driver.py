"""The desk's terminal driver: Textual's Linux driver, but bytes that are not UTF-8 on stdin
(a GBK terminal's paste, a stray surrogate encoding) become U+FFFD, which the field validators
refuse in words, instead of a UnicodeDecodeError that kills the input thread and the desk."""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder

from textual.drivers.linux_driver import LinuxDriver

from deskapp.screens.textual_private import ParseError, XTermParser, driver_debug, loop_last


class DeskDriver(LinuxDriver):
    """LinuxDriver whose input thread decodes with errors="replace"."""

    def run_input_thread(self) -> None:
        # Textual's own loop (textual 8.2, drivers/linux_driver.py), with the one change that
        # matters: the incremental decoder replaces what it cannot decode.
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        fileno = self.fileno
        event_read = selectors.EVENT_READ
        parser = XTermParser(driver_debug(self))
        feed = parser.feed
        tick = parser.tick
        decode = getincrementaldecoder("utf-8")(errors="replace").decode
        read = os.read

        def process_selector_events(
            selector_events: list[tuple[selectors.SelectorKey, int]], final: bool = False
        ) -> None:
            for last, (_selector_key, mask) in loop_last(selector_events):
                if mask & event_read:
                    unicode_data = decode(read(fileno, 1024 * 4), final=final and last)
                    if not unicode_data:
                        break  # stdin piped and closed
                    for event in feed(unicode_data):
                        self.process_message(event)
            for event in tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process_selector_events(selector.select(0.1))
            selector.unregister(self.fileno)
            process_selector_events(selector.select(0.1), final=True)
        finally:
            selector.close()
            try:
                for _event in feed(""):
                    pass
            except (EOFError, ParseError):
                pass
