"""Shared test helpers: the permission matrix and the query-count guard."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.cnppm.factories import PASSWORD

ALL_ROLES = (
    "anonymous",
    "teacher",
    "other_teacher",
    "mentor",
    "curator",
    "tutor",
    "school_head",
    "municipal_methodist",
    "other_municipal_methodist",
    "expert",
    "regional_methodist",
    "operator",
    "ministry",
    "federal",
)


def login(client, person) -> None:
    client.logout()
    assert client.login(username=person.user.username, password=PASSWORD)


def assert_matrix(client, world, url: str, allowed: set[str], *, method: str = "get", data=None, ok=(200,)):
    """Every role of the world requests `url`: the `allowed` roles get one of `ok`, every other
    signed-in role is refused: 404 for an object outside the scope (like an id that never existed) or
    403 for a page reserved to other roles; anonymous users are sent to log in (302) or refused by the
    API (401/403)."""
    failures = []
    for role in ALL_ROLES:
        client.logout()
        if role != "anonymous":
            login(client, world[role])
        response = (
            getattr(client, method)(url, data=data) if data is not None else getattr(client, method)(url)
        )
        if role in allowed:
            expected = set(ok)
        elif role == "anonymous":
            expected = {302, 401, 403}
        else:
            # 404 for an object outside the scope, 403 for a page reserved to other roles.
            expected = {403, 404}
        if response.status_code not in expected:
            failures.append(f"{role}: got {response.status_code}, expected {sorted(expected)}")
    client.logout()
    assert not failures, f"permission matrix for {method.upper()} {url}:\n" + "\n".join(failures)


class QueryCount:
    """Count the queries of a block; `assert_same` compares two counts and prints the SQL."""

    def __init__(self):
        self.ctx = CaptureQueriesContext(connection)

    def __enter__(self):
        self.ctx.__enter__()
        return self

    def __exit__(self, *exc):
        self.ctx.__exit__(*exc)

    @property
    def count(self) -> int:
        return len(self.ctx.captured_queries)

    @property
    def sql(self) -> str:
        return "\n".join(f"{i}. {q['sql']}" for i, q in enumerate(self.ctx.captured_queries, 1))


def count_queries(fn) -> QueryCount:
    with QueryCount() as qc:
        fn()
    return qc


def assert_same_queries(small: QueryCount, large: QueryCount) -> None:
    assert small.count == large.count, (
        f"query count grew with the data: {small.count} → {large.count}\n--- small:\n{small.sql}\n--- large:\n{large.sql}"
    )
