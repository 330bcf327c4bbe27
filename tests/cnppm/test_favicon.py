"""/favicon.ico, which browsers ask for on every site, answers with the vendored icon (not a 404),
for visitors, signed-in users and users still before the consent gate; pages name it too."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from tests.helpers import login

pytestmark = pytest.mark.django_db


def fetch(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302, response.status_code
    assert response.url == "/static/favicon.ico"
    icon = client.get(response.url)
    assert icon.status_code == 200
    body = b"".join(icon.streaming_content) if icon.streaming else icon.content
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file
    return body


def test_the_icon_is_served_to_everybody(world, settings):
    settings.DEBUG = True  # WhiteNoise serves from the finders, as under runserver
    assert Path(finders.find("favicon.ico")).read_bytes() == fetch(Client())
    client = Client()
    login(client, world["teacher"])
    fetch(client)


def test_the_consent_gate_lets_the_icon_through(world, settings):
    from cnppm.models import ConsentDocument

    settings.DEBUG = True
    ConsentDocument.objects.create(version="1.0", title="Согласие", text="Текст", is_current=True)
    client = Client()
    login(client, world["teacher"])
    assert client.get("/cabinet/").status_code == 302  # the gate stands for pages
    fetch(client)


def test_pages_link_the_icon(client):
    page = client.get("/accounts/login/").content.decode()
    assert '<link rel="icon" href="/static/favicon.ico"' in page
