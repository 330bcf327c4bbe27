"""The demo-region contract. `manage.py seed_demo` builds the staff directory, then calls
`<app>.demo.seed(ctx)` for diagnostics, routes and monitoring in that order, if the module exists.
Everything is deterministic: use `ctx.rng`, never the global random, and fixed dates from `ctx.today`."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from django.utils import timezone


@dataclass
class DemoContext:
    region: object
    municipalities: list
    organizations: list
    teachers: list  # Person objects holding the teacher role
    by_role: dict[str, list] = field(default_factory=dict)  # role value → [Person]
    rng: random.Random = field(default_factory=lambda: random.Random(2024))
    today: date = field(default_factory=date.today)
    academic_year: int = 2025  # start year of the current academic year
    demo_password: str = "demo12345"


# --- The staff directory of the demo region (`manage.py seed_demo`) ---------------------------------

DEMO_REGION_CODE = "DEMO"
DEMO_REGION_NAME = "Демонстрационная область"
DEMO_EMAIL_DOMAIN = "demo.cnppm.local"

# (code, name, position for a teacher of it); the seed's list, in its order.
SUBJECTS = [
    ("physics", "физика", "учитель физики"),
    ("chemistry", "химия", "учитель химии"),
    ("biology", "биология", "учитель биологии"),
    ("history", "история", "учитель истории"),
    ("social-studies", "обществознание", "учитель обществознания"),
    ("russian", "русский язык", "учитель русского языка"),
    ("literature", "литература", "учитель литературы"),
    ("mathematics", "математика", "учитель математики"),
    ("informatics", "информатика", "учитель информатики"),
    ("english", "английский язык", "учитель английского языка"),
    ("geography", "география", "учитель географии"),
    ("primary", "начальная школа", "учитель начальных классов"),
    ("school-heads", "руководители ОО", "директор"),
    ("municipal-services", "муниципальные методические службы", "методист"),
]
TEACHING_SUBJECTS = [s[0] for s in SUBJECTS[:12]]
# The subject of the demo's entry diagnostic (diagnostics/demo.py): teacher1 teaches it.
DEMO_SUBJECT = "mathematics"
# Pairs a teacher often holds together.
SUBJECT_PAIRS = {
    "russian": "literature",
    "literature": "russian",
    "history": "social-studies",
    "physics": "informatics",
}

# (code, name, kind, schools, additional-education organizations)
MUNICIPALITIES = [
    ("DEMO-01", "Городской округ Светлогорск", "city_okrug", 6, 1),
    ("DEMO-02", "Городской округ Заречный", "city_okrug", 4, 1),
    ("DEMO-03", "Берёзовский муниципальный район", "district", 4, 0),
    ("DEMO-04", "Сосновский муниципальный округ", "municipal_okrug", 3, 0),
    ("DEMO-05", "Озёрный муниципальный район", "district", 3, 0),
    ("DEMO-GOO", "Государственные образовательные организации (ГОО)", "regional_state", 0, 1),
]

SURNAMES = [
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
    "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов",
    "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв",
    "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов",
    "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв", "Ильин", "Максимов", "Поляков", "Сорокин",
    "Виноградов", "Ковалёв", "Белов", "Медведев", "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов",
    "Комаров", "Давыдов", "Беляев", "Герасимов", "Богданов", "Осипов", "Сидоров", "Матвеев", "Титов",
]  # fmt: skip
INVARIANT_SURNAMES = [
    "Шевченко",
    "Ковальчук",
    "Ким",
    "Бондаренко",
    "Мельник",
    "Черных",
    "Седых",
    "Литвиненко",
]
MALE_NAMES = [
    "Александр", "Алексей", "Андрей", "Дмитрий", "Евгений", "Иван", "Игорь", "Константин", "Максим",
    "Михаил", "Николай", "Олег", "Павел", "Роман", "Сергей", "Юрий", "Владимир", "Виктор", "Артём", "Денис",
]  # fmt: skip
FEMALE_NAMES = [
    "Анна", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Марина", "Юлия", "Екатерина",
    "Людмила", "Галина", "Надежда", "Оксана", "Валентина", "Любовь", "Вера", "Анастасия", "Мария",
    "Евгения", "Лариса", "Жанна", "Дарья", "Ксения",
]  # fmt: skip
# Father's name → (masculine, feminine) patronymic.
PATRONYMICS = {
    "Александр": ("Александрович", "Александровна"), "Алексей": ("Алексеевич", "Алексеевна"),
    "Андрей": ("Андреевич", "Андреевна"), "Владимир": ("Владимирович", "Владимировна"),
    "Виктор": ("Викторович", "Викторовна"), "Дмитрий": ("Дмитриевич", "Дмитриевна"),
    "Иван": ("Иванович", "Ивановна"), "Игорь": ("Игоревич", "Игоревна"),
    "Михаил": ("Михайлович", "Михайловна"), "Николай": ("Николаевич", "Николаевна"),
    "Павел": ("Павлович", "Павловна"), "Сергей": ("Сергеевич", "Сергеевна"),
    "Юрий": ("Юрьевич", "Юрьевна"), "Геннадий": ("Геннадьевич", "Геннадьевна"),
    "Валерий": ("Валерьевич", "Валерьевна"), "Петр": ("Петрович", "Петровна"),
}  # fmt: skip


def _feminine(surname: str) -> str:
    if surname in INVARIANT_SURNAMES:
        return surname
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    if surname.endswith("ий"):
        return surname[:-2] + "ая"
    return surname


def _full_name(rng: random.Random, *, female: bool | None = None) -> tuple[str, str, str]:
    if female is None:
        female = rng.random() < 0.78  # most teachers in Russian schools are women
    surname = rng.choice(SURNAMES + INVARIANT_SURNAMES[:4] if rng.random() < 0.1 else SURNAMES)
    father = rng.choice(list(PATRONYMICS))
    if female:
        return _feminine(surname), rng.choice(FEMALE_NAMES), PATRONYMICS[father][1]
    return surname, rng.choice(MALE_NAMES), PATRONYMICS[father][0]


def _weighted(rng: random.Random, options: list[tuple[str, float]]) -> str:
    roll, acc = rng.random(), 0.0
    for value, weight in options:
        acc += weight
        if roll < acc:
            return value
    return options[-1][0]


def region_exists() -> bool:
    from .models import Region

    return Region.objects.filter(code=DEMO_REGION_CODE).exists()


def build(*, teachers: int = 300, today: date | None = None, password: str | None = None) -> DemoContext:
    """Build the staff directory of the demo region and return the context for the apps' seeds.
    Deterministic: the same arguments build the same region (names, logins, assignments)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from .choices import Education, OrganizationKind, QualificationCategory, Role, SupportKind, SupportRole
    from .models import (
        Municipality,
        Organization,
        OrganizationYearFact,
        Person,
        ReferenceStatistic,
        Region,
        RoleAssignment,
        StaffTraining,
        Subject,
        SupportAssignment,
    )

    User = get_user_model()
    today = today or timezone.localdate()
    academic_year = today.year if today.month >= 9 else today.year - 1
    ctx = DemoContext(
        region=None,
        municipalities=[],
        organizations=[],
        teachers=[],
        today=today,
        academic_year=academic_year,
    )
    if password:
        ctx.demo_password = password
    rng = ctx.rng
    encoded = make_password(ctx.demo_password)  # one hash for every demo login (a public password)

    region = Region.objects.create(name=DEMO_REGION_NAME, code=DEMO_REGION_CODE, timezone="Europe/Moscow")
    ctx.region = region
    subjects = {}
    for order, (code, name, _) in enumerate(SUBJECTS, start=1):
        subject = Subject.objects.filter(code=code).first() or Subject.objects.filter(name=name).first()
        if subject is None:
            subject = Subject.objects.create(code=code, name=name, order=order)
        subjects[code] = subject
    positions = {code: position for code, _, position in SUBJECTS}

    municipalities = Municipality.objects.bulk_create(
        [
            Municipality(region=region, code=code, name=name, kind=kind)
            for code, name, kind, _, _ in MUNICIPALITIES
        ]
    )
    ctx.municipalities = municipalities
    goo = municipalities[-1]
    orgs: list[Organization] = []
    schools_by_muni: dict[int, list[Organization]] = {}
    mms_by_muni: dict[int, Organization] = {}
    town = {
        "DEMO-01": "г. Светлогорска",
        "DEMO-02": "г. Заречного",
        "DEMO-03": "Берёзовского района",
        "DEMO-04": "Сосновского округа",
        "DEMO-05": "Озёрного района",
    }
    centre = Organization(
        municipality=goo,
        short_name="ГАУ ДПО «ЦНППМ»",
        full_name="Государственное автономное учреждение дополнительного профессионального образования "
        "«Центр непрерывного повышения профессионального мастерства педагогических работников»",
        kind=OrganizationKind.CENTRE,
    )
    orgs.append(centre)
    # The ministry is its own organization: its official is not a member of the Centre.
    ministry = Organization(
        municipality=goo,
        short_name="Министерство образования",
        full_name="Министерство образования Демонстрационной области",
        kind=OrganizationKind.AUTHORITY,
    )
    orgs.append(ministry)
    # The federal official (issue 10.3) reads every region's aggregates; the directory hangs every person
    # on an organization of some region, so the federal ministry sits in the demo region's ГОО bucket.
    # The role's scope does not come from it (cnppm.access.federal_regions).
    federal = Organization(
        municipality=goo,
        short_name="Минпросвещения России",
        full_name="Министерство просвещения Российской Федерации",
        kind=OrganizationKind.AUTHORITY,
    )
    orgs.append(federal)
    orgs += [
        Organization(
            municipality=goo,
            short_name="ГПОУ «Светлогорский педагогический колледж»",
            full_name="Государственное профессиональное образовательное учреждение «Светлогорский педагогический колледж»",
            kind=OrganizationKind.VOCATIONAL,
        ),
        Organization(
            municipality=goo,
            short_name="ГПОУ «Заречный технологический техникум»",
            full_name="Государственное профессиональное образовательное учреждение «Заречный технологический техникум»",
            kind=OrganizationKind.VOCATIONAL,
        ),
        Organization(
            municipality=goo,
            short_name="ГАУ ДО «Региональный центр детского творчества»",
            full_name="Государственное автономное учреждение дополнительного образования «Региональный центр детского творчества»",
            kind=OrganizationKind.ADDITIONAL,
        ),
    ]
    school_no = 0
    for m, (code, _, _, n_schools, n_additional) in zip(municipalities, MUNICIPALITIES, strict=True):
        if code == "DEMO-GOO":
            continue
        mms = Organization(
            municipality=m,
            short_name=f"ММС {town[code]}",
            full_name=f"Муниципальное казённое учреждение «Информационно-методический центр {town[code]}»",
            kind=OrganizationKind.METHODICAL_SERVICE,
        )
        orgs.append(mms)
        mms_by_muni[m.pk] = mms
        for i in range(n_schools):
            school_no += 1
            kind_name = ("СОШ", "средняя общеобразовательная школа")
            if i == 0 and code in ("DEMO-01", "DEMO-02"):
                kind_name = ("лицей", "лицей")
            elif i == 1 and code == "DEMO-01":
                kind_name = ("гимназия", "гимназия")
            short = f"МБОУ {kind_name[0]} № {i + 1} {town[code]}"
            school = Organization(
                municipality=m,
                short_name=short,
                full_name=f"Муниципальное бюджетное общеобразовательное учреждение «{kind_name[1].capitalize()} № {i + 1}» {town[code]}",
                kind=OrganizationKind.SCHOOL,
                low_results=(school_no % 5 == 4),
            )
            orgs.append(school)
            schools_by_muni.setdefault(m.pk, []).append(school)
        for i in range(n_additional):
            orgs.append(
                Organization(
                    municipality=m,
                    short_name=f"МБУ ДО «Дом детского творчества» {town[code]}"
                    + (f" № {i + 1}" if i else ""),
                    full_name=f"Муниципальное бюджетное учреждение дополнительного образования «Дом детского творчества» {town[code]}",
                    kind=OrganizationKind.ADDITIONAL,
                )
            )
    Organization.objects.bulk_create(orgs)
    ctx.organizations = orgs
    schools = [o for o in orgs if o.kind == OrganizationKind.SCHOOL]
    teaching_orgs = schools * 6 + [
        o for o in orgs if o.kind in (OrganizationKind.ADDITIONAL, OrganizationKind.VOCATIONAL)
    ]

    # People: each entry (username, organization, names, profile, roles [(role, scope, kind, subjects)]).
    people: list[dict] = []

    def add(
        username, org, *, roles, subject_codes=(), position="", female=None, manager=False, experience=None
    ):
        last, first, middle = _full_name(rng, female=female)
        people.append(
            {
                "username": username,
                "org": org,
                "names": (last, first, middle),
                "subjects": list(subject_codes),
                "position": position,
                "manager": manager,
                "experience": experience if experience is not None else rng.randint(1, 40),
                "education": _weighted(
                    rng,
                    [
                        (Education.HIGHER, 0.86),
                        (Education.SECONDARY_VOCATIONAL, 0.12),
                        (Education.OTHER, 0.02),
                    ],
                ),
                "category": _weighted(
                    rng,
                    [
                        (QualificationCategory.HIGHEST, 0.3),
                        (QualificationCategory.FIRST, 0.35),
                        (QualificationCategory.CONFORMITY, 0.2),
                        (QualificationCategory.NONE, 0.15),
                    ],
                ),
                "roles": roles,
            }
        )

    add(
        "operator",
        centre,
        roles=[(Role.OPERATOR, "region", "", ())],
        position="ведущий специалист, оператор ЦНППМ",
    )
    add(
        "ministry",
        ministry,
        roles=[(Role.MINISTRY, "region", "", ())],
        position="консультант министерства образования",
    )
    add(
        "federal",
        federal,
        roles=[(Role.FEDERAL, "", "", ())],
        position="советник департамента государственной политики",
    )
    for i in (1, 2):
        add(
            f"methodist{i}",
            centre,
            roles=[(Role.REGIONAL_METHODIST, "region", "", ())],
            position="региональный методист",
            subject_codes=["municipal-services"],
        )
    for i, m in enumerate(municipalities[:-1], start=1):
        add(
            f"mm{i}",
            mms_by_muni[m.pk],
            roles=[(Role.MUNICIPAL_METHODIST, "municipality", "", ())],
            position="методист",
            subject_codes=["municipal-services"],
        )
    for i, school in enumerate(schools, start=1):
        add(
            f"head{i}",
            school,
            roles=[(Role.SCHOOL_HEAD, "organization", "", ())],
            position="директор",
            subject_codes=["school-heads"],
            manager=True,
            experience=rng.randint(12, 38),
        )
    # Curators and tutors of all three kinds (seed 000: Centre staff, civil contract, municipal),
    # each covering a group of subject areas.
    areas = [
        TEACHING_SUBJECTS[0:4],
        TEACHING_SUBJECTS[4:8],
        TEACHING_SUBJECTS[8:12],
        TEACHING_SUBJECTS[0:12:2],
    ]
    kinds = [
        SupportKind.CENTRE_STAFF,
        SupportKind.CENTRE_STAFF,
        SupportKind.CIVIL_CONTRACT,
        SupportKind.MUNICIPAL,
    ]
    for role, label in ((Role.CURATOR, "curator"), (Role.TUTOR, "tutor")):
        for i, (kind, area) in enumerate(zip(kinds, areas, strict=True), start=1):
            org = centre if kind != SupportKind.MUNICIPAL else mms_by_muni[municipalities[0].pk]
            position = {"curator": "методист, куратор ИОМ", "tutor": "тьютор"}[label]
            if kind == SupportKind.CIVIL_CONTRACT:
                position += " (по договору ГПХ)"
            if (label, i) == ("curator", 1) and DEMO_SUBJECT not in area:
                area = [*area, DEMO_SUBJECT]  # curator1 reviews teacher1's route (the demo journey)
            add(
                f"{label}{i}",
                org,
                roles=[(role, "", kind, tuple(area))],
                position=position,
                subject_codes=area[:1],
            )
    for i in (1, 2, 3):
        add(
            f"expert{i}",
            centre,
            roles=[(Role.EXPERT, "", "", ())],
            position="эксперт по оценке развёрнутых ответов",
            subject_codes=[TEACHING_SUBJECTS[i * 3]],
        )
    mentor_schools = schools[: max(1, len(schools) * 2 // 5)]
    for i, school in enumerate(mentor_schools, start=1):
        subject = rng.choice(TEACHING_SUBJECTS)
        add(
            f"mentor{i}",
            school,
            roles=[(Role.MENTOR, "", "", ())],
            position=positions[subject] + ", наставник",
            subject_codes=[subject],
            experience=rng.randint(15, 35),
        )
    for i in range(1, teachers + 1):
        org = rng.choice(teaching_orgs)
        subject = rng.choice(TEACHING_SUBJECTS)
        if i == 1:
            # teacher1 teaches the subject of the demo's entry diagnostic, in a school.
            org, subject = schools[0], DEMO_SUBJECT
        codes = [subject] + (
            [SUBJECT_PAIRS[subject]] if subject in SUBJECT_PAIRS and rng.random() < 0.4 else []
        )
        position = (
            positions[subject]
            if org.kind == OrganizationKind.SCHOOL
            else "преподаватель"
            if org.kind == OrganizationKind.VOCATIONAL
            else "педагог дополнительного образования"
        )
        add(f"teacher{i}", org, roles=[(Role.TEACHER, "", "", ())], subject_codes=codes, position=position)

    users = User.objects.bulk_create(
        [
            User(
                username=p["username"],
                email=f"{p['username']}@{DEMO_EMAIL_DOMAIN}",
                first_name=p["names"][1],
                last_name=p["names"][0],
                password=encoded,
            )
            for p in people
        ],
        batch_size=1000,
    )
    persons = Person.objects.bulk_create(
        [
            Person(
                user=u,
                organization=p["org"],
                last_name=p["names"][0],
                first_name=p["names"][1],
                middle_name=p["names"][2],
                email=u.email,
                position=p["position"],
                education=p["education"],
                experience_years=p["experience"],
                qualification_category=p["category"],
                is_manager=p["manager"],
            )
            for p, u in zip(people, users, strict=True)
        ],
        batch_size=1000,
    )
    Through = Person.subjects.through
    Through.objects.bulk_create(
        [
            Through(person=person, subject=subjects[c])
            for p, person in zip(people, persons, strict=True)
            for c in p["subjects"]
        ],
        batch_size=1000,
    )
    assignments, area_of = [], []
    for p, person in zip(people, persons, strict=True):
        for role, scope, kind, area in p["roles"]:
            scope_kw = {
                "region": {"region": region},
                "municipality": {"municipality": p["org"].municipality},
                "organization": {"organization": p["org"]},
            }.get(scope, {})
            assignments.append(RoleAssignment(person=person, role=role, support_kind=kind, **scope_kw))
            area_of.append(area)
            ctx.by_role.setdefault(str(role), []).append(person)
    RoleAssignment.objects.bulk_create(assignments)
    RoleThrough = RoleAssignment.subjects.through
    RoleThrough.objects.bulk_create(
        [
            RoleThrough(roleassignment=a, subject=subjects[c])
            for a, area in zip(assignments, area_of, strict=True)
            for c in area
        ]
    )
    ctx.teachers = list(ctx.by_role.get(Role.TEACHER, []))

    # Support: a curator and a tutor by subject area for most teachers, a mentor inside the school.
    def supporter_for(role: str, subject_code: str) -> Person | None:
        pool = [
            person
            for person, p in zip(persons, people, strict=True)
            if p["roles"][0][0] == role and subject_code in p["roles"][0][3]
        ]
        return rng.choice(pool) if pool else None

    mentors_by_org = {
        p["org"].pk: person
        for p, person in zip(people, persons, strict=True)
        if p["roles"][0][0] == Role.MENTOR
    }
    operator_user = users[0]
    started = datetime.combine(date(academic_year, 9, 15), time(10, 0), tzinfo=UTC)
    support = []
    for p, person in zip(people, persons, strict=True):
        if p["roles"][0][0] != Role.TEACHER:
            continue
        subject_code = p["subjects"][0]
        subject = subjects[subject_code]
        if p["username"] == "teacher1":
            # The demo journeys start from teacher1: a curator who covers the subject and can review.
            curator1 = next(x for x, q in zip(persons, people, strict=True) if q["username"] == "curator1")
            support.append(
                SupportAssignment(
                    person=person,
                    supporter=curator1,
                    role=SupportRole.CURATOR,
                    subject=subject,
                    assigned_by=operator_user,
                    started_at=started,
                )
            )
        elif rng.random() < 0.7:
            curator = supporter_for(Role.CURATOR, subject_code)
            if curator:
                support.append(
                    SupportAssignment(
                        person=person,
                        supporter=curator,
                        role=SupportRole.CURATOR,
                        subject=subject,
                        assigned_by=operator_user,
                        started_at=started,
                    )
                )
        if rng.random() < 0.6:
            tutor = supporter_for(Role.TUTOR, subject_code)
            if tutor:
                support.append(
                    SupportAssignment(
                        person=person,
                        supporter=tutor,
                        role=SupportRole.TUTOR,
                        subject=subject,
                        assigned_by=operator_user,
                        started_at=started,
                    )
                )
        mentor = mentors_by_org.get(p["org"].pk)
        if mentor is not None and rng.random() < 0.5:
            support.append(
                SupportAssignment(
                    person=person,
                    supporter=mentor,
                    role=SupportRole.MENTOR,
                    subject=subject,
                    order_number=f"{rng.randint(10, 120)}-о",
                    order_date=date(academic_year, 9, rng.randint(1, 20)),
                    assigned_by=operator_user,
                    started_at=started,
                )
            )
    SupportAssignment.objects.bulk_create(support, batch_size=1000)

    # Staff training of the Centre (STAFF_FED_TRAINED: Kirov 13 of 16 trained by the Federal coordinator).
    trainings = []
    centre_staff = [person for p, person in zip(people, persons, strict=True) if p["org"] is centre]
    for i, person in enumerate(centre_staff):
        federal = i % 5 != 4
        trainings.append(
            StaffTraining(
                person=person,
                programme="Научно-методическое сопровождение педагогических работников: индивидуальные образовательные маршруты"
                if federal
                else "Цифровые технологии в дополнительном профессиональном образовании",
                provider="ФГАОУ ДПО «Академия Минпросвещения России» (Федеральный координатор)"
                if federal
                else "ГАУ ДПО «ЦНППМ»",
                hours=72 if federal else 36,
                starts_on=date(academic_year, 10, 2 + i % 10),
                ends_on=date(academic_year, 11, 10 + i % 10),
                by_federal_coordinator=federal,
            )
        )
    for i, person in enumerate(ctx.by_role.get(Role.SCHOOL_HEAD, [])):
        if i % 3 == 0:
            trainings.append(
                StaffTraining(
                    person=person,
                    programme="Управление образовательной организацией в условиях обновлённых ФГОС",
                    provider="ГАУ ДПО «ЦНППМ»",
                    hours=36,
                    starts_on=date(academic_year, 10, 14),
                    ends_on=date(academic_year, 10, 25),
                )
            )
    StaffTraining.objects.bulk_create(trainings)

    # Reference statistics (official headcounts, larger than the roster) for this and last year.
    counts: dict[int, dict[str, int]] = {}
    for p in people:
        counts.setdefault(p["org"].municipality_id, {"people": 0})["people"] += 1
    stats = []
    for m in municipalities:
        of_kind = [o for o in orgs if o.municipality_id == m.pk]
        roster = counts.get(m.pk, {"people": 0})["people"]
        base_teachers = max(40, roster * 12 + rng.randint(0, 60))
        for year, shrink in ((today.year, 0), (today.year - 1, rng.randint(5, 40))):
            schools_n = sum(o.kind == OrganizationKind.SCHOOL for o in of_kind)
            stats.append(
                ReferenceStatistic(
                    municipality=m,
                    year=year,
                    teachers_total=base_teachers + shrink,
                    school_teachers_total=int((base_teachers + shrink) * (0.85 if schools_n else 0)),
                    schools_total=schools_n,
                    additional_total=sum(o.kind == OrganizationKind.ADDITIONAL for o in of_kind),
                    vocational_total=sum(o.kind == OrganizationKind.VOCATIONAL for o in of_kind),
                    entered_by=operator_user,
                )
            )
    ReferenceStatistic.objects.bulk_create(stats)
    mentoring_orgs = {o.pk for o in mentor_schools}
    OrganizationYearFact.objects.bulk_create(
        [
            OrganizationYearFact(
                organization=o,
                year=today.year,
                implements_mentoring=o.pk in mentoring_orgs,
                management_team_trained=i % 3 == 0,
                entered_by=operator_user,
            )
            for i, o in enumerate(schools)
        ]
    )
    return ctx


APP_SEEDS = ("diagnostics", "routes", "monitoring", "courses")


def seed_apps(ctx: DemoContext, *, log=None) -> list[str]:
    """Call `<app>.demo.seed(ctx)` for diagnostics, routes and monitoring, in that order, for the
    apps that have one. Returns the apps seeded."""
    from importlib import import_module

    done = []
    for app in APP_SEEDS:
        try:
            module = import_module(f"{app}.demo")
        except ModuleNotFoundError as exc:
            if exc.name in (f"{app}.demo", app):
                continue
            raise
        seed = getattr(module, "seed", None)
        if seed is None:
            continue
        if log:
            log(f"Демо-данные приложения {app}…")
        seed(ctx)
        done.append(app)
    return done
