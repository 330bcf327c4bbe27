"""The analytic report on ИОМ accounting (seed 001, Kuzbass): the municipality table with a computed
total, the highest and lowest coverage in words, organizations covered, routes by stage, the context
distributions with charts, deficit levels per competence, what the routes address, the kinds, levels
and formats of chosen activities, and the curators' review outcomes."""

from __future__ import annotations

from monitoring.charts import bar_chart, pie_chart
from monitoring.choices import ReportKind
from monitoring.extremes import extremes, sentence
from monitoring.numbers import fmt, fmt_percent, percent

from . import figures
from .base import HIDDEN, MISSING, Report, Table


def _share_rows(items, places=1) -> list[list]:
    total = sum(n for _, n in items)
    return [[label, n, percent(n, total, places) if total else None] for label, n in items]


def _share_total(items) -> list:
    total = sum(n for _, n in items)
    return ["Итого", total, percent(total, total) if total else None]


class AnalyticReport(Report):
    kind = ReportKind.ANALYTIC
    title = (
        "Аналитический отчёт по учёту индивидуальных образовательных маршрутов совершенствования "
        "профессионального мастерства педагогических работников, разработанных на основе диагностики "
        "профессиональных дефицитов"
    )
    template_name = "monitoring/reports/pdf/analytic.html"

    def compute(self) -> dict:
        period, source = self.period, self.source
        shares = source.by_municipality("IOM_SHARE")
        table_rows = []
        known_teachers = 0
        iom_in_known = 0
        iom_total = 0
        missing = []
        for n, m in enumerate(figures.municipality_names(period.region_id), 1):
            v = shares.get(m["id"]) or figures.Value("municipality", m["id"], numerator=0)
            teachers, with_iom = v.den, v.num or 0
            share = percent(with_iom, teachers, self.places_for("IOM_SHARE")) if teachers else None
            table_rows.append(
                [f"{n}.", m["name"], teachers, with_iom, share if share is not None else MISSING]
            )
            iom_total += with_iom
            if teachers:
                known_teachers += teachers
                iom_in_known += with_iom
            else:
                missing.append(m["name"])
        total_share = percent(iom_in_known, known_teachers, self.places_for("IOM_SHARE"))
        municipality_table = Table(
            key="municipalities",
            sheet="Муниципалитеты",
            title="Таблица 1. Количество педагогов, осуществляющих непрерывное профессиональное развитие на основе ИОМ",
            columns=[
                "№ п/п",
                "Муниципальное образование",
                "Общее количество педагогов, чел.",
                "Количество педагогов, разработавших ИОМ на основании результатов диагностики, чел.",
                "Доля от общего числа педагогических работников муниципального образования, %",
            ],
            rows=table_rows,
            total=[
                "",
                "ИТОГО",
                known_teachers or None,
                iom_total,
                total_share if total_share is not None else MISSING,
            ],
            note=(
                "Итоговая строка вычислена по строкам таблицы. "
                + (
                    f"Нет данных об официальной численности педагогов: {', '.join(missing)}; доля для них не "
                    "рассчитывается, итоговая доля — по муниципалитетам с известной численностью."
                    if missing
                    else ""
                )
            ).strip(),
        )
        statements = []
        valued = sorted((r[4], r[1]) for r in table_rows if r[4] is not None and not isinstance(r[4], str))
        if valued:
            # Said only between two or more municipalities whose shares differ; ties listed together.
            compared = sentence(
                extremes(valued, lambda t: t[0], lambda t: t[1]),
                what="Наибольший охват педагогов построением ИОМ",
                lowest_word="наименьший",
                group="муниципалитет",
                equal="Охват педагогов построением ИОМ одинаков во всех муниципалитетах",
                fmt=fmt_percent,
            )
            if compared:
                statements.append(compared)
        else:
            statements.append(
                "Нет данных об официальной численности педагогов ни по одному муниципалитету: доли не рассчитываются."
            )
        statements.append(
            f"Всего педагогов с ИОМ: {fmt(iom_total, 0)}"
            + (
                f", что составляет {fmt_percent(total_share)} от общего числа педагогических работников "
                f"({fmt(known_teachers, 0)} чел.)."
                if total_share is not None
                else "; официальная численность педагогов не введена, доля не рассчитывается."
            )
        )
        coverage = source.region("ORG_COVERAGE")
        orgs = {"covered": coverage.num or 0, "total": coverage.den}
        org_share = percent(orgs["covered"], orgs["total"])
        if org_share is None:
            statements.append(
                f"При построении ИОМ охвачено организаций: {fmt(orgs['covered'], 0)}; общее число образовательных "
                "организаций не введено, доля не рассчитывается."
            )
        else:
            statements.append(
                f"При построении ИОМ охвачено {fmt(orgs['covered'], 0)} образовательных организаций региона, что "
                f"составляет {fmt_percent(org_share)} от общего числа образовательных организаций "
                f"({fmt(orgs['total'], 0)})."
            )

        dist = source.distributions(aggregate=self.aggregate)  # small groups summed for the ministry
        stages = dist["stages"]
        stage_table = Table(
            key="stages",
            sheet="Стадии ИОМ",
            title="ИОМ по стадиям",
            columns=["Стадия", "Количество ИОМ", "Доля, %"],
            rows=_share_rows(stages),
            total=_share_total(stages),
        )
        completing = dict(stages).get("завершается", 0)
        if completing:
            statements.append(f"Из них {fmt(completing, 0)} ИОМ находятся в стадии завершения.")

        dist_tables = [
            Table(
                key=f"dist_{key}",
                sheet=sheet,
                title=title,
                columns=[column, "Педагогов, чел.", "Доля, %"],
                rows=_share_rows(items),
                total=_share_total(items),
            )
            for key, sheet, title, column, items in (
                (
                    "education",
                    "Образование",
                    "Рис. 1. Распределение педагогов, построивших ИОМ, по уровню образования",
                    "Образование",
                    dist["education"],
                ),
                (
                    "category",
                    "Категория",
                    "Рис. 2. Распределение педагогов, построивших ИОМ, по квалификационным категориям",
                    "Квалификационная категория",
                    dist["category"],
                ),
                (
                    "experience",
                    "Стаж",
                    "Рис. 3. Распределение педагогов, построивших ИОМ, по количеству лет педагогического стажа",
                    "Педагогический стаж",
                    dist["experience"],
                ),
            )
        ]
        charts = {
            "education": pie_chart(dist["education"], title=dist_tables[0].title),
            "category": pie_chart(dist["category"], title=dist_tables[1].title),
            "experience": pie_chart(dist["experience"], title=dist_tables[2].title),
        }

        coverage_count = len(statements)
        deficit_rows = []
        for d in dist["deficits"]:
            t = d["total"]
            if self.hides(t):
                deficit_rows.append([d["block"], t, *[HIDDEN] * 6])
                continue
            deficit_rows.append(
                [
                    d["block"],
                    t,
                    d["high"],
                    percent(d["high"], t),
                    d["medium"],
                    percent(d["medium"], t),
                    d["minimal"],
                    percent(d["minimal"], t),
                ]
            )
        deficit_table = Table(
            key="deficits",
            sheet="Дефициты",
            title="Уровень профессиональных дефицитов по компетенциям (входная диагностика)",
            columns=[
                "Компетенция",
                "Педагогов, чел.",
                "Высокий, чел.",
                "Высокий, %",
                "Средний, чел.",
                "Средний, %",
                "Минимальный, чел.",
                "Минимальный, %",
            ],
            rows=deficit_rows,
            note=self.hidden_note() if any(r[2] == HIDDEN for r in deficit_rows) else "",
        )
        shown = [r for r in deficit_rows if r[2] != HIDDEN]
        worst = extremes(shown, lambda r: r[3] or 0, lambda r: f"«{r[0]}»")
        if worst is not None and not worst["equal"]:
            # Only a comparison when two or more competences differ; ties named together.
            names = worst["highest"]["names"]
            where = "по компетенции" if len(names) == 1 else "по компетенциям"
            statements.append(
                f"Наибольшая доля педагогов с высоким уровнем дефицитов — {where} {', '.join(names)}: "
                f"{fmt_percent(worst['highest']['value'])}."
            )
        charts["deficits"] = bar_chart(
            [(r[0], r[3] or 0) for r in shown],
            title="Доля педагогов с высоким уровнем дефицитов, %",
            unit="%",
            value_places=1,
        )

        deficit_count = len(statements)
        combinations = dist["combinations"]
        n_routes = sum(n for _, n in combinations)
        per_competence: dict[str, int] = {}
        for combo, n in combinations:
            for name in combo.split(" + "):
                per_competence[name] = per_competence.get(name, 0) + n
        content = {
            "per_competence": sorted(per_competence.items(), key=lambda kv: (-kv[1], kv[0])),
            "combinations": combinations,
            "multi": sum(n for combo, n in combinations if " + " in combo),
            "kinds": dist["activity_kinds"],
            "levels": dist["activity_levels"],
            "formats": dist["activity_formats"],
        }
        competence_table = Table(
            key="competences",
            sheet="Компетенции ИОМ",
            title="Рис. 4. Распределение выбранной траектории профессионального развития по компетенциям",
            columns=["Компетенция", "ИОМ, включающих мероприятия по компетенции", "Доля от числа ИОМ, %"],
            rows=[[name, n, percent(n, n_routes)] for name, n in content["per_competence"]],
            note=f"Всего ИОМ: {fmt(n_routes, 0)}. Один ИОМ может развивать несколько компетенций.",
        )
        combo_table = Table(
            key="combinations",
            sheet="Сочетания компетенций",
            title="Сочетания компетенций, на развитие которых направлены ИОМ",
            columns=["Сочетание компетенций", "ИОМ", "Доля от числа ИОМ, %"],
            rows=[[combo, n, percent(n, n_routes)] for combo, n in content["combinations"]],
        )
        if n_routes:
            statements.append(
                f"ИОМ, сочетающих два и более направления профессионального развития: {fmt(content['multi'], 0)} "
                f"({fmt_percent(percent(content['multi'], n_routes))} от числа ИОМ)."
            )
        charts["competences"] = bar_chart(content["per_competence"], title=competence_table.title)
        activity_tables = [
            Table(
                key=f"activities_{key}",
                sheet=sheet,
                title=title,
                columns=[column, "Мероприятий", "Доля, %"],
                rows=_share_rows(content[key]),
                total=_share_total(content[key]),
            )
            for key, sheet, title, column in (
                (
                    "kinds",
                    "Виды мероприятий",
                    "Виды выбранных образовательных мероприятий",
                    "Вид мероприятия",
                ),
                ("levels", "Уровни мероприятий", "Уровни выбранных образовательных мероприятий", "Уровень"),
                ("formats", "Форматы мероприятий", "Форматы выбранных образовательных мероприятий", "Формат"),
            )
        ]
        content_count = len(statements)
        verdict_items = dist["verdicts"]
        verdict_table = Table(
            key="verdicts",
            sheet="Проверка ИОМ",
            title="Результаты проверки ИОМ кураторами",
            columns=["Заключение куратора", "ИОМ", "Доля, %"],
            rows=_share_rows(verdict_items),
            total=_share_total(verdict_items),
        )
        reviewed = sum(n for _, n in verdict_items)
        if reviewed:
            statements.append(
                "По результатам проверки: "
                + "; ".join(
                    f"{label} — {fmt_percent(percent(n, reviewed))} ИОМ" for label, n in verdict_items
                )
                + "."
            )
        else:
            statements.append("Заключений кураторов по ИОМ за период нет.")
        charts["verdicts"] = pie_chart(verdict_items, title=verdict_table.title)

        return {
            "statements": statements,
            "sections": {
                "coverage": statements[:coverage_count],
                "deficits": statements[coverage_count:deficit_count],
                "content": statements[deficit_count:content_count],
                "verdicts": statements[content_count:],
            },
            "tables": [
                municipality_table,
                stage_table,
                *dist_tables,
                deficit_table,
                competence_table,
                combo_table,
                *activity_tables,
                verdict_table,
            ],
            "charts": charts,
            "iom_total": iom_total,
            "total_share": total_share,
        }
