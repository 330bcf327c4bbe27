"""/media/ serves item images to signed-in users and nothing else: reports, evidence and archives
are served only by their apps' scoped views."""

import pytest

from tests.helpers import login


@pytest.fixture
def media_files(settings):
    root = settings.MEDIA_ROOT
    for rel in ("items/pic.png", "reports/2026/11/report.pdf", "evidence/2026/file.pdf"):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"data")


def test_only_item_images_are_served_by_path(world, client, media_files):
    login(client, world["teacher"])
    assert client.get("/media/items/pic.png").status_code == 200
    assert client.get("/media/reports/2026/11/report.pdf").status_code == 404
    assert client.get("/media/evidence/2026/file.pdf").status_code == 404
    assert client.get("/media/items/../reports/2026/11/report.pdf").status_code == 404


def test_anonymous_gets_nothing(db, client, media_files):
    assert client.get("/media/items/pic.png").status_code == 302
