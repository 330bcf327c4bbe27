"""The bounded reader (cnppm/spreadsheets.py) on the hostile corpus of tests/cnppm/hostile.py against
reading a normal 10,000-row roster-like file, in the same run. Each file is read in its own
subprocess, which reports its wall time and its peak memory above the interpreter with Django loaded
(peak ru_maxrss above the resident size before reading), so the figures do not bleed into each other. Also: openpyxl read-only on the normal
file, for comparison. Prints the figures; asserts nothing (the suite asserts the bounds).

    .venv/bin/python bench/bench_bounded_import.py [--rows 10000]

Targets (issue 8.1): every hostile file refused within seconds and under 200 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnppm.settings")

PROBE = r"""
import json, os, sys, time
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnppm.settings")
import django
django.setup()
from cnppm.services import DomainError
from cnppm.spreadsheets import open_workbook
from diagnostics.importers import ImportFailed, parse_file
import openpyxl

how, path = sys.argv[1], sys.argv[2]
import diagnostics.importers.gift, diagnostics.importers.moodle_xml, diagnostics.importers.xlsx  # noqa
def status_kb(field):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(field + ":"))
# Reset the peak (VmHWM) to the current size, so that Django's start-up peak does not count.
try:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
except OSError:
    pass
before = status_kb("VmRSS")
started = time.perf_counter()
out = {"refused": "", "rows": 0}
try:
    if how == "bounded":
        with open(path, "rb") as fh:
            for ws in open_workbook(fh).worksheets:
                for _ in ws.iter_rows(values_only=True):
                    out["rows"] += 1
    elif how == "openpyxl":
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for ws in wb.worksheets:
            for _ in ws.iter_rows(values_only=True):
                out["rows"] += 1
    else:
        with open(path, "rb") as fh:
            out["rows"] = len(parse_file(fh.read(), filename=path))
except DomainError as exc:
    out["refused"] = exc.message
except ImportFailed as exc:
    out["refused"] = exc.errors[0]
out["seconds"] = time.perf_counter() - started
out["mb"] = (status_kb("VmHWM") - before) / 1024
print(json.dumps(out, ensure_ascii=False))
"""


def probe(how: str, path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, how, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    if done.returncode:
        return {
            "refused": f"ошибка: {done.stderr.strip().splitlines()[-1]}",
            "rows": 0,
            "seconds": 0,
            "mb": 0,
        }
    return json.loads(done.stdout.strip().splitlines()[-1])


def normal_file(path: Path, rows: int) -> None:
    import openpyxl

    from cnppm.importers import ROSTER_COLUMNS

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Реестр")
    ws.append(list(ROSTER_COLUMNS))
    for n in range(rows):
        ws.append(
            [
                "Первый район",
                f"Школа {n % 300}",
                f"Фамилия{n}",
                "Анна",
                "Сергеевна",
                f"p{n}@example.ru",
                "учитель",
                "высшее",
                n % 40,
                "первая",
                "физика; математика",
                "педагог",
            ]
        )
    wb.save(path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()

    import django

    django.setup()
    from tests.cnppm import hostile

    tmp = Path(tempfile.mkdtemp(prefix="bench_bounded_"))
    normal = tmp / "normal.xlsx"
    normal_file(normal, args.rows)
    corpus = {
        "dimension bomb (A1:XFD1048576, 1 ячейка в последней строке)": (
            "dimension.xlsx",
            lambda p: p.write_bytes(hostile.dimension_bomb()),
        ),
        "shared-strings bomb (1,5 ГБ после распаковки)": (
            "shared.xlsx",
            lambda p: hostile.shared_strings_bomb(p, megabytes=1500),
        ),
        "row bomb (1 000 000 строк)": ("rows.xlsx", lambda p: hostile.row_bomb(1_000_000, target=p)),
        "deep nesting (100 000 уровней в ячейке)": (
            "deep.xlsx",
            lambda p: p.write_bytes(hostile.deep_sheet()),
        ),
        "zip of 5 000 entries": ("entries.xlsx", lambda p: p.write_bytes(hostile.many_entries())),
        "formula without cached value": ("formula.xlsx", lambda p: p.write_bytes(hostile.formulas(False))),
        "external link (cached value read)": (
            "external.xlsx",
            lambda p: p.write_bytes(hostile.external_link()),
        ),
        "not a zip (old .xls)": ("old.xlsx", lambda p: p.write_bytes(hostile.not_a_zip())),
        "GIFT, 195 000 questions": ("bank.gift", lambda p: p.write_bytes(hostile.huge_gift())),
        "Moodle XML, 200 000 levels deep": ("deep.xml", lambda p: p.write_bytes(hostile.deep_moodle_xml())),
    }
    print(f"Обычный файл: {args.rows} строк × 12 столбцов, {normal.stat().st_size / 1024:.0f} КБ", flush=True)
    base = probe("bounded", normal)
    ref = probe("openpyxl", normal)
    print(
        f"  ограниченный читатель: {base['seconds']:.2f} с, +{base['mb']:.0f} МБ, строк {base['rows']}\n"
        f"  openpyxl read-only:    {ref['seconds']:.2f} с, +{ref['mb']:.0f} МБ "
        f"(читатель / openpyxl по времени: {base['seconds'] / max(ref['seconds'], 1e-6):.2f})",
        flush=True,
    )
    print(f"\n{'файл':58} {'размер':>9} {'время':>8} {'×норм.':>7} {'память':>8}  итог")
    for label, (name, build) in corpus.items():
        path = tmp / name
        build(path)
        how = "bounded" if name.endswith(".xlsx") else "items"
        r = probe(how, path)
        size = path.stat().st_size
        size_text = f"{size / 1024 / 1024:.1f} МБ" if size > 1024 * 1024 else f"{size / 1024:.1f} КБ"
        outcome = f"отказ: {r['refused'][:90]}" if r["refused"] else f"прочитано строк: {r['rows']}"
        ratio = r["seconds"] / max(base["seconds"], 1e-6)
        print(
            f"{label:58} {size_text:>9} {r['seconds']:7.2f}с {ratio:7.2f} {r['mb']:6.0f}МБ  {outcome}",
            flush=True,
        )
        path.unlink()
    normal.unlink()


if __name__ == "__main__":
    main()
