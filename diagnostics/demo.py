"""The diagnostics part of the demo region: competence blocks, published instruments (an entry
diagnostic for mathematics teachers with 4 variants × 22 items of every type, one for school heads,
a final diagnostic for teachers), and finished, scored attempts for about 70 % of the demo teachers
and heads, so routes and monitoring have data. teacher1 is left without an attempt so the demo can
take one; a few attempts wait in the expert queue. Deterministic through ctx.rng."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from .choices import AttemptStatus, Audience, FinishReason, InstrumentKind, InstrumentStatus, ItemType
from .models import Answer, Attempt, BlockResult, CompetenceBlock, Instrument, Item, Variant
from .scoring import attempt_score, score_auto

T = ItemType

BLOCKS = [
    # (code, name, audience, is_scored)
    ("subject", "Предметные компетенции", Audience.TEACHERS, True),
    ("methodical", "Методические компетенции", Audience.TEACHERS, True),
    ("psychological", "Психолого-педагогические компетенции", Audience.TEACHERS, True),
    ("communicative", "Коммуникативные компетенции", Audience.TEACHERS, True),
    ("ict", "ИКТ-компетенции", Audience.TEACHERS, True),
    ("self-analysis", "Самоанализ", Audience.TEACHERS, False),
    ("mgmt-processes", "Управление процессами", Audience.MANAGERS, True),
    ("mgmt-resources", "Управление ресурсами", Audience.MANAGERS, True),
    ("mgmt-staff", "Управление кадрами", Audience.MANAGERS, True),
    ("mgmt-results", "Управление результатами", Audience.MANAGERS, True),
    ("mgmt-information", "Управление информацией", Audience.MANAGERS, True),
    ("mgmt-self-analysis", "Самоанализ руководителя", Audience.MANAGERS, False),
]

TOPICS = {
    "subject": [
        "Решение квадратных уравнений",
        "Свойства функций и их графики",
        "Теория вероятностей и статистика",
        "Подобие треугольников",
        "Текстовые задачи на проценты",
        "Задачи с параметром",
    ],
    "methodical": [
        "Планирование урока по обновлённому ФГОС ООО",
        "Формирующее оценивание",
        "Задания на функциональную (математическую) грамотность",
        "Рабочая программа по предмету",
    ],
    "psychological": [
        "Возрастные особенности подростков",
        "Обучающиеся с ОВЗ: адаптация заданий",
        "Учебная мотивация",
    ],
    "communicative": [
        "Взаимодействие с родителями",
        "Организация групповой работы на уроке",
        "Разрешение конфликтных ситуаций",
    ],
    "ict": [
        "ФГИС «Моя школа»",
        "Электронный журнал и цифровые сервисы",
        "Интерактивные тренажёры по математике",
        "Информационная безопасность обучающихся",
    ],
    "mgmt-processes": ["Программа развития ОО", "Внутренняя система оценки качества"],
    "mgmt-resources": ["Финансово-хозяйственная деятельность", "Материально-техническое обеспечение"],
    "mgmt-staff": ["Наставничество в ОО", "Аттестация педагогических работников"],
    "mgmt-results": ["Анализ результатов ГИА и ВПР", "Школы с низкими результатами обучения"],
    "mgmt-information": ["Открытость и сайт ОО", "Защита персональных данных (152-ФЗ)"],
}

SCALE = ["не владею", "владею частично", "владею уверенно", "могу научить коллег"]
RUBRIC = (
    "2 балла — решение (ответ) полное, обоснованное, приведён пример из практики;\n"
    "1 балл — ответ верный по существу, но без обоснования или примера;\n"
    "0 баллов — ответ неверный или отсутствует."
)

# The layout of one math variant: (type, block) × 22.
MATH_LAYOUT = (
    [(T.SINGLE, "subject")] * 3
    + [(T.SHORT, "subject")] * 2
    + [(T.MULTIPLE, "subject")]
    + [
        (T.SINGLE, "methodical"),
        (T.ORDERING, "methodical"),
        (T.MULTIPLE, "methodical"),
        (T.EXTENDED, "methodical"),
    ]
    + [(T.SINGLE, "psychological"), (T.MATCHING, "psychological"), (T.SINGLE, "psychological")]
    + [(T.SINGLE, "communicative"), (T.ORDERING, "communicative"), (T.EXTENDED, "communicative")]
    + [(T.SINGLE, "ict"), (T.MATCHING, "ict"), (T.MULTIPLE, "ict"), (T.SHORT, "ict")]
    + [(T.SELF_ANALYSIS, "self-analysis")] * 2
)
HEADS_LAYOUT = (
    [(T.SINGLE, "mgmt-processes"), (T.ORDERING, "mgmt-processes")]
    + [(T.SINGLE, "mgmt-resources"), (T.MULTIPLE, "mgmt-resources")]
    + [(T.SINGLE, "mgmt-staff"), (T.MATCHING, "mgmt-staff")]
    + [(T.SINGLE, "mgmt-results"), (T.EXTENDED, "mgmt-results")]
    + [(T.SINGLE, "mgmt-information"), (T.SHORT, "mgmt-information")]
    + [(T.SELF_ANALYSIS, "mgmt-self-analysis")]
)
FINAL_LAYOUT = [
    (T.SINGLE, "subject"),
    (T.SHORT, "subject"),
    (T.SINGLE, "methodical"),
    (T.MULTIPLE, "methodical"),
    (T.SINGLE, "psychological"),
    (T.MATCHING, "psychological"),
    (T.SINGLE, "communicative"),
    (T.ORDERING, "communicative"),
    (T.SINGLE, "ict"),
    (T.SHORT, "ict"),
]

SHORT_KEYS = [
    ("Найдите сумму корней уравнения x² − 7x + 10 = 0.", ["7"]),
    ("Сколько процентов составляет 15 от 60?", ["25", "25%", "25 %"]),
    (
        "Как называется федеральная государственная информационная система для школ (два слова в кавычках)?",
        ["моя школа", "«моя школа»"],
    ),
    (
        "Назовите вид оценивания, направленный на корректировку обучения в ходе урока.",
        ["формирующее", "формирующее оценивание"],
    ),
    ("Укажите номер федерального закона о персональных данных.", ["152", "152-фз", "№152-фз"]),
]


def _item(rng, *, variant, number, item_type, block, topic, short_index: int = 0) -> Item:
    v = variant.number
    if item_type == T.SINGLE:
        stem = f"{topic}. Выберите верное утверждение (вариант {v})."
        options = {
            "choices": [
                {"id": "a", "text": f"Утверждение А по теме «{topic}»"},
                {"id": "b", "text": f"Утверждение Б по теме «{topic}»"},
                {"id": "c", "text": f"Утверждение В по теме «{topic}»"},
                {"id": "d", "text": f"Утверждение Г по теме «{topic}»"},
            ]
        }
        key = {"correct": [rng.choice("abcd")]}
    elif item_type == T.MULTIPLE:
        stem = f"{topic}. Выберите все верные варианты ответа."
        options = {
            "choices": [{"id": c, "text": f"Вариант {i} по теме «{topic}»"} for i, c in enumerate("abcde", 1)]
        }
        key = {"correct": sorted(rng.sample("abcde", 2 + rng.randint(0, 1)))}
    elif item_type == T.MATCHING:
        stem = f"{topic}. Установите соответствие между понятиями и их описаниями."
        options = {
            "left": [{"id": f"l{i}", "text": f"Понятие {i}"} for i in range(1, 4)],
            "right": [{"id": f"r{i}", "text": f"Описание {i}"} for i in range(1, 4)],
        }
        rights = [f"r{i}" for i in range(1, 4)]
        rng.shuffle(rights)
        key = {"pairs": {f"l{i}": rights[i - 1] for i in range(1, 4)}}
    elif item_type == T.ORDERING:
        stem = f"{topic}. Расположите этапы в правильной последовательности."
        elements = [{"id": f"e{i}", "text": f"Этап {i}"} for i in range(1, 5)]
        order = [e["id"] for e in elements]
        while order == [e["id"] for e in elements]:  # a key equal to the shown order tests nothing
            rng.shuffle(order)
        options, key = {"elements": elements}, {"order": order}
    elif item_type == T.SHORT:
        # The n-th short question of the variant: never the same question twice in one variant.
        stem, accepted = SHORT_KEYS[(short_index + v) % len(SHORT_KEYS)]
        options, key = {}, {"accepted": accepted}
    elif item_type == T.EXTENDED:
        stem = f"{topic}. Опишите, как вы решаете эту задачу в своей практике; приведите пример."
        options, key = {}, {}
    else:
        stem = f"Оцените, насколько вы владеете умением: {topic.lower()}."
        options, key = {"scale": SCALE}, {}
    return Item(
        variant=variant,
        block=block,
        number=number,
        type=item_type,
        difficulty=1 + (number % 3),
        topic=topic,
        points=Decimal("2") if item_type == T.EXTENDED else Decimal("1"),
        stem=stem,
        options=options,
        key=key,
        partial_credit=item_type in (T.MULTIPLE, T.MATCHING) and number % 2 == 0,
        rubric=RUBRIC if item_type == T.EXTENDED else "",
    )


def _instrument(rng, blocks, *, code, title, audience, kind, subject, layout, minutes) -> Instrument:
    instrument = Instrument.objects.create(
        code=code,
        title=title,
        audience=audience,
        kind=kind,
        subject=subject,
        time_limit_minutes=minutes,
        pass_mark=Decimal("60"),
        status=InstrumentStatus.PUBLISHED,
        instructions=(
            "Работа состоит из заданий разных типов. Проходите только один, назначенный вам вариант. "
            "Ответы сохраняются автоматически; по истечении времени работа завершается с сохранёнными ответами."
        ),
    )
    instrument.blocks.set({blocks[code_] for _, code_ in layout})
    items = []
    for v in range(1, 5):
        variant = Variant.objects.create(instrument=instrument, number=v)
        used: dict[str, int] = {}
        for number, (item_type, block_code) in enumerate(layout, start=1):
            if item_type == T.SELF_ANALYSIS:
                pool = TOPICS["methodical"] if audience == Audience.TEACHERS else TOPICS["mgmt-staff"]
            else:
                pool = TOPICS[block_code]
            topic = pool[(used.get(block_code, 0) + v) % len(pool)]
            used[block_code] = used.get(block_code, 0) + 1
            items.append(
                _item(
                    rng,
                    variant=variant,
                    number=number,
                    item_type=item_type,
                    block=blocks[block_code],
                    topic=topic,
                    short_index=sum(t == T.SHORT for t, _ in layout[: number - 1]),
                )
            )
    Item.objects.bulk_create(items)
    return instrument


def _answer(rng, item: Item, correct: bool):
    key = item.key
    if item.type == T.SINGLE:
        ids = [c["id"] for c in item.options["choices"]]
        return {
            "choice": key["correct"][0]
            if correct
            else rng.choice([i for i in ids if i not in key["correct"]])
        }
    if item.type == T.MULTIPLE:
        return {"choices": key["correct"] if correct else key["correct"][:-1]}
    if item.type == T.MATCHING:
        pairs = dict(key["pairs"])
        if not correct:
            first, second = list(pairs)[:2]
            pairs[first], pairs[second] = pairs[second], pairs[first]
        return {"pairs": pairs}
    if item.type == T.ORDERING:
        return {"order": key["order"] if correct else list(reversed(key["order"]))}
    if item.type == T.SHORT:
        return {"text": key["accepted"][0] if correct else "затрудняюсь ответить"}
    if item.type == T.EXTENDED:
        return {
            "text": "Начинаю с диагностики класса, ставлю цель урока вместе с учениками, подбираю задания по уровням."
        }
    return {"choice": rng.randrange(len(SCALE))}


def _take(rng, *, person, instrument, variant, items, ability, started, expert_user, leave_for_expert=False):
    """A finished attempt with answers scored as the services would score them."""
    attempt = Attempt.objects.create(
        person=person,
        instrument=instrument,
        variant=variant,
        organization=person.organization,
        started_at=started,
        deadline=started + timedelta(minutes=instrument.time_limit_minutes),
        finished_at=started + timedelta(minutes=rng.randint(35, instrument.time_limit_minutes - 5)),
        finish_reason=FinishReason.SUBMITTED,
        status=AttemptStatus.CHECKING if leave_for_expert else AttemptStatus.FINAL,
    )
    answers, points = [], {}
    for item in items:
        p = ability.get(item.block.code, 0.6)
        correct = rng.random() < p
        value = _answer(rng, item, correct)
        answer = Answer(attempt=attempt, item=item, value=value, saved_at=attempt.finished_at)
        if item.type == T.EXTENDED:
            if not leave_for_expert:
                answer.set_points(Decimal(min(2, max(0, round(p * 2 + rng.uniform(-0.7, 0.7))))))
                answer.checked_by = expert_user
                answer.checked_at = attempt.finished_at + timedelta(days=2)
                answer.expert_comment = (
                    "Ответ по существу, не хватает примера из практики." if answer.points < 2 else ""
                )
        elif item.type != T.SELF_ANALYSIS:
            answer.set_points(score_auto(item, value))
            answer.checked_at = attempt.finished_at
        points[item.pk] = answer.exact_points
        answers.append(answer)
    Answer.objects.bulk_create(answers)
    if leave_for_expert:
        return attempt
    score = attempt_score(items, points)
    BlockResult.objects.bulk_create(
        [
            BlockResult(
                attempt=attempt,
                block=b.block,
                percent=b.percent,
                level=instrument.level_for(b.percent),
                missed_topics=b.missed_topics,
            )
            for b in score.blocks
        ]
    )
    attempt.percent = score.percent
    attempt.level = instrument.level_for(score.percent)
    attempt.finalized_at = attempt.finished_at + timedelta(days=2)
    attempt.save(update_fields=["percent", "level", "finalized_at"])
    return attempt


def seed(ctx) -> None:
    from cnppm.models import Subject

    rng = ctx.rng
    blocks = {}
    for order, (code, name, audience, scored) in enumerate(BLOCKS, start=1):
        blocks[code], _ = CompetenceBlock.objects.get_or_create(
            code=code, defaults={"name": name, "audience": audience, "is_scored": scored, "order": order}
        )
    subjects = {s.code: s for s in Subject.objects.filter(code__in=["mathematics", "school-heads"])}
    math = _instrument(
        rng,
        blocks,
        code="demo-math-entry",
        title="Входная диагностика профессиональных дефицитов учителей математики",
        audience=Audience.TEACHERS,
        kind=InstrumentKind.ENTRY,
        subject=subjects.get("mathematics"),
        layout=MATH_LAYOUT,
        minutes=120,
    )
    heads = _instrument(
        rng,
        blocks,
        code="demo-heads-entry",
        title="Диагностика управленческих компетенций руководителей ОО",
        audience=Audience.MANAGERS,
        kind=InstrumentKind.ENTRY,
        subject=subjects.get("school-heads"),
        layout=HEADS_LAYOUT,
        minutes=90,
    )
    final = _instrument(
        rng,
        blocks,
        code="demo-teachers-final",
        title="Итоговая диагностика педагогов по завершении ИОМ",
        audience=Audience.TEACHERS,
        kind=InstrumentKind.FINAL,
        subject=None,
        layout=FINAL_LAYOUT,
        minutes=60,
    )
    experts = [p.user for p in ctx.by_role.get("expert", []) if p.user_id]
    expert_user = experts[0] if experts else None
    items_by_variant: dict[int, list[Item]] = {}
    for item in Item.objects.filter(variant__instrument__in=[math, heads, final]).select_related("block"):
        items_by_variant.setdefault(item.variant_id, []).append(item)
    variants = {
        instrument.pk: list(instrument.variants.order_by("number")) for instrument in (math, heads, final)
    }
    used = {pk: [0] * len(vs) for pk, vs in variants.items()}

    def next_variant(instrument):
        counts = used[instrument.pk]
        i = counts.index(min(counts))
        counts[i] += 1
        return variants[instrument.pk][i]

    base = timezone.make_aware(datetime.combine(ctx.today - timedelta(days=60), time(10, 0)))
    queue_left = 4
    for person in ctx.teachers:
        if person.user and person.user.username == "teacher1":
            continue  # the demo takes a test as teacher1
        if rng.random() >= 0.7:
            continue
        ability = {code: rng.uniform(0.35, 0.95) for code in TOPICS}
        variant = next_variant(math)
        started = base + timedelta(days=rng.randint(0, 30), minutes=rng.randint(0, 600))
        leave = queue_left > 0 and rng.random() < 0.05
        queue_left -= int(leave)
        _take(
            rng,
            person=person,
            instrument=math,
            variant=variant,
            items=sorted(items_by_variant[variant.pk], key=lambda i: i.number),
            ability=ability,
            started=started,
            expert_user=expert_user,
            leave_for_expert=leave,
        )
        if not leave and rng.random() < 0.25:
            improved = {code: min(0.98, p + rng.uniform(0.05, 0.3)) for code, p in ability.items()}
            variant = next_variant(final)
            _take(
                rng,
                person=person,
                instrument=final,
                variant=variant,
                items=sorted(items_by_variant[variant.pk], key=lambda i: i.number),
                ability=improved,
                started=started + timedelta(days=25),
                expert_user=expert_user,
            )
    for person in ctx.by_role.get("school_head", []):
        if not person.is_manager or rng.random() >= 0.7:
            continue
        ability = {code: rng.uniform(0.4, 0.95) for code in TOPICS}
        variant = next_variant(heads)
        _take(
            rng,
            person=person,
            instrument=heads,
            variant=variant,
            items=sorted(items_by_variant[variant.pk], key=lambda i: i.number),
            ability=ability,
            started=base + timedelta(days=rng.randint(0, 30)),
            expert_user=expert_user,
        )
