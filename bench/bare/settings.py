"""Settings of the bare framework project: what Django and DRF need to answer, nothing more.

No middleware, no database (a query would fail: the views must not make one), DRF without
authentication, permission or throttle classes and with the JSON renderer only."""

import os
import secrets

DEBUG = False
# Nothing is signed here; a key is required all the same.
SECRET_KEY = os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50)
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# DRF's request imports AnonymousUser, which needs the auth and contenttypes apps installed.
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.bare.urls"
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
