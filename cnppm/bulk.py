"""Writing many new rows at once, for imports of history (tens of thousands of routes with their
events). On PostgreSQL the rows go through one COPY per table (the fastest way in, no statement per
row), streamed as they are encoded; elsewhere (SQLite in development) through executemany, `chunk`
rows at a time. The caller gives plain values per
field (dates, datetimes, decimals, dicts/lists for JSON columns); a field not given takes its
default, so a field added to the model later is filled too. Ids are either reserved first
(`reserve_ids`, then given like any field, so children can name their parent without reading it
back) or read back by a key the caller set. No signals are sent, as with bulk_create."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.db import connection


def _escape(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _json(value) -> str:
    return _escape(json.dumps(value, ensure_ascii=False))


# One dictionary look-up per value instead of a chain of isinstance tests (a COPY of hundreds of
# thousands of rows encodes millions of values).
_ENCODERS = {
    str: _escape,
    int: str,
    Decimal: str,
    bool: lambda v: "t" if v else "f",
    type(None): lambda v: "\\N",
    datetime: datetime.isoformat,
    date: date.isoformat,
    dict: _json,
    list: _json,
}


def _text_of_str(value) -> str:
    return _escape(str(value))


def _text(value) -> str:
    """One value in COPY's text format."""
    encode = _ENCODERS.get(type(value))
    if encode is not None:
        return encode(value)
    if isinstance(value, str):  # a choice (an enum of str): its str() is its value
        _ENCODERS[type(value)] = encode = _text_of_str
        return encode(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return _json(value)
    return _escape(str(value))


def reserve_ids(model, count: int) -> list[int]:
    """`count` new primary keys for the model's table, to be given with the rows (so that rows of
    other tables can refer to them in the same import without reading them back). On PostgreSQL
    from the table's sequence (never handed out twice, even to a concurrent insert); elsewhere
    after the largest id (development: a concurrent writer makes one of the two fail on the unique
    key, nothing is half-written)."""
    if count <= 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), pk, count],
            )
            return [row[0] for row in cursor.fetchall()]
        qn = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({qn(pk)}) FROM {qn(table)}")
        top = cursor.fetchone()[0] or 0
    return list(range(top + 1, top + 1 + count))


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
    return _copy(model, fields, lines)


def insert_tuples(model, names: Sequence[str], rows: Iterable[Sequence], *, chunk: int = 20000) -> int:
    """Insert new rows given as tuples of the values of `names` (field names, in that order; the
    primary key may be among them, with ids from `reserve_ids`); every other concrete field takes
    its default. No dict per row: what the import has in hand goes straight into COPY's text.
    Returns how many. Runs inside the caller's transaction."""
    given = [model._meta.get_field(n) for n in names]
    rest = [f for f in model._meta.concrete_fields if f not in given and not f.primary_key]
    defaults = [f.get_default() for f in rest]
    if connection.vendor != "postgresql":
        fixed = tuple(defaults)
        return insert_rows(
            model, [*names, *(f.name for f in rest)], (tuple(row) + fixed for row in rows), chunk=chunk
        )
    tail = "".join("\t" + _text(d) for d in defaults) + "\n"
    encode = _text
    lines = ("\t".join([encode(v) for v in row]) + tail for row in rows)
    return _copy(model, given + rest, lines)


def uses_copy() -> bool:
    """Whether rows go in through COPY (PostgreSQL), so that `insert_texts` may be used."""
    return connection.vendor == "postgresql"


copy_text = _text  # for callers of insert_texts: one value in COPY's text format


def insert_texts(model, names: Sequence[str], lines: Iterable[str]) -> int:
    """PostgreSQL only (`uses_copy`): like insert_tuples, but each row already in COPY's text format,
    the values of `names` joined by tabs, no line end (each value from `copy_text`, or known to need
    no escaping: a number, a choice). For the largest tables of an import, where encoding value by
    value would cost more than the COPY itself. Returns how many."""
    given = [model._meta.get_field(n) for n in names]
    rest = [f for f in model._meta.concrete_fields if f not in given and not f.primary_key]
    tail = "".join("\t" + _text(f.get_default()) for f in rest) + "\n"
    return _copy(model, given + rest, (line + tail for line in lines))


class _Stream:
    """COPY's input read as it is made: the server parses and stores one piece while the next is
    encoded here (two processes at work instead of one waiting for the other), and no table's rows
    are ever held as one string."""

    def __init__(self, lines: Iterable[str]):
        self.lines = iter(lines)
        self.count = 0

    def read(self, size: int = -1) -> str:
        parts: list[str] = []
        length = 0
        for line in self.lines:
            parts.append(line)
            length += len(line)
            if 0 < size <= length:
                break
        self.count += len(parts)
        return "".join(parts)


COPY_PIECE = 1 << 18  # characters handed to the driver at a time


def _copy(model, fields, lines: Iterable[str]) -> int:
    """One COPY for all the rows (`lines`, each ending with a newline)."""
    qn = connection.ops.quote_name
    sql = f"COPY {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) FROM STDIN"
    stream = _Stream(lines)
    with connection.cursor() as cursor:
        cursor.copy_expert(sql, stream, COPY_PIECE)
    return stream.count


def insert_rows(model, columns: Sequence[str], rows: Iterable[Sequence], *, chunk: int = 20000) -> int:
    """Insert rows (tuples in the order of `columns`, field names) into the model's table; returns
    how many. Runs inside the caller's transaction."""
    fields = [model._meta.get_field(name) for name in columns]
    if connection.vendor == "postgresql":
        return _copy(model, fields, ("\t".join(map(_text, row)) + "\n" for row in rows))
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
