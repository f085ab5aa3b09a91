"""The services' handle on one terminal's store: engine, clock, reference data, units of work."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker
from sqlmodel import col

from deskapp.clock import Clock, SystemClock
from deskapp.domain.actor import Actor as Actor  # re-exported: services take an Actor
from deskapp.domain.permissions import PermissionRefused
from deskapp.store import engine as store_engine
from deskapp.store import migrate
from deskapp.store.changelog import ACTOR_KEY, CLOCK_KEY
from deskapp.store.engine import WRITE, DataVersion, make_engine, make_session_factory
from deskapp.store.failures import store_failures
from deskapp.store.models import Terminal

if TYPE_CHECKING:
    from deskapp.refdata import RefData

CLI_ACTOR_ID = "system:cli"


# Who the change log names for the clocks recomputed when an upgraded store first opens.
UPGRADE_ACTOR = "system:upgrade"


class TerminalNotInitialised(RuntimeError):
    pass


def _checked_reference(data_dir: Path | None) -> RefData:
    """The reference data under `data_dir`, every file read and checked (ReferenceDataError
    names the first file wrongly written), the reports' customer_base.toml too."""
    from deskapp.refdata import RefData
    from deskapp.services.customer_base import customer_base

    refdata = RefData(data_dir)
    refdata.check()
    customer_base(refdata.data_dir)
    return refdata


