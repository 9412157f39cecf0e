"""Opaque ids for URLs, shared by every app that names its rows in links."""

from __future__ import annotations

import secrets


def public_id() -> str:
    """An opaque, unguessable id for URLs (72 random bits, URL-safe)."""
    return secrets.token_urlsafe(9)
