"""PIN checks per browser client, for desks started by `deskapp serve`.

Every browser session is a desk process of its own, so a limit kept in one process would
restart with each new session. `deskapp serve` gives each desk it starts the client's address
and a folder it made for the counts (environment variables below); each PIN check (a sign-in
or a manager's approval) appends its time to the client's file there, and a check is refused
while the client already made `max_checks` within the last `window_seconds`. A desk started
any other way (the terminal) has no such variables and no such limit: the lockout per work
number (`sign_in`) applies everywhere.

Behind a reverse proxy every client has the proxy's address: the limit is then the hall's."""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from deskapp.domain.errors import RuleViolation

DIR_ENV = "DESKAPP_SERVE_LIMIT_DIR"
CLIENT_ENV = "DESKAPP_SERVE_CLIENT"
MAX_ENV = "DESKAPP_SERVE_SIGNIN_MAX"
WINDOW_ENV = "DESKAPP_SERVE_SIGNIN_WINDOW"
DEFAULT_MAX = 10
DEFAULT_WINDOW = 300


@dataclass(frozen=True)
class ClientLimit:
    folder: Path
    client: str
    max_checks: int = DEFAULT_MAX
    window_seconds: int = DEFAULT_WINDOW

    @classmethod
    def from_env(cls) -> ClientLimit | None:
        folder, client = os.environ.get(DIR_ENV), os.environ.get(CLIENT_ENV)
        if not folder or not client:
            return None
        return cls(
            Path(folder),
            client,
            int(os.environ.get(MAX_ENV) or DEFAULT_MAX),
            int(os.environ.get(WINDOW_ENV) or DEFAULT_WINDOW),
        )

    @property
    def path(self) -> Path:
        # The address hashed: no client address in a file name.
        return self.folder / hashlib.sha256(self.client.encode()).hexdigest()[:24]

    def _recent(self, now: float) -> list[float]:
        try:
            lines = self.path.read_text(encoding="ascii").split()
        except FileNotFoundError:
            return []
        return [t for t in map(float, lines) if now - t < self.window_seconds]

    def take(self, now: float | None = None) -> None:
        """Count one PIN check, or refuse it (RuleViolation) when the client is over the limit.
        One short append per check: O_APPEND writes of a line do not interleave."""
        now = time.time() if now is None else now
        recent = self._recent(now)
        if len(recent) >= self.max_checks:
            wait = max(1, int(self.window_seconds - (now - min(recent))) + 1)
            raise RuleViolation.single("pin", "error.signin.client_limit", seconds=wait)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, f"{now:.3f}\n".encode("ascii"))
        finally:
            os.close(fd)


def take_pin_check() -> None:
    """Called before every PIN check; nothing outside a served desk."""
    limit = ClientLimit.from_env()
    if limit is not None:
        limit.take()
