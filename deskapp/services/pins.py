"""PINs are kept only as salted scrypt hashes; the clear PIN is never stored or logged."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import SecretStr


# scrypt cost: about 30–60 ms here, slow enough to make guessing a short PIN offline costly.
_N, _R, _P = 2**14, 8, 1


def secret_pin(pin: SecretStr | str) -> SecretStr:
    """The PIN wrapped as it should travel: its repr hides it."""
    from pydantic import SecretStr

    return pin if isinstance(pin, SecretStr) else SecretStr(pin)


def reveal(pin: SecretStr | str) -> str:
    """The clear PIN, only where it is hashed or compared."""
    return pin if isinstance(pin, str) else pin.get_secret_value()


def canonical_pin(pin: str) -> str:
    """NFKC: a PIN typed with a Chinese IME in full-width mode ("１１１１") is the same PIN."""
    return unicodedata.normalize("NFKC", pin)


def hash_pin(pin: SecretStr | str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(
        canonical_pin(reveal(pin)).encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32
    )
    encoded = (base64.b64encode(part).decode() for part in (salt, digest))
    return "$".join(("scrypt", str(_N), str(_R), str(_P), *encoded))


# The cost parameters a stored hash may ask for. A staff row reaches a terminal through the
# hall store, which a person with access to its file could edit: a hash asking for a cost
# far above ours would stall or exhaust every sign-in, one far below would be cheap to guess.
_N_RANGE = (2**14, 2**16)
_MAX_MEMORY = 128 * _R * _N_RANGE[1] + 1024 * 1024


def verify_pin(pin: SecretStr | str, stored: str) -> bool:
    """True if `pin` is the one `stored` was made from. A malformed hash, or one with cost
    parameters outside what this desk accepts, is never a match, and never an error."""
    try:
        scheme, n_text, r_text, p_text, salt_b64, digest_b64 = stored.split("$")
        n, r, p = int(n_text), int(r_text), int(p_text)
        if scheme != "scrypt" or not (_N_RANGE[0] <= n <= _N_RANGE[1]) or (r, p) != (_R, _P):
            return False
        salt = base64.b64decode(salt_b64, validate=True)
        expected = base64.b64decode(digest_b64, validate=True)
        digest = hashlib.scrypt(canonical_pin(reveal(pin)).encode(), salt=salt, n=n, r=r, p=p,
                                maxmem=_MAX_MEMORY, dklen=32)  # fmt: skip
    except (ValueError, TypeError, AttributeError):  # binascii.Error is a ValueError
        return False
    return len(salt) >= 16 and hmac.compare_digest(digest, expected)


# A hash to verify against when the work number is unknown, so the answer takes as long
# either way and does not reveal which work numbers exist.
# Computed once (hash_pin("not-a-real-pin")) and kept as text: hashing it at import would cost
# an scrypt on every start of the desk.
DUMMY_HASH = (
    "scrypt$16384$8$1$Cual90e28LYl0hp5D9brKQ==$GfLeeiMaL7Pe2et9Ah6tCrbD1kSPvAR1T/1xtnJpU50="
)
