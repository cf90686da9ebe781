# Production image: gunicorn serves Django (static files through WhiteNoise); the same image
# runs the Celery worker and beat and the one-shot migrate job (see docker-compose.yml).
FROM python:3.11-slim

# WeasyPrint renders PDFs with pango/harfbuzz and needs at least one font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=python3.11 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PATH=/app/.venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    MEDIA_ROOT=/app/media \
    WEB_CONCURRENCY=2

RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /app
# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project --no-cache

COPY . .
# Production settings refuse to start without their secrets; collectstatic only needs them to
# exist, so dummy values are given to this one command and never stored in the image.
RUN DJANGO_SECRET_KEY=collectstatic-only \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgres://build@localhost/build \
    REDIS_URL=redis://localhost:6379/0 \
    PASSCODE_KEY=MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA= \
    python manage.py collectstatic --noinput

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin benchdesk \
    && mkdir -p /app/media \
    && chown benchdesk:benchdesk /app/media
USER benchdesk

EXPOSE 8000
# Workers come from WEB_CONCURRENCY (gunicorn reads it; one per core), each with 4 threads so a
# request waiting on PostgreSQL or Redis leaves the core to another: the best of the settings
# `make load` compared on 2 cores (README "Production load"). Override both per host.
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", \
     "--threads", "4", "--access-logfile", "-"]
