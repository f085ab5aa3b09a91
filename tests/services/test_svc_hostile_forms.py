"""Hostile text in every form the services check: intake (each field), a follow-up note and
promise, an opinion-book entry, a PIN, sign-in and the search box. The only refusal is a
RuleViolation whose keys are in the catalogue and whose words can be made; accepted input is
stored as typed (trimmed)."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from store_templates import FROZEN_AT
from svc_forms import staffed_desk, valid_form

from deskapp.clock import FrozenClock
from deskapp.domain.clean_input import text_problem
from deskapp.domain.errors import FieldError, RuleViolation
from deskapp.i18n import catalogue, error_text
from deskapp.services import followup
from deskapp.services.desk import Actor, Desk
from deskapp.services.intake import IntakeForm, RefundForm, check_intake, take_complaint
from deskapp.services.opinion_book import EntryForm, check_entry
from deskapp.services.search import search
from deskapp.services.staff import actor_of, check_pin_format, list_staff, sign_in

MARKS = "\x00\t\r\n\x1b\u200b\u200f\u202e\ufeff\u3000"
DIGITS = "0123456789０１２３４５６７８９٠١²³"
any_char = st.characters(exclude_categories=("Cs",))
hostile = st.one_of(
    st.text(any_char, max_size=40),
    st.text(st.sampled_from(DIGITS + MARKS + "-+.:：/年月日¥=@ "), max_size=20),
    st.builds(
        lambda s: (s or "长") * (10_000 // max(len(s), 1) + 1), st.text(any_char, max_size=3)
    ),
)
FAST = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Desk, Actor, str]]:
    folder: Path = tmp_path_factory.mktemp("forms")
    desk = staffed_desk(folder / "desk.db", FrozenClock(FROZEN_AT))
    handler = next(actor_of(s) for s in list_staff(desk) if s.work_no == "1001")
    complaint = take_complaint(desk, handler, valid_form(desk))
    yield desk, handler, complaint.id
    desk.close()


def refused_in_words(refused: RuleViolation) -> None:
    for error in refused.errors:
        assert isinstance(error, FieldError)
        assert f"error.{error.key.removeprefix('error.')}" in catalogue("zh"), error.key
        words = error_text(error)
        assert words and not words.startswith("error."), words


SKIP = ("complaint_id", "opinion_entry_id")
INTAKE_TEXT = [
    f.name for f in dataclasses.fields(IntakeForm) if f.type == "str" and f.name not in SKIP
]


@FAST
@given(field=st.sampled_from(INTAKE_TEXT), text=hostile, on_spot=st.booleans())
def test_intake_refuses_hostile_text_in_words(place, field: str, text: str, on_spot: bool):
    desk, handler, _ = place
    form = dataclasses.replace(valid_form(desk), solved_on_spot=on_spot, **{field: text})
    try:
        check_intake(desk, handler, form)
    except RuleViolation as refused:
        refused_in_words(refused)


@FAST
@given(field=st.sampled_from([f.name for f in dataclasses.fields(RefundForm)]), text=hostile)
def test_refund_fields_refuse_hostile_text_in_words(place, field: str, text: str) -> None:
    desk, handler, _ = place
    refund = dataclasses.replace(RefundForm(verified=True, charged="30", should_have_charged="10",
                                            amount="40"), **{field: text})  # fmt: skip
    try:
        check_intake(desk, handler, dataclasses.replace(valid_form(desk), refund=refund))
    except RuleViolation as refused:
        refused_in_words(refused)


@FAST
@given(note=hostile, promise=hostile)
def test_a_follow_up_contact_refuses_hostile_text_in_words(place, note: str, promise: str):
    desk, handler, complaint_id = place
    try:
        followup.log_contact(desk, handler, complaint_id, reached=True, note=note, promise=promise)
    except RuleViolation as refused:
        refused_in_words(refused)


@FAST
@given(field=st.sampled_from([f.name for f in dataclasses.fields(EntryForm)]), text=hostile)
@example(field="page", text="²")  # a digit to str.isdigit, not to int()
@example(field="line", text="１２")
@example(field="written_on", text="２０２６-11-01")
def test_an_opinion_book_entry_refuses_hostile_text_in_words(place, field: str, text: str):
    desk, _, _ = place
    form = dataclasses.replace(EntryForm(page="3", line="1", content="服务很好"), **{field: text})
    try:
        check_entry(desk, form)
    except RuleViolation as refused:
        refused_in_words(refused)


@settings(max_examples=300)
@given(hostile)
@example("１２３４")
@example("٠١٢٣")
@example("١٢٣٤٥")
def test_a_pin_is_four_to_twelve_ascii_digits_and_nothing_else(place, pin: str) -> None:
    desk, _, _ = place
    rules = desk.refdata.settings.signin
    error = check_pin_format(desk, pin)
    typed = unicodedata.normalize("NFKC", pin)  # full-width digits from an IME are digits
    ok = typed.isascii() and typed.isdigit()
    assert (error is None) == (ok and rules.pin_min_length <= len(typed) <= rules.pin_max_length)
    if error is not None:
        refused_in_words(RuleViolation([error]))


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(work_no=hostile, pin=hostile)
def test_sign_in_with_hostile_text_is_refused_in_words(place, work_no: str, pin: str) -> None:
    desk, _, _ = place  # (each try costs one scrypt, as a real one does)
    with pytest.raises(RuleViolation) as refused:
        sign_in(desk, work_no, pin)
    refused_in_words(refused.value)


def test_a_pin_typed_in_full_width_signs_in(place) -> None:
    desk, _, _ = place
    assert sign_in(desk, "１００１", "１１１１").work_no == "1001"  # an IME left in full width


@FAST
@given(hostile)
@example('"信号" OR 扣费*')
@example("GZ01-T01-٢٠٢٦١١٢٤-0001")
@example("%_\\")
def test_the_search_box_never_fails(place, query: str) -> None:
    """Rows, or a refusal in words for a query no stored text could hold (a control character,
    a lone surrogate: deskapp/domain/clean_input.py), never anything else."""
    desk, _, _ = place
    try:
        page = search(desk, query)
    except RuleViolation as refused:
        assert [e.field for e in refused.errors] == ["query"]
        assert text_problem(query) is not None
        assert all(f"error.{e.key.removeprefix('error.')}" in catalogue("zh")
                   for e in refused.errors)  # fmt: skip
        return
    assert len(page.rows) <= 50
