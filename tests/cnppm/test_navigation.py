"""The menu groups each app's items into one drop-down, so that every role's navigation fits."""

from django.urls import reverse

from cnppm.navigation import items_for
from tests.helpers import login


def _labels(entries):
    return [(e["label"], [c["label"] for c in e.get("children", [])]) for e in entries]


def test_operator_menu_is_a_handful_of_entries(world):
    entries = items_for(world["operator"].user, current_path=reverse("diagnostics:instrument_list"))
    top = [label for label, _ in _labels(entries)]
    # Twenty items before; now the groups, the cabinet and the imports.
    assert top == ["Личный кабинет", "Справочники", "Диагностика", "ИОМ", "Мониторинг", "Курсы", "Импорт"]
    diagnostics = next(e for e in entries if e["label"] == "Диагностика")
    assert diagnostics["active"]
    assert [c["label"] for c in diagnostics["children"] if c["active"]] == ["Диагностические работы"]


def test_single_item_group_stays_a_link(world):
    entries = {e["label"]: e for e in items_for(world["teacher"].user)}
    # The teacher holds one diagnostics item: a plain link, not a drop-down of one.
    assert "children" not in entries["Диагностика"]
    assert entries["Диагностика"]["url"] == reverse("diagnostics:my_diagnostics")
    assert [c["label"] for c in entries["ИОМ"]["children"]] == ["ИОМ", "Каталог мероприятий"]


def test_dropdown_renders_with_its_links(client, world):
    login(client, world["ministry"])
    html = client.get(reverse("cabinet")).content.decode()
    assert 'data-bs-toggle="dropdown"' in html
    assert reverse("monitoring:quarterly_reports") in html
