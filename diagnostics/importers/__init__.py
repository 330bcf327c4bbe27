"""Item-bank parsers: Moodle XML, GIFT and the portal's XLSX template. `parse_file` picks the parser
by the file name; every parser returns ParsedItem objects or raises ImportFailed, and never writes."""

from __future__ import annotations

from .common import ImportFailed, ParsedBank, ParsedItem

FORMATS = {
    "moodle_xml": ("Moodle XML", (".xml",)),
    "gift": ("GIFT", (".gift", ".txt")),
    "xlsx": ("Шаблон XLSX портала", (".xlsx",)),
}


def detect_format(filename: str) -> str:
    name = (filename or "").lower()
    for code, (_, extensions) in FORMATS.items():
        if name.endswith(extensions):
            return code
    raise ImportFailed(
        [
            f"Неизвестный формат файла «{filename}»: загрузите .xml (Moodle XML), .gift или .txt (GIFT), .xlsx (шаблон портала)."
        ]
    )


def parse_file(
    data: bytes, *, filename: str = "", fmt: str = "", default_variant: int | None = None
) -> list[ParsedItem]:
    return parse_bank(data, filename=filename, fmt=fmt, default_variant=default_variant).items


def parse_bank(
    data: bytes, *, filename: str = "", fmt: str = "", default_variant: int | None = None
) -> ParsedBank:
    """The questions of the file, the ones left out (by name and reason) and its categories."""
    from django.conf import settings

    # The same byte limit for every format, before any parsing (XLSX is also bounded unpacked).
    limit = settings.IMPORT_MAX_BYTES
    if len(data) > limit:
        raise ImportFailed(
            [
                f"Файл слишком большой: {len(data) / 1024 / 1024:.1f} МБ, допускается не более "
                f"{limit / 1024 / 1024:.0f} МБ (IMPORT_MAX_BYTES). Разделите банк на несколько файлов."
            ]
        )
    fmt = fmt or detect_format(filename)
    if fmt == "moodle_xml":
        from .moodle_xml import parse_bank as read
    elif fmt == "gift":
        from .gift import parse_bank as read
    elif fmt == "xlsx":
        from .xlsx import parse

        items = parse(data, default_variant=default_variant)
        # The «Блок» column plays the part of a category.
        return ParsedBank(items=items, categories=list(dict.fromkeys(i.block_ref for i in items)))
    else:
        raise ImportFailed([f"Неизвестный формат «{fmt}»."])
    return read(data, default_variant=default_variant)


__all__ = ["FORMATS", "ImportFailed", "ParsedBank", "ParsedItem", "detect_format", "parse_bank", "parse_file"]
