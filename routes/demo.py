"""The routes part of the demo region: a catalogue of ~60 activities (regional ЦНППМ programmes
with hours and registry numbers, municipal seminars, webinars, internships …) and route cards for
most diagnosed teachers across every status, built through the services so that events, reviews,
comments and corrections are real. Verdicts of first reviews follow seed 001 (44 % no
corrections, 35 % minor, 21 % major). teacher1 is left without a route. Deterministic via ctx.rng."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cnppm.models import Person, Subject, SupportAssignment
from diagnostics.choices import AttemptStatus, InstrumentKind
from diagnostics.models import Attempt, CompetenceBlock

from . import selectors
from .choices import ActivityFormat as F
from .choices import ActivityKind as K
from .choices import ActivityLevel as L
from .choices import RouteStatus as S
from .choices import Verdict
from .models import Activity

REGIONAL = [
    # (kind, title, competences, subjects, hours, registry)
    (
        K.QUALIFICATION,
        "Школа современного учителя физики: достижения российской науки",
        ["subject", "methodical"],
        ["physics"],
        100,
        "ФР-2025-0112",
    ),
    (
        K.QUALIFICATION,
        "Школа современного учителя математики: достижения российской науки",
        ["subject", "methodical"],
        ["mathematics"],
        100,
        "ФР-2025-0113",
    ),
    (
        K.QUALIFICATION,
        "Школа современного учителя химии",
        ["subject", "methodical"],
        ["chemistry"],
        100,
        "ФР-2025-0114",
    ),
    (
        K.QUALIFICATION,
        "Школа современного учителя биологии",
        ["subject", "methodical"],
        ["biology"],
        100,
        "ФР-2025-0115",
    ),
    (
        K.QUALIFICATION,
        "Школа современного учителя русского языка и литературы",
        ["subject", "methodical"],
        ["russian", "literature"],
        100,
        "ФР-2025-0116",
    ),
    (
        K.QUALIFICATION,
        "Реализация требований обновлённых ФГОС ООО, ФГОС СОО в работе учителя",
        ["methodical"],
        [],
        36,
        "ФР-2025-0201",
    ),
    (
        K.QUALIFICATION,
        "Формирование функциональной грамотности обучающихся",
        ["methodical", "subject"],
        [],
        72,
        "ФР-2025-0202",
    ),
    (K.QUALIFICATION, "Цифровая образовательная среда: инструменты учителя", ["ict"], [], 36, "ФР-2025-0203"),
    (
        K.QUALIFICATION,
        "Психолого-педагогическое сопровождение обучающихся с ОВЗ",
        ["psychological"],
        [],
        72,
        "ФР-2025-0204",
    ),
    (
        K.QUALIFICATION,
        "Методика подготовки обучающихся к ОГЭ и ЕГЭ по математике",
        ["subject"],
        ["mathematics"],
        36,
        "",
    ),
    (K.QUALIFICATION, "Решение олимпиадных задач по физике", ["subject"], ["physics"], 36, ""),
    (K.QUALIFICATION, "Трудные вопросы истории России", ["subject"], ["history"], 36, ""),
    (
        K.QUALIFICATION,
        "Коммуникативная компетентность педагога: конфликты и медиация",
        ["communicative", "psychological"],
        [],
        36,
        "",
    ),
    (
        K.QUALIFICATION,
        "Наставничество в образовательной организации",
        ["communicative", "methodical"],
        [],
        36,
        "ФР-2025-0311",
    ),
    (K.QUALIFICATION, "Формирующее оценивание на уроке", ["methodical"], [], 24, ""),
    (
        K.RETRAINING,
        "Педагогическое образование: учитель информатики",
        ["subject", "ict"],
        ["informatics"],
        288,
        "",
    ),
    (K.RETRAINING, "Менеджмент в образовании", ["methodical", "communicative"], [], 260, ""),
    (K.INTERNSHIP, "Стажировка на базе школы — лидера: проектная деятельность", ["methodical"], [], 16, ""),
    (
        K.INTERNSHIP,
        "Стажировка в точке роста: естественнонаучная лаборатория",
        ["subject", "ict"],
        ["physics", "chemistry", "biology"],
        16,
        "",
    ),
    (
        K.INTERNSHIP,
        "Стажировка: инклюзивная практика в общеобразовательной школе",
        ["psychological"],
        [],
        24,
        "",
    ),
    (
        K.WORKSHOP,
        "Практикум «Разбор заданий ВПР повышенной сложности»",
        ["subject"],
        ["mathematics", "russian"],
        8,
        "",
    ),
    (K.WORKSHOP, "Практикум «Цифровые сервисы для проверочных работ»", ["ict"], [], 6, ""),
    (K.WORKSHOP, "Практикум «Приёмы смыслового чтения на уроках»", ["methodical"], [], 6, ""),
    (
        K.MASTER_CLASS,
        "Мастер-класс победителя конкурса «Учитель года» по физике",
        ["methodical", "subject"],
        ["physics"],
        4,
        "",
    ),
    (
        K.MASTER_CLASS,
        "Мастер-класс «Игровые технологии в начальной школе»",
        ["methodical"],
        ["primary"],
        4,
        "",
    ),
    (K.MASTER_CLASS, "Мастер-класс «Интерактивная доска и онлайн-доски на уроке»", ["ict"], [], 3, ""),
    (
        K.CONFERENCE,
        "Региональная конференция «Непрерывное развитие педагога»",
        ["methodical", "communicative"],
        [],
        8,
        "",
    ),
    (K.CONFERENCE, "Научно-практическая конференция «Цифровая школа»", ["ict"], [], 8, ""),
    (
        K.ROUND_TABLE,
        "Круглый стол «Профилактика буллинга в школе»",
        ["psychological", "communicative"],
        [],
        3,
        "",
    ),
    (K.CONSULTATION, "Индивидуальные консультации методиста ЦНППМ по ИОМ", ["methodical"], [], 2, ""),
    (K.CONSULTATION, "Консультации педагога-психолога ЦНППМ", ["psychological"], [], 2, ""),
]
WEBINARS = [
    ("Вебинар «Федеральные рабочие программы: что изменилось»", ["methodical"], []),
    ("Вебинар «Подготовка к ЕГЭ по математике: профильный уровень»", ["subject"], ["mathematics"]),
    ("Вебинар «Эксперимент на уроке физики с цифровой лабораторией»", ["subject", "ict"], ["physics"]),
    ("Вебинар «Родительское собрание без конфликтов»", ["communicative"], []),
    ("Вебинар «Нейросети в работе учителя: возможности и риски»", ["ict"], []),
    ("Вебинар «Тревожность подростков перед экзаменами»", ["psychological"], []),
    (
        "Вебинар «Читательская грамотность на уроках истории»",
        ["subject", "methodical"],
        ["history", "social-studies"],
    ),
    ("Вебинар «Английский язык: коммуникативные задания ОГЭ»", ["subject"], ["english"]),
]
MUNICIPAL = [
    (K.SEMINAR, "Муниципальный семинар «Функциональная грамотность: опыт школ района»", ["methodical"]),
    (K.SEMINAR, "Семинар ММС «Анализ результатов ВПР»", ["subject", "methodical"]),
    (K.OPEN_LESSON, "Открытые уроки муниципальной методической недели", ["methodical", "communicative"]),
    (K.ROUND_TABLE, "Круглый стол руководителей методических объединений", ["communicative"]),
]
FINAL_EVENTS = [
    ("Открытый урок для педагогов муниципалитета", L.MUNICIPAL),
    ("Выступление на региональной конференции «Непрерывное развитие педагога»", L.REGIONAL),
    ("Мастер-класс на заседании методического объединения школы", L.INSTITUTIONAL),
    ("Публикация методической разработки в сборнике ЦНППМ", L.REGIONAL),
]
COMMENTS = [
    "Сроки курса пересекаются с отпуском — можно выбрать весенний поток?",
    "Обратите внимание на стажировку: она закрывает сразу два дефицита.",
    "Наставник готов посетить открытый урок.",
    "Удостоверение загрузите в подтверждение после окончания курса.",
]


def _catalogue(ctx, blocks, subjects) -> list[Activity]:
    rng, today = ctx.rng, ctx.today
    operator = next((p.user for p in ctx.by_role.get("operator", []) if p.user_id), None)
    created = []

    def make(
        kind, title, comps, subs, *, level, fmt, organizer, hours, registry="", municipality=None, audience=""
    ):
        start = today + timedelta(days=rng.randint(-40, 150))
        length = max(1, (hours or 8) // 6)
        a = Activity.objects.create(
            kind=kind,
            title=title,
            level=level,
            format=fmt,
            organizer=organizer,
            municipality=municipality,
            starts_on=start,
            ends_on=start + timedelta(days=length if kind != K.WEBINAR else 0),
            hours=hours,
            in_federal_registry=bool(registry),
            registry_number=registry,
            audience=audience
            or (
                "учителя: " + ", ".join(subjects[s].name for s in subs if s in subjects)
                if subs
                else "педагогические работники"
            ),
            created_by=operator,
        )
        a.competences.set([blocks[c] for c in comps if c in blocks])
        a.subjects.set([subjects[s] for s in subs if s in subjects])
        created.append(a)

    for kind, title, comps, subs, hours, registry in REGIONAL:
        fmt = F.DISTANCE if kind in (K.QUALIFICATION, K.RETRAINING) and rng.random() < 0.5 else F.IN_PERSON
        make(
            kind,
            title,
            comps,
            subs,
            level=L.REGIONAL,
            fmt=fmt,
            organizer="ЦНППМ",
            hours=hours,
            registry=registry,
        )
    for title, comps, subs in WEBINARS:
        make(K.WEBINAR, title, comps, subs, level=L.REGIONAL, fmt=F.ONLINE, organizer="ЦНППМ", hours=2)
    make(
        K.QUALIFICATION,
        "Разговоры о важном: организация цикла внеурочных занятий",
        ["communicative", "methodical"],
        [],
        level=L.FEDERAL,
        fmt=F.DISTANCE,
        organizer="ФГАОУ ДПО «Академия Минпросвещения России»",
        hours=36,
        registry="ФР-2025-0007",
    )
    make(
        K.QUALIFICATION,
        "Цифровые технологии в образовании (федеральный проект «Кадры для цифровой экономики»)",
        ["ict"],
        [],
        level=L.FEDERAL,
        fmt=F.ONLINE,
        organizer="ФГАОУ ДПО «Академия Минпросвещения России»",
        hours=72,
        registry="ФР-2025-0019",
    )
    for municipality in ctx.municipalities[:5]:
        for kind, title, comps in MUNICIPAL:
            make(
                kind,
                title,
                comps,
                [],
                level=L.MUNICIPAL,
                fmt=F.IN_PERSON,
                organizer=f"ММС: {municipality.name}",
                hours=4,
                municipality=municipality,
            )
    return created


def _first_verdict(rng) -> str:
    x = rng.random()
    if x < 0.44:
        return Verdict.NO_CORRECTIONS
    if x < 0.79:
        return Verdict.MINOR
    return Verdict.MAJOR


def _target_status(rng, has_final: bool) -> str:
    x = rng.random()
    for status, upto in (
        (S.DRAFT, 0.10),
        (S.SUBMITTED, 0.20),
        (S.RETURNED, 0.28),
        (S.APPROVED, 0.40),
        (S.IN_PROGRESS, 0.72),
        (S.COMPLETING, 0.88),
    ):
        if x < upto:
            return status
    return S.COMPLETED if has_final else S.COMPLETING


ORDER = [S.DRAFT, S.SUBMITTED, S.RETURNED, S.APPROVED, S.IN_PROGRESS, S.COMPLETING, S.COMPLETED]


def seed(ctx) -> None:
    from .services import comments as comment_services
    from .services import corrections as correction_services
    from .services import implementation as implementation_services
    from .services import routes as svc

    rng = ctx.rng
    blocks = {b.code: b for b in CompetenceBlock.objects.all()}
    subjects = {s.code: s for s in Subject.objects.all()}
    _catalogue(ctx, blocks, subjects)

    diagnosed = set(
        Attempt.objects.filter(status=AttemptStatus.FINAL, instrument__kind=InstrumentKind.ENTRY).values_list(
            "person_id", flat=True
        )
    )
    with_final = set(
        Attempt.objects.filter(status=AttemptStatus.FINAL, instrument__kind=InstrumentKind.FINAL).values_list(
            "person_id", flat=True
        )
    )
    supporters = {}
    for sa in SupportAssignment.objects.filter(ended_at__isnull=True).select_related("supporter__user"):
        supporters.setdefault(sa.person_id, {})[sa.role] = sa.supporter
    region_methodist = next((p for p in ctx.by_role.get("regional_methodist", []) if p.user_id), None)
    heads = {p.organization_id: p for p in ctx.by_role.get("school_head", []) if p.user_id}

    teachers = (
        Person.objects.filter(pk__in=[t.pk for t in ctx.teachers if t.pk in diagnosed])
        .select_related("user", "organization__municipality__region")
        .order_by("pk")
    )
    for teacher in teachers:
        if teacher.user is None or teacher.user.username == "teacher1" or rng.random() >= 0.85:
            continue
        circle = supporters.get(teacher.pk, {})
        curator = circle.get("curator")
        target = _target_status(rng, teacher.pk in with_final)
        if curator is None or curator.user is None:
            target = S.DRAFT if rng.random() < 0.5 else S.SUBMITTED
        me = teacher.user
        route = svc.route_create(actor=me, teacher=teacher, academic_year=ctx.academic_year)
        # pick the best recommendation for each deficit (sometimes leave one uncovered)
        picked, covered = set(), set()
        for group in selectors.recommendations(route):
            options = [o for o in group["activities"] if o["activity"].pk not in picked]
            if group["block"] in covered or not options or rng.random() < 0.1:
                continue
            choice = options[0 if rng.random() < 0.7 else rng.randrange(len(options))]["activity"]
            svc.route_activity_add_from_catalogue(actor=me, route=route, activity=choice)
            picked.add(choice.pk)
            covered |= {c.pk for c in choice.competences.all()}
        if not route.activities.exists():
            svc.route_activity_add_manual(
                actor=me,
                route=route,
                title="Самообразование: изучение методической литературы",
                competences=[blocks["methodical"]] if "methodical" in blocks else list(blocks.values())[:1],
                level=L.INSTITUTIONAL,
                organizer=teacher.organization.short_name,
                starts_on=ctx.today,
                ends_on=ctx.today + timedelta(days=90),
                result_form="аналитическая справка",
            )
        deficits = [r["name"] for r in selectors.deficit_rows(route)]
        tasks = (
            "\n".join(f"Устранить затруднения по блоку «{name}»" for name in deficits)
            or "Закрепить достигнутый уровень"
        )
        event_title, event_level = FINAL_EVENTS[rng.randrange(len(FINAL_EVENTS))]
        start = ctx.today + timedelta(days=rng.randint(120, 220))
        svc.route_update(
            actor=me,
            route=route,
            educational_tasks=tasks,
            final_event_title=event_title,
            final_event_level=event_level,
            final_event_starts_on=start,
            final_event_ends_on=start,
            approval={
                "agreed": {
                    "position": "руководитель ОО",
                    "organization": teacher.organization.short_name,
                    "name": heads[teacher.organization_id].full_name
                    if teacher.organization_id in heads
                    else "",
                    "date": "",
                },
                "approved": {"position": "директор ЦНППМ", "organization": "ЦНППМ", "name": "", "date": ""},
            },
        )
        if target == S.DRAFT:
            continue
        svc.route_submit(actor=me, route=route)
        if target == S.SUBMITTED:
            continue
        cu = curator.user
        verdict = _first_verdict(rng)
        if target == S.RETURNED and verdict == Verdict.NO_CORRECTIONS:
            target = S.APPROVED  # the verdict decides; keeps seed 001 proportions
        comment = {
            Verdict.MINOR: "Уточните сроки мероприятий и форму представления результатов.",
            Verdict.MAJOR: "Мероприятия не покрывают выявленные дефициты: подберите программы по блокам с высоким дефицитом.",
        }
        svc.route_review(actor=cu, route=route, verdict=verdict, comment=comment.get(verdict, ""))
        if verdict != Verdict.NO_CORRECTIONS:
            if target == S.RETURNED:
                continue
            comment_services.comment_add(actor=me, route=route, text="Исправила, прошу посмотреть ещё раз.")
            svc.route_transition(actor=me, route=route, target=S.SUBMITTED)
            svc.route_review(actor=cu, route=route, verdict=Verdict.NO_CORRECTIONS)
        if rng.random() < 0.3:
            comment_services.comment_add(actor=cu, route=route, text=COMMENTS[rng.randrange(len(COMMENTS))])
        if ORDER.index(target) <= ORDER.index(S.APPROVED):
            continue
        svc.route_transition(actor=me, route=route, target=S.IN_PROGRESS)
        activities = list(route.activities.all())
        if rng.random() < 0.25 and len(activities) > 1:
            svc.route_activity_remove(
                actor=cu, activity=activities[-1], reason="Курс перенесён организатором на следующий год"
            )
            correction = route.corrections.last()
            if correction and region_methodist:
                correction_services.correction_sign(actor=region_methodist.user, correction=correction)
                if rng.random() < 0.6:
                    correction_services.correction_acknowledge(actor=me, correction=correction)
            activities = list(route.activities.all())
        share_done = {S.IN_PROGRESS: 0.4, S.COMPLETING: 0.9, S.COMPLETED: 1.0}[target]
        for a in activities:
            if rng.random() < share_done:
                # An activity that has not started yet cannot be done (the service refuses it).
                if rng.random() < 0.85 and not (a.starts_on and a.starts_on > timezone.localdate()):
                    implementation_services.route_activity_mark(
                        actor=me,
                        activity=a,
                        outcome="done",
                        evidence_url=f"https://cnppm.example.ru/certificates/{route.pk}-{a.pk}",
                    )
                else:
                    implementation_services.route_activity_mark(
                        actor=me,
                        activity=a,
                        outcome="not_done",
                        reason="Мероприятие перенесено организатором",
                    )
        if target == S.IN_PROGRESS:
            continue
        svc.route_final_event_mark(actor=me, route=route, done=True)
        # The demo teacher confirms completion even with activities left unmarked.
        svc.route_transition(actor=me, route=route, target=S.COMPLETING, confirm_planned=True)
        if target == S.COMPLETING or teacher.pk not in with_final:
            continue
        svc.route_conclusions_save(
            actor=cu,
            route=route,
            conclusions="ИОМ выполнен. По итоговой диагностике уровень компетенций вырос; "
            "рекомендовано обобщить опыт на муниципальном уровне.",
        )
        head = heads.get(teacher.organization_id)
        if region_methodist is None or head is None:
            continue
        svc.route_conclusions_sign(actor=region_methodist.user, route=route, as_role="regional_methodist")
        svc.route_conclusions_sign(actor=head.user, route=route, as_role="school_head")
        svc.route_conclusions_acknowledge(actor=me, route=route)
        svc.route_transition(actor=cu, route=route, target=S.COMPLETED)
