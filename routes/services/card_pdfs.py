"""Stored PDFs of ИОМ cards (issue 11.1): laid out once per card version (routes.card_pdf), by a
debounced task after the card changes or, at the latest, by the download that finds its version
missing. A download of an unchanged card only computes the version and serves the file."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from .. import card_pdf

log = logging.getLogger(__name__)


def _eager() -> bool:
    return bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False))


def prerender_enabled() -> bool:
    """Whether card edits warm the store. settings.CARD_PDF_PRERENDER decides; unset, it is on with a
    broker and off when tasks run eagerly (a dev server on SQLite, seed_demo, imports: a layout
    inline after every saved card would cost seconds per save). Off, a card is laid out at its
    first download or archive, never served stale either way."""
    configured = getattr(settings, "CARD_PDF_PRERENDER", None)
    if configured is None:
        return not _eager()
    return bool(configured)


def debounce_seconds() -> float:
    return float(getattr(settings, "CARD_PDF_DEBOUNCE_SECONDS", 20))


def _storage():
    from ..exports import private_storage

    return private_storage()


def stored_path(route_id: int, version: str) -> str:
    return _storage().path(card_pdf.stored_name(route_id, version))


def is_stored(route_id: int, version: str) -> bool:
    return os.path.exists(stored_path(route_id, version))


def card_pdf_store(route, version: str, card: dict | None = None) -> str:
    """Lay the card out (routes.exports.render_card_pdf) and store it as `version`: written beside,
    moved into place in one os.replace (a reader sees no file or the whole file), older versions of
    the card removed. `card` is the context the version was computed from, when at hand. Returns
    the file's path."""
    from .. import exports  # looked up at call time: tests/slow_worker.py wraps render_card_pdf

    data = exports.render_card_pdf(route, card)
    final = stored_path(route.pk, version)
    directory = os.path.dirname(final)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, final)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    keep = os.path.basename(final)
    for name in os.listdir(directory):
        if name != keep and name.endswith(".pdf"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(directory, name))
    return final


def card_pdf_current(route) -> tuple[str, bool]:
    """The path of the card's PDF as the card is now, and whether it had to be laid out for this
    call (its version was not stored yet: never a stale file)."""
    from ..selectors import card_context

    card = card_context(route)  # built once: for the version and, when stale, for the layout
    version = card_pdf.card_version(route, card)
    path = stored_path(route.pk, version)
    if os.path.exists(path):
        return path, False
    return card_pdf_store(route, version, card), True


def card_pdf_bytes(route) -> bytes:
    """The PDF of the card as it is now, from storage when its version is stored."""
    for _ in range(3):
        path, _rendered = card_pdf_current(route)
        try:
            with open(path, "rb") as fh:
                return fh.read()
        except FileNotFoundError:  # a newer version replaced it between the check and the read
            continue
    from .. import exports

    return exports.render_card_pdf(route)


def card_pdf_refresh(route_id: int) -> bool:
    """The task's body: lay out the card if its current version is not stored; True if it did."""
    from ..exports import fetch_card
    from ..models import Route

    if not _eager():
        # The debounce window ends when the task starts: later edits ask for a new rendering. Run
        # eagerly, the key lives out its window, so a burst of edits is laid out once, not per save.
        cache.delete(_pending_key(route_id))
    try:
        route = fetch_card(route_id)
    except Route.DoesNotExist:
        card_pdfs_discard([route_id])
        return False
    _path, rendered = card_pdf_current(route)
    return rendered


def card_pdfs_discard(route_ids) -> None:
    """Remove the stored PDFs of these cards (a deleted route, a person who withdrew consent)."""
    storage = _storage()
    for pk in route_ids:
        shutil.rmtree(card_pdf.stored_dir(storage, pk), ignore_errors=True)


def _pending_key(route_id: int) -> str:
    return f"card-pdf-pending:{route_id}"


def card_pdf_schedule(route_ids=(), *, routes=None) -> None:
    """After the transaction commits, ask for the cards' PDFs to be laid out once the edits settle:
    one task per card per debounce window (a burst of edits is one rendering, of the last state).
    `routes` is a queryset of routes read at commit time. With CELERY_TASK_ALWAYS_EAGER the rendering
    happens inline."""
    if not prerender_enabled():
        return
    ids = {int(pk) for pk in route_ids if pk}
    if ids or routes is not None:
        transaction.on_commit(lambda: _enqueue(ids, routes))


def _enqueue(ids, routes=None) -> None:
    from ..choices import RouteStatus
    from ..tasks import card_pdf_render

    if routes is not None:
        ids = ids | set(routes.exclude(status=RouteStatus.CANCELLED).values_list("pk", flat=True))
    delay = debounce_seconds()
    for pk in sorted(ids):
        try:
            first = cache.add(_pending_key(pk), 1, timeout=max(int(delay), 1))
        except Exception:  # a failing cache only costs a repeated rendering
            log.warning("card pdf debounce: the cache failed", exc_info=True)
            first = True
        if first:
            card_pdf_render.apply_async((pk,), countdown=delay)
