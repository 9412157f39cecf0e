"""SQLite, counting commits (see base.py)."""
