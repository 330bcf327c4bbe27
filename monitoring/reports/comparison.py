"""The comparison of monitoring periods (seed 000, Khabarovsk): ИОМ counted cumulatively at the end
of each period, the share of all teachers and its growth, diagnostics statistics per competence
(participants, mean, min, max), and the pool of tutors and curators by kind against the norm of one
tutor and one curator per 200 teachers."""

from __future__ import annotations

from cnppm.choices import SupportKind
from cnppm.russian import plural
from monitoring.choices import ReportKind
from monitoring.indicators import support_norm
from monitoring.numbers import fmt, fmt_count, fmt_percent, percent, percent_growth, places, quantize, ratio

from . import figures
from .base import HIDDEN, MISSING, Report, Table


def _pool(value: figures.Value) -> dict:
    """The SUPPORT_POOL inputs as the report prints them: people, tutors, curators, by kind."""
    inputs = value.inputs or {}
    by_kind: dict[str, int] = {}
    for part in ("tutors_by_kind", "curators_by_kind"):
        for kind, n in (inputs.get(part) or {}).items():
            by_kind[kind] = by_kind.get(kind, 0) + n
    kinds = [(label, by_kind.get(value_, 0)) for value_, label in SupportKind.choices]
    if by_kind.get("unknown"):
        kinds.append(("вид не указан", by_kind["unknown"]))
    return {
        "people": value.num or 0,
        "tutors": inputs.get("tutors") or 0,
        "curators": inputs.get("curators") or 0,
        "kinds": kinds,
    }


