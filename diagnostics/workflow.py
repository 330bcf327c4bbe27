"""The instrument's life, in one place: the status map, what each move is called on a button, and
the rule for when items may still be changed. `diagnostics.services.authoring.instrument_transition`
is the one function that moves an instrument; pages draw their buttons from `TRANSITIONS`."""

from __future__ import annotations

from .choices import InstrumentStatus

S = InstrumentStatus

# status → the statuses it may move to
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.PUBLISHED, S.ARCHIVED}),
    S.PUBLISHED: frozenset({S.ARCHIVED}),
    S.ARCHIVED: frozenset(),
}

# The label of the button that performs a move.
ACTION_LABELS: dict[str, str] = {
    S.PUBLISHED: "Опубликовать",
    S.ARCHIVED: "Перенести в архив",
}

MIN_VARIANTS = 4


def allowed_targets(status: str) -> list[str]:
    """The statuses an instrument in `status` may move to, in a stable order for buttons."""
    order = [S.PUBLISHED, S.ARCHIVED]
    return [s for s in order if s in TRANSITIONS.get(status, frozenset())]


def is_allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def items_frozen_reason(*, status: str, has_attempts: bool) -> str:
    """Why the items of an instrument can't be changed now ('' when they can)."""
    if status == S.ARCHIVED:
        return "Работа в архиве: задания изменить нельзя. Создайте новую версию."
    if has_attempts:
        return "По работе уже есть попытки участников: задания изменить нельзя. Создайте новую версию."
    return ""
