"""The municipal monitoring letter (seed 003, Dinskoy): F₂ = B₂ / C₂ · 100 % for one municipality with
B₂ and C₂ substituted, and the schools whose teachers were diagnosed listed with their own figures. It
lists organizations, not people: an aggregate report."""

from __future__ import annotations

from cnppm import disclosure
from cnppm.choices import Role
from monitoring.choices import ReportKind
from monitoring.numbers import fmt_count, fmt_percent, percent

from . import figures
from .base import HIDDEN, REGION_REPORT_ROLES, Report, Table


class MunicipalLetterReport(Report):
    kind = ReportKind.MUNICIPAL_LETTER
    title = (
        "О результатах мониторинга разработки индивидуальных образовательных маршрутов непрерывного "
        "профессионального развития на основе результатов диагностики профессиональных компетенций педагогов"
    )
    template_name = "monitoring/reports/pdf/municipal_letter.html"
    roles = REGION_REPORT_ROLES | {Role.MUNICIPAL_METHODIST}
    requires_municipality = True

    def compute(self) -> dict:
        municipality = self.municipality
        value = self.source.by_municipality("F2").get(municipality.pk) or figures.Value("municipality")
        b2, c2 = value.num or 0, value.den or 0
        f2 = percent(b2, c2)
        per_org = self.source.by_organization("F2", municipality.pk)
        names = figures.organization_names(per_org)
        schools = sorted(
            (
                {
                    "name": names[oid]["short_name"] if oid in names else f"организация №{oid}",
                    "low_results": names.get(oid, {}).get("low_results", False),
                    "c2": v.den or 0,
                    "b2": v.num or 0,
                }
                for oid, v in per_org.items()
            ),
            key=lambda s: s["name"],
        )
        # The ministry's rendering: a school under the threshold (one diagnosed teacher: whether that
        # person has an ИОМ) and its complement show C₂ only; the totals stay (cnppm.disclosure).
        hidden = (
            disclosure.hidden_keys({n: s["c2"] for n, s in enumerate(schools)}) if self.aggregate else set()
        )
        rows = [
            [n, s["name"], "да" if s["low_results"] else "", s["c2"], HIDDEN, HIDDEN]
            if n - 1 in hidden
            else [n, s["name"], "да" if s["low_results"] else "", s["c2"], s["b2"], percent(s["b2"], s["c2"])]
            for n, s in enumerate(schools, 1)
        ]
        sum_c2 = sum(s["c2"] for s in schools)
        sum_b2 = sum(s["b2"] for s in schools)
        table = Table(
            key="schools",
            sheet="Организации",
            title=f"Показатель F₂ по общеобразовательным организациям: {municipality}",
            columns=[
                "№",
                "Организация",
                "ШНОР",
                "C₂, прошли диагностику, чел.",
                "B₂, разработан ИОМ, чел.",
                "F₂, %",
            ],
            rows=rows,
            total=["", "Итого по организациям", "", sum_c2, sum_b2, percent(sum_b2, sum_c2)],
            note=(
                "Итоговая строка вычислена по строкам. Педагог, прошедший диагностику в двух организациях, "
                "учитывается в каждой из них, а в показателе муниципалитета — один раз."
                + (
                    f" «{HIDDEN}» — B₂ и F₂ организаций, где менее {disclosure.threshold()} человек прошли "
                    "диагностику, и организаций, по которым их можно было бы вычислить по разности, не приводятся."
                    if hidden
                    else ""
                )
            ),
        )
        with_iom = [s["name"] for n, s in enumerate(schools) if s["b2"] and n not in hidden]
        statements = [
            f"В диагностике профессиональных компетенций приняли участие {fmt_count(c2)} педагогов "
            f"организаций муниципального образования {municipality}"
            + (
                ", в том числе из школ с низкими образовательными результатами."
                if any(s["low_results"] for s in schools)
                else "."
            ),
        ]
        if with_iom:
            statements.append(
                f"Для {fmt_count(b2)} педагогов организаций {', '.join(with_iom)}"
                + (" и других организаций муниципалитета" if hidden else "")
                + " разработаны индивидуальные "
                "образовательные маршруты (далее — ИОМ)."
            )
        elif b2:
            statements.append(
                f"Для {fmt_count(b2)} педагогов организаций муниципального образования разработаны "
                "индивидуальные образовательные маршруты (далее — ИОМ)."
            )
        else:
            statements.append("Индивидуальные образовательные маршруты за период не разработаны.")
        if f2 is None:
            formula = (
                "F₂ = B₂ / C₂ · 100 % — не рассчитывается: ни один педагог не прошёл диагностику (C₂ = 0)."
            )
            statements.append(
                "Показатель F₂ не рассчитывается: нет педагогов, прошедших диагностику (знаменатель C₂ равен нулю)."
            )
        else:
            formula = f"F₂ = {fmt_count(b2)} / {fmt_count(c2)} · 100 % = {fmt_percent(f2)}"
            statements.append(
                "По результатам мониторинга доля педагогических работников, для которых разработан ИОМ "
                f"непрерывного профессионального развития, составила {fmt_percent(f2)}."
            )
        summary = Table(
            key="f2",
            sheet="F2",
            title="Показатель F₂ муниципального образования",
            columns=["Показатель", "Значение"],
            rows=[
                ["B₂ — численность педагогических работников, для которых разработан ИОМ, чел.", b2],
                ["C₂ — общая численность педагогических работников, прошедших диагностику, чел.", c2],
                ["F₂ = B₂ / C₂ · 100, %", f2 if f2 is not None else "не рассчитывается (C₂ = 0)"],
            ],
        )
        return {
            "statements": statements,
            "tables": [summary, table],
            "formula": formula,
            "b2": b2,
            "c2": c2,
            "f2": f2,
        }