class ComparisonReport(Report):
    kind = ReportKind.COMPARISON
    title = "Анализ эффективности принятых мер по результатам мониторингов: сравнение периодов"
    template_name = "monitoring/reports/pdf/comparison.html"
    requires_comparison = True

    def compute(self) -> dict:
        before, after = self.compare_with, self.period
        source_before = figures.Source(before)
        f_before = source_before.region("IOM_SHARE")
        f_after = self.source.region("IOM_SHARE")
        iom_places = self.places_for("IOM_SHARE")
        share_before = percent(f_before.num, f_before.den, iom_places)
        share_after = percent(f_after.num, f_after.den, iom_places)
        # Seed 000: the share with one decimal (14,3 %), its growth with two (7,45), from the counts.
        growth_places = places("comparison", "IOM_SHARE", growth=True)
        share_growth = percent_growth(f_after.num, f_after.den, f_before.num, f_before.den, growth_places)
        iom_table = Table(
            key="iom",
            sheet="Учёт ИОМ",
            title="Таблица сравнения показателя: учёт индивидуальных образовательных маршрутов (нарастающим итогом)",
            columns=["Показатель", before.code, after.code, "Прирост"],
            rows=[
                [
                    "Педагогов с ИОМ, чел. (нарастающим итогом)",
                    f_before.num,
                    f_after.num,
                    (f_after.num or 0) - (f_before.num or 0),
                ],
                [
                    "Общее число педагогических работников (официально), чел.",
                    f_before.den,
                    f_after.den,
                    None,
                ],
                [
                    "Доля педагогов с ИОМ от общего числа, %",
                    share_before if share_before is not None else MISSING,
                    share_after if share_after is not None else MISSING,
                    share_growth if share_growth is not None else MISSING,
                ],
            ],
            note="Прирост доли — в процентных пунктах.",
        )
        statements = [
            f"Учёт ИОМ: {fmt_count(f_before.num)} на конец периода {before.code}, "
            f"{fmt_count(f_after.num)} (нарастающим итогом) на конец периода {after.code}."
        ]
        if share_after is not None:
            statements.append(
                f"Показатель результата «Доля педагогических работников, для которых разработаны ИОМ на основе "
                f"результатов диагностики профессиональных компетенций» — {fmt_count(f_after.num)} "
                f"{plural(f_after.num, 'человек')}, что "
                f"составило {fmt_percent(share_after, iom_places)} от общего числа педагогических работников — "
                f"{fmt_count(f_after.den)} {plural(f_after.den, 'человек')}."
            )
        else:
            statements.append(
                "Официальная численность педагогических работников не введена: доля не рассчитывается."
            )
        if share_growth is not None:
            statements.append(
                f"Прирост показателя по сравнению с предыдущим отчётным периодом составил {fmt(share_growth, growth_places)} п. п."
            )

        stats_rows = []
        for s in figures.diagnostics_statistics(after):
            if self.hides(s["participants"]):
                stats_rows.append([s["block__name"], s["participants"], HIDDEN, HIDDEN, HIDDEN])
                continue
            stats_rows.append(
                [
                    s["block__name"],
                    s["participants"],
                    quantize(s["mean"], 1),
                    quantize(s["high"], 1),
                    quantize(s["low"], 1),
                ]
            )
        stats_table = Table(
            key="diagnostics",
            sheet="Диагностика",
            title=f"Результаты диагностики профессиональных компетенций на конец периода {after.code}",
            columns=[
                "Компетенция",
                "Прошли диагностику, чел.",
                "Среднее значение, %",
                "Максимальное, %",
                "Минимальное, %",
            ],
            rows=stats_rows,
            note=self.hidden_note() if any(r[2] == HIDDEN for r in stats_rows) else "",
        )
        for r in (r for r in stats_rows if r[2] != HIDDEN):
            statements.append(
                f"{r[0]} — {fmt_count(r[1])} {plural(r[1], 'человек')}, при среднем значении уровня компетенции "
                f"{fmt_percent(r[2])} "
                # A spread only when there is one: equal extremes mean every participant scored the same.
                + (
                    f"(максимальное значение — {fmt_percent(r[3])}, минимальное — {fmt_percent(r[4])})."
                    if r[3] != r[4]
                    else f"(у всех участников одинаково — {fmt_percent(r[3])})."
                )
            )

        pool_before = _pool(source_before.region("SUPPORT_POOL"))
        pool_after = _pool(self.source.region("SUPPORT_POOL"))
        pool_table = Table(
            key="pool",
            sheet="Тьюторы и кураторы",
            title="Таблица сравнения показателя: обеспечение ЦНППМ кураторами и тьюторами индивидуальных маршрутов",
            columns=["Показатель", before.code, after.code, "Прирост"],
            rows=[
                [
                    "Тьюторов и кураторов, чел.",
                    pool_before["people"],
                    pool_after["people"],
                    pool_after["people"] - pool_before["people"],
                ],
                [
                    "Тьюторов, чел.",
                    pool_before["tutors"],
                    pool_after["tutors"],
                    pool_after["tutors"] - pool_before["tutors"],
                ],
                [
                    "Кураторов, чел.",
                    pool_before["curators"],
                    pool_after["curators"],
                    pool_after["curators"] - pool_before["curators"],
                ],
            ],
        )
        kind_table = Table(
            key="pool_kinds",
            sheet="Состав пула",
            title=f"Состав пула тьюторов и кураторов на конец периода {after.code}",
            columns=["Вид", "Человек"],
            rows=[[label, n] for label, n in pool_after["kinds"]],
            total=["Итого", sum(n for _, n in pool_after["kinds"])],
            note="Человек, совмещающий роли тьютора и куратора с разным видом занятости, учитывается по каждому виду.",
        )
        norm = support_norm()
        teachers = f_after.den
        per_tutor = ratio(teachers, pool_after["tutors"], 1)
        per_curator = ratio(teachers, pool_after["curators"], 1)
        need_tutors = -(-teachers // norm) if teachers else None
        norm_table = Table(
            key="norm",
            sheet="Норматив",
            title=f"Обеспеченность по нормативу: 1 тьютор и 1 куратор на {norm} "
            f"{plural(norm, 'педагогический работник', 'accs')}",
            columns=["", "Фактически, чел.", "Требуется по нормативу, чел.", "Педагогов на одного, чел."],
            rows=[
                [
                    "Тьюторы",
                    pool_after["tutors"],
                    need_tutors,
                    per_tutor if per_tutor is not None else MISSING,
                ],
                [
                    "Кураторы",
                    pool_after["curators"],
                    need_tutors,
                    per_curator if per_curator is not None else MISSING,
                ],
            ],
            note=(
                "Норматив рассчитан от официальной численности педагогических работников."
                if teachers
                else "Официальная численность педагогических работников не введена: норматив не рассчитывается."
            ),
        )
        delta = pool_after["people"] - pool_before["people"]
        statements.append(
            f"Количество тьюторов и кураторов {'увеличилось' if delta > 0 else 'уменьшилось' if delta < 0 else 'не изменилось'}"
            + (f" на {fmt_count(abs(delta))} {plural(abs(delta), 'человек', 'accs')}" if delta else "")
            + f": {fmt_count(pool_before['people'])} → {fmt_count(pool_after['people'])}."
        )
        statements.append(
            f"Пул тьюторов и кураторов насчитывает {fmt_count(pool_after['people'])} чел., из них "
            + ", ".join(f"{label} — {fmt_count(n)}" for label, n in pool_after["kinds"])
            + "."
        )
        for label, value in (("тьютора", per_tutor), ("куратора", per_curator)):
            if value is not None and value > norm:
                statements.append(
                    f"Нагрузка превышает норматив: {fmt(value, 1)} {plural(value, 'педагог')} на одного {label} "
                    f"при нормативе {norm}."
                )
        return {
            "statements": statements,
            "tables": [iom_table, stats_table, pool_table, kind_table, norm_table],
        }
