# syntax=docker/dockerfile:1
# One image for the web server, the Celery workers and beat (see docker-compose.yml).
# Two stages: the first builds the tracker's wheel and the wheels of its locked dependencies; the
# second installs them (no compiler, no source tree, nothing editable) with the system libraries
# WeasyPrint needs for PDFs. `make prod-check` runs the same install outside Docker.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml requirements.lock README.md ./
COPY alliance ./alliance
COPY accounts ./accounts
COPY commitments ./commitments
COPY reports ./reports
COPY jobs ./jobs
COPY public ./public
COPY webhooks ./webhooks
COPY idempotency ./idempotency
COPY bin/compile-messages ./bin/compile-messages
# The translation catalogues compiled into the wheel (gettext is needed here only).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/* \
    && bin/compile-messages
RUN pip wheel --no-deps --wheel-dir /wheels . \
    && pip wheel --wheel-dir /wheels -c requirements.lock "$(ls /wheels/alliance_tracker-*.whl)[s3]"

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=alliance.settings \
    VAR_DIR=/app/var \
    MEDIA_ROOT=/app/var/media \
    STATIC_ROOT=/app/staticfiles

COPY bin/runtime-apt-packages.txt /tmp/runtime-apt-packages.txt
RUN apt-get update \
    && grep -v '^#' /tmp/runtime-apt-packages.txt | xargs apt-get install -y --no-install-recommends \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-apt-packages.txt

# The wheels are mounted for the install only: no layer keeps them.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links /wheels "alliance-tracker[s3]"

# uid 1000 owns what the tracker writes: the media volume (evidence, reports) mounts over
# /app/var/media and takes this owner and mode when Docker first creates it.
RUN useradd --create-home --uid 1000 alliance \
    && mkdir -p /app/var/media /app/staticfiles \
    && chown -R alliance:alliance /app
WORKDIR /app
USER alliance

# Static files are collected at build time. These values only let the settings load: they are no
# secret and never reach a running container (each sets its own from the environment).
RUN DEBUG=false SECRET_KEY=build-only-not-a-secret ALLOWED_HOSTS=build VAR_DIR=/tmp/build-var \
    alliance-admin collectstatic --noinput --verbosity 0 \
    && rm -rf /tmp/build-var

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=6s --start-period=30s --retries=3 CMD ["python", "-m", "alliance.healthcheck"]
CMD ["gunicorn", "-c", "python:alliance.gunicorn_conf", "alliance.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
