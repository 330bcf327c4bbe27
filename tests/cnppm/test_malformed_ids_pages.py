"""Every page whose URL holds an id answers a number that names no row (beyond the 64-bit key range)
with 404, never 500, for GET and POST, as an operator and as a teacher."""

import re

import pytest
from django.urls import get_resolver

from tests.helpers import login

HUGE = "99999999999999999999999"


def _id_routes() -> list[str]:
    found = []

    def walk(patterns, prefix):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns, prefix + str(p.pattern))
            else:
                route = prefix + str(p.pattern)
                # Path-converter routes of the pages; the API's regex routes have their own test.
                if "<int:" in route and not route.startswith(("admin/", "api/")):
                    found.append(route)

    walk(get_resolver().url_patterns, "")
    return found


def test_there_are_id_pages():
    assert len(_id_routes()) > 30


@pytest.mark.parametrize("role", ["operator", "teacher"])
def test_id_beyond_the_key_range_is_404(client, world, role):
    login(client, world[role])
    bad = []
    for route in _id_routes():
        url = "/" + re.sub(r"<str:\w+>", "x", re.sub(r"<int:\w+>", HUGE, route))
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if response.status_code >= 500:
                bad.append(f"{method.upper()} {url}: {response.status_code}")
    assert not bad, "\n".join(bad)
