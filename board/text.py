"""Text people write, made safe to store and show: one place for the rules.

Bidirectional control characters (the embeddings and overrides U+202A to U+202E,
the isolates U+2066 to U+2069, and the marks U+200E, U+200F, U+061C) let a title,
message or name display differently from what it says: "<RLO>txt.exe" shows as
"exe.txt", a name can seem to end with someone else's. Text in Arabic, Hebrew
and every other script shows correctly without them (the Unicode bidi algorithm
works from the letters themselves), so they are removed from everything people
write, on the way in (board.fields puts this on every such model field).
"""

from __future__ import annotations

BIDI_CONTROLS = (
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
    "\u200e\u200f\u061c"  # LRM, RLM, ALM
)
# A regular expression character class of them (for finding stored ones).
BIDI_CONTROLS_CLASS = "[" + BIDI_CONTROLS + "]"
_DROP_BIDI = dict.fromkeys(map(ord, BIDI_CONTROLS))


def strip_bidi_controls(text: str) -> str:
    """`text` without bidirectional control characters."""
    return text.translate(_DROP_BIDI)
