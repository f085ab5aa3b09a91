"""ids.name_uuid gives the very text of str(uuid.uuid5(...)): the import's derived ids must
not change (importing a file again would otherwise make every row look new)."""

from __future__ import annotations

import random
import uuid

from deskapp.ids import name_uuid
from deskapp.services.importer.rows import NAMESPACE, import_id


def test_name_uuid_is_uuid5_text() -> None:
    rng = random.Random(22)
    names = ["", "ticket\x1f10086\x1fHL-001", "王五|registered", "\U0001f600", "a" * 500]
    names += ["".join(chr(rng.randint(32, 0x9FFF)) for _ in range(rng.randint(0, 40)))
              for _ in range(2000)]  # fmt: skip
    for namespace in (NAMESPACE, uuid.NAMESPACE_DNS):
        for name in names:
            assert name_uuid(namespace, name) == str(uuid.uuid5(namespace, name))


def test_an_imported_row_keeps_the_id_it_always_had() -> None:
    # the id of 10086's ticket HL-001, as every import so far derived it
    assert import_id("10086", " hl-001 ", ()) == str(
        uuid.uuid5(NAMESPACE, "\x1f".join(("ticket", "10086", "HL-001")))
    )
