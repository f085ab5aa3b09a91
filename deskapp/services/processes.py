"""Whether a process of this host is still running: for what a process leaves behind it (a
batch close's claim, an import's spool file) to be taken over once that process is gone."""

from __future__ import annotations

from pathlib import Path


def running(pid: int) -> bool:
    """Read from /proc; no signal is sent (the desk sends none, tests/test_layers.py). Without
    /proc every process counts as running: what it left is then kept."""
    proc = Path("/proc")
    return not proc.is_dir() or (proc / str(pid)).exists()
