"""0010_joined_hall on stores made by the previous schema (0009): the joined hall of a store
that synchronized with one hall store is that one; a store that synchronized with several (a
mistyped path that started a hall store among them) has none yet, and its changes count as
waiting unless every one of them holds them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from deskapp.clock import FrozenClock
from deskapp.services.desk import Desk
from deskapp.store import migrate
from deskapp.store.changelog import migrating
from deskapp.store.engine import make_engine
from deskapp.sync import sync_status

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
NODE = "old-node"


def _store_at_0009(path: Path, halls: dict[str, int], changes: int = 5) -> None:
    """A terminal's store at 0009 with `changes` own changes, all stamped acknowledged (as the
    single acked_at column did), and a sync_state per hall store: hall id -> acked_seq."""
    engine = make_engine(path)
    migrate.upgrade(engine, "0009_signin_event")
    assert migrate.current_revision(engine) == "0009_signin_event"
    at = (NOW - timedelta(days=1)).replace(tzinfo=None)
    with engine.connect() as conn, migrating(conn), conn.begin():
        conn.execute(
            sa.text(
                "INSERT INTO terminal (node_id, hall_code, terminal_code, timezone, last_seq, "
                "hlc_wall_ms, hlc_counter, created_at) VALUES "
                "(:node, 'GZ01', 'T01', 'Asia/Shanghai', :n, 0, 0, :at)"
            ),
            {"node": NODE, "n": changes, "at": at},
        )
        for seq in range(1, changes + 1):
            conn.execute(
                sa.text(
                    "INSERT INTO change_log (node_id, seq, txn_id, entity, entity_id, op, "
                    "fields, hlc, schema_version, actor_id, at, acked_at) VALUES (:node, :seq, "
                    ":txn, 'staff', 'x', 'update', '{}', 'h', 6, 'system:old', :at, :at)"
                ),
                {"node": NODE, "seq": seq, "txn": f"txn-{seq}", "at": at},
            )
        for hall_id, acked in halls.items():
            conn.execute(
                sa.text(
                    "INSERT INTO sync_state (hall_id, cursor, acked_seq, bootstrapped, "
                    "last_success_at) VALUES (:hall, 0, :acked, 1, :at)"
                ),
                {"hall": hall_id, "acked": acked, "at": at},
            )
    engine.dispose()


def _acked(desk: Desk) -> list[int]:
    with desk.engine.connect() as conn:
        return list(
            conn.exec_driver_sql(
                "SELECT seq FROM change_log WHERE acked_at IS NOT NULL ORDER BY seq"
            ).scalars()
        )


def _joined(desk: Desk) -> str | None:
    with desk.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT joined_hall_id FROM terminal").scalar()


@pytest.mark.parametrize(
    ("halls", "joined", "acked"),
    [
        ({}, None, [1, 2, 3, 4, 5]),
        ({"hall-a": 5}, "hall-a", [1, 2, 3, 4, 5]),
        ({"hall-a": 3}, "hall-a", [1, 2, 3]),
        # the real hall holds 2, a mistyped path's new hall store took all five
        ({"hall-a": 2, "typo-hall": 5}, None, [1, 2]),
    ],
)
def test_a_0009_store_is_upgraded_to_per_hall_acknowledgement(
    tmp_path: Path, halls: dict[str, int], joined: str | None, acked: list[int]
) -> None:
    path = tmp_path / "old.db"
    _store_at_0009(path, halls)
    desk = Desk.open(path, clock=FrozenClock(NOW))
    try:
        assert migrate.current_revision(desk.engine) == migrate.HEAD_REVISION  # through 0010
        assert _joined(desk) == joined
        assert _acked(desk) == acked
        assert sync_status(desk).waiting == (5 - len(acked) if halls else 5)
    finally:
        desk.close()
