# The connector as a scheduled container: `connector schedule` runs sync + submit on the crontab
# of CONNECTOR_SCHEDULE__CRON. Mount /data (store, NIR key, browser state) on a volume.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    CONNECTOR_DATA_DIR=/data \
    CONNECTOR_BROWSER__EXECUTABLE=/usr/bin/chromium

RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-dejavu-core tini \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY connector ./connector
COPY migrations ./migrations
COPY config ./config
RUN pip install -e . && useradd --create-home --uid 10001 connector && mkdir -p /data && chown connector /data

USER connector
VOLUME ["/data"]
ENTRYPOINT ["tini", "--", "connector"]
# the pre-start step (wait for the database, run migrations) is part of every command
CMD ["schedule"]
