# One image for the web server, the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 1000 alliance

COPY pyproject.toml requirements.lock README.md ./
COPY alliance ./alliance
COPY accounts ./accounts
COPY commitments ./commitments
COPY reports ./reports
COPY jobs ./jobs
COPY public ./public
COPY templates ./templates
COPY static ./static
COPY manage.py ./
RUN pip install -c requirements.lock -e .

# Static files are collected at build time; the values here only let the settings load.
RUN DEBUG=false SECRET_KEY=build-only ALLOWED_HOSTS=build STATIC_ROOT=/app/staticfiles \
    python manage.py collectstatic --noinput --verbosity 0

ENV STATIC_ROOT=/app/staticfiles VAR_DIR=/app/var
RUN mkdir -p /app/var && chown alliance /app/var
USER alliance
EXPOSE 8000
CMD ["gunicorn", "-c", "python:alliance.gunicorn_conf", "alliance.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
