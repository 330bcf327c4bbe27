"""The API's schema and Swagger UI: signed-in users only, and every asset of the docs page comes
from the portal itself (vendored Swagger UI, no CDN)."""

import re

from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.helpers import login


def test_anonymous_gets_neither_schema_nor_docs(client, db):
    schema = client.get(reverse("api-schema"))
    assert schema.status_code == 403
    assert schema["Content-Type"].startswith("application/json")
    assert "openapi" not in schema.content.decode()
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 302
    assert docs["Location"].startswith(reverse("account_login"))


def test_anonymous_gets_no_docs_script(client, db):
    response = client.get(reverse("api-docs"), {"script": ""})
    assert response.status_code == 302


def test_signed_in_user_reads_the_schema(client, world):
    login(client, world["teacher"])
    response = client.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/attempts/{id}/result/" in schema["paths"]


def test_token_user_reads_the_schema(client, world):
    from cnppm.api_tokens import api_token_issue

    _, key = api_token_issue(actor=world["operator"].user)
    response = client.get(reverse("api-schema"), {"format": "json"}, HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200 and "paths" in response.json()


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_docs_page_loads_only_same_origin_assets(client, world):
    login(client, world["operator"])
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    html = response.content.decode()
    urls = _asset_urls(html)
    assert any("swagger-ui-bundle.js" in u for u in urls) and any("swagger-ui.css" in u for u in urls)
    for url in urls:
        # Same origin: a path on this host, never a scheme or a protocol-relative URL.
        assert url.startswith("/") and not url.startswith("//"), url
    # No inline script: the start-up script is its own same-origin response.
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert "<style" not in html
    for url in urls:
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url
    script = next(u for u in urls if "script" in u and "swagger-ui-bundle" not in u)
    init = client.get(script.replace("&amp;", "&"))
    assert init.status_code == 200
    assert init["Content-Type"].startswith("application/javascript")
    body = init.content.decode()
    assert "SwaggerUIBundle(" in body and reverse("api-schema") in body
    assert "cdn" not in body.lower() and "http://" not in body and "https://" not in body
