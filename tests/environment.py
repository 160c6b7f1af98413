"""Loaded by pytest before Django starts (`-p tests.environment`): the test environment's defaults.

Tests run against PostgreSQL and Redis on this machine unless the environment says otherwise.
"""

import os
import tempfile

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/alliance")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-5c9d1b7e3a8f4e2d9b6a0c1f7e3d5b8a2c4e6f0a1b3d")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("EMAIL_URL", "consolemail://")
# Production-like: the tests see what a deployment sees (DEBUG off), but over plain HTTP.
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# Static files are collected once per run, as a deployment does, into a scratch folder.
os.environ.setdefault("STATIC_ROOT", tempfile.mkdtemp(prefix="alliance-static-"))
# ...with hashed names from the manifest as in production, but not compressed: the compressed copies
# are for WhiteNoise's answers to browsers, which no test reads, and cost half a minute to make.
os.environ.setdefault("STATIC_COMPRESS", "false")
# Each test run has its own queue, so that its worker never takes another run's tasks.
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", f"tests-{os.getpid()}")
# ...and its own cache entries (the data version, cached API answers), and broker keys (kombu's
# record of unacknowledged tasks, which another run's worker would otherwise restore).
os.environ.setdefault("CACHE_KEY_PREFIX", f"tests-{os.getpid()}")
os.environ.setdefault("CELERY_BROKER_KEY_PREFIX", f"tests-{os.getpid()}:")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="alliance-media-"))

# Under pytest-xdist (`make test` runs two processes) each worker inherits the values above from
# the main process: it gets a queue, cache entries and folders of its own (pytest-django gives
# it a database of its own, test_…_gw0).
WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if WORKER:
    for name in ("CELERY_TASK_DEFAULT_QUEUE", "CACHE_KEY_PREFIX"):
        os.environ[name] = f"{os.environ[name]}-{WORKER}"
    os.environ["CELERY_BROKER_KEY_PREFIX"] = f"{os.environ['CELERY_BROKER_KEY_PREFIX']}{WORKER}:"
    for name in ("STATIC_ROOT", "MEDIA_ROOT"):
        folder = os.path.join(os.environ[name], WORKER)
        os.makedirs(folder, exist_ok=True)
        os.environ[name] = folder
