"""`deskapp serve`: the desk in a browser, through textual-serve, with the checks it lacks.

* A websocket is accepted only from a page of this service: its Origin must be the served
  address (or `--public-url`), so a page of another site open in the same browser cannot start
  a desk and type into it (cross-site websocket hijacking; DNS rebinding gives the wrong
  Origin too). A request without an Origin is refused: browsers always send one.
* At most `max_sessions` desks run at once (each is a process of its own: six took 448 MB
  when issue 19 was filed); beyond that the page, and a websocket that races past it, say so
  in words.
* PIN checks are limited per client address across all its sessions
  (`deskapp/services/client_limit.py`): each desk started here is told the client's address
  and the folder of counts.
* Nothing a desk writes to its standard error reaches this server's output or log (it may
  hold customer data: a traceback's values); the desk keeps its own, masked log
  (`deskapp/logs.py`). This server logs refusals and session counts only, without tracebacks'
  local values, to the same masked log."""

from __future__ import annotations

import asyncio
import html
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService

from deskapp.i18n import t
from deskapp.screens.serve_log import QuietServer
from deskapp.services import client_limit

log = logging.getLogger("deskapp.serve")
DEFAULT_MAX_SESSIONS = 4
_TRY_AGAIN_LATER = 1013  # websocket close code


def _origin(url: str) -> str | None:
    """scheme://host[:port] as browsers send it, or None for what is not such an address."""
    parts = urlsplit(url)
    scheme = (parts.scheme or "http").lower()
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(scheme)
    try:
        port = parts.port
    except ValueError:  # "127.0.0.1:8000.evil.example"
        return None
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}" + ("" if port in (None, default) else f":{port}")


def allowed_origins(host: str, port: int, public_url: str | None) -> frozenset[str]:
    """The origins a page of this service has: the served address, its loopback spellings
    when it is a loopback address, and the public address behind a proxy."""
    hosts = {host}
    if host in {"127.0.0.1", "localhost", "::1"}:
        hosts |= {"127.0.0.1", "localhost", "::1"}
    origins = {_origin(f"http://{h if ':' not in h else f'[{h}]'}:{port}") for h in hosts}
    if public_url:
        origins.add(_origin(public_url))
    return frozenset(o for o in origins if o is not None)


class DeskAppService(AppService):
    """One browser session's desk: told its client for the PIN limit; its standard error
    discarded by the shell that starts it, so textual-serve has nothing to copy out."""

    def __init__(self, command: str, *, client: str, limit_env: dict[str, str],
                 **kwargs: Any) -> None:  # fmt: skip
        null = "NUL" if os.name == "nt" else "/dev/null"
        super().__init__(f"{command} 2>{null}", **kwargs)
        self._client_env = {client_limit.CLIENT_ENV: client, **limit_env}

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width, height)
        environment.update(self._client_env)
        return environment


