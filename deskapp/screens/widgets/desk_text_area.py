"""The TextArea of the desk's forms: F6 and F7 stay the desk's keys (统计报表, 意见簿)."""

from __future__ import annotations

from textual.widgets import TextArea

# Textual binds F6 and F7 in a TextArea to "select line" and "select all": with the cursor in
# a complaint's content the handler's F6/F7 did that instead of switching screens, and the
# footer dropped both keys. Refused here, the keys go on to the app's bindings.
_DESK_KEYS_TAKEN = frozenset({"select_line", "select_all"})


class DeskTextArea(TextArea):
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _DESK_KEYS_TAKEN:
            return False
        return super().check_action(action, parameters)
