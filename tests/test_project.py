"""Project-level promises: migrations match the models, production settings pass Django's deploy
check, and the production compose file describes the whole app."""

import os
import subprocess
import sys
from pathlib import Path

import yaml
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def test_models_and_migrations_agree(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_production_settings_pass_the_deploy_check_with_no_warnings():
    test_only = {
        "DJANGO_ALLOW_ASYNC_UNSAFE"
    }  # the browser tests need it; production must not have it
    env = {k: v for k, v in os.environ.items() if k not in test_only} | {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-0123456789",
        # The app's role logs in with a password in production (make test names the role).
        "DATABASE_APP_PASSWORD": "a-production-password",
        "DJANGO_ALLOWED_HOSTS": "repairs.example.com",
        "PASSCODE_KEY": "iuhZPcLrYO8e8L7OGIFEJ2LzOMeDoYWEafx-INnRcmw=",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_the_compose_file_runs_every_part_with_health_checks():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("postgres", "redis", "web"):
        assert "healthcheck" in services[name], name
    assert "celery" in str(services["worker"]["command"]) and "beat" in str(
        services["beat"]["command"]
    )
