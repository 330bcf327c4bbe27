"""Writing many new rows at once, for imports of history (tens of thousands of routes with their
events). On PostgreSQL the rows go through one COPY per table (the fastest way in, no statement per
row); elsewhere (SQLite in development) through executemany. The caller gives plain values per
field (dates, datetimes, decimals, dicts/lists for JSON columns); a field not given takes its
default, so a field added to the model later is filled too. Ids are not returned: callers read them
back by a key they set. No signals are sent, as with bulk_create."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.db import connection


def _escape(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        return _escape(value)
    if kind is int or kind is Decimal:
        return str(value)
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return _escape(json.dumps(value, ensure_ascii=False))
    return _escape(str(value))


def insert_objects(model, items: Iterable[dict], *, chunk: int = 20000) -> int:
    """Insert new rows given as {field name: value} (a foreign key by its name, the value an id);
    every other concrete field takes its default. Returns how many. Runs inside the caller's
    transaction."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names = [f.name for f in fields]
    defaults = [f.get_default() for f in fields]
    if connection.vendor != "postgresql":
        rows = (tuple(item.get(n, d) for n, d in zip(names, defaults, strict=True)) for item in items)
        return insert_rows(model, names, rows, chunk=chunk)
    # COPY: the defaults encoded once, each row's given values encoded as they come.
    encoded = list(zip(names, map(_text, defaults), strict=True))
    lines = ("\t".join([_text(item[n]) if n in item else d for n, d in encoded]) + "\n" for item in items)
    return _copy(model, fields, lines, chunk)


def _copy(model, fields, lines: Iterable[str], chunk: int) -> int:
    qn = connection.ops.quote_name
    sql = f"COPY {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) FROM STDIN"
    total = 0
    batch: list[str] = []

    def flush():
        nonlocal total
        if batch:
            with connection.cursor() as cursor:
                cursor.copy_expert(sql, io.StringIO("".join(batch)))
            total += len(batch)
            batch.clear()

    for line in lines:
        batch.append(line)
        if len(batch) >= chunk:
            flush()
    flush()
    return total


def insert_rows(model, columns: Sequence[str], rows: Iterable[Sequence], *, chunk: int = 20000) -> int:
    """Insert rows (tuples in the order of `columns`, field names) into the model's table; returns
    how many. Runs inside the caller's transaction."""
    fields = [model._meta.get_field(name) for name in columns]
    if connection.vendor == "postgresql":
        return _copy(model, fields, ("\t".join(map(_text, row)) + "\n" for row in rows), chunk)
    qn = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        qn(model._meta.db_table), ", ".join(qn(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    )
    total = 0
    batch: list[Sequence] = []

    def flush():
        nonlocal total
        if batch:
            with connection.cursor() as cursor:
                cursor.executemany(
                    sql,
                    [
                        tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True))
                        for row in batch
                    ],
                )
            total += len(batch)
            batch.clear()

    for row in rows:
        batch.append(row)
        if len(batch) >= chunk:
            flush()
    flush()
    return total