@dataclass
class Desk:
    engine: sa.Engine
    clock: Clock = field(default_factory=SystemClock)
    # The reference data's folder (None: the one shipped); its files are read on first use.
    data_dir: Path | None = None
    _terminal: Terminal | None = field(default=None, init=False, repr=False)
    _local: threading.local = field(default_factory=threading.local, init=False, repr=False)
    _in_use: int | None = field(default=None, init=False, repr=False)
    # Called (in the writing thread) after each committed write: the desk's top line counts
    # the changes waiting to be synchronized, and must not wait for the next screen change.
    after_write: list[Callable[[], object]] = field(default_factory=list, init=False, repr=False)
    # Long work running now on this desk, by name (a batch's close): one at a time per name,
    # whichever screen started it (services/batches.py claim_close).
    running: set[str] = field(default_factory=set, init=False, repr=False)
    running_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def open(
        cls,
        db_path: Path,
        *,
        clock: Clock | None = None,
        data_dir: Path | None = None,
        check_reference: bool = True,
    ) -> Desk:
        """`check_reference=False`: a command that never reads the reference data (the
        staff commands of the CLI) neither imports nor checks it (issue 22). Otherwise a
        wrongly written file of data/ raises ReferenceDataError (said in words by the CLI and
        the sign-in screen) before the store is opened: nothing is made or left open, and
        each sign-in attempt reads the files again."""
        checked = _checked_reference(data_dir) if check_reference else None
        engine = make_engine(db_path)
        desk = cls(engine=engine, clock=clock or SystemClock(), data_dir=data_dir)
        if checked is not None:
            desk.__dict__["refdata"] = checked  # (the cached property: the files read once)
        before = migrate.upgrade(engine)
        if before is not None and before != migrate.HEAD_REVISION:
            # An upgraded store: its tickets get the clocks of today's rules (0011: the
            # dispatch clock only where a ticket must go to someone else, care after every
            # customer complaint, ...), written through the change log like any change.
            from deskapp.services.deadlines import recompute_all

            if desk.is_initialised():
                recompute_all(desk, UPGRADE_ACTOR)
        return desk

    @cached_property
    def refdata(self) -> RefData:
        from deskapp.refdata import RefData  # its pydantic models: only for who reads it

        return RefData(self.data_dir)

    @cached_property
    def _data_version(self) -> DataVersion:
        return DataVersion(Path(self.path))

    def data_version(self) -> int | None:
        """A number that changes with every commit to the store, from whichever process or
        connection (store/engine.py DataVersion): the desk's screens follow another desk's
        changes on the same file by it. None when it cannot be read now."""
        return self._data_version.read()

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return make_session_factory(self.engine)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    @contextmanager
    def write(self, actor_id: str) -> Iterator[Session]:
        """One transaction; every record change in it lands in the change log with `actor_id`.
        A permission refused inside it is audited once the transaction has rolled back; a
        write the store itself refuses (full disk, read-only file) raises StoreUnavailable."""
        outermost = not self.writing
        self._local.writing = True
        try:
            with store_failures(), self.sessions() as session:
                session.info[ACTOR_KEY] = actor_id
                session.info[CLOCK_KEY] = self.clock
                session.connection(execution_options=WRITE)
                yield session
                session.commit()
            if outermost:
                for hook in list(self.after_write):
                    try:
                        hook()
                    except Exception:  # the write is committed: a display hook cannot undo it
                        logging.getLogger("deskapp.store").exception("after-write hook failed")
        except PermissionRefused as refused:
            if outermost:
                from deskapp.services.audit import record_refusal

                self._local.writing = False
                record_refusal(self, refused)
            raise
        finally:
            if outermost:
                self._local.writing = False

    def check_writable(self) -> None:
        """A write begun and ended with nothing written: a store another program holds (after
        the usual wait), a read-only or an unopenable one raises StoreUnavailable now, before
        a command asks anyone for a PIN it could not use."""
        with self.write(CLI_ACTOR_ID):
            pass

    @property
    def writing(self) -> bool:
        """Whether this thread is inside a write transaction of this desk."""
        return getattr(self._local, "writing", False)

    def terminal(self) -> Terminal:
        """This terminal's identity (its counters are read fresh inside each write)."""
        if self._terminal is None:
            with self.read() as session:
                self._terminal = session.scalars(sa.select(Terminal)).first()
            if self._terminal is None:
                raise TerminalNotInitialised(
                    "this store has no terminal identity: run `deskapp init`"
                )
        return self._terminal

    @property
    def path(self) -> str:
        """The store's file, as `--db` takes it."""
        return str(self.engine.url.database or "")

    def join_command(self) -> str:
        """The command that joins this terminal to its hall, runnable as printed."""
        import shlex

        return f"deskapp --db {shlex.quote(self.path)} sync --hall <HALL>"

    def init_command(self) -> str:
        """The command that gives this store its terminal identity, runnable once the two
        codes are filled in (a store never set up cannot join a hall: sync refuses it)."""
        import shlex

        codes = "--hall <HALL_CODE> --terminal <TERMINAL_CODE>"
        return f"deskapp --db {shlex.quote(self.path)} init {codes}"

    def is_initialised(self) -> bool:
        with self.read() as session:
            return session.scalars(sa.select(col(Terminal.node_id))).first() is not None

    @property
    def tz(self) -> ZoneInfo:
        """The terminal's time zone, set at `deskapp init` (the hall default before that)."""
        if self._terminal is None and not self.is_initialised():
            return ZoneInfo(self.refdata.settings.hall.timezone)
        return ZoneInfo(self.terminal().timezone)

    def hold_in_use(self) -> None:
        """Mark the store in use while this desk is open (the desk's window, a browser
        session's desk): a restore is refused until it closes (deskapp/store/in_use.py)."""
        from deskapp.store import in_use

        if self._in_use is None:
            self._in_use = in_use.hold(Path(self.engine.url.database or ""))

    def close(self) -> None:
        """The store closed: a write of another thread still waiting for another process's
        lock gives up now (nothing written), so that the desk's process ends at once."""
        from deskapp.store import in_use
        from deskapp.store.engine import stop_waiting

        stop_waiting(self.engine)
        if "_data_version" in self.__dict__:
            self._data_version.close()
        self.engine.dispose()
        # After the connections are gone: closing any descriptor of the file drops SQLite's
        # own (POSIX) locks held through others in this process.
        in_use.release(self._in_use)
        self._in_use = None


def store_wait_seconds() -> float:
    """How long a write waits for a store another program holds before it is refused as
    busy (the store's busy timeout)."""
    return store_engine.BUSY_TIMEOUT_MS / 1000
