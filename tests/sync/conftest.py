"""Sync fixtures: a hall store per test, SQLite always and PostgreSQL whenever
DESKAPP_TEST_PG_URL is set (a fresh schema per test). With CI=true a PostgreSQL that cannot be
reached fails the test instead of skipping it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sync_kit import pg_schema_url, started

PARAMS = ["sqlite", "postgresql"]


@pytest.fixture(params=PARAMS)
def hall_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The address of a hall store just started: a SQLite file, or a PostgreSQL schema of its
    own."""
    if request.param == "sqlite":
        yield started(str(tmp_path / "hall.db"))
        return
    with pg_schema_url() as url:
        yield started(url)


@pytest.fixture(params=PARAMS)
def empty_hall_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The address of a hall store not started yet (for a test that makes it another way)."""
    if request.param == "sqlite":
        yield str(tmp_path / "hall.db")
        return
    with pg_schema_url() as url:
        yield url


@pytest.fixture
def pg_url() -> Iterator[str]:
    with pg_schema_url() as url:
        yield url
