"""The quarterly monitoring form of the Centre's efficiency indicators (seed 002, Kirov): the six
indicators with the planned value for the year against the achieved value, and the supporting lists:
the Centre's staff trained by the Federal coordinator (names, programmes: personal data) and the
regional events held. Shares are printed with the decimals of the seed form (monitoring.numbers.DECIMALS:
the ИОМ share 5,85 %, 13 of 16 staff 81,3 %), as the dashboard prints them."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

from cnppm import disclosure
from cnppm.russian import plural
from monitoring.choices import IndicatorCode, ReportKind
from monitoring.numbers import fmt, fmt_count, fmt_percent, percent, plan_figure

from . import figures
from .base import MISSING, Report, Table

# The six indicators of the form, in its order, with the unit ("%" or a count).
FORM = (
    (IndicatorCode.IOM_SHARE, "%"),
    (IndicatorCode.STAFF_FED_TRAINED, "%"),
    (IndicatorCode.REGIONAL_EVENTS, "count"),
    (IndicatorCode.MGMT_TEAMS, "%"),
    (IndicatorCode.MENTORING, "%"),
    (IndicatorCode.TEACHERS_TRAINED, "%"),
)

FORM_NAMES = {
    IndicatorCode.IOM_SHARE: (
        "Доля педагогических работников и управленческих кадров, для которых в Центрах разработаны "
        "индивидуальные образовательные маршруты на основе результатов диагностики профессиональных компетенций"
    ),
    IndicatorCode.STAFF_FED_TRAINED: "Доля сотрудников Центра, прошедших обучение на базе Федерального координатора",
    IndicatorCode.REGIONAL_EVENTS: (
        "Количество проведённых мероприятий регионального уровня в рамках функционирования единой федеральной "
        "системы научно-методического сопровождения педагогических работников и управленческих кадров"
    ),
    IndicatorCode.MGMT_TEAMS: (
        "Доля образовательных организаций субъекта Российской Федерации, принявших участие в программах "
        "повышения квалификации управленческих команд (руководителей и заместителей руководителей)"
    ),
    IndicatorCode.MENTORING: (
        "Доля общеобразовательных организаций, образовательных организаций дополнительного образования и "
        "профессиональных образовательных организаций, реализующих целевую модель наставничества педагогических работников"
    ),
    IndicatorCode.TEACHERS_TRAINED: (
        "Доля педагогических работников общеобразовательных организаций, прошедших повышение квалификации, "
        "в том числе в центрах непрерывного повышения профессионального мастерства"
    ),
}


def _date(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d.%m.%Y")


class QuarterlyReport(Report):
    kind = ReportKind.QUARTERLY
    title = (
        "Форма ежеквартального мониторинга выполнения показателей создания и функционирования центра "
        "непрерывного повышения профессионального мастерства педагогических работников"
    )
    template_name = "monitoring/reports/pdf/quarterly.html"
    has_personal_data = True  # the full rendering lists trained staff by name; the aggregate one counts

    STAFF_TITLE = "Показатель 2. Сотрудники Центра, прошедшие обучение на базе Федерального координатора"

    def _staff_list(self, staff: list[dict]) -> Table:
        """The full rendering: who was trained, with their position and programmes (personal data)."""
        return Table(
            key="staff",
            sheet="Обучение сотрудников",
            title=self.STAFF_TITLE,
            columns=["№", "ФИО, должность", "Повышение квалификации"],
            widths=["6%", "34%", "60%"],
            rows=[
                [n, f"{p['name']}{', ' + p['position'] if p['position'] else ''}", " ".join(p["programmes"])]
                for n, p in enumerate(staff, 1)
            ],
        )

    def _staff_counts(self, staff: list[dict]) -> Table:
        """The aggregate rendering (the ministry): head counts by position, no names; positions held by
        fewer than the small-group threshold are counted together, so a count does not point at a person."""
        limit = disclosure.threshold()
        by_position = Counter((p["position"] or "").strip() or "должность не указана" for p in staff)
        rows = [[position, n] for position, n in sorted(by_position.items()) if n >= limit]
        rest = sum(n for n in by_position.values() if n < limit)
        if rest:
            rows.append([f"другие должности (менее {limit} чел. на должность)", rest])
        return Table(
            key="staff",
            sheet="Обучение сотрудников",
            title=self.STAFF_TITLE,
            columns=["Должность", "Сотрудников, чел."],
            widths=["75%", "25%"],
            rows=rows,
            total=["Итого", len(staff)] if staff else None,
            note="Обезличенный вариант: численность по должностям, без фамилий.",
        )

    def _courses_table(self, period) -> Table:
        """Indicator 6's supporting list: the Centre's programmes run since 1 January with their
        participants and completions (courses.selectors_figures; counts, no names)."""
        from courses.selectors_figures import courses_of_period

        courses = courses_of_period(period.region_id, date(period.ends_on.year, 1, 1), period.ends_on)
        return Table(
            key="courses",
            sheet="Курсы",
            title=(
                "Показатель 6. Программы повышения квалификации, реализованные с начала года: "
                "слушатели и завершившие обучение"
            ),
            columns=["№", "Программа", "Исполнитель", "Часов", "Групп", "Слушателей", "Завершили обучение"],
            widths=["6%", "36%", "20%", "8%", "8%", "10%", "12%"],
            rows=[
                [n, c["title"], c["provider"], c["hours"], c["groups"], c["participants"], c["completed"]]
                for n, c in enumerate(courses, 1)
            ],
            total=[
                "",
                "Итого по программам",
                "",
                "",
                sum(c["groups"] for c in courses),
                sum(c["participants"] for c in courses),
                sum(c["completed"] for c in courses),
            ]
            if courses
            else None,
        )

    def _share_text(self, code: str, num, den) -> str:
        n = self.places_for(code)
        return fmt_percent(percent(num, den, n), n, missing="нет данных")

    def _achieved(self) -> dict:
        """{code: (numerator, denominator)} of the region: stored snapshots of a closed period, else
        the live computation (monitoring.indicators)."""
        return {code: (self.source.region(code).num, self.source.region(code).den) for code, _ in FORM}

    def compute(self) -> dict:
        from monitoring.models import IndicatorPlan

        period = self.period
        year = period.ends_on.year
        plans = dict(
            IndicatorPlan.objects.filter(
                region_id=period.region_id, indicator__code__in=[c for c, _ in FORM], year=year
            ).values_list("indicator__code", "value")
        )
        achieved = self._achieved()
        rows = []
        statements = []
        for n, (code, unit) in enumerate(FORM, 1):
            num, den = achieved[code]
            plan = plans.get(code)
            if unit == "count":
                value = num
                plan_cell = int(plan) if plan is not None else "не установлено"
                value_cell = num if num is not None else MISSING
            else:
                value = percent(num, den, self.places_for(code))
                plan_cell = plan_figure(plan) if plan is not None else "не установлено"
                value_cell = value if value is not None else "нет данных (знаменатель не введён)"
            met = None
            if plan is not None and value is not None:
                met = "выполнен" if Decimal(value) >= plan else "не выполнен"
            rows.append([f"{n}.", FORM_NAMES[code], plan_cell, value_cell, num, den, met or "—"])
        table = Table(
            key="indicators",
            sheet="Показатели",
            title="Перечень показателей эффективности центров непрерывного повышения профессионального мастерства",
            columns=[
                "№",
                "Наименование индикатора/показателя",
                f"Плановое значение на конец {year} года",
                "Достигнутое значение",
                "Числитель",
                "Знаменатель",
                "Выполнение",
            ],
            rows=rows,
            # The form's proportions: the indicator's name takes the width, the figures stay narrow.
            widths=["5%", "45%", "10%", "10%", "10%", "10%", "10%"],
            note=(
                "Доли — в процентах, с числом знаков после запятой, как в форме (округление половины "
                "вверх); те же значения и знаки — на панели мониторинга."
            ),
        )

        iom_num, iom_den = achieved[IndicatorCode.IOM_SHARE]
        iom_places = self.places_for(IndicatorCode.IOM_SHARE)
        iom_share = percent(iom_num, iom_den, iom_places)
        statements.append(
            f"Показатель 1. Индивидуальные образовательные маршруты спроектированы для {fmt_count(iom_num)} {plural(iom_num, 'педагог', 'gent')}"
            + (
                f", что составляет {fmt_percent(iom_share, iom_places)} от общего числа педагогических работников "
                f"({fmt_count(iom_den)} чел.)."
                if iom_share is not None
                else "; официальная численность педагогов не введена, доля не рассчитывается."
            )
        )
        s_num, s_den = achieved[IndicatorCode.STAFF_FED_TRAINED]
        statements.append(
            f"Показатель 2. Обучение на базе Федерального координатора прошли сотрудники: {fmt_count(s_num)} "
            f"из {fmt_count(s_den)} ({self._share_text(IndicatorCode.STAFF_FED_TRAINED, s_num, s_den)})."
        )
        events = self.source.region(IndicatorCode.REGIONAL_EVENTS).inputs.get("events", [])
        statements.append(
            f"Показатель 3. Проведено мероприятий регионального уровня: {fmt_count(achieved[IndicatorCode.REGIONAL_EVENTS][0])}."
        )
        m_num, m_den = achieved[IndicatorCode.MGMT_TEAMS]
        statements.append(
            f"Показатель 4. Управленческие команды {fmt_count(m_num)} "
            f"{plural(m_num, 'образовательная организация', 'gent')} прошли повышение "
            f"квалификации; всего организаций {fmt_count(m_den, missing='— (не введено)')}."
        )
        t_num, t_den = achieved[IndicatorCode.MENTORING]
        statements.append(
            f"Показатель 5. Целевую модель наставничества реализуют организации: {fmt_count(t_num)} из "
            f"{fmt_count(t_den, missing='— (не введено)')}."
        )
        q_num, q_den = achieved[IndicatorCode.TEACHERS_TRAINED]
        statements.append(
            f"Показатель 6. Повышение квалификации прошли педагогические работники общеобразовательных "
            f"организаций: {fmt_count(q_num)} из {fmt_count(q_den, missing='— (не введено)')}."
        )

        staff = figures.staff_trained(period)
        staff_table = self._staff_counts(staff) if self.aggregate else self._staff_list(staff)
        events_table = Table(
            key="events",
            sheet="Мероприятия",
            title="Показатель 3. Мероприятия регионального уровня, проведённые Центром",
            columns=["№", "Дата", "Мероприятие", "Форма", "Участников", "Организатор"],
            widths=["6%", "17%", "31%", "14%", "12%", "20%"],  # a date on one line
            rows=[
                [n, _date(e["held_on"]), e["title"], e["kind"], e["participants"], e["organizer"]]
                for n, e in enumerate(events, 1)
            ],
            total=["", "", "Итого", "", sum(e["participants"] for e in events), ""] if events else None,
        )
        return {
            "statements": statements,
            "tables": [table, staff_table, events_table, self._courses_table(period)],
            "year": year,
            "fmt": fmt,
        }
