"""Person names in a Chinese text, read by a word segmenter (jieba's part-of-speech tagger,
which tags a person's name `nr`): what no list of surnames or titles finds (冼女士, 上官婉儿,
褚秀英 on a 褚女士 ticket, 营业员刘洋), and what tells a surname inside an ordinary word (小区,
两个小时, 解释) from a name. Loaded lazily, once per process (~1 s, ~65 MB): by the worker that
checks a case's texts, never at the desk's start (tests/ui/test_ui_startup22b.py)."""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass
from typing import Any

# Titles and kin words jieba tags as names on their own (李红小姐: 小姐, 老伯). Common words it
# mistakes for names (高峰, 李子) are in deskapp/domain/cases.py's one stop list.
_NOT_NAMES = """
小姐 老伯 先生 女士 太太 阿姨 大爷 大妈 大姐 大哥 师傅 老师 同志 经理 主任
宝宝 老公 老婆 保姆 老伴 公公 婆婆 岳父 岳母 舅舅 姑姑 叔叔
伯伯 爷爷 奶奶 外婆 外公 姥姥 姥爷 孙子 孙女 大娘 大叔 大婶 太爷
"""
NOT_PERSON_NAMES = frozenset(_NOT_NAMES.split())

# A 1-character name (冼, 麦) is a name only before one of these (冼女士, 麦先生, 王经理).
PERSON_TITLES = (
    "先生", "女士", "小姐", "太太", "老师", "师傅", "阿姨", "大爷", "大妈", "大姐", "大哥",
    "同志", "经理", "主任", "科长", "处长", "局长", "教授", "医生", "护士", "老板", "总",
    "工", "董", "同学", "老伯", "婆婆", "伯", "叔", "姐", "哥", "老爷子",
)  # fmt: skip


def _addressed(word: str) -> bool:
    """老大爷, 老大妈, 老师傅, 老爷爷: 老 before a title or a kin word is how an older person is
    addressed, no surname in it (jieba tags them `nr`: issue 18, the customer at the counter).
    老王 (老 before a surname) is not one of these: still a name."""
    rest = word[1:]
    return (
        len(word) >= 3 and word[0] == "老" and (rest in NOT_PERSON_NAMES or rest in PERSON_TITLES)
    )


_NAME_TAGS = frozenset({"nr", "nrfg"})
_PLACE_ENDS = frozenset("区山洞村镇街路")
# How jieba tags a surname standing alone before a given name (林: ng, 宋: nr).
_SURNAME_TAGS = frozenset({"nr", "ng", "nrfg"})
# How it tags the last character of a given name read apart (强: a); never a verb or particle.
# What jieba tags a given name it reads as a word after a surname it reads alone.
_GIVEN_TAGS = frozenset({"nz", "ns", "i", "a", "an", "j", "l"})
_GIVEN_TAIL_TAGS = frozenset({"a", "ag", "ng", "nr", "zg"})

_lock = threading.Lock()
_tagger: Any = None


def _load() -> Any:
    """jieba's tagger, loaded on first use (its dictionary log silenced)."""
    global _tagger
    with _lock:
        if _tagger is None:
            import jieba
            import jieba.posseg

            # Its log goes to stderr (the desk's terminal): silenced, also the failure to write
            # its dictionary's cache in a read-only temp folder (it then loads a little slower).
            jieba.setLogLevel(logging.CRITICAL + 1)
            jieba.initialize()
            _tagger = jieba.posseg
    return _tagger


def warm() -> threading.Thread | None:
    """Load the tagger in a background thread (K's first save waited 1.2–1.6 s on it, the
    library's first page 2.3–2.7 s): started when a manager opens a ticket's detail or the
    case library, never at start or sign-in (intake's first frame is not slowed). None when
    already loaded."""
    if _tagger is not None:
        return None
    thread = threading.Thread(target=_load, name="jieba-warm", daemon=True)
    thread.start()
    return thread


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    word: str
    tag: str

    @property
    def is_name(self) -> bool:
        # 白云区, 越秀区, 白云山, 龙洞: jieba tags some places `nr`; a place's ending says so.
        return self.tag in _NAME_TAGS and not (len(self.word) > 1 and self.word[-1] in _PLACE_ENDS)


