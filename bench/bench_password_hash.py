"""CPU cost of one login's password work (issue 11.5): hash + verify of one password, process time,
median of 5, with Django 5.2's default PBKDF2-HMAC-SHA256 (1,000,000 iterations) and with the
portal's Argon2id at the OWASP minimum (cnppm.hashers; 19 MiB, 2 passes, 1 lane).

    .venv/bin/python bench/bench_password_hash.py

Process time, not wall time: on a shared machine it is what a gunicorn worker pays per login."""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnppm.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import check_password, get_hasher, make_password  # noqa: E402

PASSWORD = "Учитель-2026-пароль"


def cost(algorithm: str) -> tuple[float, float]:
    """Median process seconds of make_password and of check_password with the given hasher."""
    hashes, checks = [], []
    for _ in range(5):
        started = time.process_time()
        encoded = make_password(PASSWORD, hasher=algorithm)
        hashes.append(time.process_time() - started)
        started = time.process_time()
        assert check_password(PASSWORD, encoded, preferred=algorithm)
        checks.append(time.process_time() - started)
    return statistics.median(hashes), statistics.median(checks)


def main() -> None:
    rows = []
    for algorithm in ("pbkdf2_sha256", "argon2"):
        hasher = get_hasher(algorithm)
        params = (
            f"{hasher.iterations} итераций"
            if algorithm.startswith("pbkdf2")
            else f"{hasher.memory_cost} КиБ, {hasher.time_cost} прохода, {hasher.parallelism} поток"
        )
        made, checked = cost(algorithm)
        rows.append((algorithm, params, made, checked))
    print(f"{'хэшер':<15} {'параметры':<32} {'хэш, мс':>8} {'проверка, мс':>13}")
    for algorithm, params, made, checked in rows:
        print(f"{algorithm:<15} {params:<32} {made * 1000:>8.0f} {checked * 1000:>13.0f}")
    ratio = rows[0][3] / rows[1][3]
    print(f"Проверка пароля при входе: Argon2id дешевле PBKDF2 в {ratio:.0f} раз(а) процессорного времени")


if __name__ == "__main__":
    main()
