"""Navigation by role. Each app may define `navigation.ITEMS`: a list of NavItem; the base layout
shows the items whose roles the user holds (an empty `roles` means every signed-in user)."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module

from django.urls import NoReverseMatch, reverse

from .choices import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    order: int = 100
    needs_person_lists: bool = False


ITEMS = [
    NavItem("Личный кабинет", "cabinet", order=0),
    # Shown to whoever may see lists of other people (support roles, school, municipality, region).
    NavItem("Справочник педагогов", "people_list", order=10, needs_person_lists=True),
    NavItem(
        "Организации",
        "organizations_list",
        frozenset(
            {
                Role.SCHOOL_HEAD,
                Role.MUNICIPAL_METHODIST,
                Role.OPERATOR,
                Role.REGIONAL_METHODIST,
                Role.MINISTRY,
            }
        ),
        order=11,
    ),
    NavItem("Импорт", "imports", frozenset({Role.OPERATOR}), order=90),
]

_APPS = ("cnppm", "diagnostics", "routes", "monitoring")


def items_for(user, current_path: str = "") -> list[dict]:
    """The menu of `user`: items whose roles they hold, in order; `active` marks the item whose
    address is the longest prefix of `current_path`."""
    from .access import roles_of, sees_person_lists

    if not user.is_authenticated:
        return []
    held = set(roles_of(user))
    if user.is_superuser:
        held.add(Role.OPERATOR)
    result = []
    for app in _APPS:
        try:
            module = import_module(f"{app}.navigation")
        except ModuleNotFoundError:
            continue
        for item in getattr(module, "ITEMS", []):
            if item.roles and not (item.roles & held):
                continue
            if item.needs_person_lists and not sees_person_lists(user):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            result.append({"label": item.label, "url": url, "order": item.order, "active": False})
    result.sort(key=lambda i: i["order"])
    matching = [i for i in result if current_path.startswith(i["url"]) and i["url"] != "/"]
    if matching:
        max(matching, key=lambda i: len(i["url"]))["active"] = True
    return result
