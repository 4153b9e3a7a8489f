# syntax=docker/dockerfile:1
# Two stages: the builder installs the locked dependencies (hash-checked) and the project's wheel
# into /opt/venv; the runtime image gets only that venv and runs as the non-root user `bot`.

FROM python:3.11-slim AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
WORKDIR /src
# Dependencies first: this layer is reused until requirements.lock changes.
COPY requirements.lock ./
RUN /opt/venv/bin/pip install --require-hashes -r requirements.lock
COPY . .
RUN pip wheel --no-deps --wheel-dir /wheels . \
    && /opt/venv/bin/pip install --no-deps /wheels/*.whl

FROM python:3.11-slim AS runtime
# matplotlib (the digest chart) keeps its font cache in ./var/ too: the user has no home.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/app/var/matplotlib
RUN useradd --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin bot
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
# The SQLite database lives in ./var/ by default: the only place the bot writes.
RUN mkdir -p /app/var && chown bot:bot /app/var
USER bot
# Webhook mode listens on WEBHOOK_PORT (8080); /healthz, /readyz and /metrics are served on
# METRICS_PORT when it is set (compose.yaml sets 9100), in either mode.
EXPOSE 8080
EXPOSE 9100
CMD ["hromada-bot", "run"]
