"""Writes of the authoring side: competence blocks, instruments and their life (draft → published
→ archived, the map in diagnostics.workflow), new versions, variants, items, and item-bank imports.

Every function is keyword-only, takes the acting user as `actor` (None only for the command line,
which is trusted), runs in one transaction, validates before it writes, and records an event."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max

from cnppm import access
from cnppm.choices import Role
from cnppm.russian import with_number
from cnppm.services import DomainError, event_record

from .. import workflow
from ..choices import InstrumentStatus, ItemType
from ..importers import ImportFailed, ParsedItem, detect_format, parse_bank
from ..importers.common import check_item, fold
from ..item_formats import validate_item
from ..models import CompetenceBlock, Instrument, Item, Variant

INSTRUMENT_FIELDS = (
    "code",
    "title",
    "audience",
    "subject",
    "kind",
    "time_limit_minutes",
    "pass_mark",
    "threshold_medium",
    "threshold_minimal",
    "opens_at",
    "closes_at",
    "instructions",
)
# What may still change once participants have attempts: the numbers that made their results may not.
FIELDS_AFTER_ATTEMPTS = {"title", "opens_at", "closes_at", "instructions"}
ITEM_FIELDS = (
    "block",
    "number",
    "type",
    "difficulty",
    "topic",
    "points",
    "stem",
    "options",
    "key",
    "partial_credit",
    "rubric",
)
BLOCK_FIELDS = ("code", "name", "audience", "is_scored", "order")


def _require_operator(actor) -> None:
    if actor is not None and not access.has_role(actor, Role.OPERATOR):
        raise DomainError("Это действие доступно только оператору ЦНППМ.", code="forbidden")


def _ensure_items_editable(instrument: Instrument) -> None:
    reason = workflow.items_frozen_reason(status=instrument.status, has_attempts=instrument.attempts.exists())
    if reason:
        raise DomainError(reason, code="frozen")


# --- competence blocks -----------------------------------------------------------------------------


@transaction.atomic
def block_save(*, actor, block: CompetenceBlock | None = None, data: dict[str, Any]) -> CompetenceBlock:
    """Create a block (block=None) or change one."""
    _require_operator(actor)
    code = (data.get("code") or "").strip()
    name = (data.get("name") or "").strip()
    if not code or not name:
        raise DomainError("У блока должны быть код и название.")
    clash = CompetenceBlock.objects.filter(code=code).exclude(pk=getattr(block, "pk", None))
    if clash.exists():
        raise DomainError(f"Блок с кодом «{code}» уже есть.")
    created = block is None
    block = block or CompetenceBlock()
    old = {f: getattr(block, f) for f in BLOCK_FIELDS} if not created else {}
    for f in BLOCK_FIELDS:
        if f in data:
            setattr(block, f, data[f])
    block.code, block.name = code, name
    block.save()
    changed = [f for f in BLOCK_FIELDS if old.get(f) != getattr(block, f)]
    event_record(
        actor=actor,
        target=block,
        verb="block_created" if created else "block_changed",
        field=", ".join(changed) if not created else "",
        new=block.name,
    )
    return block


# --- instruments ----------------------------------------------------------------------------------


def _validate_instrument(values: dict) -> None:
    errors = []
    medium, minimal = values.get("threshold_medium"), values.get("threshold_minimal")
    for label, value in (
        ("проходной балл", values.get("pass_mark")),
        ("порог среднего дефицита", medium),
        ("порог минимального дефицита", minimal),
    ):
        if value is not None and not (Decimal("0") <= Decimal(value) <= Decimal("100")):
            errors.append(f"{label.capitalize()} должен быть от 0 до 100 %.")
    if medium is not None and minimal is not None and Decimal(medium) > Decimal(minimal):
        errors.append("Порог среднего дефицита не может быть больше порога минимального.")
    if values.get("opens_at") and values.get("closes_at") and values["closes_at"] <= values["opens_at"]:
        errors.append("Окончание доступности должно быть позже начала.")
    if values.get("time_limit_minutes") is not None and values["time_limit_minutes"] <= 0:
        errors.append("Время на выполнение должно быть больше нуля.")
    if errors:
        raise DomainError(" ".join(errors))


@transaction.atomic
def instrument_create(
    *, actor, data: dict[str, Any], blocks=(), variants: int = workflow.MIN_VARIANTS
) -> Instrument:
    """A new draft with `variants` empty parallel variants."""
    _require_operator(actor)
    values = {f: data[f] for f in INSTRUMENT_FIELDS if f in data}
    if not values.get("code") or not values.get("title"):
        raise DomainError("У работы должны быть код и название.")
    if Instrument.objects.filter(code=values["code"]).exists():
        raise DomainError(f"Работа с кодом «{values['code']}» уже есть.")
    _validate_instrument(values)
    instrument = Instrument.objects.create(status=InstrumentStatus.DRAFT, **values)
    instrument.blocks.set(blocks)
    Variant.objects.bulk_create([Variant(instrument=instrument, number=n) for n in range(1, variants + 1)])
    event_record(actor=actor, target=instrument, verb="instrument_created", new=instrument.code)
    return instrument


@transaction.atomic
def instrument_update(*, actor, instrument: Instrument, data: dict[str, Any], blocks=None) -> Instrument:
    _require_operator(actor)
    instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
    if instrument.status == InstrumentStatus.ARCHIVED:
        raise DomainError("Работа в архиве не изменяется. Создайте новую версию.", code="frozen")
    has_attempts = instrument.attempts.exists()
    changed = [f for f in INSTRUMENT_FIELDS if f in data and getattr(instrument, f) != data[f]]
    if blocks is not None and set(instrument.blocks.values_list("pk", flat=True)) != {b.pk for b in blocks}:
        changed.append("blocks")
    if has_attempts:
        locked = [f for f in changed if f not in FIELDS_AFTER_ATTEMPTS]
        if locked:
            names = ", ".join(
                str(Instrument._meta.get_field(f).verbose_name) if f != "blocks" else "блоки" for f in locked
            )
            raise DomainError(
                f"По работе уже есть попытки: нельзя менять {names}. Создайте новую версию.", code="frozen"
            )
    if "code" in changed and Instrument.objects.filter(code=data["code"]).exclude(pk=instrument.pk).exists():
        raise DomainError(f"Работа с кодом «{data['code']}» уже есть.")
    values = {f: data.get(f, getattr(instrument, f)) for f in INSTRUMENT_FIELDS}
    _validate_instrument(values)
    old = {f: getattr(instrument, f) for f in changed if f != "blocks"}
    for f in changed:
        if f != "blocks":
            setattr(instrument, f, data[f])
    instrument.save()
    if blocks is not None:
        instrument.blocks.set(blocks)
    for f in changed:
        event_record(
            actor=actor,
            target=instrument,
            verb="instrument_changed",
            field=f,
            old=old.get(f, ""),
            new=data.get(f, ""),
        )
    return instrument


def instrument_readiness_errors(instrument: Instrument) -> list[str]:
    """Why the instrument can't be published (an empty list when it can)."""
    errors = []
    variants = list(instrument.variants.prefetch_related("items").order_by("number"))
    if len(variants) < workflow.MIN_VARIANTS:
        errors.append(
            f"Нужно не меньше {workflow.MIN_VARIANTS} параллельных вариантов (сейчас {len(variants)})."
        )
    for variant in variants:
        items = list(variant.items.all())
        if not items:
            errors.append(f"В варианте {variant.number} нет заданий.")
        for item in items:
            problems = validate_item(item.type, item.options, item.key)
            if item.type == ItemType.EXTENDED and not item.rubric.strip():
                problems.append("нет критериев оценивания")
            if problems:
                errors.append(f"Вариант {variant.number}, задание {item.number}: {' '.join(problems)}")
    return errors


