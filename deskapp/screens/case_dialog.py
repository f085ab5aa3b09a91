"""The dialog a manager writes a case's two texts in (K in a closed ticket's detail, E in the
case library): 案情概述 and 经验教训, for the morning meeting's page. The service checks them
for personal data when saved and refuses at the field, the dialog kept as typed; the intro
says what the check cannot know (a name with no title and no link to the ticket)."""

from __future__ import annotations

from deskapp.i18n import t
from deskapp.screens.widgets.action_dialog import DialogSpec, FieldSpec


def case_dialog(title: str, summary: str = "", lesson: str = "") -> DialogSpec:
    """Summary first (what happened), then the lesson; Tab between them, Ctrl+S saves, Esc
    asks before dropping what was typed (issue 18)."""
    fields = [
        FieldSpec("summary", t("cases.summary_label"), "area", default=summary),
        FieldSpec("lesson", t("cases.lesson_label"), "area", default=lesson),
    ]
    return DialogSpec(title, fields, intro=t("cases.dialog_intro"))