class DeskServer(QuietServer):  # its logging: no local values, into the desk's log
    def __init__(
        self,
        command: str,
        *,
        host: str,
        port: int,
        title: str,
        public_url: str | None = None,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
        signin_max: int = client_limit.DEFAULT_MAX,
        signin_window: int = client_limit.DEFAULT_WINDOW,
    ) -> None:
        super().__init__(command, host=host, port=port, title=title, public_url=public_url)
        self.origins = allowed_origins(host, port, public_url)
        self.max_sessions = max_sessions
        self.sessions = 0
        self.signin_max = signin_max
        self.signin_window = signin_window
        self.limit_dir: Path | None = None

    async def on_startup(self, app: web.Application) -> None:
        self.limit_dir = Path(tempfile.mkdtemp(prefix="deskapp-serve-"))
        print(t("serve.listening", url=self.public_url, limit=self.max_sessions), flush=True)

    async def on_shutdown(self, app: web.Application) -> None:
        if self.limit_dir is not None:
            shutil.rmtree(self.limit_dir, ignore_errors=True)

    def _full_page(self) -> web.Response:
        title = html.escape(t("serve.full_title"))
        text = html.escape(t("serve.full", limit=self.max_sessions))
        body = (f'<!doctype html><html lang="zh"><meta charset="utf-8"><title>{title}</title>'
                f"<body><h1>{title}</h1><p>{text}</p></body></html>")  # fmt: skip
        return web.Response(status=503, text=body, content_type="text/html",
                            headers={"Retry-After": "30"})  # fmt: skip

    async def handle_index(self, request: web.Request) -> Any:
        if self.sessions >= self.max_sessions:
            return self._full_page()
        return await super().handle_index(request)

    def _limit_env(self) -> dict[str, str]:
        assert self.limit_dir is not None
        return {
            client_limit.DIR_ENV: str(self.limit_dir),
            client_limit.MAX_ENV: str(self.signin_max),
            client_limit.WINDOW_ENV: str(self.signin_window),
        }

    async def _process_messages(
        self, websocket: web.WebSocketResponse, app_service: AppService
    ) -> None:
        """textual-serve's loop, made to survive what a browser (or anything speaking its
        websocket) may send: a lone surrogate in typed text (textual-serve's `encode("utf-8")`
        raised and ended the session), a message that is not JSON or not the envelope it
        expects. Such a message is dropped, or its broken characters replaced; the session
        goes on."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
            except ValueError:
                log.warning("browser message dropped: not JSON")
                continue
            if not (isinstance(envelope, list) and envelope and isinstance(envelope[0], str)):
                log.warning("browser message dropped: not an envelope")
                continue
            kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
            if kind == "stdin" and isinstance(data, str):
                await app_service.send_bytes(_no_lone_surrogates(data).encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                width = _to_int(str(data.get("width", "")), 80)
                height = _to_int(str(data.get("height", "")), 24)
                await app_service.set_terminal_size(width, height)
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await app_service.blur()
            elif kind == "focus":
                await app_service.focus()

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        origin = request.headers.get("Origin")
        if origin is None or _origin(origin) not in self.origins:
            log.warning("websocket refused: origin %r", origin)
            allowed = " ".join(sorted(self.origins))
            raise web.HTTPForbidden(text=t("serve.origin_refused", origin=origin, allowed=allowed))
        websocket = web.WebSocketResponse(heartbeat=15)
        if self.sessions >= self.max_sessions:
            await websocket.prepare(request)
            words = t("serve.full", limit=self.max_sessions)
            await websocket.send_bytes(f"\r\n  {words}\r\n".encode())
            await websocket.close(code=_TRY_AGAIN_LATER, message=b"full")
            log.info("session refused: %d of %d in use", self.sessions, self.max_sessions)
            return websocket
        self.sessions += 1
        try:
            await self._run_session(request, websocket)
        finally:
            self.sessions -= 1
        return websocket

    async def _run_session(self, request: web.Request, websocket: web.WebSocketResponse) -> None:
        """textual-serve's session, with the desk's service and a log line without values."""
        width = _to_int(request.query.get("width"), 80)
        height = _to_int(request.query.get("height"), 24)
        app_service: DeskAppService | None = None
        try:
            await websocket.prepare(request)
            app_service = DeskAppService(
                self.command,
                client=request.remote or "unknown",
                limit_env=self._limit_env(),
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            await app_service.start(width, height)
            try:
                await self._process_messages(websocket, app_service)
            finally:
                await app_service.stop()
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:
            # Only the kind of error: its message or values may hold what was typed.
            log.error("browser session ended on %s", type(error).__name__)
        finally:
            if app_service is not None:
                await app_service.stop()


def _no_lone_surrogates(text: str) -> str:
    """What a browser sent with its broken characters (a lone UTF-16 surrogate, which JSON can
    carry and UTF-8 cannot) as U+FFFD: the desk's driver receives it as any undecodable byte."""
    return "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)


def _to_int(value: str | None, default: int) -> int:
    try:
        return max(10, min(500, int(value or default)))
    except ValueError:
        return default
