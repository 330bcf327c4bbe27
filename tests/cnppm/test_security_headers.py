"""Content-Security-Policy on every page, and `Cache-Control: no-store` on everything a signed-in user
receives and on every download. The templates hold nothing the policy would block (no inline
scripts, event handlers or style attributes), checked over the whole templates tree."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from cnppm.cache_headers import NoStoreForSignedInMiddleware
from tests.diagnostics.factories import make_instrument
from tests.helpers import ALL_ROLES, login

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# PDF templates are rendered by WeasyPrint on the server, never by a browser under the policy.
BROWSER_TEMPLATES = [p for p in TEMPLATES.rglob("*.html") if "pdf" not in p.relative_to(TEMPLATES).parts]


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def test_policy_directives(client, db):
    policy = _policy(client.get(reverse("account_login")))
    assert policy["default-src"] == "default-src 'self'"
    assert policy["script-src"] == "script-src 'self'"
    assert policy["style-src"] == "style-src 'self'"
    assert policy["img-src"] == "img-src 'self' data:"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["form-action"] == "form-action 'self'"
    assert "unsafe-inline" not in client.get(reverse("account_login"))["Content-Security-Policy"]


@pytest.mark.parametrize("role", [r for r in ALL_ROLES if r != "anonymous"])
def test_every_role_cabinet_has_policy_and_no_store(client, world, role):
    login(client, world[role])
    response = client.get(reverse("cabinet"))
    assert response.status_code == 200
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_api_answers_to_signed_in_users_are_not_stored(client, world):
    login(client, world["operator"])
    response = client.get("/api/v1/people/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


def test_download_is_not_stored(client, world):
    instrument = make_instrument(variants=1)
    login(client, world["operator"])
    response = client.get(reverse("diagnostics:results_export", args=[instrument.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]


def test_download_without_a_session_is_not_stored_either():
    def view(request):
        response = HttpResponse(b"x")
        response["Content-Disposition"] = 'attachment; filename="a.xlsx"'
        return response

    request = RequestFactory().get("/x")
    response = NoStoreForSignedInMiddleware(view)(request)
    assert "no-store" in response["Cache-Control"]


def test_anonymous_pages_and_static_files_stay_cacheable(client, world, settings):
    settings.DEBUG = True  # WhiteNoise serves from the finders, as under runserver
    assert "no-store" not in client.get(reverse("health")).get("Cache-Control", "")
    login(client, world["teacher"])
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.parametrize("path", BROWSER_TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_has_nothing_the_policy_blocks(path):
    text = re.sub(r"\{#.*?#\}", "", path.read_text())
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>: move it to static/js/"
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler: use addEventListener in static/js/"
    assert not re.search(r"\sstyle\s*=", text), "style attribute: use a class in static/css/portal.css"
    assert "<style" not in text, "<style> block: move it to static/css/"
    assert "javascript:" not in text.lower()
