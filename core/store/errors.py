"""The errors a store raises when it cannot do what was asked (a damaged file, a missing table, a
refused constraint, a lost server): sqlite3's DatabaseError, and psycopg's when it is installed.
`except DATABASE_ERRORS` catches either."""

from __future__ import annotations

import sqlite3

DATABASE_ERRORS: tuple[type[Exception], ...]
try:
    import psycopg
except ImportError:  # the desktop without the PostgreSQL extra
    DATABASE_ERRORS = (sqlite3.DatabaseError,)
else:
    DATABASE_ERRORS = (sqlite3.DatabaseError, psycopg.Error)
