"""Shared pieces of the item-import tests: the blocks the sample files name, an empty draft
instrument, a semantic view of an item (texts instead of ids) and the fixtures directory."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook

from diagnostics.choices import InstrumentStatus, ItemType
from diagnostics.importers.common import matching_pairs, ordering_texts
from diagnostics.models import Variant
from tests.diagnostics.factories import CompetenceBlockFactory, InstrumentFactory

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "diagnostics"


def sample_blocks():
    return {
        "methodical": CompetenceBlockFactory(code="methodical", name="Методические компетенции", order=2),
        "psychological": CompetenceBlockFactory(
            code="psychological", name="Психолого-педагогические компетенции", order=3
        ),
        "subject": CompetenceBlockFactory(code="subject", name="Предметные компетенции", order=1),
    }


def draft_instrument(**kwargs):
    instrument = InstrumentFactory(status=InstrumentStatus.DRAFT, **kwargs)
    for n in range(1, 5):
        Variant.objects.create(instrument=instrument, number=n)
    return instrument


def semantic(item) -> dict:
    """What an item means, independent of ids: texts of choices and the correct ones, pairs, order."""
    out = {
        "type": item.type,
        "stem": item.stem,
        "topic": item.topic,
        "points": float(item.points),
        "difficulty": item.difficulty,
        "block": item.block.code,
        "variant": item.variant.number,
        "rubric": item.rubric,
    }
    if item.type in (ItemType.SINGLE, ItemType.MULTIPLE):
        choices = item.options["choices"]
        out["choices"] = [c["text"] for c in choices]
        out["correct"] = sorted(c["text"] for c in choices if c["id"] in item.key["correct"])
        out["partial"] = item.partial_credit if item.type == ItemType.MULTIPLE else None
    elif item.type == ItemType.MATCHING:
        pairs, distractors = matching_pairs(item.options, item.key)
        out["pairs"] = sorted(pairs)
        out["distractors"] = sorted(distractors)
        out["partial"] = item.partial_credit
    elif item.type == ItemType.ORDERING:
        out["order"] = ordering_texts(item.options, item.key)
        out["partial"] = item.partial_credit
    elif item.type == ItemType.SHORT:
        out["accepted"] = item.key["accepted"]
    return out


def xlsx_bytes(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
