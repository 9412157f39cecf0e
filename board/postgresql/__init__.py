"""PostgreSQL, riding out a restart (see base.py)."""
