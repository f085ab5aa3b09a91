"""The complaint category cause tree (服务过程 taxonomy) and a matcher for intake.

The tree has four levels: the service-process category, two intake causes, and the finding the
handler sets once the facts are checked. Intake files a complaint under a level-3 path, so
`find` searches level-3 paths only.

Pure domain code: the caller reads the TOML file and passes the parsed mapping in.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["INTAKE_LEVEL", "MAX_LEVEL", "SEPARATOR", "CausePath", "CauseTree", "CauseTreeError"]

SEPARATOR = " › "
INTAKE_LEVEL = 3
MAX_LEVEL = 4

# One segment per level keeps a code's level readable from the code alone, and plain ASCII keeps
# codes safe in exports, statistics and the sync protocol.
_SEGMENT_RE = re.compile(r"[A-Z][A-Z0-9_]*")
_NODE_KEYS = frozenset({"code", "name", "cause"})
# Characters the query may contain that only decorate the label, never carry meaning.
_IGNORED_IN_QUERY = re.compile(r"[\s›>]+")
# Pinyin input methods insert apostrophes between syllables; anything non-alphanumeric in a
# pinyin query is therefore noise.
_NOT_PINYIN = re.compile(r"[^a-z0-9]+")


class CauseTreeError(ValueError):
    """A mistake in the cause tree. `str()` is for the log (English); the words shown are the
    catalogue's: `key` under [data.tree] of deskapp/locales, the place in the tree (`parent`:
    the parent's code, "" for a [[category]]; `index`: the entry among its siblings, from 1,
    0 for the file as a whole; `code`: the entry's code once it has one), the key of the entry
    (`setting`) and the rest of the sentence's values (`params`)."""

    def __init__(
        self,
        message: str,
        key: str,
        *,
        parent: str = "",
        index: int = 0,
        code: str = "",
        setting: str = "",
        **params: Any,
    ) -> None:
        super().__init__(message)
        self.key = key
        self.parent = parent
        self.index = index
        self.code = code
        self.setting = setting
        self.params = params


@dataclass(frozen=True)
class CausePath:
    """A node of the tree together with its ancestors, root first."""

    codes: tuple[str, ...]
    names: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.codes or len(self.codes) != len(self.names):
            raise ValueError("a cause path needs one name per code and at least one level")

    @property
    def code(self) -> str:
        return self.codes[-1]

    @property
    def name(self) -> str:
        return self.names[-1]

    @property
    def label(self) -> str:
        return SEPARATOR.join(self.names)

    @property
    def root(self) -> str:
        return self.codes[0]

    @property
    def level(self) -> int:
        return len(self.codes)


@dataclass(frozen=True)
class _TextKey:
    """Search keys available without pypinyin, built with the tree."""

    all_names: str
    last_name: str
    # The level-4 findings under the path, each folded, "|" between them (a query never
    # holds "|", so none matches across two findings): 停电 finds 区域性通信中断 by 基站停电.
    findings: str


@dataclass(frozen=True)
class _PinyinKey:
    """Search keys that need pypinyin, built on first use."""

    all_initials: str
    all_full: str
    last_initials: str
    last_full: str
    findings_initials: str  # (each finding's, "|" between them)
    findings_full: str


def _fold(text: str) -> str:
    # NFKC turns full-width letters and digits (common from Chinese IMEs) into ASCII.
    return _IGNORED_IN_QUERY.sub("", unicodedata.normalize("NFKC", text)).lower()


def _has_cjk(text: str) -> bool:
    return any(
        "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or ch >= "\U00020000"
        for ch in text
    )


