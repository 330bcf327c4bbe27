"""Images inside imported questions. Moodle XML carries them as <file name=".." path="/"
encoding="base64"> next to the text that refers to them as `@@PLUGINFILE@@/name`; HTML may also hold
`data:image/...;base64,` sources. The first image of the question text becomes the item's image;
every other one (a second image, images in answers or feedback, files a GIFT file can't carry) is
named in a note on that question, never dropped silently."""

from __future__ import annotations

import base64
import binascii
import io
import re
from urllib.parse import unquote

PLUGINFILE = re.compile(r"""@@PLUGINFILE@@/([^"'\s>?#]+)""")
DATA_URI = re.compile(r"""data:image/(png|jpe?g|gif|webp);base64,([A-Za-z0-9+/=\s]+)""", re.IGNORECASE)
IMG_SRC = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp")


def decode_base64(payload: str) -> bytes | None:
    try:
        return base64.b64decode("".join((payload or "").split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def check_image(data: bytes) -> str | None:
    """The image format Pillow recognises (lower case), or None when the bytes are no image."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
            return (img.format or "").lower() or None
    except Exception:  # noqa: BLE001 - any decoding failure means «not an image»
        return None


def referenced(html_text: str) -> list[str]:
    """File names the HTML refers to with @@PLUGINFILE@@ (URL-decoded, as Moodle stores them)."""
    return [unquote(m.group(1)) for m in PLUGINFILE.finditer(html_text or "")]


def data_uri_images(html_text: str) -> list[bytes]:
    out = []
    for m in DATA_URI.finditer(html_text or ""):
        data = decode_base64(m.group(2))
        if data:
            out.append(data)
    return out


def external_images(html_text: str) -> list[str]:
    return [
        src for src in IMG_SRC.findall(html_text or "") if not src.startswith(("@@PLUGINFILE@@", "data:"))
    ]


def is_image_name(name: str) -> bool:
    return name.lower().endswith(IMAGE_EXTENSIONS)
