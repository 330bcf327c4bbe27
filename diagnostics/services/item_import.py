"""Importing an item bank the way Moodle would (issue 10.1): read → preview → map → write.

The preview lists the file's categories (as Moodle reads `$CATEGORY:` and <question type="category">),
the questions of each kind in each, the questions left out (by name and reason) and the per-question
notes (an image not carried over, a partial credit the portal doesn't have …). Every category gets a
competence block: the operator's mapping (`category → block`), else the one block chosen for the
whole file, else the block a segment of the category path names (code or name). A file whose
categories are still without a block is refused with one message naming them. Nothing is written
before the operator confirms: the upload is kept as an ItemImportDraft, and confirming turns it into
an ImportJob (cnppm.import_jobs), which calls `items_import_file` with the mapping."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from cnppm.choices import ImportKind
from cnppm.russian import plural
from cnppm.services import DomainError

from ..choices import ItemType
from ..importers import ImportFailed, ParsedBank, detect_format, parse_bank
from ..importers.common import category_key, category_label, fold
from ..models import CompetenceBlock, Instrument, ItemImportDraft

MAX_PREVIEW_NOTES = 500
DRAFT_TTL = timedelta(days=1)  # an upload nobody confirmed is dropped (with its file) after a day


def instrument_blocks(instrument: Instrument) -> list[CompetenceBlock]:
    """The blocks an instrument's items may belong to: those of its audience (all when none)."""
    blocks = list(CompetenceBlock.objects.filter(audience=instrument.audience).order_by("order", "code"))
    return blocks or list(CompetenceBlock.objects.order_by("order", "code"))


def block_by_ref(ref: str, blocks: list[CompetenceBlock]) -> CompetenceBlock | None:
    """A block named by its code or its name (case, spacing and «ё» ignored)."""
    wanted = fold(ref)
    for block in blocks:
        if wanted in (fold(block.code), fold(block.name)):
            return block
    return None


def _suggested(path: str, blocks: list[CompetenceBlock]) -> CompetenceBlock | None:
    from ..importers.common import split_category
    from .authoring import resolve_block

    segments, _ = split_category(path)
    return resolve_block("/".join(segments), blocks)


def _key(item) -> str:
    """An item's category (an XLSX row's «Блок» column stands for one)."""
    return category_key(category_label(item.category or item.block_ref))


def bank_categories(
    bank: ParsedBank, blocks: list[CompetenceBlock], default_variant: int | None
) -> list[dict]:
    """Per category, in the file's order: label, key, variant, suggested block, counts per kind."""
    rows: dict[str, dict] = {}
    for path in bank.categories:
        key = category_key(category_label(path))
        if key in rows:
            continue
        block = _suggested(path, blocks)
        rows[key] = {
            "key": key,
            "label": category_label(path),
            "path": path,
            "block": block.code if block else "",
            "items": 0,
            "left_out": 0,
            "kinds": Counter(),
            "variants": set(),
        }
    labels = {value: str(label) for value, label in ItemType.choices}
    for item in bank.items:
        row = rows[_key(item)]
        row["items"] += 1
        label = labels.get(item.type, "—")
        row["kinds"][(item.kind or item.type, label)] += 1
        row["variants"].add(item.variant_number or default_variant)
    for skipped in bank.skipped:
        row = rows[category_key(category_label(skipped.category))]
        row["left_out"] += 1
    out = []
    for row in rows.values():
        row["kinds"] = [{"kind": k, "type": t, "n": n} for (k, t), n in row["kinds"].items()]
        row["variants"] = sorted(v for v in row["variants"] if v)
        out.append(row)
    return out


def bank_preview(*, bank: ParsedBank, instrument: Instrument, fmt: str, default_variant: int | None) -> dict:
    """What the operator sees before confirming (JSON: kept in the draft, sent by the API)."""
    blocks = instrument_blocks(instrument)
    skipped_kinds = Counter(s.kind for s in bank.skipped)
    notes = bank.notes()
    return {
        "format": fmt,
        "total": len(bank.items),
        "left_out": len(bank.skipped),
        "images": sum(1 for i in bank.items if i.image),
        "categories": bank_categories(bank, blocks, default_variant),
        "skipped": [{"ref": s.ref, "kind": s.kind, "reason": s.reason} for s in bank.skipped],
        "skipped_kinds": [{"kind": k, "n": n} for k, n in skipped_kinds.items()],
        "notes": notes[:MAX_PREVIEW_NOTES],
        "notes_total": len(notes),
        "needs_rubric": sum(1 for i in bank.items if i.type == ItemType.EXTENDED and not i.rubric.strip()),
    }


