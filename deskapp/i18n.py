"""The string catalogue: every word the user sees comes from deskapp/locales/<lang>.toml."""

from __future__ import annotations

import marshal
import os
import sys
from functools import cache
from pathlib import Path
from typing import Any

from deskapp.domain.enums import Severity
from deskapp.domain.errors import FieldError

LOCALES = Path(__file__).resolve().parent / "locales"
LANGUAGES = tuple(sorted(p.stem for p in LOCALES.glob("*.toml")))
# Chosen before any screen is imported (screens read their key labels when imported):
# `deskapp --lang en` sets it, and DESKAPP_LANG in the environment does so for any process.
_env_lang = os.environ.get("DESKAPP_LANG", "")
_lang = _env_lang if _env_lang in LANGUAGES else "zh"


def language() -> str:
    return _lang


def set_language(lang: str) -> None:
    global _lang
    if not (LOCALES / f"{lang}.toml").is_file():
        raise ValueError(f"no catalogue for language {lang!r}")
    _lang = lang


@cache
def catalogue(lang: str) -> dict[str, str]:
    return _cached_catalogue(LOCALES / f"{lang}.toml")


def _cached_catalogue(path: Path) -> dict[str, str]:
    """The flat catalogue of `path`, from a marshal copy beside it in __pycache__ (as Python
    keeps its byte-code) while the file is unchanged: parsing the TOML took longer than any
    other step of `deskapp --help`'s errors and of the sign-in's first frame (issue 22).
    A copy that cannot be read or written is only a slower start, never an error."""
    stat = path.stat()
    tag = sys.implementation.cache_tag or "py"
    cached = path.parent / "__pycache__" / f"{path.stem}.{tag}.{stat.st_mtime_ns}.{stat.st_size}"
    try:
        flat = marshal.loads(cached.read_bytes())
        if isinstance(flat, dict):
            return flat
    except (OSError, ValueError, EOFError, TypeError):
        pass
    flat = parse_catalogue(path)
    try:
        cached.parent.mkdir(exist_ok=True)
        for old in cached.parent.glob(f"{path.stem}.{tag}.*"):
            old.unlink(missing_ok=True)  # the copies of earlier versions of the file
        part = cached.with_name(f"{cached.name}.{os.getpid()}.part")
        part.write_bytes(marshal.dumps(flat))
        os.replace(part, cached)  # whole or not at all: another desk may be reading it
    except OSError:
        pass
    return flat


def parse_catalogue(path: Path) -> dict[str, str]:
    import tomllib

    with path.open("rb") as fh:
        nested = tomllib.load(fh)
    flat: dict[str, str] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                walk(f"{prefix}{key}.", value)
            else:
                flat[f"{prefix}{key}"] = value

    walk("", nested)
    return flat


def t(key: str, **params: Any) -> str:
    text = catalogue(_lang).get(key)
    if text is None:
        return key  # visible, so a missing string is noticed rather than hidden
    return text.format(**params) if params else text


def os_reason(error: BaseException) -> str:
    """Why the system refused a file, in the desk's language ([oserror] of the catalogue by
    the error's errno name: EROFS, EACCES…); the system's own words for one it lacks."""
    import errno

    code = getattr(error, "errno", None)
    name = errno.errorcode.get(code, "") if isinstance(code, int) else ""
    said = catalogue(_lang).get(f"oserror.{name}") if name else None
    return said or getattr(error, "strerror", None) or type(error).__name__


def error_text(error: FieldError) -> str:
    params = dict(error.params)
    if "floor" in params:
        params["floor_label"] = t(f"severity.{Severity(params['floor']).value}")
    if "permission" in params:
        params["permission_label"] = t(f"permission.{params['permission']}")
    if "role" in params:
        params["role_label"] = t(f"role.{params['role']}")
    if "status" in params:
        params["status_label"] = t(f"status.{params['status']}")
    if "value_key" in params:  # a value named by a key (a watch entry's kind, "empty")
        params["value"] = t(params["value_key"])
    if "data_kind" in params:  # a case's text holding personal data (services/cases.py)
        params["part_label"] = t(f"cases.part_{params['part']}")
        params["kind_label"] = t(f"cases.kind_{params['data_kind']}")
        params["instead"] = t(f"cases.instead_{params['data_kind']}")
        params["others_text"] = (
            t("cases.others_named", count=params["others"], words=params["also"])
            if params["others"] and params.get("also")
            else t("cases.others", count=params["others"])
            if params["others"]
            else ""
        )
    return t(f"error.{error.key.removeprefix('error.')}", **params)
