"""Another program holding the store's write lock, in a process of its own (not a test module):

    python lock_holder.py DB [IMMEDIATE|EXCLUSIVE]

Takes the lock (BEGIN IMMEDIATE or EXCLUSIVE, as another terminal's long write or a backup
tool would), prints "held", and lets go when a line (or the end) comes on its standard input."""

from __future__ import annotations

import sqlite3
import sys


def main() -> None:
    db = sys.argv[1]
    mode = sys.argv[2] if len(sys.argv) > 2 else "IMMEDIATE"
    conn = sqlite3.connect(db, isolation_level=None, timeout=30)
    try:
        conn.execute(f"BEGIN {mode}")
        print("held", flush=True)
        sys.stdin.readline()
        conn.execute("ROLLBACK")
    finally:
        conn.close()


if __name__ == "__main__":
    main()
