"""The bare framework project of `make bench` (bench/bare/): plain Django and DRF answering the
ceiling's constant, with no middleware and no database. It runs under its own settings, so it is
checked in a process of its own, as gunicorn runs it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import bench.bare.settings as bare
from bench.constant import CEILING_BODY

ROOT = Path(__file__).resolve().parents[2]

ANSWERS = """
import json
from django.conf import settings
from django.db import connections
from django.test import Client
from bench.bare.wsgi import application

client = Client()
answers = {path: client.get(path) for path in ("/django/", "/drf/")}
print(json.dumps({
    "middleware": settings.MIDDLEWARE,
    "databases": [alias for alias in connections if connections[alias].connection is not None],
    "answers": {path: [r.status_code, r["Content-Type"], json.loads(r.content)] for path, r in answers.items()},
    "missing": client.get("/bench/ceiling/").status_code,
}))
"""


def test_the_bare_settings_have_no_middleware_no_database_and_no_drf_policy() -> None:
    assert bare.MIDDLEWARE == []
    assert bare.DATABASES == {}
    assert bare.DEBUG is False
    assert bare.INSTALLED_APPS == ["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"]
    framework = bare.REST_FRAMEWORK
    assert framework["DEFAULT_AUTHENTICATION_CLASSES"] == []
    assert framework["DEFAULT_PERMISSION_CLASSES"] == []
    assert framework["DEFAULT_THROTTLE_CLASSES"] == []
    assert framework["DEFAULT_RENDERER_CLASSES"] == ["rest_framework.renderers.JSONRenderer"]


def test_both_bare_views_answer_the_ceiling_constant_without_the_application() -> None:
    env = {name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"}
    completed = subprocess.run(
        [sys.executable, "-c", ANSWERS], cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    found = json.loads(completed.stdout)

    assert found["middleware"] == []
    assert found["databases"] == []  # no connection was opened
    for path in ("/django/", "/drf/"):
        status, content_type, body = found["answers"][path]
        assert status == 200
        assert content_type == "application/json"
        assert body == CEILING_BODY
    assert found["missing"] == 404  # none of the application's URLs


def test_the_bare_project_imports_nothing_of_the_application() -> None:
    script = "import sys, bench.bare.wsgi; print(sorted({m.split('.')[0] for m in sys.modules} & {'alliance', "
    script += "'accounts', 'commitments', 'reports', 'public'}))"
    env = {name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"}
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"
