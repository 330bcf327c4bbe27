"""A fresh install (the migrations, data migrations included) has what a region needs before any
import: the consent text, the subject areas, the competence blocks and the indicator definitions."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import django; django.setup();"
    "from cnppm.models import ConsentDocument, Subject;"
    "from diagnostics.models import CompetenceBlock;"
    "from monitoring.models import IndicatorDefinition;"
    "print(ConsentDocument.objects.filter(is_current=True).count(), Subject.objects.count(),"
    " CompetenceBlock.objects.filter(is_scored=True).count(), IndicatorDefinition.objects.count())"
)


def test_migrations_seed_reference_data(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")}
    env.update(DJANGO_SETTINGS_MODULE="cnppm.settings", SQLITE_PATH=str(tmp_path / "fresh.sqlite3"))
    run = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    probe = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr
    consent, subjects, blocks, indicators = map(int, probe.stdout.split()[-4:])
    assert consent == 1
    assert subjects == 14
    assert blocks == 10
    assert indicators == 9
