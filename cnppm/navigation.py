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
    NavItem(
        "Справочник педагогов",
        "people_list",
        frozenset(
            {
                Role.SCHOOL_HEAD,
                Role.MUNICIPAL_METHODIST,
                Role.OPERATOR,
                Role.REGIONAL_METHODIST,
                Role.CURATOR,
                Role.TUTOR,
                Role.MENTOR,
            }
        ),
        order=10,
    ),
    NavItem(
        "Организации",
        "organizations_list",
        frozenset({Role.SCHOOL_HEAD, Role.MUNICIPAL_METHODIST, Role.OPERATOR, Role.REGIONAL_METHODIST, Role.MINISTRY}),
        order=11,
    ),
    NavItem("Импорт", "imports", frozenset({Role.OPERATOR}), order=90),
]

_APPS = ("cnppm", "diagnostics", "routes", "monitoring")


def items_for(user) -> list[dict]:
    from .access import roles_of

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
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            result.append({"label": item.label, "url": url, "order": item.order})
    return sorted(result, key=lambda i: i["order"])
