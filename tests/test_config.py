"""Only DESKAPP_-prefixed environment variables configure the desk: the `hall` alias is for
the command line and init keywords, a stray `HALL` in the shell never picks the hall store."""

from __future__ import annotations

from pathlib import Path

import pytest

from deskapp.config import DeskSettings


def test_a_bare_hall_variable_is_not_the_hall_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DESKAPP_HALL_URL", raising=False)
    monkeypatch.setenv("HALL", "postgresql://elsewhere/hall")
    monkeypatch.setenv("hall", "/tmp/elsewhere.db")
    assert DeskSettings().hall is None


def test_the_prefixed_variable_and_the_keyword_still_set_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HALL", "postgresql://elsewhere/hall")
    monkeypatch.setenv("DESKAPP_HALL_URL", str(tmp_path / "hall.db"))
    monkeypatch.setenv("DESKAPP_DB", str(tmp_path / "desk.db"))
    settings = DeskSettings()
    assert (settings.hall, settings.db) == (str(tmp_path / "hall.db"), tmp_path / "desk.db")
    assert DeskSettings(hall="/srv/hall.db").hall == "/srv/hall.db"  # --hall
