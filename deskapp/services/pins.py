"""PINs are kept only as salted scrypt hashes; the clear PIN is never stored or logged."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata

# scrypt cost: about 30–60 ms here, slow enough to make guessing a short PIN offline costly.
_N, _R, _P = 2**14, 8, 1


def canonical_pin(pin: str) -> str:
    """NFKC: a PIN typed with a Chinese IME in full-width mode ("１１１１") is the same PIN."""
    return unicodedata.normalize("NFKC", pin)


def hash_pin(pin: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(canonical_pin(pin).encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encoded = (base64.b64encode(part).decode() for part in (salt, digest))
    return "$".join(("scrypt", str(_N), str(_R), str(_P), *encoded))


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(
        canonical_pin(pin).encode(),
        salt=base64.b64decode(salt_b64),
        n=int(n),
        r=int(r),
        p=int(p),
        dklen=32,
    )
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


# A hash to verify against when the work number is unknown, so the answer takes as long
# either way and does not reveal which work numbers exist.
# Computed once (hash_pin("not-a-real-pin")) and kept as text: hashing it at import would cost
# an scrypt on every start of the desk.
DUMMY_HASH = (
    "scrypt$16384$8$1$Cual90e28LYl0hp5D9brKQ==$GfLeeiMaL7Pe2et9Ah6tCrbD1kSPvAR1T/1xtnJpU50="
)
