"""The import's second process (issue 22): while this process writes a chunk, a worker makes
the records of the next ones (each row's complaint and events, their clocks, their change-log
text: writing.py `Records.made`), which is a third of a row's CPU. What depends on the store
and on the rows before (ticket numbers, repeat links, rows already imported) stays here,
inside each chunk's transaction. The worker is sent the spooled rows' data and sends back
values; it never opens the store or the spool.

It is a plain child process (this module run by the same interpreter, with this process's
`sys.path`), spoken to through its standard input and output: not multiprocessing's spawn,
which runs the calling program's main module again in the child, nor a fork, which would copy
the desk's SQLite connections and threads. Ctrl+C is this process's (the worker ignores it and
is stopped with the import); a worker whose parent is gone, however it ended, reads the end
of its input and exits. If the worker cannot start or dies, the rows are made here: the same
records, more slowly."""

from __future__ import annotations

import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
from datetime import datetime
from typing import IO, Any

from deskapp.domain.categories import CausePath
from deskapp.i18n import set_language
from deskapp.services.importer.spool import load_row
from deskapp.services.importer.writing import Made, Records, RecordSpec

_BOOT = f"import sys; sys.path[:] = sys.argv[1:]; from {__name__} import serve; serve()"
_GONE = object()  # the worker ended (or failed): what is still to come is made here


class Worker:
    """One worker process for one import, started at once (it loads while the rows are
    checked); `make` hands it a chunk, `result` takes what it made, in the order sent."""

    def __init__(self, spec: RecordSpec) -> None:
        self.alive = True
        self.sent = 0
        self.results: queue.Queue[Any] = queue.Queue()
        self.process: subprocess.Popen[bytes] | None = None
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _BOOT, *sys.path], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            assert self.process.stdin is not None
            self._send(spec)
        except OSError:
            self.alive = False
            return
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def _send(self, message: object) -> None:
        assert self.process is not None and self.process.stdin is not None
        pickle.dump(message, self.process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        self.process.stdin.flush()

    def _read(self) -> None:
        # Its output is read as it comes, so that it never waits on a full pipe while this
        # process waits on it to take the next chunk.
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

    def make(self, data: list[bytes], causes: dict[str, CausePath], now: datetime) -> bool:
        """Hand the worker these rows' data to make (False: it is gone, make them here)."""
        if not self.alive:
            return False
        try:
            self._send((data, causes, now))
        except (OSError, ValueError):  # a broken pipe: the worker died
            self.alive = False
            return False
        self.sent += 1
        return True

    def result(self) -> list[Made] | None:
        """What the worker made of the oldest chunk handed to it and not yet taken (None: it
        died first, or failed on it: the rows are then made here)."""
        if self.sent == 0:
            return None
        self.sent -= 1
        made = self.results.get()  # (its reader puts _GONE last, whatever becomes of it)
        if made is _GONE or isinstance(made, str):  # (a str: the worker's error, in its words)
            self.alive = False
            self.results.put(_GONE)  # every later chunk is made here too
            return None
        assert isinstance(made, list)
        return made

    def close(self) -> None:
        """Stop the worker: the end of its input, then, if it does not end, a kill."""
        self.alive = False
        process = self.process
        if process is None:
            return
        try:
            assert process.stdin is not None
            process.stdin.close()
        except OSError:
            pass
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve() -> None:
    """The worker process: the spec, then chunks to make until its input ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the import's, which stops this
    out: IO[bytes] = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever a library prints cannot reach the results
    source = sys.stdin.buffer
    try:
        spec = pickle.load(source)
    except EOFError:
        return
    assert isinstance(spec, RecordSpec)
    set_language(spec.language)
    from deskapp.refdata import RefData

    records = Records(spec, RefData(spec.data_dir))
    while True:
        try:
            job = pickle.load(source)
        except EOFError:  # the import ended, or its process is gone
            return
        data, causes, now = job
        try:
            now_text = now.isoformat()
            made: object = [records.made(load_row(blob, causes), now, now_text) for blob in data]
        except Exception as error:  # said to the import, which makes the rows itself
            made = f"{type(error).__name__}: {error}"
        try:
            pickle.dump(made, out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
        except OSError:  # the import's process is gone
            return
