"""Issue 18 (the customer at the counter): a value of data/ or hall.toml refused by a check is
said in the catalogue's words, naming the file and the key, never with pydantic's English
("Value error, " before a validator's own words, "Input should be…"). One case per kind of
check the reference models make: a field validator (the time zone, an opening period), a
model validator (the escalation's required level), and pydantic's own (a limit, a whole
number, text, one of a list, a date)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from deskapp.incidents import describe
from deskapp.refdata import RefData, ReferenceDataError, default_data_dir

SHIPPED = default_data_dir()
ENGLISH = re.compile(r"Value error|Input should|Field required|[A-Za-z]{4,} [a-z]{3,} [a-z]{3,}")

CASES = [
    # (file, the line as shipped, the line written instead, the words the message holds)
    ("hall.toml", 'timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"',
     ["timezone", "不认识的时区"]),
    ("hall.toml", 'saturday = ["09:00-17:00"]', 'saturday = ["17:00-09:00"]',
     ["saturday", "17:00-09:00"]),
    ("hall.toml", 'makeup_workday = "monday"', 'makeup_workday = "someday"',
     ["makeup_workday", "应为其中之一:'monday'、'tuesday'"]),
    ("accountability.toml", "times = 3 ", "times = 1 ", ["repeat.times", "应不小于 2"]),
    ("accountability.toml", "times = 3 ", 'times = "三" ', ["repeat.times", "应为整数"]),
    ("escalation.toml", 'code = "handler"', "code = 7", ["code", "应为加引号的文字"]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "shipped", "written", "words"), CASES)
def test_a_refused_value_is_said_without_pydantic_s_english(
    tmp_path: Path, name: str, shipped: str, written: str, words: list[str]
) -> None:
    data = tmp_path / "data"
    shutil.copytree(SHIPPED, data)
    text = (data / name).read_text(encoding="utf-8")
    assert shipped in text, shipped
    (data / name).write_text(text.replace(shipped, written, 1), encoding="utf-8")
    with pytest.raises(ReferenceDataError) as raised:
        RefData(data).check()
    message = describe(raised.value).message
    assert f"data/{name}" in message or name in message, message
    assert not ENGLISH.search(message), message
    for said in words:
        assert said in message, message


def test_every_pydantic_kind_the_desk_words_has_its_words() -> None:
    """Each pydantic error type mapped to the catalogue has its sentence in every language."""
    from deskapp.i18n import LANGUAGES, catalogue
    from deskapp.refdata import _PYDANTIC_WORDS

    for lang in LANGUAGES:
        wanted = catalogue(lang)
        for key in set(_PYDANTIC_WORDS.values()):
            assert f"data.wanted.{key}" in wanted, (lang, key)
