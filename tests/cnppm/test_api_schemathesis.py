"""Schemathesis over the whole API schema, for two roles (operator, teacher): bounded, deterministic
examples for every operation, each sent twice (with the generated ids and with ids of real rows of
the world), and not one answer may be a server error; every error answer is JSON.

Bounded on purpose: 5 derandomized examples per operation, no shrinking, failures collected over all
operations; about 20 s of CPU per role."""

import json
import re
from collections import Counter
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from hypothesis import HealthCheck, Phase, given, settings

from diagnostics.models import Attempt, Instrument
from routes.models import Route
from tests.helpers import login
from tests.routes.factories import make_route

EXAMPLES = 5
SCHEMA_URL = "/api/schema/?format=json"


def _session(person) -> tuple[Client, dict, dict]:
    """Session auth with its CSRF pair, as the portal's own pages call the API."""
    client = Client()
    login(client, person)
    token = get_token(RequestFactory().get("/"))
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": token}
    return client, cookies, {"X-CSRFToken": token}


def _real_ids(world) -> dict[str, int]:
    """A real row behind each collection, so the second pass reaches the views past the lookup."""
    route = Route.objects.order_by("pk").first()
    ids = {
        "people": world["teacher"].pk,
        "organizations": world["o1"].pk,
        "municipalities": world["m1"].pk,
        "routes": route.pk if route else 1,
        "attempts": Attempt.objects.order_by("pk").values_list("pk", flat=True).first() or 1,
        "instruments": Instrument.objects.order_by("pk").values_list("pk", flat=True).first() or 1,
    }
    return ids


def _with_real_ids(path: str, params: dict, ids: dict) -> dict:
    collection = path.removeprefix("/api/v1/").split("/")[0]
    replaced = dict(params or {})
    for name in replaced:
        if name in ("id", "pk") and collection in ids:
            replaced[name] = ids[collection]
    return replaced


def _check(response, case, failures, statuses):
    statuses[response.status_code // 100] += 1
    label = f"{case.method} {case.formatted_path} {case.query or ''} {case.body!r:.120}"
    if response.status_code >= 500:
        failures.append(f"{response.status_code} {label}: {response.text[:300]}")
    elif response.status_code >= 400:
        headers = {name.lower(): values for name, values in response.headers.items()}
        ctype = (headers.get("content-type") or [""])[0]
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        if not ctype.startswith("application/json") or not isinstance(body, dict | list):
            failures.append(f"{response.status_code} non-JSON error ({ctype}) {label}")


@pytest.fixture
def fuzz_world(world):
    make_route(world["teacher"])
    return world


@contextmanager
def _connection_kept():
    """Schemathesis calls the WSGI handler directly. Like Django's test client, keep the handler from
    closing the test's database connection (and so its transaction) at each request's start and end
    (SQLite in memory hides this; on PostgreSQL every request after the first would fail)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ["operator", "teacher"])
def test_no_server_errors_over_the_whole_schema(fuzz_world, role):
    client, cookies, headers = _session(fuzz_world[role])
    schema = schemathesis.openapi.from_dict(client.get(SCHEMA_URL).json())
    schema.app = get_wsgi_application()
    ids = _real_ids(fuzz_world)
    failures: list[str] = []
    statuses: Counter = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40

    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            _check(case.call(headers=headers, cookies=cookies), case, failures, statuses)
            path = case.operation.path
            if re.search(r"\{(id|pk)\}", path):
                case.path_parameters = _with_real_ids(path, case.path_parameters, ids)
                _check(case.call(headers=headers, cookies=cookies), case, failures, statuses)

        # Failures are collected, not raised: one operation's bug must not hide the others', and
        # there is nothing to shrink.
        with _connection_kept():
            run()
    assert not failures, f"{len(failures)} bad answers as {role}:\n" + "\n".join(failures[:40])
    # The session held to the end: plenty of requests got through to a successful answer.
    assert statuses[2] > 50, statuses
