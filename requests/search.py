"""Full-text search for the board, on PostgreSQL and on SQLite.

People type the way they would into a web search: words, "quoted phrases",
-word to leave something out, and `or` between alternatives. PostgreSQL reads
that with `websearch_to_tsquery`; for SQLite's FTS5 the same syntax is
translated here into an FTS5 query built only from quoted word tokens, so no
character a person types is ever read as FTS5 syntax."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Paginator
from django.utils.functional import cached_property

MAX_TERMS = 8
"""Terms beyond this are ignored (the form already caps the text at 100 characters)."""

SEARCH_COUNT_CAP = 1000
"""A search's result count is counted up to this and shown as "more than" beyond it."""

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")


@dataclass
class ParsedQuery:
    # Each group is a list of alternatives (OR); the groups are all required (AND).
    groups: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        """Nothing to look for: no word to require (only exclusions, or no words)."""
        return not self.groups


def _phrase(words: list[str]) -> str:
    """An FTS5 string: words only, so it holds no quote or operator."""
    return '"' + " ".join(words) + '"'


def parse(text: str) -> ParsedQuery:
    """Read web-search syntax into required groups and exclusions (FTS5 strings)."""
    parsed = ParsedQuery()
    pending_or = False
    terms = 0
    for match in _TOKEN.finditer(text.replace("\x00", " ")):
        negated_phrase, phrase, bare = match.groups()
        if bare is not None:
            if bare.lower() == "or":
                pending_or = bool(parsed.groups)
                continue
            negated = bare.startswith("-")
            words = _WORD.findall(bare.lstrip("-"))
        else:
            negated = bool(negated_phrase)
            words = _WORD.findall(phrase)
        if not words:
            continue
        terms += 1
        if terms > MAX_TERMS:
            break
        term = _phrase(words)
        if negated:
            parsed.excluded.append(term)
        elif pending_or:
            parsed.groups[-1].append(term)
        else:
            parsed.groups.append([term])
        pending_or = False
    return parsed


def fts5_query(parsed: ParsedQuery) -> str:
    """An FTS5 MATCH expression for a non-empty parsed query."""
    groups = [g[0] if len(g) == 1 else "(" + " OR ".join(g) + ")" for g in parsed.groups]
    expression = "(" + " AND ".join(groups) + ")"
    for term in parsed.excluded:
        expression += f" NOT {term}"
    return expression


class CappedPaginator(Paginator):
    """A paginator for search results that counts at most `cap + 1` rows: one
    bounded query instead of a COUNT(*) over every match. Beyond the cap the
    page says "more than" the cap, and pages past it are not offered."""

    def __init__(self, *args: Any, cap: int = SEARCH_COUNT_CAP, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.cap + 1].count()

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap
