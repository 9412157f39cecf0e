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

from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

MAX_TERMS = 8
"""Terms beyond this are ignored (the form already caps the text at 100 characters)."""

# PostgreSQL's `english` stop words: it ignores them in a search, so SQLite does too
# (outside quoted phrases), and "help with rent" means the same on both.
_STOP_WORDS_TEXT = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him
    his himself she her hers herself it its itself they them their theirs themselves
    what which who whom this that these those am is are was were be been being have
    has had having do does did doing a an the and but if or because as until while
    of at by for with about against between into through during before after above
    below to from up down in out on off over under again further then once here
    there when where why how all any both each few more most other some such no nor
    not only own same so than too very s t can will just don should now
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

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
            words = [w for w in _WORD.findall(bare.lstrip("-")) if w.lower() not in STOP_WORDS]
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

    def __init__(self, *args: Any, cap: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cap = cap

    object_list: QuerySet[Any]

    @cached_property
    def count(self) -> int:
        # Unordered: whether there are more than `cap` matches needs no ranking.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap

    def page(self, number: Any) -> Page:
        # Django's paginator trims the last page to `count`; a capped count is not the
        # real end, so every page is a full slice (the board sets no orphans).
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return Page(self.object_list[bottom : bottom + self.per_page], number, self)


# --- The SQLite index's triggers, kept even when Django rebuilds the table ---------

_TABLE = "requests_helprequest"
_FTS = f"{_TABLE}_fts"
# Templates filled with the constant names above only (never with anything a
# person typed), so there is no injection here.
_TRIGGER_SQL = {
    "ai": """CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN
        INSERT INTO {fts}(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    "ad": """CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN
        INSERT INTO {fts}({fts}, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END""",
    "au": """CREATE TRIGGER IF NOT EXISTS {fts}_au
        AFTER UPDATE OF title, body ON {table} BEGIN
        INSERT INTO {fts}({fts}, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO {fts}(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
}
_SQLITE_TRIGGERS = {
    f"{_FTS}_{name}": template.format(fts=_FTS, table=_TABLE)
    for name, template in _TRIGGER_SQL.items()
}


def ensure_sqlite_triggers(using: str = "default", **kwargs: Any) -> None:
    """After every `migrate` on SQLite: put back the FTS5 triggers if a migration
    rebuilt the requests table (Django's SQLite schema editor copies the table and
    drops the old one, and its triggers with it), then rebuild the index from the
    table. A no-op on PostgreSQL (a generated column needs nothing) and before
    migration 0013 (no FTS5 table yet)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name LIKE %s",
            [f"{_FTS}%"],
        )
        names = {row[0] for row in cursor.fetchall()}
        missing = [name for name in _SQLITE_TRIGGERS if name not in names]
        if _FTS not in names or not missing:
            return
        for name in missing:
            cursor.execute(_SQLITE_TRIGGERS[name])
        cursor.execute(f"INSERT INTO {_FTS}({_FTS}) VALUES ('rebuild')")  # noqa: S608  # nosec B608
