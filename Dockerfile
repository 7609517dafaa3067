# 集群通 (smebot) — the Telegram bot in a container.
#   docker build -t smebot .
#   docker run -e TELEGRAM_BOT_TOKEN=... -v smebot-data:/data smebot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    ANONYMIZED_TELEMETRY=False \
    SMEBOT_DATA_DIR=/data

WORKDIR /app

# The CPU build of torch first: a bare `torch` from PyPI pulls a multi-GB CUDA build.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install --index-url "${TORCH_INDEX_URL}" torch==2.13.0

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY infra ./infra
COPY knowledge ./knowledge
COPY retrieval ./retrieval
RUN pip install . \
    && useradd --system --home-dir /data smebot \
    && mkdir -p /data && chown smebot /data

USER smebot
VOLUME ["/data"]
# Build the retrieval index at start-up if the knowledge files changed (content hash), then poll.
CMD ["smebot", "run"]
