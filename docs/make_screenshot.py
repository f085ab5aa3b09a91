"""Render the intake screen, filled in, to docs/intake.svg for the README.

    python -m docs.make_screenshot          (or: make screenshot)
    python docs/make_screenshot.py [OUT.svg]

The app itself draws it, headless at 100×30, on a throw-away store with a frozen clock, so the
picture is the same on every run. The handler signs in and types the complaint with keys, as
at the counter."""

from __future__ import annotations

import sys
import tempfile
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from textual.pilot import Pilot  # noqa: E402

from deskapp.clock import FrozenClock  # noqa: E402
from deskapp.config import DeskSettings  # noqa: E402
from deskapp.domain.enums import Role  # noqa: E402
from deskapp.screens.app import make_app  # noqa: E402
from deskapp.services.desk import Desk  # noqa: E402
from deskapp.services.staff import seed_staff  # noqa: E402
from deskapp.services.terminal import init_terminal  # noqa: E402

SIZE = (100, 30)
OUT = ROOT / "docs" / "intake.svg"
# Tuesday 2026-11-24 10:20 in Guangzhou.
NOW = datetime(2026, 11, 24, 2, 20, tzinfo=UTC)

# What the handler types, field by field (Tab between them).
TYPED = (
    ("customer_name", "陈丽华"),
    ("contact_phone", "13925801234"),
    (
        "content",
        "上个月账单里多了一笔38元的国际漫游费,本人十月份一直在广州,没有出过境。\n"
        "已经打过10086,说要到营业厅核实。",
    ),
    ("demand", "核实后退还多收的费用"),
)
CAUSE = "国际漫游"  # the picker finds 话费信息 › 漫游 › 国际漫游费用高
PROMISE = "11-25 16:00"
# 收费误差,双倍返还: charged 38.00 where nothing was due; the form shows the rule's 76.00.
CHARGED, SHOULD = "38", "0"


def _key(char: str) -> str:
    # Chinese punctuation goes by its Unicode name with spaces: the Pilot cannot look up the
    # key name it would make of it, and the key would arrive without its character.
    if char == "\n":
        return "enter"
    if not char.isascii() and not char.isalnum():
        return unicodedata.name(char).lower()
    return char


async def _press_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*[_key(ch) for ch in text])


async def _settle(pilot: Pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def _tab_to(pilot: Pilot, widget_id: str) -> None:
    for _ in range(40):
        focused = pilot.app.focused
        if focused is not None and focused.id == widget_id:
            return
        await pilot.press("tab")
    raise RuntimeError(f"#{widget_id} not reached with Tab")


async def _fill(pilot: Pilot) -> None:
    await _settle(pilot)
    await _press_text(pilot, "1001")
    await pilot.press("enter")
    await _press_text(pilot, "1111")
    await pilot.press("enter")
    await _settle(pilot)
    for widget_id, text in TYPED:
        await _tab_to(pilot, widget_id)
        await _press_text(pilot, text)
    await pilot.press("tab")
    await _press_text(pilot, CAUSE)
    await _settle(pilot)
    await pilot.press("enter")  # the first match
    await _tab_to(pilot, "promised_reply_at")
    await _press_text(pilot, PROMISE)
    await _tab_to(pilot, "refund_enabled")
    await pilot.press("space")
    await _tab_to(pilot, "refund-charged")
    await _press_text(pilot, CHARGED)
    await pilot.press("tab")
    await _press_text(pilot, SHOULD)
    await _tab_to(pilot, "refund-verified")  # checked in the billing system: 先查证后退费
    await pilot.press("space")
    await _settle(pilot)


def render(out: Path = OUT) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "desk.db"
        desk = Desk.open(db, clock=FrozenClock(NOW))
        try:
            init_terminal(desk, "GZ01", "T01", "Asia/Shanghai")
            seed_staff(desk, "system:docs", [("1001", "张敏", Role.HANDLER, "1111")])
            settings = DeskSettings(db=db, export_dir=Path(tmp), config=Path(tmp) / "config.toml",
                                    hall=None)  # fmt: skip
            app = make_app(settings, desk=desk, cursor_blink=False)
            app.animation_level = "none"

            async def auto_pilot(pilot: Pilot) -> None:
                await _fill(pilot)
                pilot.app.exit(pilot.app.export_screenshot(title="营业厅投诉处理台 · 受理投诉"))

            svg = app.run(headless=True, size=SIZE, auto_pilot=auto_pilot)
        finally:
            desk.close()
    if not svg:
        raise SystemExit("the app stopped before the screenshot was taken")
    out.write_text(svg, encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    path = render(Path(args[0]) if args else OUT)
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    main()
