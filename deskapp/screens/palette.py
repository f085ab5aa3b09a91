"""The command palette (Ctrl+P) finds every action of the current screen by its words, and any
complaint by its ticket number, phone number or the phone's last four digits."""

from __future__ import annotations

import asyncio
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider, ProviderSource
from textual.markup import escape

from deskapp.domain.phone import mask_phone
from deskapp.i18n import t
from deskapp.screens.desk_app import desk_app
from deskapp.screens.help import DeskKey, desk_keys
from deskapp.screens.textual_private import PaletteWithOwnWords

COMPLAINT_HITS = 8


class ScreenActions(Provider):
    """The desk's keys of the screen the palette was opened on, run as if pressed."""

    def _keys(self) -> list[DeskKey]:
        return desk_keys(self.app, self.screen)

    async def _run(self, key: DeskKey) -> None:
        await self.app.run_action(key.action, key.node)

    async def discover(self) -> Hits:
        for key in self._keys():
            yield DiscoveryHit(key.description, partial(self._run, key), help=key.key)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for key in self._keys():
            score = matcher.match(key.description)
            if score > 0:
                yield Hit(score, matcher.highlight(key.description), partial(self._run, key),
                          help=key.key)  # fmt: skip


class Complaints(Provider):
    """A complaint by ticket number or phone (whole, any format, or the last four digits)."""

    async def search(self, query: str) -> Hits:
        app = self.app
        if getattr(app, "actor", None) is None:  # nothing before someone has signed in
            return
        from deskapp.services.search import QueryKind, classify, search

        if classify(query) not in (QueryKind.TICKET, QueryKind.PHONE, QueryKind.LAST4):
            return
        try:
            page = await asyncio.to_thread(search, desk_app(self).desk, query, 0, COMPLAINT_HITS)
        except Exception as error:  # (the palette's worker would swallow it as "no matches")
            desk_app(self).report_error(self, error, "search")
            return
        matcher = self.matcher(query)
        for n, row in enumerate(page.rows):
            text = f"{row.ticket_no}  {row.customer_name} {mask_phone(row.contact_phone)}"
            # Textual reads both the hit and its help as markup: what was typed is escaped
            # (a name "[/b]" stopped the palette). The match is marked on the escaped text, so a
            # name with brackets may have its marks a few characters off; the words are right.
            yield Hit(
                1.0 - n / (COMPLAINT_HITS + 1),  # newest first, as the search lists them
                matcher.highlight(escape(text)),
                partial(self._open, row.id),
                text=text,
                help=escape(t("palette.open_complaint", content=row.content[:30])),
            )

    def _open(self, complaint_id: str) -> None:
        from deskapp.screens.detail import DetailScreen

        self.app.push_screen(DetailScreen(complaint_id))


class DeskCommandPalette(PaletteWithOwnWords):
    """Textual's palette with its own words in the desk's language: the prompt in the box and
    "No matches found" (Textual writes both in English, with no setting for either; the line
    is put in by textual_private.PaletteWithOwnWords, tests/ui/test_ui_counter.py sees it)."""

    def __init__(self, providers: ProviderSource | None = None, placeholder: str = "") -> None:
        """`providers`: what it searches (the app's COMMANDS unless given: the themes for
        切换主题); `placeholder`: the prompt in the box."""
        super().__init__(providers, placeholder=placeholder or t("palette.placeholder"),
                         id="--command-palette")  # fmt: skip

    def no_matches_words(self) -> str:
        return t("palette.no_matches")


def translate_select_overlay() -> None:
    """The open Select's Esc says "Dismiss menu" in Textual's footer: in the desk's words.
    Bindings are merged when the class is made, so the merge is made again."""
    from deskapp.screens.textual_private import SelectOverlay, merge_bindings_again

    SelectOverlay.BINDINGS = [Binding("escape", "dismiss", t("palette.dismiss_menu"))]
    merge_bindings_again(SelectOverlay)
