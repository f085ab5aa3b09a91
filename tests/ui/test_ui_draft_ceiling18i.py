"""Issue 18: a draft is written after a pause in typing (DRAFT_DELAY), and at the latest
DRAFT_MAX_WAIT after the first key not yet written however steadily the handler types: an
input method committing a character every half second never paused 0.8 s, and a kill -9
lost everything typed since the last pause. Not one write a key either."""

from __future__ import annotations

import pytest
from ui_helpers import WIDE, build_app, drafts_in, sign_in

from deskapp.screens.intake import IntakeScreen
from deskapp.screens.widgets.draft_keeper import DRAFT_DELAY, DRAFT_MAX_WAIT
from deskapp.services.desk import Desk

pytestmark = pytest.mark.ui


async def test_steady_typing_is_kept_as_a_draft_before_any_pause(desk: Desk) -> None:
    app = build_app(desk)
    async with app.run_test(size=WIDE) as pilot:
        await sign_in(pilot)
        screen = app.screen
        assert isinstance(screen, IntakeScreen)
        writes = 0
        save = screen.drafts.save

        def counted(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
            nonlocal writes
            writes += 1
            return save(*args, **kwargs)  # type: ignore[arg-type]

        screen.drafts.save = counted  # type: ignore[method-assign]
        gap = DRAFT_DELAY / 2  # never the pause the debounce waits for
        keys = int((DRAFT_MAX_WAIT + 1.5) / gap)
        for char in ("abcdefghijklmnopqrstuvwxyz" * 2)[:keys]:
            await pilot.press(char)
            await pilot.pause(gap)
        # No pause yet: the draft was written while the typing went on.
        stored = drafts_in(desk)
        assert stored, "no draft written during steady typing"
        assert "abc" in stored[0].data
        assert 1 <= writes <= keys // 2  # a ceiling, not a write a key
