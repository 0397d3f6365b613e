# sitrep as a container service.
#   docker build -t sitrep .                       (official Python image)
#   buildah bud --format docker --build-arg BASE_IMAGE=localhost/python-base:3.11 \
#       --build-arg PIP_CERT=/hostcerts/ca-certificates.crt -v /etc/ssl/certs:/hostcerts:ro -t sitrep .
# The base is a build argument so machines without a registry can use a locally made Python image.
# Pinned to a patch release and a Debian release, so a rebuild does not silently change Python or the OS.
ARG BASE_IMAGE=python:3.12.8-slim-bookworm

# ---- build: the locked environment and the model -------------------------------------------------------------
FROM ${BASE_IMAGE} AS build
# A CA bundle for package downloads behind an intercepting proxy (a path mounted at build time, never copied in).
ARG PIP_CERT=""
ENV UV_PYTHON_DOWNLOADS=never UV_PYTHON=python3 UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1 \
    UV_NO_PROGRESS=1 PYTHONDONTWRITEBYTECODE=1
# uv from PyPI in its own venv (works on images with and without an "externally managed" system Python), pinned
# to the version the lock file was made with.
ARG UV_VERSION=0.13.10
RUN if [ -z "$PIP_CERT" ]; then unset PIP_CERT; fi \
    && python3 -m venv /opt/uv && /opt/uv/bin/pip install --no-cache-dir -q "uv==${UV_VERSION}"
WORKDIR /app
# Dependencies first: this layer is reused until pyproject.toml or uv.lock changes. --locked: a lock file that
# does not match pyproject.toml fails the build instead of installing something else.
COPY pyproject.toml uv.lock ./
RUN if [ -n "$PIP_CERT" ]; then export SSL_CERT_FILE="$PIP_CERT"; fi \
    && /opt/uv/bin/uv sync --locked --no-dev --no-install-project
COPY README.md ./
COPY bot ./bot
COPY classifiers ./classifiers
COPY config ./config
RUN if [ -n "$PIP_CERT" ]; then export SSL_CERT_FILE="$PIP_CERT"; fi \
    && /opt/uv/bin/uv sync --locked --no-dev
# matplotlib's font cache, built once here: without it the service user (no writable home) rebuilds it at
# every start.
RUN MPLCONFIGDIR=/app/mplconfig /app/.venv/bin/python -c "import matplotlib.font_manager"
# Train at build time: the image starts serving at once, and every replica runs the same model version.
RUN /app/.venv/bin/sitrep train --out /app/model --no-corrections

# ---- runtime: the environment, the code, the model; no build tools ---------------------------------------------
FROM ${BASE_IMAGE}
ARG UID=10001
RUN (getent group sitrep || groupadd --system --gid "$UID" sitrep) \
    && useradd --system --uid "$UID" --gid sitrep --home-dir /app --no-create-home --shell /usr/sbin/nologin sitrep \
    && mkdir -p /data /app/models && chown sitrep:sitrep /data /app/models
WORKDIR /app
COPY --from=build --chown=root:root /app/.venv /app/.venv
COPY --from=build --chown=root:root /app/pyproject.toml /app/
COPY --from=build --chown=root:root /app/bot /app/bot
COPY --from=build --chown=root:root /app/classifiers /app/classifiers
COPY --from=build --chown=root:root /app/config /app/config
COPY --from=build --chown=sitrep:sitrep /app/mplconfig /app/mplconfig
# The image's model, read-only; start-up installs it into /app/models/current (the service user's folder, where
# scheduled retraining swaps candidates in) when it is not the one installed there last: a volume on /app/models
# keeps retrained models across restarts, and an upgraded image still brings its own model.
COPY --from=build --chown=root:root /app/model /app/model-builtin
COPY --from=build --chown=sitrep:sitrep /app/model /app/models/current
RUN python3 -c "import json; print(json.load(open('/app/model-builtin/metadata.json'))['version'])" \
        > /app/models/current.builtin-version && chown sitrep:sitrep /app/models/current.builtin-version
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/app/mplconfig \
    SITREP_CONFIG_DIR=/app/config \
    SITREP_MODEL__PATH=/app/models/current \
    SITREP_MODEL__BUILTIN_PATH=/app/model-builtin \
    SITREP_DATABASE_URL=sqlite+aiosqlite:////data/sitrep.db \
    SITREP_SERVICE__HTTP_HOST=0.0.0.0 \
    SITREP_SERVICE__HTTP_PORT=8080 \
    SITREP_SERVICE__LOG_FORMAT=json
USER sitrep
VOLUME ["/data"]
EXPOSE 8080
# /healthz answers 200 when the store, scheduler, polling and (with a token) Discord are fine, else 503.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('SITREP_SERVICE__HTTP_PORT', '8080'), timeout=4)"]
# SIGTERM (docker stop) reaches sitrep directly as PID 1: it finishes in-flight work and closes within 10 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["sitrep"]
CMD ["run"]
