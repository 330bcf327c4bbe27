"""Navigation by role. Each app may define `navigation.ITEMS`: a list of NavItem, and `GROUP`, the
menu group its items fall into; the base layout shows the items whose roles the user holds (an empty
`roles` means every signed-in user). A group with two or more visible items becomes a drop-down, so
that the operator's twenty entries fit a 1 280 px window (and a 390 px phone behind the toggler)."""

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
    # The drop-down this item belongs to; None takes the app's GROUP, "" keeps it at the top level.
    group: str | None = None


GROUP = "Справочники"

ITEMS = [
    NavItem("Личный кабинет", "cabinet", order=0, group=""),
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
    NavItem("Токены API", "api_tokens", frozenset({Role.OPERATOR}), order=20),
    NavItem("Импорт", "imports", frozenset({Role.OPERATOR}), order=90, group=""),
]

_APPS = ("cnppm", "diagnostics", "routes", "monitoring", "courses")


def items_for(user, current_path: str = "") -> list[dict]:
    """The menu of `user`: entries in order, each a link (`label`, `url`, `active`) or a drop-down
    (`label`, `children`, `active`) of the items of one group; `active` marks the item whose address
    is the longest prefix of `current_path`, and the group holding it."""
    return _grouped(_visible_items(user, current_path))


def _visible_items(user, current_path: str) -> list[dict]:
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
        app_group = getattr(module, "GROUP", "")
        for item in getattr(module, "ITEMS", []):
            if item.roles and not (item.roles & held):
                continue
            if item.needs_person_lists and not sees_person_lists(user):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            group = app_group if item.group is None else item.group
            result.append(
                {"label": item.label, "url": url, "order": item.order, "active": False, "group": group}
            )
    result.sort(key=lambda i: i["order"])
    matching = [i for i in result if current_path.startswith(i["url"]) and i["url"] != "/"]
    if matching:
        max(matching, key=lambda i: len(i["url"]))["active"] = True
    return result


def _grouped(items: list[dict]) -> list[dict]:
    """Fold the items of one group into a drop-down placed where its first item stands; a group
    that holds a single item for this user stays a plain link."""
    members: dict[str, list[dict]] = {}
    for item in items:
        if item["group"]:
            members.setdefault(item["group"], []).append(item)
    entries, placed = [], set()
    for item in items:
        group = item["group"]
        if not group or len(members[group]) == 1:
            entries.append(item)
        elif group not in placed:
            placed.add(group)
            children = members[group]
            entries.append(
                {"label": group, "children": children, "active": any(c["active"] for c in children)}
            )
    return entries
