# The image behind the web service of docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    FLASK_APP=wsgi \
    APP_ENV=production

WORKDIR /srv
RUN useradd --system --create-home --home-dir /home/cmp cmp

# The tested versions, hash-checked, in a layer of their own: rebuilt only when the lock changes.
COPY requirements.txt ./
RUN pip install --require-hashes -r requirements.txt

COPY . .
RUN pip install --no-deps -e . \
    && pybabel compile -d translations \
    && mkdir -p instance && chown cmp instance

USER cmp
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
