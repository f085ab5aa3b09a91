"""Click's own words (a usage error, a value of the wrong kind) in the desk's language.

Click marks every message it prints with gettext (`_("No such option {name!r}.")`), which is
how it expects to be translated; each of its modules binds `_` and `ngettext` when imported,
so the desk's catalogue is put in their place before a command line is read. The messages are
the `[click]` table of deskapp/locales/<lang>.toml, keyed by click's own English text; a
message click adds in a later version and the catalogue lacks is printed as click wrote it
(tests/cli/test_cli_words.py lists click's messages from its source and finds each here)."""

from __future__ import annotations

import importlib

import click

from deskapp.i18n import catalogue, language

# The modules whose messages reach a user of the command line (a usage error, a bad value).
CLICK_MODULES = ("click.core", "click.exceptions", "click.parser", "click.types")
PREFIX = "click."


def translated(message: str) -> str:
    return catalogue(language()).get(PREFIX + message, message)


def translated_plural(singular: str, plural: str, count: int) -> str:
    return translated(singular if count == 1 else plural)


class PathType(click.Path):
    """click.Path whose name (file, directory, path: "Directory '/etc/passwd' is a file.")
    is said in the language chosen when the message is printed: click.Path takes it from
    gettext when the option is made, at import, before the desk's language is known."""

    @property
    def name(self) -> str:
        return translated(self._english_name)

    @name.setter
    def name(self, value: str) -> None:
        self._english_name = value


def speak_the_desks_language() -> None:
    """Click's messages from the catalogue of the language chosen when they are printed."""
    for name in CLICK_MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = translated  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = translated_plural  # type: ignore[attr-defined]