class CauseTree:
    """Reference data: the validated cause tree, in file order.

    Build it with `from_mapping`. Instances are read-only and safe to share between threads.
    """

    def __init__(
        self,
        paths: Iterable[CausePath],
        children: Mapping[str, Sequence[str]],
    ) -> None:
        # Internal: callers go through from_mapping, which validates; this only stores.
        self._paths: dict[str, CausePath] = {p.code: p for p in paths}
        self._children: dict[str, tuple[str, ...]] = {
            code: tuple(kids) for code, kids in children.items()
        }
        self._roots: tuple[CausePath, ...] = tuple(p for p in self._paths.values() if p.level == 1)
        self._intake: tuple[CausePath, ...] = tuple(
            p for p in self._paths.values() if p.level == INTAKE_LEVEL
        )
        self._text_keys: tuple[_TextKey, ...] = tuple(
            _TextKey(
                all_names=_fold("".join(p.names)),
                last_name=_fold(p.names[-1]),
                findings="|".join(_fold(name) for name in self._finding_names(p.code)),
            )
            for p in self._intake
        )
        self._pinyin_keys: tuple[_PinyinKey, ...] | None = None
        self._pinyin_lock = threading.Lock()

    def _finding_names(self, code: str) -> list[str]:
        return [self._paths[c].name for c in self._children.get(code, ())]

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> CauseTree:
        """Validate and build the tree from the parsed categories.toml.

        Raises ValueError naming the offending node on a duplicate code, a missing or empty
        name, a code that is not its parent's code plus one segment, or a fifth level.
        """
        if not isinstance(data, Mapping):
            raise CauseTreeError("categories: expected a table with a [[category]] list", "none")
        roots = data.get("category")
        if not isinstance(roots, list) or not roots:
            raise CauseTreeError("categories: no [[category]] entries found", "none")

        paths: list[CausePath] = []
        children: dict[str, list[str]] = {}
        seen: set[str] = set()

        def walk(nodes: list[Any], parent: CausePath | None) -> list[str]:
            where = "[[category]]" if parent is None else f"under {parent.code}"
            above = "" if parent is None else parent.code
            level = 1 if parent is None else parent.level + 1
            codes: list[str] = []
            names_here: set[str] = set()
            for index, node in enumerate(nodes, start=1):
                here = f"{where} item {index}"
                if not isinstance(node, Mapping):
                    raise CauseTreeError(f"{here}: expected a table with `code` and `name`",
                                         "not_table", parent=above, index=index)  # fmt: skip
                code = node.get("code")
                if code is not None and not isinstance(code, str):
                    raise CauseTreeError(f"{here}: `code` must be text", "text", parent=above,
                                         index=index, setting="code")  # fmt: skip
                if not isinstance(code, str) or not code.strip():
                    raise CauseTreeError(f"{here}: missing `code`",
                                         "missing" if code is None else "empty",
                                         parent=above, index=index, setting="code")  # fmt: skip
                here = f"{where} item {index} ({code})"
                at: dict[str, Any] = {"parent": above, "index": index, "code": code}
                unknown = set(node) - _NODE_KEYS
                if unknown:
                    # A misspelt `cause` would otherwise silently drop a whole subtree.
                    words = ", ".join(sorted(map(str, unknown)))
                    raise CauseTreeError(
                        f"{here}: unknown key(s) {words}; only code, name and cause are allowed",
                        "unknown_key", setting="、".join(sorted(map(str, unknown))), **at,
                    )  # fmt: skip
                if level > MAX_LEVEL:
                    raise CauseTreeError(
                        f"{here}: level {level} is too deep; the tree has at most "
                        f"{MAX_LEVEL} levels",
                        "too_deep", level=level, max_level=MAX_LEVEL, **at,
                    )  # fmt: skip
                name = node.get("name")
                if name is not None and not isinstance(name, str):
                    raise CauseTreeError(f"{here}: `name` must be text", "text", setting="name",
                                         **at)  # fmt: skip
                if not isinstance(name, str) or not name.strip():
                    raise CauseTreeError(f"{here}: missing `name`",
                                         "missing" if name is None else "empty",
                                         setting="name", **at)  # fmt: skip
                name = name.strip()
                if "›" in name:
                    raise CauseTreeError(f"{here}: name must not contain '›' (it separates "
                                         "levels)", "separator", setting="name", **at)  # fmt: skip
                _check_code(code, parent, here, at)
                if code in seen:
                    raise CauseTreeError(f"{here}: duplicate code {code}", "duplicate_code",
                                         setting="code", **at)  # fmt: skip
                if name in names_here:
                    raise CauseTreeError(f"{here}: duplicate name {name!r} among its siblings",
                                         "duplicate_name", setting="name", value=name,
                                         **at)  # fmt: skip
                below = node.get("cause", [])
                if not isinstance(below, list):
                    raise CauseTreeError(f"under {code}: `cause` must be a list of tables",
                                         "cause_list", setting="cause", **at)  # fmt: skip
                seen.add(code)
                names_here.add(name)
                path = (
                    CausePath((code,), (name,))
                    if parent is None
                    else CausePath((*parent.codes, code), (*parent.names, name))
                )
                paths.append(path)
                codes.append(code)
                children[code] = walk(below, path)
            return codes

        walk(roots, None)
        return cls(paths, children)

    # -- lookup ---------------------------------------------------------------------------

    def __contains__(self, code: object) -> bool:
        return code in self._paths

    def roots(self) -> list[CausePath]:
        return list(self._roots)

    def intake_paths(self) -> list[CausePath]:
        return list(self._intake)

    def path(self, code: str) -> CausePath:
        try:
            return self._paths[code]
        except KeyError:
            raise KeyError(f"unknown cause code {code!r}") from None

    def children(self, code: str) -> list[CausePath]:
        if code not in self._children:
            raise KeyError(f"unknown cause code {code!r}")
        return [self._paths[c] for c in self._children[code]]

    # -- search ---------------------------------------------------------------------------

    def warm(self) -> None:
        """Build the pinyin index now; safe to call from a background thread."""
        self._pinyin()

    def find(self, query: str, limit: int = 50) -> list[CausePath]:
        """Intake (level-3) paths matching `query`, best first, at most `limit`.

        Matches Chinese text anywhere in the path, pinyin initials (snwxh, wxh) or full toneless
        pinyin (xinhao), ignoring case, spaces and '›'. An empty query lists every intake path.
        Ranks: exact level-3 name; level-3 name contains the text; level-3 initials start with
        the query; level-3 full pinyin starts with it; level-3 pinyin contains it; anything
        else in the path; a level-4 finding under it (基站停电 for 停电, tingdian, jztd);
        level-3 initials with letters skipped (swxh for snwxh).
        File order within a rank.
        """
        if limit <= 0:
            return []
        text = _fold(query)
        if not text:
            return list(self._intake[:limit])
        # Pinyin can never contain a Chinese character, so a Chinese query needs no index and
        # the first keystrokes of a Chinese query never pay for importing pypinyin.
        spelled = "" if _has_cjk(text) else _NOT_PINYIN.sub("", text)
        pinyin = self._pinyin() if spelled else None

        ranked: list[tuple[int, int]] = []
        for index, key in enumerate(self._text_keys):
            rank = _rank(text, key, spelled, pinyin[index] if pinyin else None)
            if rank is not None:
                ranked.append((rank, index))
        ranked.sort()
        return [self._intake[index] for _, index in ranked[:limit]]

    def _pinyin(self) -> tuple[_PinyinKey, ...]:
        keys = self._pinyin_keys
        if keys is not None:
            return keys
        with self._pinyin_lock:
            if self._pinyin_keys is None:
                self._pinyin_keys = _build_pinyin_keys(
                    self._intake, [self._finding_names(p.code) for p in self._intake]
                )
            return self._pinyin_keys


