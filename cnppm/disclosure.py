"""Statistical disclosure control for aggregate-only viewers (the ministry; later a federal role): the one
place that decides which per-group figures they may see. Used by the diagnostics statistics (page, API,
XLSX), the monitoring dashboards and the reports rendered for the aggregate audience.

The rules (152-ФЗ: a figure about a group of two is a figure about two people):
- a group of fewer than `threshold()` people (settings.SMALL_GROUP_THRESHOLD, 5) shows its head count
  only: no mean, median, minimum, maximum or counts by level;
- complementary suppression: the hidden groups of a table, taken together, must again hold at least
  `threshold()` people, otherwise the next smallest visible groups are hidden too. Otherwise the total
  minus the visible groups (total × mean − Σ count × mean, or the level counts likewise) gives back the
  hidden group; with complementary suppression it gives back only a group of at least `threshold()`;
- a total's minimum and maximum (one person's exact result each) are hidden when any group of the total
  is hidden: the extreme could be the hidden group's, and the total below the threshold is hidden whole.

Person-level viewers (operators, methodists, school heads) see every figure.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Protocol

from django.conf import settings

DEFAULT_THRESHOLD = 5


def threshold() -> int:
    return int(getattr(settings, "SMALL_GROUP_THRESHOLD", DEFAULT_THRESHOLD))


def aggregate_only(user) -> bool:
    """Whether the user sees aggregates only (no person lists): the audience that gets suppression."""
    from cnppm import access

    return not access.sees_person_lists(user)


def hidden_keys(sizes: Mapping[Hashable, int], *, hidden: Iterable = (), limit: int | None = None) -> set:
    """Which groups of one table (a partition of a total: {key: head count}) to hide, given those
    already hidden: the small ones, then, while the hidden ones together hold fewer than the threshold,
    the next smallest visible one."""
    limit = threshold() if limit is None else limit
    keys = {k for k in hidden if k in sizes} | {k for k, n in sizes.items() if 0 < n < limit}
    visible = sorted((n, str(k), k) for k, n in sizes.items() if k not in keys and n > 0)
    while keys and sum(sizes[k] for k in keys) < limit and visible:
        keys.add(visible.pop(0)[2])
    return keys


class GroupRow(Protocol):
    participants: int

    def suppress(self) -> None: ...

    def hide_extremes(self) -> None: ...


def suppress_rows(
    total: GroupRow | None,
    rows: Iterable[GroupRow],
    *,
    nest: Callable[[GroupRow], Hashable] | None = None,
    hidden_parents: Iterable[Hashable] = (),
    limit: int | None = None,
) -> set[int]:
    """Suppress, in place, the rows of one table that partition `total` (complementary suppression).
    With `nest` (the row's parent group, shown in another table: organizations within their
    municipality), the rule holds inside each parent too, so the parent minus its visible rows gives no
    row back; and every row of a hidden parent (`hidden_parents`) is hidden, so the parent cannot be
    added up from its rows. Returns the ids of the suppressed rows."""
    limit = threshold() if limit is None else limit
    rows = list(rows)
    parts = [rows]
    hidden: set[int] = set()
    if nest is not None:
        by_parent: dict = {}
        for r in rows:
            by_parent.setdefault(nest(r), []).append(r)
        parts += list(by_parent.values())
        hidden_parents = set(hidden_parents)
        hidden = {id(r) for r in rows if nest(r) in hidden_parents}
    changed = True
    while changed:  # hiding inside one parent can call for more in the whole table, and back
        changed = False
        for part in parts:
            keys = hidden_keys({id(r): r.participants for r in part}, hidden=hidden, limit=limit)
            if keys - hidden:
                hidden |= keys
                changed = True
    for r in rows:
        if id(r) in hidden:
            r.suppress()
    if total is not None:
        if total.participants < limit:
            total.suppress()
        elif hidden:
            total.hide_extremes()
    return hidden


def suppress_levels(per_group: Mapping[Hashable, Mapping[str, int]], *, limit: int | None = None) -> set:
    """For tables of counts by level per group (a group's levels sum to its head count): the groups
    whose level counts are hidden, by the same complementary rule."""
    return hidden_keys({k: sum(v.values()) for k, v in per_group.items()}, limit=limit)
