"""What went wrong, in words: every error a piece of work can raise, sorted into what the
handler can act on (a rule, the store, a folder, a damaged file) and what they cannot (an
incident, with a short number to quote and the details in the log).

The screens' boundary (deskapp/screens/boundary.py) and the CLI both ask `describe`; no
Textual here."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from deskapp.domain.errors import RuleViolation
from deskapp.i18n import catalogue, error_text, language, os_reason, t
from deskapp.paths import NoHomeFolder

if TYPE_CHECKING:
    from deskapp.refdata import DataProblem, ReferenceDataError

log = logging.getLogger("deskapp.incidents")

# "data": a reference file of data/ the hall edited wrongly (deskapp/refdata ReferenceDataError)
FaultKind = Literal["rule", "store", "folder", "damaged", "data", "unexpected"]

# SQLite's words for a file that is not (or no longer) a database: SQLITE_NOTADB, SQLITE_CORRUPT.
_DAMAGED = ("file is not a database", "database disk image is malformed")


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    message: str  # in the catalogue's words, for where the user is
    error: BaseException
    incident: str = ""  # only for "unexpected": the number the log entry carries

    @property
    def store_key(self) -> str:
        """For a "store" fault, its catalogue key (error.store.busy, …); else ""."""
        from deskapp.store.failures import StoreUnavailable, failure_key

        if self.kind != "store":
            return ""
        if isinstance(self.error, StoreUnavailable):
            return self.error.key
        return failure_key(self.error) or ""

    @property
    def violation(self) -> RuleViolation | None:
        return self.error if isinstance(self.error, RuleViolation) else None


def new_incident() -> str:
    """Six characters a handler can read out over the phone (no 0/O, 1/I)."""
    import secrets  # (here: this module is read before the first frame, issue 22)

    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(6))


def _damaged(error: BaseException) -> bool:
    import sqlite3

    import sqlalchemy as sa

    text = str(getattr(error, "orig", None) or error).lower()
    return isinstance(error, (sa.exc.DatabaseError, sqlite3.DatabaseError)) and any(
        needle in text for needle in _DAMAGED
    )


def data_words(error: ReferenceDataError) -> str:
    """What is wrong with a reference file, in the catalogue's words: the line of a TOML
    syntax error, the [[table]] entry and key of a value refused (the file is named by the
    sentence around these words: cli.bad_data, fault.bad_data)."""
    said = []
    for problem in error.problems:
        params = dict(problem.params)
        if name := params.pop("errno", ""):  # the system's reason in the desk's words
            params["reason"] = catalogue(language()).get(f"oserror.{name}", params["reason"])
        said.append(t(problem.key, where=_where(problem), setting=problem.setting,
                      **params))  # fmt: skip
    return t("data.separator").join(said)


def data_fault_key(error: ReferenceDataError, sentence: str) -> str:
    """`<sentence>.bad_data` (the file is wrongly written), or `<sentence>.unreadable_data`
    when it could not be read at all (missing, no permission): not "wrongly written"."""
    unread = all(problem.key == "data.unreadable" for problem in error.problems)
    return f"{sentence}.unreadable_data" if unread else f"{sentence}.bad_data"


def _where(problem: DataProblem) -> str:
    """Where in the file: the [[table]] entry, or the place in the cause tree (第 2 条
    [[category]], NET.OUTAGE 下第 1 个原因(NET.OUTAGE.AREA))."""
    if not problem.entry:
        return ""
    if problem.under is None:
        return t("data.entry", index=problem.entry, table=problem.table)
    place = (t("data.tree.child", parent=problem.under, index=problem.entry) if problem.under
             else t("data.tree.root", index=problem.entry))  # fmt: skip
    if problem.code:
        return t("data.tree.coded", place=place, code=problem.code)
    return t("data.tree.at", place=place)


def describe(error: BaseException, *, where: str = "") -> Fault:
    """The fault `error` is. An unexpected one is logged here, once, with its traceback
    (phones masked by the log's filter; PINs travel as SecretStr and never print)."""
    # Here, not at the top: the sign-in screen starts before SQLAlchemy is imported.
    import sqlalchemy as sa

    from deskapp.refdata import ReferenceDataError
    from deskapp.store.failures import StoreUnavailable, failure_key

    if isinstance(error, RuleViolation):
        return Fault("rule", "；".join(error_text(e) for e in error.errors), error)
    if isinstance(error, ReferenceDataError):
        log.warning("reference file refused (%s): %s", where, error)
        return Fault(
            "data",
            t(
                data_fault_key(error, "fault"),
                name=error.name,
                path=error.path,
                detail=data_words(error),
            ),
            error,
        )
    if isinstance(error, StoreUnavailable):
        return Fault("store", t(f"error.{error.key.removeprefix('error.')}"), error)
    if isinstance(error, sa.exc.OperationalError) and (key := failure_key(error)):
        return Fault("store", t(f"error.{key.removeprefix('error.')}"), error)
    if _damaged(error):
        log.error("damaged store (%s): %s", where, str(error)[:200])
        return Fault("damaged", t("fault.damaged"), error)
    if isinstance(error, NoHomeFolder):
        return Fault("folder", t("error.no_home", variable=error.variable), error)
    if isinstance(error, OSError):
        path = error.filename or ""
        reason = os_reason(error)
        log.warning("folder refused (%s): %s %s", where, path, reason)
        return Fault("folder", t("fault.folder", path=path, reason=reason), error)
    incident = new_incident()
    log.error(
        "incident %s in %s: %s",
        incident,
        where or "?",
        type(error).__name__,
        exc_info=(type(error), error, error.__traceback__),
    )
    return Fault("unexpected", t("fault.unexpected", incident=incident), error, incident)