def _mapping_blocks(
    categories: list[dict],
    blocks: list[CompetenceBlock],
    mapping: dict[str, str] | None,
    block: str = "",
    strict: bool = True,
) -> dict[str, CompetenceBlock]:
    """category key → block, by the mapping, the whole-file block or the suggestion; refuses (one
    message each) unknown categories and blocks in the mapping, and names every category left
    without a block."""
    errors = []
    whole = None
    if block:
        whole = block_by_ref(block, blocks)
        if whole is None:
            errors.append(
                f"Блок «{block}» не найден среди блоков работы: {', '.join(b.code for b in blocks)}."
            )
    by_key = {c["key"]: c for c in categories}
    chosen: dict[str, CompetenceBlock] = {}
    for raw_category, raw_block in (mapping or {}).items():
        if not (raw_block or "").strip():
            continue
        key = category_key(raw_category)
        if key not in by_key:
            errors.append(f"В файле нет категории «{raw_category}».")
            continue
        found = block_by_ref(raw_block, blocks)
        if found is None:
            errors.append(f"Блок «{raw_block}» для категории «{by_key[key]['label']}» не найден.")
            continue
        chosen[key] = found
    suggestions = {b.code: b for b in blocks}
    for c in categories:
        if c["key"] not in chosen:
            fallback = whole or suggestions.get(c["block"])
            if fallback is not None:
                chosen[c["key"]] = fallback
    missing = [c["label"] for c in categories if c["key"] not in chosen]
    if missing and strict and not errors:
        names = ", ".join(f"«{m}»" for m in missing)
        errors.append(
            f"Не выбран блок компетенций для {plural(len(missing), 'категория', 'gent')} "
            f'{names}: укажите блок для каждой (--map "категория=БЛОК") или один блок для всего файла (--block).'
        )
    if errors:
        raise ImportFailed(errors)
    return chosen


def bank_apply_mapping(
    *,
    bank: ParsedBank,
    instrument: Instrument,
    mapping: dict[str, str] | None,
    block: str = "",
    strict: bool = True,
) -> None:
    """Set the block of every parsed item from its category (ImportFailed when one has none; not
    `strict`: such items keep no block and the import names them one by one)."""
    blocks = instrument_blocks(instrument)
    chosen = _mapping_blocks(bank_categories(bank, blocks, None), blocks, mapping, block, strict)
    for item in bank.items:
        item.block = chosen.get(_key(item))


# --- the draft: upload → preview → confirm ---------------------------------------------------------


def _require_operator(actor) -> None:
    from .authoring import _require_operator as require

    require(actor)


def item_import_draft_create(
    *, actor, instrument: Instrument, upload, default_variant: int = 1, replace: bool = False
) -> ItemImportDraft:
    """Read the uploaded bank and keep it for confirmation; ImportFailed (nothing kept) when the
    file can't be read or a question is broken."""
    from cnppm.import_jobs import _store
    from cnppm.spreadsheets import check_upload_size

    from .authoring import _ensure_items_editable

    _require_operator(actor)
    _ensure_items_editable(instrument)
    check_upload_size(upload)
    filename = Path(getattr(upload, "name", "") or "").name[:255]
    fmt = detect_format(filename)
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read() if hasattr(upload, "read") else bytes(upload)
    bank = parse_bank(data, filename=filename, fmt=fmt)
    preview = bank_preview(bank=bank, instrument=instrument, fmt=fmt, default_variant=default_variant)
    del bank
    drafts_discard_stale()
    return ItemImportDraft.objects.create(
        instrument=instrument,
        actor=actor,
        filename=filename,
        path=_store(data, filename),
        fmt=fmt,
        default_variant=default_variant or 1,
        replace=replace,
        preview=preview,
    )


def drafts_visible(user):
    """A draft is its uploader's own: anybody else gets «not found»."""
    return ItemImportDraft.objects.filter(actor=user).select_related("instrument")


def draft_file(draft: ItemImportDraft) -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / draft.path


@transaction.atomic
def item_import_draft_confirm(
    *, actor, draft: ItemImportDraft, mapping: dict[str, str] | None, block: str = ""
):
    """Check the mapping against the preview and queue the import (an ImportJob); the draft goes.
    ImportFailed (with one message naming the categories left without a block) changes nothing."""
    from cnppm.import_jobs import import_job_submit

    _require_operator(actor)
    if draft.actor_id != actor.pk:
        raise DomainError("Загрузка не найдена.")
    blocks = instrument_blocks(draft.instrument)
    chosen = _mapping_blocks(draft.preview.get("categories", []), blocks, mapping, block)
    path = draft_file(draft)
    if not path.exists():
        raise DomainError("Загруженный файл не найден: загрузите его снова.")
    job = import_job_submit(
        actor=actor,
        kind=ImportKind.ITEMS,
        upload=ContentFile(path.read_bytes(), name=draft.filename),
        params={
            "instrument": draft.instrument_id,
            "default_variant": draft.default_variant,
            "replace": draft.replace,
            "format": draft.fmt,
            "filename": draft.filename,
            "mapping": {key: b.code for key, b in chosen.items()},
        },
    )
    item_import_draft_discard(draft=draft)
    return job


def item_import_draft_discard(*, draft: ItemImportDraft) -> None:
    if draft.path:
        draft_file(draft).unlink(missing_ok=True)
    draft.delete()


def drafts_discard_stale() -> int:
    """Drop the uploads left unconfirmed for longer than DRAFT_TTL, with their stored files."""
    stale = list(ItemImportDraft.objects.filter(created_at__lt=timezone.now() - DRAFT_TTL))
    for draft in stale:
        item_import_draft_discard(draft=draft)
    return len(stale)
