# The image behind the web service of docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    FLASK_APP=wsgi \
    APP_ENV=production

WORKDIR /srv
RUN useradd --system --create-home --home-dir /home/cmp cmp

COPY . .
RUN pip install -e . \
    && pybabel compile -d translations \
    && mkdir -p instance && chown cmp instance

USER cmp
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "wsgi:app"]
