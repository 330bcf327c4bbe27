"""Bounds of a row id. The primary keys are 64-bit: a larger number names no row, and a lookup with it
overflows the database type (SQLite: OverflowError; PostgreSQL: "bigint out of range") - a 500 where
the answer is "not found"."""

MAX_ID = 2**63 - 1
