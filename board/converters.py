"""Path converters for every id in the board's URLs.

A URL that names something by a malformed id (a NUL byte, a non-ASCII digit
such as "²", a number larger than any key) simply matches no route: the
person gets the ordinary 404 page, and no such value ever reaches a query,
where PostgreSQL refuses a NUL byte and SQLite an over-large integer with a
server error. Registered once in BoardConfig.ready(), before any URLconf loads.
"""

from __future__ import annotations

# The largest value a 64-bit signed primary key can hold.
MAX_KEY = 2**63 - 1


class PublicIdConverter:
    """An opaque public id (requests.models.new_public_id: URL-safe base64), or
    a message's number where a route takes either (the report routes). Only
    ASCII letters, digits, "-" and "_", at most 32 of them."""

    regex = "[A-Za-z0-9_-]{1,32}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class TokenConverter:
    """A token in an emailed link: an opaque one (URL-safe base64) or a signed
    value (django.core.signing: URL-safe base64 parts joined by ":", and "." for
    a compressed one). Only those characters, and not endlessly many."""

    regex = "[A-Za-z0-9_.:-]{1,400}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class KeyConverter:
    """A database key: ASCII digits only (Django's own `int` converter is ASCII
    too, but takes any length), no larger than a 64-bit key."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_KEY:
            # A ValueError here means "this route does not match": a 404.
            raise ValueError("larger than any key")
        return number

    def to_url(self, value: int | str) -> str:
        return str(int(value))


def as_key(value: str) -> int | None:
    """`value` as a database key if it is one (ASCII digits, in range), else None:
    for a route segment that takes either a public id or a number."""
    try:
        return KeyConverter().to_python(value) if value.isascii() and value.isdigit() else None
    except ValueError:
        return None


def register() -> None:
    from django.urls import register_converter

    register_converter(PublicIdConverter, "public_id")
    register_converter(KeyConverter, "key")
    register_converter(TokenConverter, "token")