@transaction.atomic
def instrument_transition(*, actor, instrument: Instrument, to_status: str, comment: str = "") -> Instrument:
    """The one function that moves an instrument along `workflow.TRANSITIONS`."""
    _require_operator(actor)
    instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
    current = instrument.status
    if not workflow.is_allowed(current, to_status):
        labels = dict(InstrumentStatus.choices)
        raise DomainError(
            f"Работу нельзя перевести из статуса «{labels.get(current, current)}» в «{labels.get(to_status, to_status)}».",
            code="transition",
        )
    if to_status == InstrumentStatus.PUBLISHED:
        errors = instrument_readiness_errors(instrument)
        if errors:
            raise DomainError("Работа не готова к публикации. " + " ".join(errors), code="not_ready")
    instrument.status = to_status
    instrument.save(update_fields=["status"])
    event_record(
        actor=actor,
        target=instrument,
        verb="instrument_status",
        field="status",
        old=current,
        new=to_status,
        comment=comment,
    )
    return instrument


def _next_code(code: str, version: int) -> str:
    base = re.sub(r"-v\d+$", "", code)
    candidate = f"{base}-v{version}"
    n = version
    while Instrument.objects.filter(code=candidate).exists():
        n += 1
        candidate = f"{base}-v{version}-{n}"
    return candidate[:60]


