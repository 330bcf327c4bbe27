"""The version of an ИОМ card's PDF and where the PDF of a version is stored (issue 11.1).

A card's PDF is laid out once per version and kept in the private storage as
`card_pdfs/<route id>/<version>.pdf`: the file name is the version it shows, so a stored PDF is
current exactly when the file of the card's current version exists (no table to keep in step with
the files, and a file appears whole or not at all: it is written beside and moved into place).

The version is a SHA-256 of what the PDF is made of, not a counter bumped by the services that
write: the card's context (`routes.selectors.card_context`, which the PDF template renders: route,
activities, final event, corrections, signatures, conclusions, diagnostics results), the row of
the route itself and of its teacher and their organization (whatever the template reaches through
`card.route`), the PDF template's sources and the renderer's own revision. A counter has to be
bumped by every writer, present and future (a `queryset.update`, an import, a re-scored attempt, a
profile edit, the day a planned final event becomes «не выполнено»), and one forgotten writer
serves a stale card; the hash cannot miss what it is computed from. It costs building the context
(a handful of queries, a few milliseconds), which is no layout: WeasyPrint runs only for a
version not stored yet."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.template.loader import get_template

# Bump when routes.exports.render_card_pdf changes how a card looks outside its template (fonts,
# page setup): every stored PDF becomes stale at once.
RENDERER_REVISION = "1"
PDF_TEMPLATE = "routes/pdf/card.html"
STORE_DIR = "card_pdfs"

_fingerprint_cache: dict[tuple, str] = {}


def _template_files() -> list[Path]:
    """The PDF template and its siblings (the pieces it includes live beside it), with the
    template tags it loads: their sources are part of every version."""
    origin = Path(get_template(PDF_TEMPLATE).origin.name)
    files = sorted(origin.parent.glob("*.html"))
    tags = Path(settings.BASE_DIR) / "cnppm" / "templatetags" / "russian.py"
    return [*files, tags] if tags.exists() else files


def template_fingerprint() -> str:
    """A hash of the template sources, recomputed only when a file's size or mtime moves."""
    files = _template_files()
    key = tuple((str(f), *_stat(f)) for f in files)
    found = _fingerprint_cache.get(key)
    if found is None:
        h = hashlib.sha256()
        for f in files:
            h.update(str(f.name).encode())
            h.update(f.read_bytes())
        found = h.hexdigest()
        _fingerprint_cache.clear()
        _fingerprint_cache[key] = found
    return found


def _stat(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_mtime_ns, st.st_size


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "_meta"):  # a model instance inside the context: its own fields
        return _row(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def _row(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def card_version(route, card: dict | None = None, *, fingerprint: str | None = None) -> str:
    """The version of the card as the PDF would show it now. `route` comes from
    `routes.selectors.card_queryset()`; pass its `card_context` when already built."""
    from .selectors import card_context

    if card is None:
        card = card_context(route)
    teacher = route.teacher
    payload = {
        "card": {k: v for k, v in card.items() if k != "route"},
        "route": _row(route),
        "teacher": _row(teacher),
        "organization": _row(teacher.organization) if teacher.organization_id else None,
        "portal": settings.PORTAL_NAME,
    }
    h = hashlib.sha256()
    h.update(RENDERER_REVISION.encode())
    h.update((fingerprint or template_fingerprint()).encode())
    h.update(json.dumps(payload, sort_keys=True, default=_plain, ensure_ascii=False).encode())
    return h.hexdigest()


def stored_name(route_id: int, version: str) -> str:
    return f"{STORE_DIR}/{route_id}/{version}.pdf"


def stored_dir(storage, route_id: int) -> str:
    return os.path.join(storage.location, STORE_DIR, str(route_id))
