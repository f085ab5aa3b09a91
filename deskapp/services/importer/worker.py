"""The import's second process (issue 22), for the machine's second core: it checks rows
(parsing.py `_Parser.parse`) while this process reads the file and spools the good ones, and
it makes the records of the next chunks (each row's complaint and events, their clocks, their
change-log text: writing.py `Records.made`, a third of a row's CPU) while this process writes
one. What depends on the store and on the rows before (ticket numbers, repeat links, rows
already imported or repeated in the file) stays here, inside each chunk's transaction. The
worker is sent cells and spooled rows' data, and sends back values; it never opens the store
or the spool.

It is a plain child process (this module run by the same interpreter, with this process's
`sys.path`), spoken to through its standard input and output: not multiprocessing's spawn,
which runs the calling program's main module again in the child, nor a fork, which would copy
the desk's SQLite connections and threads. Ctrl+C is this process's (the worker ignores it and
is stopped with the import); a worker whose parent is gone, however it ended, reads the end
of its input and exits. If the worker cannot start or dies, the rows are made here: the same
records, more slowly."""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
from typing import IO, Any

from deskapp.domain.errors import FieldError
from deskapp.i18n import set_language
from deskapp.services.importer.parsing import _Parser
from deskapp.services.importer.rows import ParsedRow
from deskapp.services.importer.spool import Spooled, load_row, spooled
from deskapp.services.importer.writing import Records, RecordSpec

# A row checked: its errors, or the row (checked here) or the row as the spool keeps it and
# its cause's code (checked by the worker).
Checked = list[FieldError] | ParsedRow | tuple[Spooled, str]

_log = logging.getLogger("deskapp.import")
_BOOT = f"import sys; sys.path[:] = sys.argv[1:]; from {__name__} import serve; serve()"
_GONE = object()  # the worker ended (or failed): what is still to come is made here


class Worker:
    """One worker process for one import, started at once (it loads while the file is
    opened); `send` hands it work, `take` takes what it made of the oldest work not yet taken,
    in the order sent."""

    def __init__(self, spec: RecordSpec | None, parser: _Parser) -> None:
        """`spec`: what the records are made of (None: a dry run, which checks only)."""
        self.alive = True
        self.waiting = 0  # work sent and not yet taken
        self.dropped = 0  # work sent, done here, whose result is still to be thrown away
        self.results: queue.Queue[Any] = queue.Queue()
        self.outbox: queue.Queue[bytes | None] = queue.Queue()
        self.process: subprocess.Popen[bytes] | None = None
        if not sys.executable:  # (an embedded interpreter: no program to start)
            self.alive = False
            return
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _BOOT, *sys.path], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        except OSError:
            self.alive = False
            return
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.writer = threading.Thread(target=self._write, daemon=True)
        self.writer.start()
        self.outbox.put(pickle.dumps((spec, parser), protocol=pickle.HIGHEST_PROTOCOL))

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def _write(self) -> None:
        # Work is written from here, so that this process goes on while the worker is busy
        # (a batch is more than a pipe holds): it never waits on the worker to read.
        assert self.process is not None and self.process.stdin is not None
        try:
            while (message := self.outbox.get()) is not None:
                self.process.stdin.write(message)
                self.process.stdin.flush()
        except (OSError, ValueError):  # a broken pipe: the worker died (its reader says so)
            pass
        finally:
            with contextlib.suppress(OSError, ValueError):
                self.process.stdin.close()

    def _read(self) -> None:
        # Its output is read as it comes, so that it never waits on a full pipe while this
        # process waits on it to take the next work.
        assert self.process is not None and self.process.stdout is not None
        try:
            while True:
                message = pickle.load(self.process.stdout)
                self.results.put(message)
                if isinstance(message, str):  # it failed: it makes nothing more
                    break
        except Exception:  # the end of its output (it died) or a damaged message
            pass
        self.results.put(_GONE)

    def send(self, work: tuple[Any, ...]) -> bool:
        """Hand the worker work (False: it is gone, do it here): ("check", [(line, cells)])
        or ("make", [spooled data], causes, now)."""
        if not self.alive:
            return False
        self.outbox.put(pickle.dumps(work, protocol=pickle.HIGHEST_PROTOCOL))
        self.waiting += 1
        return True

    def ready(self) -> bool:
        """Whether what the oldest work became is here (`take` would not wait)."""
        return self.results.qsize() > self.dropped

    def drop(self) -> None:
        """The oldest work sent is done here after all (the worker is behind, and there is
        nothing else to do): what it makes of it is thrown away."""
        assert self.waiting > 0, "nothing was sent"
        self.waiting -= 1
        self.dropped += 1

    def take(self) -> Any:
        """What the worker made of the oldest work sent and not yet taken (None: it died
        first, or failed on it: that work is then done here)."""
        assert self.waiting > 0, "nothing was sent"
        self.waiting -= 1
        for _ in range(self.dropped):
            if self._get() is None:
                return None
        self.dropped = 0
        return self._get()

    def _get(self) -> Any:
        made = self.results.get()  # (its reader puts _GONE last, whatever becomes of it)
        if made is _GONE or isinstance(made, str):  # (a str: the worker's error, in its words)
            if self.alive:  # said once: the import goes on, more slowly, without it
                _log.info("the import's worker stopped (%s): the rest is done in one process",
                             made if isinstance(made, str) else "it ended")  # fmt: skip
            self.alive = False
            self.results.put(_GONE)  # every later work is done here too
            return None
        return made

    def close(self) -> None:
        """Stop the worker at once: whatever it still holds is of no use (it keeps nothing but
        in memory), and an import must not wait on it to finish starting."""
        self.alive = False
        process = self.process
        if process is None:
            return
        process.kill()
        process.wait()
        self.outbox.put(None)
        if process.stdout is not None:
            self.reader.join()
            process.stdout.close()

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check(parser: _Parser, batch: list[tuple[int, dict[str, Any]]]) -> list[tuple[int, Checked]]:
    """The worker's checking of a batch of rows: each row's errors, or the row as the spool
    keeps it with its cause's code."""
    checked: list[tuple[int, Checked]] = []
    for line, cells in batch:
        parsed = parser.parse(line, cells)
        checked.append((line, parsed if isinstance(parsed, list) else
                        (spooled(parsed), parsed.cause.code)))  # fmt: skip
    return checked


def serve() -> None:
    """The worker process: what it needs, then work until its input ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the import's, which stops this
    out: IO[bytes] = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever a library prints cannot reach the results
    source = sys.stdin.buffer
    try:
        spec, parser = pickle.load(source)
    except EOFError:
        return
    assert isinstance(parser, _Parser)
    records: Records | None = None  # (a dry run writes nothing: no spec)
    if isinstance(spec, RecordSpec):
        set_language(spec.language)
        from deskapp.refdata import RefData

        records = Records(spec, RefData(spec.data_dir))
    while True:
        try:
            work = pickle.load(source)
        except EOFError:  # the import ended, or its process is gone
            return
        try:
            made: object
            if work[0] == "check":
                made = check(parser, work[1])
            else:
                _, data, causes, now = work
                assert records is not None, "no records to make in a dry run"
                now_text = now.isoformat()
                made = [records.made(load_row(blob, causes), now, now_text) for blob in data]
        except Exception as error:  # said to the import, which does the work itself
            made = f"{type(error).__name__}: {error}"
        try:
            pickle.dump(made, out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
        except OSError:  # the import's process is gone
            return
