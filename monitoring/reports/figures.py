"""The figures the reports print, read through the monitoring's own computation so that a report and
the dashboards never disagree:

- indicator values come from the snapshots of the period's latest completed computation (the same the
  dashboard reads, open or closed period), so a closed period's report does not change when data
  changes later and an open period's report prints what the screen shows, with the same «Рассчитано»;
  a period never computed is computed live (`monitoring.indicators`, `SPECS[code].compute`), and a
  report run computes it first (monitoring.services.reports) so that its file names a computation;
- distributions come from `monitoring.distributions` (stored with the F2 region snapshot);
- a few supporting lists the snapshots do not hold (names of trained staff, school names, diagnostics
  statistics per competence) are grouped queries here.

"Has an ИОМ" is `monitoring.indicators.HAS_IOM_RULE`, printed on every report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, Max, Min

from cnppm.access import consenting_q
from cnppm.choices import OrganizationKind
from cnppm.models import Municipality, Organization, Person, StaffTraining


def has_iom_rule_text() -> str:
    from monitoring.indicators import HAS_IOM_RULE

    return HAS_IOM_RULE


@dataclass
class Value:
    """One indicator value at one scope (a stored snapshot or a live computation, same shape)."""

    scope_level: str
    municipality_id: int | None = None
    organization_id: int | None = None
    numerator: Decimal | int | None = None
    denominator: Decimal | int | None = None
    value: Decimal | int | None = None
    inputs: dict = field(default_factory=dict)
    note: str = ""

    @property
    def num(self) -> int | None:
        return None if self.numerator is None else int(self.numerator)

    @property
    def den(self) -> int | None:
        return None if self.denominator is None else int(self.denominator)


class Source:
    """The indicator values of one period (cumulative), read once per indicator: the snapshots of the
    period's latest completed computation (the ones the dashboard shows), whether the period is open or
    closed; only a period never computed is computed live, at rendering time. `computation` is the run
    read, `computed_at` the moment its figures were computed (the live moment otherwise)."""

    def __init__(self, period):
        from django.utils import timezone

        from monitoring.selectors import current_computation

        self.period = period
        self._ctx = None
        self._cache: dict[str, list[Value]] = {}
        self.computation, self.computed_at = current_computation(period)
        self.stored = self.computed_at is not None
        self.missing_snapshots = period.is_closed and not self.stored
        if not self.stored:
            self.computed_at = timezone.now()

    def _context(self):
        if self._ctx is None:
            from monitoring.indicators import Context

            self._ctx = Context(self.period, True)
        return self._ctx

    def values(self, code: str) -> list[Value]:
        if code not in self._cache:
            if self.stored:
                from monitoring.models import IndicatorSnapshot

                rows = IndicatorSnapshot.objects.filter(
                    period=self.period, indicator__code=code, cumulative=True
                ).values(
                    "scope_level",
                    "municipality_id",
                    "organization_id",
                    "numerator",
                    "denominator",
                    "value",
                    "inputs",
                    "note",
                )
                self._cache[code] = [Value(**r) for r in rows]
            else:
                from monitoring.indicators import SPECS, planner_settings

                with planner_settings():  # the status at the period end (indicators.planner_settings)
                    computed = SPECS[code].compute(self._context())
                self._cache[code] = [
                    Value(
                        r.scope_level,
                        r.municipality_id,
                        r.organization_id,
                        r.numerator,
                        r.denominator,
                        r.value,
                        r.inputs,
                        r.note,
                    )
                    for r in computed
                ]
        return self._cache[code]

    def region(self, code: str) -> Value:
        for v in self.values(code):
            if v.scope_level == "region":
                return v
        return Value("region", note="Значение не рассчитано.")

    def by_municipality(self, code: str) -> dict[int, Value]:
        return {v.municipality_id: v for v in self.values(code) if v.scope_level == "municipality"}

    def by_organization(self, code: str, municipality_id: int | None = None) -> dict[int, Value]:
        return {
            v.organization_id: v
            for v in self.values(code)
            if v.scope_level == "organization"
            and (municipality_id is None or v.municipality_id == municipality_id)
        }

    def distributions(self, municipality_id: int | None = None, *, aggregate: bool = False) -> dict:
        """The printable distributions (monitoring.distributions.labelled shape) of the region or of
        one municipality; `aggregate`: the rendering for aggregate-only viewers, small cells of the
        people distributions suppressed with their complement (distributions.suppress_people)."""
        from monitoring import distributions as dist

        if self.stored:
            stored = self.region("F2").inputs.get("distributions") or {}
            per = {int(k): v for k, v in (stored.get("by_municipality") or {}).items()}
            if municipality_id is None:
                raw = stored.get("region") or dist.empty()
            else:
                raw = per.get(municipality_id) or dist.empty()
        else:
            from monitoring.indicators import window_for

            per = dist.compute_by_municipality(self.period.region_id, window_for(self.period, True))
            raw = (
                dist.merge(per.values())
                if municipality_id is None
                else per.get(municipality_id, dist.empty())
            )
        out = dist.labelled(raw)
        if aggregate:
            dist.suppress_people(out, per, None if municipality_id is None else {municipality_id})
        return out

    def note(self) -> str:
        if self.stored and self.period.is_closed:
            return (
                "Период закрыт: показатели взяты из сохранённого расчёта и не меняются при последующих "
                "изменениях данных."
            )
        if self.stored:
            return (
                "Показатели взяты из последнего расчёта за период (те же значения, что на панели "
                "мониторинга); изменения данных после расчёта войдут в следующий расчёт."
            )
        if self.missing_snapshots:
            return (
                "Период закрыт, но сохранённого расчёта показателей нет: показатели рассчитаны по текущим "
                "данным портала на момент формирования отчёта."
            )
        return "Период ещё не рассчитывался: показатели рассчитаны по данным портала на момент формирования отчёта."


def municipality_names(region_id: int) -> list[dict]:
    return list(
        Municipality.objects.filter(region_id=region_id).order_by("name").values("id", "name", "code")
    )


def organization_names(ids) -> dict[int, dict]:
    return {
        o["id"]: o
        for o in Organization.objects.filter(id__in=list(ids)).values(
            "id", "short_name", "low_results", "kind"
        )
    }


def staff_trained(period) -> list[dict]:
    """Centre staff trained by the Federal coordinator up to the period end, with their programmes
    (the supporting list of indicator 2 of the quarterly form; it names people): staff training
    records and the courses' training records, read by the same rule as the indicator
    (monitoring.indicators.federal_coordinator_q: the provider, or the flag)."""
    from courses.models import TrainingRecord
    from monitoring.indicators import federal_coordinator_q

    where = {
        "person__organization__kind": OrganizationKind.CENTRE,
        "person__organization__municipality__region_id": period.region_id,
        "ends_on__lte": period.ends_on,
    }
    rows = [
        (t.person, t.programme, t.hours, t.starts_on, t.ends_on)
        for t in StaffTraining.objects.filter(
            consenting_q("person"), federal_coordinator_q(), **where
        ).select_related("person")
    ]
    rows += [
        (t.person, t.title, t.hours, t.starts_on, t.ends_on)
        for t in TrainingRecord.objects.filter(
            consenting_q("person"), federal_coordinator_q(), **where
        ).select_related("person")
    ]
    rows.sort(key=lambda r: (r[0].last_name, r[0].first_name, r[0].pk, r[3]))
    people: dict[int, dict] = {}
    for person, programme, hours, starts_on, ends_on in rows:
        entry = people.setdefault(
            person.pk, {"name": person.full_name, "position": person.position, "programmes": []}
        )
        entry["programmes"].append(f"«{programme}» ({hours} ч., {starts_on:%d.%m.%Y}–{ends_on:%d.%m.%Y})")
    return list(people.values())


def diagnostics_statistics(period) -> list[dict]:
    """Per competence block: participants, mean, min, max % of the final entry diagnostics taken up
    to the period end in the region (seed 000: ICT 746 people, mean 66.2 %, max 94 %, min 7 %)."""
    from diagnostics.models import BlockResult
    from monitoring.indicators import diagnosed_attempts, window_for

    attempts = diagnosed_attempts(period.region_id, window_for(period, True)).values("id")
    return list(
        BlockResult.objects.filter(attempt_id__in=attempts, block__is_scored=True)
        .values("block_id", "block__name", "block__order")
        .annotate(
            participants=Count("attempt__person_id", distinct=True),
            mean=Avg("percent"),
            low=Min("percent"),
            high=Max("percent"),
        )
        .order_by("block__order", "block__name")
    )


def centre_staff_count(period) -> int:
    return Person.objects.filter(
        consenting_q(),
        organization__kind=OrganizationKind.CENTRE,
        organization__municipality__region_id=period.region_id,
    ).count()
