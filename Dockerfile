# townsquare with every platform (the `all` extras), run as an unprivileged user.
#   docker build -t townsquare .
#   docker run --env-file .env -v ./examples/docker.toml:/etc/townsquare/townsquare.toml:ro townsquare
# compose.yaml adds PostgreSQL and runs the migrations first.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The rank card (/rank) draws with DejaVu Sans (core/rewards/card.py); without a system
# font it falls back to Pillow's built-in one, Latin letters only.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 townsquare \
    && useradd --system --uid 10001 --gid townsquare --home-dir /var/lib/townsquare \
       --create-home --shell /usr/sbin/nologin townsquare

WORKDIR /opt/townsquare
COPY pyproject.toml README.md LICENSE ./
COPY core ./core
COPY adapters ./adapters
COPY storage ./storage
COPY migrations ./migrations
COPY bots ./bots
COPY web ./web
COPY townsquare ./townsquare
RUN pip install ".[all]" && townsquare --version

COPY examples/docker.toml /etc/townsquare/townsquare.toml

USER townsquare:townsquare
WORKDIR /var/lib/townsquare
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["townsquare"]
CMD ["run", "/etc/townsquare/townsquare.toml"]