@transaction.atomic
def instrument_new_version(*, actor, instrument: Instrument) -> Instrument:
    """A draft copy with version + 1: the instrument, its blocks, variants and items."""
    _require_operator(actor)
    source = Instrument.objects.get(pk=instrument.pk)
    later = Instrument.objects.filter(previous_version=source).first()
    if later is not None:
        raise DomainError(
            f"У этой работы уже есть следующая версия: «{later.code}» (версия {later.version})."
        )
    copy = Instrument.objects.create(
        **{f: getattr(source, f) for f in INSTRUMENT_FIELDS if f != "code"},
        code=_next_code(source.code, source.version + 1),
        status=InstrumentStatus.DRAFT,
        version=source.version + 1,
        previous_version=source,
    )
    copy.blocks.set(source.blocks.all())
    variant_map = {}
    for variant in source.variants.order_by("number"):
        variant_map[variant.pk] = Variant.objects.create(instrument=copy, number=variant.number)
    items = [
        Item(
            variant=variant_map[item.variant_id],
            **{f: getattr(item, f) for f in ITEM_FIELDS},
            image=item.image,
        )
        for item in Item.objects.filter(variant__instrument=source).order_by("variant__number", "number")
    ]
    Item.objects.bulk_create(items)
    event_record(actor=actor, target=copy, verb="instrument_new_version", old=source.code, new=copy.code)
    return copy


# --- variants and items ---------------------------------------------------------------------------


def _ensure_still_publishable(instrument: Instrument) -> None:
    if instrument.status == InstrumentStatus.PUBLISHED:
        errors = instrument_readiness_errors(instrument)
        if errors:
            raise DomainError("Опубликованная работа должна оставаться готовой: " + " ".join(errors))


@transaction.atomic
def variant_add(*, actor, instrument: Instrument) -> Variant:
    _require_operator(actor)
    _ensure_items_editable(instrument)
    number = (instrument.variants.aggregate(m=Max("number"))["m"] or 0) + 1
    variant = Variant.objects.create(instrument=instrument, number=number)
    event_record(actor=actor, target=instrument, verb="variant_added", new=number)
    return variant


@transaction.atomic
def variant_delete(*, actor, variant: Variant) -> None:
    _require_operator(actor)
    instrument = variant.instrument
    _ensure_items_editable(instrument)
    number = variant.number
    variant.delete()
    _ensure_still_publishable(instrument)
    event_record(actor=actor, target=instrument, verb="variant_deleted", old=number)


