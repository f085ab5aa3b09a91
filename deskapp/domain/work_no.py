"""What a work number (工号) can be: the one rule, for the services and the sign-in field."""

from __future__ import annotations

import re

WORK_NO_LENGTH = (2, 16)
_CHARACTERS = "A-Za-z0-9"
WORK_NO = re.compile(rf"[{_CHARACTERS}]{{{WORK_NO_LENGTH[0]},{WORK_NO_LENGTH[1]}}}")

# What the sign-in field lets be typed: the same characters, and their full-width forms (an
# IME's "１００１", which sign_in folds by NFKC), nothing else; a PIN typed there after a lost
# Tab can still only be digits, and is never stored (services/staff.py, _refuse_unknown).
WORK_NO_TYPING = rf"[{_CHARACTERS}Ａ-Ｚａ-ｚ０-９]*"
