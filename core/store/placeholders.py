"""The SQL of the mirror is written once with `?` placeholders (sqlite3's qmark style). psycopg
wants `%s`, and a literal `%` doubled. Quoted strings, quoted identifiers and comments are copied
as they are."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)
def qmark_to_format(sql: str) -> str:
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in ("'", '"'):
            i = _copy_quoted(sql, i, out)
            continue
        if ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end == -1 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
            continue
        if ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


@lru_cache(maxsize=1024)
def named_to_pyformat(sql: str) -> str:
    """`:name` (sqlite3's named style) to `%(name)s`; a `::type` cast is left alone."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in ("'", '"'):
            i = _copy_quoted(sql, i, out)
            continue
        if (
            ch == ":"
            and i + 1 < n
            and (sql[i + 1].isalpha() or sql[i + 1] == "_")
            and (i == 0 or sql[i - 1] != ":")
        ):
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            out.append(f"%({sql[i + 1 : j]})s")
            i = j
            continue
        out.append("%%" if ch == "%" else ch)
        i += 1
    return "".join(out)


def _copy_quoted(sql: str, i: int, out: list[str]) -> int:
    """Copy the quoted string or identifier starting at `i` (a doubled quote stays inside it, an
    unclosed one runs to the end) with `%` doubled; return the index just after it."""
    ch, n = sql[i], len(sql)
    end = sql.find(ch, i + 1)
    while end != -1 and end + 1 < n and sql[end + 1] == ch:  # '' inside a string
        end = sql.find(ch, end + 2)
    end = n - 1 if end == -1 else end
    out.append(sql[i : end + 1].replace("%", "%%"))
    return end + 1
