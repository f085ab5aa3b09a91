"""The boundary's sorting of errors (deskapp/incidents.py), PINs as secret values, and the log
of `deskapp serve` and of its browser sessions' desks."""

from __future__ import annotations

import logging
import sqlite3

import pytest
import sqlalchemy as sa

from deskapp.domain.errors import RuleViolation
from deskapp.i18n import t
from deskapp.incidents import describe
from deskapp.logs import configure_logging, stderr_to_log
from deskapp.services.desk import Desk
from deskapp.services.pins import secret_pin
from deskapp.services.staff import sign_in
from deskapp.store.failures import StoreUnavailable


def _log_text() -> str:
    path = configure_logging()
    assert path is not None
    for handler in logging.getLogger("deskapp").handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_each_kind_of_error_is_sorted_into_words() -> None:
    rule = describe(RuleViolation.single("pin", "error.signin.wrong", left=3))
    assert rule.kind == "rule" and rule.violation is not None
    store = describe(StoreUnavailable("error.store.full", "database or disk is full"))
    assert (store.kind, store.message) == ("store", t("error.store.full"))
    locked = sa.exc.OperationalError("BEGIN", {}, sqlite3.OperationalError("database is locked"))
    assert (describe(locked).kind, describe(locked).message) == ("store", t("error.store.busy"))
    damaged = sa.exc.DatabaseError("x", {}, sqlite3.DatabaseError("file is not a database"))
    assert (describe(damaged).kind, describe(damaged).message) == ("damaged", t("fault.damaged"))
    folder = describe(NotADirectoryError(20, "Not a directory", "/srv/exports/a.xlsx"))
    assert folder.kind == "folder" and "/srv/exports/a.xlsx" in folder.message
    assert not folder.incident


def test_an_unexpected_error_gets_an_incident_number_and_its_traceback_in_the_log() -> None:
    configure_logging()  # as the desk, the CLI and serve do at start
    try:
        raise KeyError("customer 13912345678")
    except KeyError as error:
        fault = describe(error, where="test")
    assert fault.kind == "unexpected" and len(fault.incident) == 6
    assert fault.incident in fault.message
    logged = _log_text()
    assert f"incident {fault.incident} in test: KeyError" in logged
    assert "Traceback" in logged and "139****5678" in logged
    assert "13912345678" not in logged


def test_a_pin_travels_as_a_secret_and_still_signs_in(desk: Desk) -> None:
    pin = secret_pin("1111")
    assert "1111" not in repr(pin) and "1111" not in str(pin)
    assert sign_in(desk, "1001", pin).work_no == "1001"
    with pytest.raises(RuleViolation):
        sign_in(desk, "1001", secret_pin("1234"))


def test_a_served_desk_writes_its_stderr_to_the_log_masked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    monkeypatch.setattr(sys, "stderr", sys.stderr)  # restored after the test
    stderr_to_log()
    print("Traceback: row 13812341234 王先生", file=sys.stderr)
    sys.stderr.flush()
    logged = _log_text()
    assert "row 138****1234 王先生" in logged and "13812341234" not in logged


def test_serve_logs_without_local_variables_and_into_the_desk_log() -> None:
    from deskapp.screens.serve_log import QuietServer

    server = QuietServer("true", host="127.0.0.1", port=8765)
    server.initialize_logging()
    served = logging.getLogger("textual-serve")
    file_handlers = [h for h in served.handlers if isinstance(h, logging.FileHandler)]
    assert file_handlers  # the desk's rotating file
    from rich.logging import RichHandler

    rich = [h for h in served.handlers if isinstance(h, RichHandler)]
    assert rich and not any(h.tracebacks_show_locals for h in rich)
    served.warning("session for 13700002222 ended")
    logged = _log_text()
    assert "session for 137****2222 ended" in logged


@pytest.mark.parametrize(
    ("written", "masked"),
    [
        ("13812348000", "138****8000"),
        ("138-1234-8000", "138****8000"),
        ("138 1234 8000", "138****8000"),
        ("+86 138 1234 8000", "138****8000"),
        ("１３８１２３４８０００", "138****8000"),
        ("020-83331234", "020-****1234"),
        ("02083331234", "020-****1234"),
        ("(020) 8333 1234", "020-****1234"),
        ("０７５５－２２３４５６７８", "0755-****5678"),
    ],
)
def test_the_log_masks_every_way_a_phone_number_is_written(written: str, masked: str) -> None:
    """Mobiles and landlines, with separators, +86 or full-width digits: masked in the log;
    ids, ticket numbers and times standing beside them are left as they are."""
    configure_logging()
    logging.getLogger("deskapp.test").warning("call %s at 2026-12-06 05:58:02 #%s", written, 7)
    logged = _log_text()
    assert f"call {masked} at 2026-12-06 05:58:02 #7" in logged
    digits = "".join(c for c in written if c.isdigit())
    assert written not in logged and digits not in logged


def test_a_store_fault_in_the_log_names_no_row_values(tmp_path) -> None:
    """A failing statement's parameters (a customer's name, a note) are not in its message
    nor in its logged traceback: the local store's and the hall store's engines hide them."""
    from deskapp.store.engine import make_engine
    from deskapp.sync.hall_engines import hall_engine

    configure_logging()
    name = "".join(["王", "秘密客户"])  # (the traceback quotes source lines: not written there)
    engines = [make_engine(tmp_path / "desk.db"), hall_engine(str(tmp_path / "hall.db"), True)]
    for engine in engines:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE t (name TEXT NOT NULL UNIQUE)"))
            conn.execute(sa.text("INSERT INTO t VALUES (:n)"), {"n": name})
        try:
            with engine.begin() as conn:
                conn.execute(sa.text("INSERT INTO t VALUES (:n)"), {"n": name})
        except sa.exc.IntegrityError as error:
            assert name not in str(error)
            logging.getLogger("deskapp.test").exception("insert failed")
        else:
            pytest.fail("the duplicate was stored")
        engine.dispose()
    logged = _log_text()
    assert "insert failed" in logged and name not in logged
