"""The command configures the desk's log when it starts (deskapp/logs.py): in these in-process
runs, into the test's own folder, and undone afterwards, so a later test in the same worker
still sees `deskapp.*` records through pytest's caplog (configure_logging stops propagation)."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Iterator
from pathlib import Path

import pytest


def detach_log() -> None:
    logger = logging.getLogger("deskapp")
    for handler in list(logger.handlers):
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            logger.removeHandler(handler)
            handler.close()


@pytest.fixture(autouse=True)
def own_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    logger = logging.getLogger("deskapp")
    level, propagate = logger.level, logger.propagate
    monkeypatch.setenv("DESKAPP_LOG_DIR", str(tmp_path / "log"))
    detach_log()
    yield
    detach_log()
    logger.setLevel(level)
    logger.propagate = propagate
