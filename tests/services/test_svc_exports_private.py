"""Every export of the desk goes through one writer (deskapp/paths.py write_export): readable
by its owner only (0600, like the stores: exports hold customers' data), written through a
`.part` file renamed when whole, and never over an earlier export (the next free name)."""

from __future__ import annotations

from pathlib import Path

import pytest

from deskapp.paths import write_export
from deskapp.services.printable import FieldTable, write_printable


def _modes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mode & 0o777 for p in folder.iterdir()}


def test_an_export_is_private_and_never_overwrites_an_earlier_one(tmp_path: Path) -> None:
    target = tmp_path / "out" / "早班会案例分析_2026-11-24.txt"
    first = write_export(target, lambda temp: temp.write_text("一", encoding="utf-8"))
    second = write_export(target, lambda temp: temp.write_text("二", encoding="utf-8"))
    third = write_export(target, lambda temp: temp.write_text("三", encoding="utf-8"))
    assert first == target
    assert [second.name, third.name] == ["早班会案例分析_2026-11-24-2.txt",
                                         "早班会案例分析_2026-11-24-3.txt"]  # fmt: skip
    assert [p.read_text(encoding="utf-8") for p in (first, second, third)] == ["一", "二", "三"]
    assert set(_modes(tmp_path / "out").values()) == {0o600}


def test_a_failing_writer_leaves_nothing_and_keeps_the_earlier_export(tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    write_export(target, lambda temp: temp.write_text("kept", encoding="utf-8"))

    def fails(temp: Path) -> None:
        temp.write_text("half", encoding="utf-8")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        write_export(target, fails)
    assert _modes(tmp_path) == {"r.csv": 0o600}
    assert target.read_text(encoding="utf-8") == "kept"


def test_the_printable_forms_handover_work_record_major_report_go_through_it(
    tmp_path: Path,
) -> None:
    sections = [FieldTable([("班次", "早班")], title="交接")]
    one = write_printable(tmp_path, "交接班记录", "交接班记录", sections)
    two = write_printable(tmp_path, "交接班记录", "交接班记录", sections)
    assert one != two and set(_modes(tmp_path).values()) == {0o600}


def test_a_planted_part_link_is_never_followed(tmp_path: Path) -> None:
    """A writable export folder with `.part` names planted as links to someone's file (and one
    dangling, and one at the export's own name): the export is written beside them, and no
    target is changed or made."""
    folder, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    folder.mkdir()
    elsewhere.mkdir()
    victim = elsewhere / "desk.db"
    victim.write_bytes(b"the store")
    victim.chmod(0o644)
    target = folder / "早班会案例分析_2026-11-24.txt"
    for name in (f".{target.name}.part", f".{target.stem}-2{target.suffix}.part"):
        (folder / name).symlink_to(victim)
    (folder / f".{target.stem}-3{target.suffix}.part").symlink_to(elsewhere / "made.txt")
    (folder / target.name).symlink_to(elsewhere / "dangling.txt")  # the export's own name

    first = write_export(target, lambda temp: temp.write_text("一", encoding="utf-8"))
    second = write_export(target, lambda temp: temp.write_text("二", encoding="utf-8"))
    assert [first.name, second.name] == ["早班会案例分析_2026-11-24-2.txt",
                                         "早班会案例分析_2026-11-24-3.txt"]  # fmt: skip
    assert not first.is_symlink() and first.read_text(encoding="utf-8") == "一"
    assert second.read_text(encoding="utf-8") == "二"
    assert victim.read_bytes() == b"the store" and victim.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in elsewhere.iterdir()) == ["desk.db"]  # nothing made there
    assert {first.stat().st_mode & 0o777, second.stat().st_mode & 0o777} == {0o600}
    # Only the planted links and the two exports: no temp file or folder left.
    assert len(list(folder.iterdir())) == 4 + 2
