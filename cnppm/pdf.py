"""HTML laid out to PDF (WeasyPrint) for the documents printed in bulk: the ИОМ card
(routes.exports) and the course certificate (courses.certificate_pdf). Pure rendering.

What a layout costs beyond laying out the document itself is paid once per process here, not
once per document (issue 11.1 / 12.4: 500 changed cards and 5,000 certificates on two workers):

- WeasyPrint's import looks for its C libraries through ctypes.util.find_library, which runs
  ldconfig, gcc and ld subprocesses (about 90 of them on the Debian image), and the first layout
  loads fontconfig's configuration and opens the fonts: 1–2 s of wall time. `warm_up()` pays that
  when a Celery worker process starts (cnppm.celery), so the first card of an archive costs what
  the others cost.
- One FontConfiguration per process (Pango's font map with the fonts it has opened). Renders in a
  process are sequential, and the templates declare no @font-face, the only per-document state a
  FontConfiguration would keep.
- Python's cyclic garbage collector is paused while a document is laid out. A layout allocates
  hundreds of thousands of objects (boxes, computed styles, text layouts) that live until its end:
  with the collector running they are scanned over and over by the young generations, promoted,
  and every second layout or so triggers a full collection over the whole process (Django, the
  worker, the queried rows). Paused, the layout's cyclic garbage is collected once, after it. The
  worker's long-lived objects are moved out of the collector's way at start-up (`gc.freeze`).
"""

from __future__ import annotations

import gc
import threading
import time
from contextlib import contextmanager
from functools import cache

_pause_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@cache
def font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@contextmanager
def collector_paused():
    """Pause the cyclic garbage collector for the block; re-entrant and thread-safe (the last block
    to finish turns it back on, and only if it was on before the first), then collect the young
    generation, where everything allocated meanwhile still is."""
    global _pauses, _was_enabled
    with _pause_lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            resume = _pauses == 0 and _was_enabled
            if resume:
                gc.enable()
        if resume:
            gc.collect(0)


def write_pdf(html: str, *, base_url: str) -> bytes:
    from weasyprint import HTML

    with collector_paused():
        return HTML(string=html, base_url=base_url).write_pdf(font_config=font_config())


_WARM_UP_HTML = (
    '<html lang="ru"><body>'
    "<p style=\"font-family: 'Times New Roman', 'DejaVu Serif', serif\">Карта <b>ИОМ</b></p>"
    "<p style=\"font-family: 'DejaVu Sans', sans-serif\">Удостоверение <b>№ 1</b></p>"
    "</body></html>"
)


def warm_up() -> float:
    """Import WeasyPrint and lay out a two-line document in both type faces the documents use
    (regular and bold): the process's one-time costs paid now. Returns the seconds it took."""
    start = time.perf_counter()
    write_pdf(_WARM_UP_HTML, base_url=".")
    return time.perf_counter() - start


def worker_ready() -> None:
    """At a worker process's start (cnppm.celery): warm up, then move what is alive now (modules,
    settings, the warmed-up renderer) to the collector's permanent generation, so the full
    collections a worker still runs no longer walk them."""
    warm_up()
    gc.collect()
    gc.freeze()
