"""The personal-data access log by construction (152-ФЗ ст. 18.1, 19): whatever person-level rows
cnppm.access hands out while a request is answered are written down, with whom, in ONE row per
request (one INSERT) by `PersonalDataReadLogMiddleware` once the response is built.

What counts as a person-level read of another person's data: a model instance whose person (its
`scope_person_path`) is not the reader's own person, loaded from a queryset that came out of
`access.restrict` (so also `access.people`, `access.person_rows`, `access.get_or_404`,
`access.tracked`, and every queryset derived from them by filter/order/slice/select_related),
whether by iterating, `get()`, a page, `iterator()` or a prefetch. Not reads of a person:
counts, sums and other aggregates, `exists()`, `values()` groupings, subqueries (`pk__in=...`),
and the participant's own rows (the attempt and answer-autosave path narrows with `access.own_q` and
is never tracked). Outside a request (Celery, commands) nothing is collected: those callers log with
`cnppm.services.personal_data_log`, which inside a request only adds to the request's row.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.db.models.query import MAX_GET_RESULTS, ModelIterable

_current: contextvars.ContextVar[ReadLog | None] = contextvars.ContextVar("cnppm_read_log", default=None)


@dataclass
class ReadLog:
    """What one request read: the reader, the people, what was opened one by one."""

    actor: object = None
    own_person_id: int | None = None
    person_ids: set[int] = field(default_factory=set)
    pending: dict[tuple[type, str], set] = field(default_factory=dict)  # rows whose person was not loaded
    viewed: tuple[str, str] | None = None  # (object type, id) of the first object opened by itself
    listed: str = ""  # the model of the first list read
    explicit: dict | None = None  # what personal_data_log said (an export, a report)
    read_own: bool = False

    def saw(self, obj, path: str, single: bool) -> None:
        name = obj._meta.model_name
        if single and self.viewed is None:
            self.viewed = (name, str(obj.pk))
        elif not self.listed:
            self.listed = name
        if not path:
            self.person_ids.add(obj.pk)
            return
        parts = path.split("__")
        target = obj
        for part in parts[:-1]:
            rel = target._meta.get_field(part)
            if not rel.is_cached(target):
                self.pending.setdefault((type(obj), path), set()).add(obj.pk)
                return
            target = rel.get_cached_value(target)
            if target is None:
                return
        person_id = getattr(target, target._meta.get_field(parts[-1]).attname)
        if person_id is not None:
            self.person_ids.add(person_id)

    def people(self) -> set[int]:
        """Everyone read but the reader; rows whose person was not loaded cost one query per model."""
        ids = set(self.person_ids)
        for (model, path), pks in self.pending.items():
            ids.update(
                pid
                for pid in model._default_manager.filter(pk__in=pks).values_list(path, flat=True)
                if pid is not None
            )
        self.read_own = self.own_person_id is not None and self.own_person_id in ids
        ids.discard(self.own_person_id)
        return ids

    def write(self, path: str) -> None:
        from .models import PersonalDataAccess

        ids = self.people()
        if not ids and (self.explicit is None or self.read_own):
            return  # nobody else's data: the participant's own card, result or export
        if self.explicit is not None:
            e = self.explicit
            action, object_type, object_id, records = (
                e["action"],
                e["object_type"],
                e["object_id"],
                e["records"],
            )
            actor = self.actor or e["actor"]
            path = e["path"] or path
        elif self.viewed is not None:
            action, (object_type, object_id), records = PersonalDataAccess.Action.VIEW, self.viewed, len(ids)
            actor = self.actor
        else:
            action, object_type, object_id, records = (
                PersonalDataAccess.Action.LIST,
                self.listed,
                "",
                len(ids),
            )
            actor = self.actor
        PersonalDataAccess.objects.create(
            actor=actor if getattr(actor, "pk", None) else None,
            action=action,
            object_type=object_type,
            object_id=str(object_id or ""),
            # an export counts the rows of its file; a page or a list whom it showed
            records=records if action == PersonalDataAccess.Action.EXPORT or not ids else len(ids),
            person_ids=sorted(ids),
            path=path[:500],
        )


class PersonReadIterable(ModelIterable):
    """Model instances as usual; inside a request each one's person is noted as read."""

    person_path = ""

    def __iter__(self):
        log = _current.get()
        if log is None:
            yield from super().__iter__()
            return
        q = self.queryset.query
        # QuerySet.get() drops the ordering and fetches at most MAX_GET_RESULTS: one object opened
        single = q.low_mark == 0 and q.high_mark == MAX_GET_RESULTS and not q.order_by
        for obj in super().__iter__():
            log.saw(obj, self.person_path, single)
            yield obj


_iterables: dict[str, type[PersonReadIterable]] = {}


def _iterable_for(path: str) -> type[PersonReadIterable]:
    cls = _iterables.get(path)
    if cls is None:
        cls = type(f"PersonReadIterable_{path or 'self'}", (PersonReadIterable,), {"person_path": path})
        _iterables[path] = cls
    return cls


def track(user, queryset: QuerySet, path: str) -> QuerySet:
    """Mark a scoped queryset (and everything derived from it) so that the rows it yields are logged
    as read by `user`. Called by cnppm.access; views never need to."""
    if issubclass(queryset._iterable_class, ModelIterable):
        queryset._iterable_class = _iterable_for(path)
        if "__" in path:
            # load the row's way to its person with it, so naming the person costs no query
            queryset = queryset.select_related(path.rsplit("__", 1)[0])
    log = _current.get()
    if log is not None:
        _note_reader(log, user)
    return queryset


def _note_reader(log: ReadLog, user) -> None:
    if log.actor is None and getattr(user, "is_authenticated", False):
        from .access import scope_of

        log.actor = user
        log.own_person_id = scope_of(user).person_id


def note_explicit(
    *, actor, action: str, object_type: str, object_id, records: int, path: str, person_ids=()
) -> bool:
    """personal_data_log inside a request: name the request's row (an export, a report) instead of
    writing a second one. False outside a request (the caller writes the row itself)."""
    log = _current.get()
    if log is None:
        return False
    log.person_ids.update(person_ids)
    _note_reader(log, actor)
    if log.explicit is None:
        log.explicit = {
            "actor": actor,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "records": records,
            "path": path,
        }
    else:
        log.explicit["records"] = max(log.explicit["records"], records)
    return True


class PersonalDataReadLogMiddleware:
    """Collects the person-level reads of a request and writes them as one row at its end. Costs
    nothing (no query) on requests that read nobody else's data, e.g. saving an answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        log = ReadLog()
        token = _current.set(log)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        log.write(request.get_full_path())
        return response
