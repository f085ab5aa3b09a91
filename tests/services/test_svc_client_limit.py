"""PIN checks per browser client (deskapp/services/client_limit.py): the count, the window,
and nothing at all outside a served desk."""

from __future__ import annotations

from pathlib import Path

import pytest

from deskapp.domain.errors import RuleViolation
from deskapp.services import client_limit
from deskapp.services.client_limit import ClientLimit
from deskapp.services.desk import Desk
from deskapp.services.staff import sign_in


def test_checks_beyond_the_limit_wait_for_the_window(tmp_path: Path) -> None:
    limit = ClientLimit(tmp_path, "192.0.2.7", max_checks=3, window_seconds=60)
    for at in (1000.0, 1010.0, 1020.0):
        limit.take(now=at)
    with pytest.raises(RuleViolation) as refused:
        limit.take(now=1030.0)
    assert refused.value.keys() == {"error.signin.client_limit"}
    assert refused.value.errors[0].params == {"seconds": 31}
    limit.take(now=1061.0)  # the first check has left the window
    # another client has its own count; the address is not in the file name
    ClientLimit(tmp_path, "192.0.2.8", max_checks=3, window_seconds=60).take(now=1030.0)
    assert not any("192.0.2" in p.name for p in tmp_path.iterdir())


def test_a_served_desk_refuses_the_pin_check_without_checking_it(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(client_limit.DIR_ENV, str(tmp_path))
    monkeypatch.setenv(client_limit.CLIENT_ENV, "192.0.2.7")
    monkeypatch.setenv(client_limit.MAX_ENV, "2")
    assert sign_in(desk, "1001", "1111").name == "张敏"
    with pytest.raises(RuleViolation):
        sign_in(desk, "1001", "0000")
    with pytest.raises(RuleViolation) as refused:
        sign_in(desk, "1001", "1111")  # the right PIN, but over the limit
    assert refused.value.keys() == {"error.signin.client_limit"}


def test_a_desk_not_served_has_no_such_limit(desk: Desk, monkeypatch) -> None:
    monkeypatch.delenv(client_limit.DIR_ENV, raising=False)
    for _ in range(12):
        assert sign_in(desk, "1001", "1111").name == "张敏"
