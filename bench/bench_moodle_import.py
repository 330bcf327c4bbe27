"""A Moodle XML bank of 2,000 questions with base64 images (issue 10.1): the preview (read every
question, decode and check every image, count kinds per category) and the import (the same, plus
the mapping, the rows and the image files), each in its own subprocess, against a baseline measured
in the same run: the plain ElementTree parse of the same file. Wall time and peak memory above the
interpreter with Django loaded (VmHWM reset before the step). Prints the figures; asserts nothing.

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_moodle_import.py [--questions 2000]

The import runs inside a transaction that is rolled back, writing the images to a temporary
MEDIA_ROOT, so the database is left as it was (it needs the migrated schema).
Targets: preview and import under 10 s, peak memory under 300 MB. The machine may be shared: the
process's own CPU time is printed beside the wall time (the database's time is in the wall time only).
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROBE = r"""
import json, os, sys, tempfile, time
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnppm.settings")
import django
django.setup()
from xml.etree import ElementTree as ET
from django.conf import settings
from django.db import transaction
from diagnostics.importers import parse_bank
from diagnostics.services import item_import
from diagnostics.services.authoring import items_import_file
import diagnostics.importers.moodle_xml, PIL.Image, PIL.PngImagePlugin  # noqa: loaded before measuring
settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench_moodle_media_")
settings.IMPORT_MAX_BYTES = max(settings.IMPORT_MAX_BYTES, os.path.getsize(sys.argv[2]) + 1)

def status_kb(field):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(field + ":"))

how, path = sys.argv[1], sys.argv[2]
out = {}

class Rollback(Exception):
    pass

try:
    with transaction.atomic():
        from diagnostics.models import CompetenceBlock, Instrument, Variant
        block = CompetenceBlock.objects.create(code="bench-block", name="Блок для замера", order=99)
        instrument = Instrument.objects.create(code="bench-moodle", title="Замер импорта Moodle")
        instrument.blocks.add(block)
        Variant.objects.create(instrument=instrument, number=1)
        with open(path, "rb") as fh:
            data = fh.read()
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")
        except OSError:
            pass
        before = status_kb("VmRSS")
        started, cpu = time.perf_counter(), time.process_time()
        if how == "etree":
            out["questions"] = len(ET.fromstring(data).findall("question"))
        elif how == "preview":
            bank = parse_bank(data, filename="bank.xml")
            preview = item_import.bank_preview(bank=bank, instrument=instrument, fmt="moodle_xml", default_variant=1)
            out["questions"], out["images"] = preview["total"], preview["images"]
        else:
            result = items_import_file(actor=None, instrument=instrument, data=data, filename="bank.xml", block="bench-block")
            out["questions"] = result["created"]
        out["seconds"] = time.perf_counter() - started
        out["cpu"] = time.process_time() - cpu
        out["mb"] = (status_kb("VmHWM") - before) / 1024
        raise Rollback
except Rollback:
    pass
print(json.dumps(out))
"""


def png(rng: random.Random, side: int) -> bytes:
    from PIL import Image

    img = Image.frombytes("RGB", (side, side), bytes(rng.randrange(256) for _ in range(side * side * 3)))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def bank(path: Path, questions: int, side: int) -> None:
    rng = random.Random(1)
    images = [base64.b64encode(png(rng, side)).decode() for _ in range(20)]
    kinds = ["multichoice", "truefalse", "shortanswer", "matching", "essay"]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n')
        for n in range(questions):
            if n % 100 == 0:
                fh.write(
                    '  <question type="category"><category><text>$course$/top/Банк/Раздел '
                    f"{n // 100 + 1}</text></category></question>\n"
                )
            kind = kinds[n % len(kinds)]
            fh.write(f'  <question type="{kind}">\n    <name><text>Вопрос {n + 1}</text></name>\n')
            fh.write(
                '    <questiontext format="html"><text><![CDATA[<p>Формулировка вопроса '
                f'{n + 1}</p><p><img src="@@PLUGINFILE@@/img{n}.png"></p>]]></text>\n'
                f'      <file name="img{n}.png" path="/" encoding="base64">{images[n % 20]}</file>\n'
                "    </questiontext>\n    <defaultgrade>1</defaultgrade>\n"
            )
            if kind == "multichoice":
                fh.write("    <single>true</single>\n")
                for i in range(4):
                    fh.write(
                        f'    <answer fraction="{100 if i == 0 else 0}"><text>Ответ {i}</text></answer>\n'
                    )
            elif kind == "truefalse":
                fh.write(
                    '    <answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>\n'
                )
            elif kind == "shortanswer":
                fh.write('    <answer fraction="100"><text>ответ</text></answer>\n')
            elif kind == "matching":
                for i in range(3):
                    fh.write(
                        f"    <subquestion><text>Левое {i}</text><answer><text>Правое {i}</text></answer></subquestion>\n"
                    )
            else:
                fh.write('    <graderinfo format="html"><text>Критерии оценивания</text></graderinfo>\n')
            fh.write("  </question>\n")
        fh.write("</quiz>\n")


def probe(how: str, path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, how, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    if done.returncode:
        raise SystemExit(f"{how}: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument(
        "--image-side", type=int, default=40, help="px; random pixels, so PNG barely compresses"
    )
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp(prefix="bench_moodle_")) / "bank.xml"
    bank(path, args.questions, args.image_side)
    size = path.stat().st_size / 1024 / 1024
    print(
        f"Moodle XML: {args.questions} questions, each with a {args.image_side}×{args.image_side} PNG; {size:.1f} MB"
    )
    base = probe("etree", path)
    print(
        f"  baseline ElementTree.fromstring: {base['seconds']:.2f} s (CPU {base['cpu']:.2f} s), "
        f"peak +{base['mb']:.0f} MB"
    )
    for how in ("preview", "import"):
        r = probe(how, path)
        print(
            f"  {how:8} {r['questions']} questions: {r['seconds']:.2f} s, CPU {r['cpu']:.2f} s "
            f"(×{r['cpu'] / base['cpu']:.1f} the baseline's CPU), peak +{r['mb']:.0f} MB (×{r['mb'] / max(base['mb'], 1):.1f})"
            + (f", images {r['images']}" if "images" in r else "")
        )
    path.unlink()


if __name__ == "__main__":
    main()
