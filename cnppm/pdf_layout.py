"""A check that a rendered PDF keeps every box on its page: walks WeasyPrint's layout (the boxes of
each page after rendering) and lists the boxes whose margin box reaches past the page's edges. The
report and card tests run every document kind through it at region scale (issue 9)."""

from __future__ import annotations

from dataclasses import dataclass

# Sub-point rounding of the layout is not an overflow.
TOLERANCE = 0.5


@dataclass(frozen=True)
class Overflow:
    page: int
    box: str
    text: str
    left: float
    right: float
    top: float
    bottom: float
    page_width: float
    page_height: float

    def __str__(self) -> str:
        return (
            f"стр. {self.page}: {self.box} «{self.text[:60]}» x {self.left:.1f}…{self.right:.1f} "
            f"(ширина страницы {self.page_width:.1f}), y {self.top:.1f}…{self.bottom:.1f} "
            f"(высота {self.page_height:.1f})"
        )


def _text_of(box) -> str:
    text = getattr(box, "text", None)
    if text:
        return text
    parts = []
    for child in getattr(box, "children", []) or []:
        parts.append(_text_of(child))
        if sum(len(p) for p in parts) > 80:
            break
    return " ".join(p for p in parts if p).strip()


def _descendants(box):
    yield box
    for child in getattr(box, "children", []) or []:
        yield from _descendants(child)


def overflows(document) -> list[Overflow]:
    """Boxes of a rendered `weasyprint.Document` lying (partly) outside their page."""
    found = []
    for number, page in enumerate(document.pages, 1):
        page_box = page._page_box
        width, height = page.width, page.height
        for box in _descendants(page_box):
            if box is page_box or not hasattr(box, "margin_width"):
                continue
            left, top = box.position_x, box.position_y
            right, bottom = left + box.margin_width(), top + box.margin_height()
            if (
                left < -TOLERANCE
                or top < -TOLERANCE
                or right > width + TOLERANCE
                or bottom > height + TOLERANCE
            ):
                found.append(
                    Overflow(
                        number, type(box).__name__, _text_of(box), left, right, top, bottom, width, height
                    )
                )
    return found


def html_overflows(html: str, base_url: str | None = None) -> tuple[list[Overflow], int]:
    """Render `html` and return (overflowing boxes, number of pages)."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=base_url).render()
    return overflows(document), len(document.pages)
