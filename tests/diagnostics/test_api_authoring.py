"""API of authoring (issue 10.4): blocks, instruments with the publish workflow, variants and items,
through the page's forms and the same services; permission matrix; the key never sent back."""

import pytest

from diagnostics.choices import InstrumentStatus
from diagnostics.models import CompetenceBlock, Instrument, Item
from tests.diagnostics.factories import AttemptFactory, make_instrument
from tests.diagnostics.import_helpers import sample_blocks
from tests.helpers import assert_matrix, login

pytestmark = pytest.mark.django_db

ITEM = {
    "type": "single",
    "difficulty": 1,
    "topic": "Законы Ньютона",
    "points": "1",
    "stem": "Какой закон описывает инерцию?",
    "options_text": "Первый закон Ньютона\nВторой закон Ньютона",
    "answer_text": "1",
}


@pytest.fixture
def api(client, world):
    login(client, world["operator"])
    return client


def _post(client, url, data, method="post"):
    return getattr(client, method)(url, data, content_type="application/json")


def test_create_fill_and_publish_through_the_api(api, world):
    blocks = sample_blocks()
    response = _post(
        api,
        "/api/v1/authoring/instruments/",
        {
            "code": "phys-entry",
            "title": "Входная диагностика учителей физики",
            "audience": "teachers",
            "kind": "entry",
            "blocks": [blocks["subject"].pk],
            "time_limit_minutes": 120,
            "pass_mark": 60,
            "threshold_medium": 60,
            "threshold_minimal": 80,
        },
    )
    assert response.status_code == 201, response.content
    draft = response.json()
    assert draft["status"] == "draft" and draft["transitions"] == ["published", "archived"]
    assert "В варианте 1 нет заданий." in draft["readiness"] and len(draft["variants"]) == 4
    pk = draft["id"]
    # Publishing a draft that is not ready is refused in Russian, nothing changes.
    response = _post(api, f"/api/v1/authoring/instruments/{pk}/transition/", {"to": "published"})
    assert response.status_code == 400 and "Работа не готова к публикации." in response.json()["detail"]
    assert Instrument.objects.get(pk=pk).status == InstrumentStatus.DRAFT
    # The page's form checks an item: a missing answer is the page's own message.
    bad = _post(
        api,
        f"/api/v1/authoring/instruments/{pk}/variants/1/items/",
        {**ITEM, "block": blocks["subject"].pk, "answer_text": "7"},
    )
    assert bad.status_code == 400 and not Item.objects.exists()
    assert bad.json() == {"answer_text": ["«7» — нет варианта ответа с таким номером (их 2)"]}
    for number in range(1, 5):
        response = _post(
            api,
            f"/api/v1/authoring/instruments/{pk}/variants/{number}/items/",
            {**ITEM, "block": blocks["subject"].pk},
        )
        assert response.status_code == 201, response.content
        assert "key" not in response.json() and response.json()["number"] == 1
    assert Item.objects.get(variant__number=1).key == {"correct": ["a"]}
    response = _post(api, f"/api/v1/authoring/instruments/{pk}/transition/", {"to": "published"})
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert response.json()["transitions"] == ["archived"]
    # Once participants have attempts the items are frozen: the service's refusal is the 400.
    item = Item.objects.filter(variant__instrument_id=pk).first()
    AttemptFactory(instrument_id=pk, variant=item.variant, person=world["teacher"])
    response = _post(
        api, f"/api/v1/authoring/items/{item.pk}/", {**ITEM, "block": blocks["subject"].pk}, "put"
    )
    assert response.status_code == 400 and "уже есть попытки участников" in response.json()["detail"]
    assert Item.objects.get(pk=item.pk).topic == "Законы Ньютона"


def test_edit_items_variants_and_versions(api, world):
    instrument = make_instrument(status="draft", variants=4, code="m-1", title="Математика")
    item = Item.objects.filter(variant__instrument=instrument, variant__number=1).order_by("number").first()
    block = item.block
    response = _post(
        api, f"/api/v1/authoring/items/{item.pk}/", {**ITEM, "block": block.pk, "topic": "Дроби"}, "put"
    )
    assert response.status_code == 200 and response.json()["topic"] == "Дроби"
    assert api.delete(f"/api/v1/authoring/items/{item.pk}/").status_code == 204
    assert not Item.objects.filter(pk=item.pk).exists()
    assert api.post(f"/api/v1/authoring/instruments/{instrument.pk}/variants/").json() == {"number": 5}
    assert api.delete(f"/api/v1/authoring/instruments/{instrument.pk}/variants/5/").status_code == 204
    assert api.delete(f"/api/v1/authoring/instruments/{instrument.pk}/variants/9/").status_code == 404
    response = _post(api, f"/api/v1/authoring/instruments/{instrument.pk}/", {"title": ""}, "put")
    assert response.status_code == 400 and "title" in response.json()
    published = make_instrument(status="published", variants=4, code="m-2")
    AttemptFactory(instrument=published, variant=published.variants.first(), person=world["teacher"])
    response = api.post(f"/api/v1/authoring/instruments/{published.pk}/new-version/")
    assert response.status_code == 201 and response.json()["version"] == 2
    assert response.json()["status"] == "draft"


def test_blocks(api):
    response = _post(
        api,
        "/api/v1/authoring/blocks/",
        {"code": "digital", "name": "Цифровые", "audience": "teachers", "order": 5},
    )
    assert response.status_code == 201 and response.json()["name"] == "Цифровые"
    pk = response.json()["id"]
    response = _post(
        api,
        f"/api/v1/authoring/blocks/{pk}/",
        {
            "code": "digital",
            "name": "Цифровые компетенции",
            "audience": "teachers",
            "order": 5,
            "is_scored": True,
        },
        "put",
    )
    assert response.status_code == 200 and CompetenceBlock.objects.get(pk=pk).name == "Цифровые компетенции"
    assert any(b["code"] == "digital" for b in api.get("/api/v1/authoring/blocks/").json())


def test_permission_matrix(client, world):
    instrument = make_instrument(status="draft", variants=1, code="m-3")
    item = Item.objects.filter(variant__instrument=instrument).first()
    operator = {"operator"}
    assert_matrix(client, world, f"/api/v1/authoring/instruments/{instrument.pk}/", operator)
    assert_matrix(client, world, f"/api/v1/authoring/items/{item.pk}/", operator)
    assert_matrix(client, world, "/api/v1/authoring/blocks/", operator)
    assert_matrix(
        client,
        world,
        f"/api/v1/authoring/instruments/{instrument.pk}/variants/",
        operator,
        method="post",
        ok=(201,),
    )
    assert instrument.variants.count() == 2  # the operator added one; nobody else did