@functools.lru_cache(maxsize=4096)  # the library re-reads the same cases page after page
def tokens(text: str) -> tuple[Token, ...]:
    """The words of `text` with their place and tag, in order, covering the text."""
    found: list[Token] = []
    at = 0
    for pair in _load().cut(text):
        word, tag = pair.word, pair.flag
        start = text.find(word, at)
        if start < 0:  # pragma: no cover - jieba yields the text piece by piece
            continue
        found.append(Token(start, start + len(word), word, tag))
        at = start + len(word)
    return tuple(found)


def person_names(text: str) -> list[tuple[int, int]]:
    """Where `text` names a person by jieba: a name of 2+ characters (陈建国, 上官婉儿, 小王,
    王经理) that is not in `NOT_PERSON_NAMES`, or a 1-character one before a title (冼女士:
    the surname and the title)."""
    words = tokens(text)
    found: list[tuple[int, int]] = []
    for i, token in enumerate(words):
        if not token.is_name or token.word in NOT_PERSON_NAMES or _addressed(token.word):
            continue
        if len(token.word) >= 2:
            # 林 + 志强: a given name jieba reads after a surname it tags apart; the whole name
            # is what the message names (case18g).
            before = words[i - 1] if i else None
            whole = (
                before is not None
                and len(token.word) == 2
                and len(before.word) == 1
                and before.tag in _SURNAME_TAGS
                and before.end == token.start
            )
            # 赵国 + 强 (a): a given name's last character jieba reads as a word of its own.
            after = words[i + 1] if i + 1 < len(words) else None
            tail = (
                not whole
                and after is not None
                and len(token.word) == 2
                and len(after.word) == 1
                and after.tag in _GIVEN_TAIL_TAGS
                and after.start == token.end
            )
            found.append((before.start if whole and before else token.start,
                          after.end if tail and after else token.end))  # fmt: skip
            continue
        rest = text[token.end : token.end + 3]
        title = next((t for t in PERSON_TITLES if rest.startswith(t)), None)
        if title is not None:
            found.append((token.start, token.end + len(title)))
        elif (
            i + 1 < len(words)
            and (
                words[i + 1].is_name
                or (words[i + 1].tag in _GIVEN_TAGS and len(words[i + 1].word) <= 2)
            )
            and words[i + 1].word not in (NOT_PERSON_NAMES)
        ):  # 褚 + 秀英, 宋 + 佳佳 (nz), 郭 + 欣怡 (i), 蒋 + 建国 (ns): a surname and a given name
            # tagged apart (jieba reads the surname alone as a name)
            found.append((token.start, words[i + 1].end))
    return found


def names_agree(text: str, start: int, end: int) -> bool:
    """Whether jieba reads a person's name over [start, end) of `text`: a guessed name (a
    surname of the ticket and what follows it) is kept only then (小区 on a 区女士 ticket,
    两个小时 on a 时先生 one, 客户王卡 on a 王女士 one are words, not names)."""
    return any(t.is_name and t.start < end and t.end > start and t.word not in NOT_PERSON_NAMES
               for t in tokens(text))  # fmt: skip


def in_dictionary(word: str) -> bool:
    """Whether jieba's dictionary holds `word` as a word (时间, 解释, 马上, 何时), not only as
    the start of a longer one."""
    import jieba

    _load()
    return bool(jieba.dt.FREQ.get(word))


def starts_word(text: str, at: int) -> bool:
    """Whether jieba starts a word at `at` of `text` (方 of 方女士 does, of 对方先生 not)."""
    return any(t.start == at for t in tokens(text))


def name_words(text: str) -> tuple[str, ...]:
    """The names jieba reads in `text` (a ticket's own texts teach the check its people)."""
    return tuple(dict.fromkeys(text[a:b] for a, b in person_names(text)))