def _item_errors(values: dict) -> list[str]:
    errors = validate_item(values.get("type"), values.get("options"), values.get("key"))
    if values.get("type") == ItemType.EXTENDED and not (values.get("rubric") or "").strip():
        errors.append("Для развёрнутого ответа нужны критерии оценивания.")
    if not (values.get("stem") or "").strip():
        errors.append("Формулировка задания не может быть пустой.")
    if not (values.get("topic") or "").strip():
        errors.append("Укажите тему: она станет затруднением в карте ИОМ, если задание не выполнено.")
    return errors


@transaction.atomic
def item_save(*, actor, variant: Variant, item: Item | None = None, data: dict[str, Any], image=None) -> Item:
    """Create an item in `variant` (item=None) or change one; options/key follow item_formats."""
    _require_operator(actor)
    instrument = variant.instrument
    _ensure_items_editable(instrument)
    if item is not None and item.variant_id != variant.pk:
        raise DomainError("Задание не относится к этому варианту.")
    values = {f: data.get(f, getattr(item, f) if item else None) for f in ITEM_FIELDS}
    if not values.get("number"):
        values["number"] = (variant.items.aggregate(m=Max("number"))["m"] or 0) + 1
    clash = variant.items.filter(number=values["number"]).exclude(pk=getattr(item, "pk", None))
    if clash.exists():
        raise DomainError(f"В варианте {variant.number} уже есть задание № {values['number']}.")
    errors = _item_errors(values)
    if errors:
        raise DomainError(" ".join(errors))
    created = item is None
    item = item or Item(variant=variant)
    for f, v in values.items():
        if v is not None:
            setattr(item, f, v)
    if image is not None:
        item.image = image
    item.save()
    instrument.blocks.add(item.block)
    _ensure_still_publishable(instrument)
    event_record(
        actor=actor,
        target=item,
        verb="item_created" if created else "item_changed",
        new=f"{variant}, №{item.number}",
    )
    return item


@transaction.atomic
def item_delete(*, actor, item: Item) -> None:
    _require_operator(actor)
    instrument = item.variant.instrument
    _ensure_items_editable(instrument)
    label = f"{item.variant}, №{item.number}"
    event_record(actor=actor, target=instrument, verb="item_deleted", old=label)
    item.delete()
    _ensure_still_publishable(instrument)


# --- item-bank import -----------------------------------------------------------------------------


def resolve_block(ref: str, blocks: list[CompetenceBlock]) -> CompetenceBlock | None:
    """A block named by a category path or a cell: the last segment that matches a code or a name."""
    by_key = {}
    for block in blocks:
        by_key.setdefault(fold(block.code), block)
        by_key.setdefault(fold(block.name), block)
    for segment in reversed([s for s in (ref or "").split("/") if s.strip()]):
        block = by_key.get(fold(segment))
        if block is not None:
            return block
    return None


