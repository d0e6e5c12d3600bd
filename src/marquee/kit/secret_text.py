"""Secrets as text from a client: compared in constant time whatever characters they hold.

``hmac.compare_digest`` refuses ``str`` with non-ASCII characters (a ``TypeError``, so a 500 to
whoever sends ``é``); JSON bodies may even carry lone surrogates, which ``str.encode()`` refuses.
Everything here works on the UTF-8 bytes (surrogates passed through), so any text compares.
"""

from __future__ import annotations

import hmac
import re

#: The characters of the tokens Marquee issues (base64url, hex, dots between parts).
TOKEN_TEXT = re.compile(r"[A-Za-z0-9_.-]+", re.ASCII)
ASCII_DIGITS = re.compile(r"[0-9]+", re.ASCII)


def utf8(text: str) -> bytes:
    """The UTF-8 bytes of any ``str`` a client sent (lone surrogates included)."""
    return text.encode("utf-8", "surrogatepass")


def same_secret(a: str, b: str) -> bool:
    """Whether two secrets are equal, in time independent of where they differ."""
    return hmac.compare_digest(utf8(a), utf8(b))


def is_token_text(text: str) -> bool:
    """Whether ``text`` is made only of the characters Marquee's tokens use."""
    return TOKEN_TEXT.fullmatch(text) is not None


def is_digits(text: str) -> bool:
    """ASCII digits only (``str.isdigit`` also takes ``²`` and ``١``, which ``int`` refuses)."""
    return ASCII_DIGITS.fullmatch(text) is not None