def _check_code(code: str, parent: CausePath | None, where: str, at: dict[str, Any]) -> None:
    if parent is None:
        if not _SEGMENT_RE.fullmatch(code):
            raise CauseTreeError(
                f"{where}: a category code is one segment of uppercase ASCII letters, digits "
                "or _, starting with a letter",
                "root_code", setting="code", **at,
            )  # fmt: skip
        return
    prefix = parent.code + "."
    if not code.startswith(prefix):
        raise CauseTreeError(f"{where}: code must start with its parent's code {prefix}",
                             "prefix", setting="code", prefix=prefix, **at)  # fmt: skip
    if not _SEGMENT_RE.fullmatch(code[len(prefix) :]):
        raise CauseTreeError(
            f"{where}: code must be {prefix} plus one segment of uppercase ASCII letters, "
            "digits or _, starting with a letter",
            "segment", setting="code", prefix=prefix, **at,
        )  # fmt: skip


def _rank(text: str, key: _TextKey, spelled: str, pinyin: _PinyinKey | None) -> int | None:
    if text == key.last_name:
        return 0
    if text in key.last_name:
        return 1
    if pinyin is not None:
        if pinyin.last_initials.startswith(spelled):
            return 2
        if pinyin.last_full.startswith(spelled):
            return 3
        if spelled in pinyin.last_initials or spelled in pinyin.last_full:
            return 4
        if spelled in pinyin.all_initials or spelled in pinyin.all_full:
            return 5
        if spelled in pinyin.findings_initials or spelled in pinyin.findings_full:
            return 6
    if text in key.all_names:
        return 5
    if text in key.findings:  # a level-4 finding under the path (基站停电 for 停电)
        return 6
    # Staff often skip a syllable when abbreviating ("swxh" for 室内无信号, initials snwxh); accept
    # the letters in order from the first one, last, so exact spellings always come first.
    if pinyin is not None and _is_abbreviation(spelled, pinyin.last_initials):
        return 7
    return None


def _is_abbreviation(query: str, initials: str) -> bool:
    if len(query) < 2 or not initials.startswith(query[0]):
        return False
    remaining = iter(initials)
    return all(ch in remaining for ch in query)


def _build_pinyin_keys(
    paths: Sequence[CausePath], findings: Sequence[Sequence[str]]
) -> tuple[_PinyinKey, ...]:
    # Imported here: pypinyin loads large dictionaries, and the desk must start fast.
    from pypinyin import Style, lazy_pinyin

    cache: dict[str, tuple[str, str]] = {}

    def spell(name: str) -> tuple[str, str]:
        if name not in cache:
            folded = unicodedata.normalize("NFKC", name)
            initials = "".join(lazy_pinyin(folded, style=Style.FIRST_LETTER))
            full = "".join(lazy_pinyin(folded, style=Style.NORMAL))
            cache[name] = (
                _NOT_PINYIN.sub("", initials.lower()),
                _NOT_PINYIN.sub("", full.lower()),
            )
        return cache[name]

    keys: list[_PinyinKey] = []
    for path, below in zip(paths, findings, strict=True):
        spelled = [spell(name) for name in path.names]
        under = [spell(name) for name in below]
        keys.append(
            _PinyinKey(
                all_initials="".join(i for i, _ in spelled),
                all_full="".join(f for _, f in spelled),
                last_initials=spelled[-1][0],
                last_full=spelled[-1][1],
                findings_initials="|".join(i for i, _ in under),
                findings_full="|".join(f for _, f in under),
            )
        )
    return tuple(keys)