@transaction.atomic
def items_import(
    *,
    actor,
    instrument: Instrument,
    parsed: list[ParsedItem],
    replace: bool = False,
    default_variant: int | None = 1,
) -> dict:
    """Import parsed items into the instrument: all or nothing. Returns {"created": n, "variants": [...]}.
    With `replace` the instrument's current items are removed first."""
    _require_operator(actor)
    instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
    _ensure_items_editable(instrument)
    blocks = list(CompetenceBlock.objects.filter(audience=instrument.audience)) or list(
        CompetenceBlock.objects.all()
    )
    errors = []
    for p in parsed:
        errors.extend(check_item(p))
        if p.variant_number is None:
            p.variant_number = default_variant
        if p.variant_number is None or p.variant_number < 1:
            errors.append(
                f"{p.ref}: не указан вариант (категория «Вариант N», столбец «Вариант» или параметр варианта)"
            )
        if p.block is None:
            p.block = resolve_block(p.block_ref, blocks)
        if p.block is None:
            where = f"категория «{p.category}»" if p.category else f"блок «{p.block_ref}»"
            errors.append(
                f"{p.ref}: {where} не соответствует ни одному блоку компетенций "
                f"(укажите код или название блока: {', '.join(b.name for b in blocks[:12])})"
            )
    if errors:
        raise ImportFailed(errors)

    if replace:
        Item.objects.filter(variant__instrument=instrument).delete()
    variants = {v.number: v for v in instrument.variants.all()}
    next_number = dict(
        Item.objects.filter(variant__instrument=instrument)
        .values("variant__number")
        .annotate(m=Max("number"))
        .values_list("variant__number", "m")
    )
    new_items = []
    for p in parsed:
        variant = variants.get(p.variant_number)
        if variant is None:
            variant = variants[p.variant_number] = Variant.objects.create(
                instrument=instrument, number=p.variant_number
            )
        next_number[p.variant_number] = next_number.get(p.variant_number, 0) + 1
        new_items.append(
            Item(
                variant=variant,
                block=p.block,
                number=next_number[p.variant_number],
                type=p.type,
                difficulty=p.difficulty,
                topic=p.topic,
                points=p.points,
                stem=p.stem,
                options=p.options,
                key=p.key,
                partial_credit=p.partial_credit,
                rubric=p.rubric,
            )
        )
    saved_files = _save_images(parsed, new_items)
    try:  # the images written to storage go again when the rows are not written
        Item.objects.bulk_create(new_items)
        instrument.blocks.add(*{p.block for p in parsed})
        try:
            _ensure_still_publishable(instrument)
        except DomainError as exc:
            raise ImportFailed([exc.message]) from None
    except Exception:
        _delete_files(saved_files)
        raise
    used = sorted({p.variant_number for p in parsed})
    event_record(
        actor=actor,
        target=instrument,
        verb="items_imported",
        new=f"{with_number(len(new_items), 'задание')}, варианты {', '.join(map(str, used))}",
        comment="с заменой прежних заданий" if replace else "",
    )
    return {"created": len(new_items), "variants": used}


def _save_images(parsed: list[ParsedItem], items: list[Item]) -> list[str]:
    """Write the images of imported questions to storage before the rows (bulk_create doesn't)."""
    from django.core.files.base import ContentFile
    from django.utils.text import get_valid_filename

    field = Item._meta.get_field("image")
    saved = []
    for p, item in zip(parsed, items, strict=True):
        if p.image:
            name, content = p.image
            # The field's own storage and folder; the name as Moodle had it (made unique by storage).
            item.image = field.storage.save(
                f"{field.upload_to}{get_valid_filename(name)}", ContentFile(content)
            )
            saved.append(item.image.name)
    return saved


def _delete_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        default_storage.delete(name)


def items_import_file(
    *,
    actor,
    instrument: Instrument,
    data: bytes,
    filename: str,
    fmt: str = "",
    default_variant: int | None = 1,
    replace: bool = False,
    mapping: dict[str, str] | None = None,
    block: str = "",
) -> dict:
    """Parse a Moodle XML / GIFT / XLSX file and import it (ImportFailed lists every problem).
    `mapping` (category → block code or name) and `block` (one block for the whole file) give the
    categories their blocks (diagnostics.services.item_import). The result also names the questions
    left out and the notes on the imported ones."""
    from .item_import import bank_apply_mapping

    _require_operator(actor)
    _ensure_items_editable(instrument)
    bank = parse_bank(data, filename=filename, fmt=fmt, default_variant=None)
    if not bank.items:
        raise ImportFailed(
            ["В файле нет ни одного вопроса, который можно импортировать."]
            + [f"{s.ref}: {s.reason}" for s in bank.skipped]
        )
    # XLSX names a block per row (its errors stay per row); Moodle's categories get one message,
    # after the questions to fix (the XML and GIFT readers refuse a file with a broken question).
    by_category = (fmt or detect_format(filename)) != "xlsx"
    bank_apply_mapping(bank=bank, instrument=instrument, mapping=mapping, block=block, strict=by_category)
    result = items_import(
        actor=actor,
        instrument=instrument,
        parsed=bank.items,
        replace=replace,
        default_variant=default_variant,
    )
    result["skipped"] = [f"{s.ref}: {s.reason}" for s in bank.skipped]
    result["notes"] = bank.notes()
    return result
