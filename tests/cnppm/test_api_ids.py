"""Every malformed id in the API is a 404, never a 500: the router makes every id segment numeric
(`cnppm.api.routers.Router`), and `access.get_or_404` refuses malformed lookups."""

import pytest
from django.urls import get_resolver
from rest_framework.test import APIClient

from cnppm import access
from cnppm.models import Person
from tests.helpers import login

BAD_IDS = ["null,null", "abc", "-1", "1.5", "99999999999999999999", "%00", "0x10"]


def _detail_routes():
    """Every API URL pattern with an id segment, as a template with {pk}."""
    found = []

    def walk(patterns, prefix):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns, prefix + str(p.pattern))
            else:
                route = prefix + str(p.pattern)
                if route.startswith("api/v1/") and ("(?P<pk>" in route or "<int:pk>" in route):
                    found.append((route, p))

    walk(get_resolver().url_patterns, "")
    return found


def test_every_id_segment_is_numeric():
    routes = _detail_routes()
    assert len(routes) > 20
    for route, _ in routes:
        assert "(?P<pk>[^/.]+)" not in route, route


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/attempts/{}/result/"),
        ("post", "/api/v1/attempts/{}/finish/"),
        ("get", "/api/v1/attempts/{}/"),
        ("post", "/api/v1/attempts/{}/retake/"),
        ("put", "/api/v1/attempts/{}/answers/1/"),
        ("get", "/api/v1/people/{}/"),
        ("get", "/api/v1/routes/{}/"),
        ("post", "/api/v1/routes/{}/transition/"),
        ("post", "/api/v1/expert/answers/{}/check/"),
        ("post", "/api/v1/assignments/{}/end/"),
        ("get", "/api/v1/monitoring/runs/{}/"),
        ("get", "/api/v1/monitoring/reports/{}/download/"),
    ],
)
def test_malformed_id_is_404(world, bad, method, url):
    api = APIClient()
    login(api, world["operator"])
    response = getattr(api, method)(url.format(bad), {}, format="json")
    assert response.status_code == 404, (url, bad, response.status_code)


@pytest.mark.parametrize("bad", ["null", "1,2", None, [1], {"a": 1}, "99999999999999999999", 2**70])
def test_get_or_404_refuses_malformed_lookups(world, bad):
    from django.http import Http404

    with pytest.raises(Http404):
        access.get_or_404(world["operator"].user, Person.objects.all(), pk=bad)


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/attempts/", {"instrument": 78325621387014632765571899730727796736}),
        ("/api/v1/attempts/", {"instrument": -5}),
        ("/api/v1/assignments/", {"person": 2**64, "supporter": 1, "role": "curator"}),
        ("/api/v1/monitoring/runs/", {"period": "2024", "region": 2**80}),
    ],
)
def test_id_beyond_any_row_in_a_body_is_400(world, url, body):
    """Ids in request bodies are bounded to the 64-bit key range (an overflowing lookup answered 500)."""
    api = APIClient()
    login(api, world["operator"])
    response = api.post(url, body, format="json")
    assert response.status_code == 400, response.content
    assert "id" in str(response.json())


@pytest.mark.parametrize("bad", ["-1e243", "99999999999999999999", "-1", "abc", "1.5"])
@pytest.mark.parametrize(
    "url,name",
    [
        ("/api/v1/monitoring/snapshots/", "municipality"),
        ("/api/v1/people/", "organization"),
        ("/api/v1/organizations/", "municipality"),
    ],
)
def test_id_in_a_query_string_outside_the_key_range_is_400(world, url, name, bad):
    """Query-string ids go through cnppm.api.filters.IdFilter: on SQLite an id beyond 64 bits once
    overflowed into a 500 (schemathesis found `?municipality=-1e243`)."""
    client = APIClient()
    login(client, world["operator"])
    response = client.get(url, {name: bad})
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
