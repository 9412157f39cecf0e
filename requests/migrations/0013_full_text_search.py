"""Full-text search over a request's title and body, on either database.

PostgreSQL: a stored generated `tsvector` column (title weighted A, body B, an
explicit `english` config so the expression is immutable) with a GIN index.
SQLite: an external-content FTS5 table kept in sync by triggers.

Neither is a model field: only `HelpRequestQuerySet.search()` reads them.
Each half runs only on its own database and both are reversible. The SQL is
built from the constant names above only (hence the S608 waivers)."""

from django.db import migrations

TABLE = "requests_helprequest"
FTS = "requests_helprequest_fts"

POSTGRES_FORWARD = [
    f"""ALTER TABLE {TABLE} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'B')
    ) STORED""",
    f"CREATE INDEX requests_helprequest_search_gin ON {TABLE} USING gin (search_vector)",
]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS requests_helprequest_search_gin",
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_vector",
]

SQLITE_FORWARD = [
    f"""CREATE VIRTUAL TABLE {FTS} USING fts5(
        title, body, content='{TABLE}', content_rowid='id', tokenize='porter unicode61'
    )""",
    f"""CREATE TRIGGER {FTS}_ai AFTER INSERT ON {TABLE} BEGIN
        INSERT INTO {FTS}(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",  # noqa: S608
    f"""CREATE TRIGGER {FTS}_ad AFTER DELETE ON {TABLE} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    END""",  # noqa: S608
    f"""CREATE TRIGGER {FTS}_au AFTER UPDATE OF title, body ON {TABLE} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO {FTS}(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",  # noqa: S608
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",  # noqa: S608
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TABLE IF EXISTS {FTS}",
]


def _run(schema_editor, statements_by_vendor: dict[str, list[str]]) -> None:
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def forward(apps, schema_editor) -> None:
    _run(schema_editor, {"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD})


def reverse(apps, schema_editor) -> None:
    _run(schema_editor, {"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE})


class Migration(migrations.Migration):
    dependencies = [
        ("requests", "0012_story_moderation_log"),
    ]

    operations = [migrations.RunPython(forward, reverse)]
