"""With DEBUG off and secrets given, `manage.py check --deploy` reports nothing; without a
secret the portal refuses to start."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(env_overrides, *args):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_debug_off_and_secrets_given():
    result = _run(
        {
            "DEBUG": "0",
            "SECRET_KEY": "k8#Zq!v2@Lm9$Rt4^Wp7&Xs1*Bn6(Hd3)Jf5_Gc0+Ye8=Ua2~Oi4-Ek7",
            "ALLOWED_HOSTS": "cnppm.example.ru",
            "DJANGO_SETTINGS_MODULE": "cnppm.settings",
        },
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNINGS" not in output


def test_debug_off_without_a_secret_refuses_to_start():
    result = _run({"DEBUG": "0", "ALLOWED_HOSTS": "cnppm.example.ru", "SECRET_KEY": ""}, "check")
    assert result.returncode != 0
    assert "SECRET_KEY должен быть задан, когда DEBUG выключен" in result.stderr
