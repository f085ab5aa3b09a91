"""Issue 18 (the customer at the counter): 老大爷 (how an older man is addressed, no surname in
it) is no name on the case page; jieba tags it, and 老大妈, 老大娘, 老师傅, 老爷爷, as a person's
name `nr`, and the check refused a lesson holding just that. 老 before a surname (老王, 老张 on
a 张伟 ticket) is still found as designed."""

from __future__ import annotations

import pytest

from deskapp.domain.cases import find_personal_data


@pytest.mark.parametrize(
    "lesson",
    ["老大爷", "来了一位老大爷,说家里信号差", "老大爷说话声音大,耐心听完再解释", "老大妈",
     "老大娘", "老大姐", "老大哥", "老师傅", "老爷爷", "老太爷"],
)  # fmt: skip
def test_an_older_person_addressed_without_a_surname_is_no_name(lesson: str) -> None:
    assert find_personal_data(lesson) == []
    assert find_personal_data(lesson, ("张伟",), ("13812345678",)) == []


def test_lao_before_a_surname_is_still_a_name() -> None:
    assert [f.found for f in find_personal_data("老王说信号差")] == ["老王"]
    assert [f.found for f in find_personal_data("老张来厅投诉", ("张伟",))] == ["老张"]
    found = find_personal_data("老大爷王建国说信号差")
    assert [f.found for f in found] == ["王建国"]  # the name beside it, not 老大爷
