"""A store with no terminal identity (never `init`): the sign-in's notice and its answer name
`init`, not the `sync --hall` join that refuses such a store (issue 22, fix22e)."""

from __future__ import annotations

import pytest
from textual.widgets import Static
from ui_helpers import WIDE, build_app, error_of, settle, sign_in

from deskapp.i18n import t
from deskapp.services.desk import Desk


@pytest.mark.ui
async def test_a_store_never_set_up_is_told_to_run_init(bare_desk: Desk) -> None:
    assert not bare_desk.is_initialised()
    app = build_app(bare_desk)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        notice = app.screen.query_one("#no-staff", Static)
        assert notice.display
        shown = str(notice.render())
        assert bare_desk.init_command() in shown and " init " in shown
        assert "sync" not in shown
        await sign_in(pilot, "1001", "1111")
        assert app.actor is None
        said = error_of(app, "work_no")
        assert t("error.signin.not_initialised", command=bare_desk.init_command()) in said
        assert "sync" not in said
