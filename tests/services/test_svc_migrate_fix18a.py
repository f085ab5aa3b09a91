"""Migration 0019_fix18a on a store whose service numbers were kept as typed: they are
lower-cased (the repeat rule, the watch list and the history then match them whatever the case),
two active entries that become one number keep one in force, and existing cases take their
ticket's id as their unique key."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from svc_forms import staffed_desk, valid_form

from deskapp.clock import FrozenClock
from deskapp.services import followup
from deskapp.services.cases import mark_case
from deskapp.services.customer import (
    WatchForm,
    save_watch_entry,
    watch_for_customer,
    watch_list,
)
from deskapp.services.demo import closing_facts
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import take_complaint
from deskapp.store import migrate
from deskapp.store.changelog import migrating


def _to(engine: sa.Engine, revision: str, sql: list[str]) -> None:
    """Back to `revision`, then the raw statements (an older desk's rows), gate open."""
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS_DIR))
    conn = engine.connect()
    with conn, migrating(conn), conn.begin():
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
        for statement in sql:
            conn.exec_driver_sql(statement)


def test_service_numbers_stored_as_typed_are_lower_cased_and_one_entry_stays_in_force(
    db_path: Path, clock: FrozenClock, actors: dict[str, Actor]
) -> None:
    desk = staffed_desk(db_path, clock)
    try:
        handler, duty, hall = actors["1001"], actors["2001"], actors["3001"]
        ticket = take_complaint(desk, handler, valid_form(
            desk, contact_phone="13700001111", service_number="gzkd7777ab",
            accused_staff_id=duty.id))  # fmt: skip
        followup.close(desk, handler, ticket.id, outcome="已处理",
                       facts=closing_facts(desk, ticket.id))  # fmt: skip
        case = mark_case(desk, duty, ticket.id, "先听完再解释", "营业厅核实后当场处理").id
        form = WatchForm(customer="gzkd7777ab", advice="先听完再解释", review_on="2026-12-31")
        upper = save_watch_entry(desk, hall, form).id
        lower = save_watch_entry(desk, hall, WatchForm(
            customer="gzkd8888ab", advice="请值班经理出面", review_on="2026-12-31")).id  # fmt: skip
    finally:
        desk.close()
    engine = sa.create_engine(f"sqlite:///{db_path}")
    # As an older desk kept them: the complaint's number and one entry as typed, upper case;
    # a second active entry of the same number in lower case (listed on another terminal).
    _to(engine, "0018_import22b", [
        "UPDATE complaint SET service_number = 'GZKD7777AB'",
        f"UPDATE watch_entry SET customer_key = 'GZKD7777AB', active_key = 'GZKD7777AB'"
        f" WHERE id = '{upper}'",
        f"UPDATE watch_entry SET customer_key = 'gzkd7777ab', active_key = 'gzkd7777ab'"
        f" WHERE id = '{lower}'",
    ])  # fmt: skip
    engine.dispose()
    desk = Desk.open(db_path, clock=clock)
    try:
        assert migrate.current_revision(desk.engine) == migrate.HEAD_REVISION
        with desk.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT service_number FROM complaint").scalar() == (
                "gzkd7777ab"
            )
            keys = dict(conn.exec_driver_sql("SELECT id, active_key FROM watch_entry").all())
            cases = dict(conn.exec_driver_sql("SELECT id, case_key FROM teaching_case").all())
        # The one already held in lower case keeps the number; the other is flagged.
        assert keys == {lower: "gzkd7777ab", upper: f"gzkd7777ab~{upper}"}
        assert cases == {case: ticket.id}
        listed = {v.id: v.in_force for v in watch_list(desk, hall)}
        assert listed == {lower: True, upper: False}
        assert watch_for_customer(desk, duty, "GZKD7777AB") is None  # 当事人回避 holds
        seen = watch_for_customer(desk, handler, "GZKD7777AB")
        assert seen is not None and seen.id == lower
    finally:
        desk.close()
