# The worker / API / CLI image: `aftersales worker`, `aftersales api`, `aftersales demo`, `aftersales migrate`.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md requirements.lock ./
COPY domain ./domain
COPY store ./store
COPY adapters ./adapters
COPY activities ./activities
COPY workflows ./workflows
COPY starter ./starter
COPY runtime ./runtime
COPY api ./api
COPY service ./service
COPY console ./console
COPY people ./people
COPY worker.py ./
COPY policies ./policies
# bytecode at build time: the workflow sandbox re-imports each workflow module per run
# the versions the tests ran with: the committed lock, checked by hash; then the project itself
RUN pip install --require-hashes -r requirements.lock && pip install --no-deps . && python -m compileall -q /app && useradd --create-home --uid 10001 aftersales && mkdir -p /data /keys && chown aftersales /data /keys && chmod 700 /keys
# The policy and actor files live beside the code in /app/policies, found through /app.
ENV PYTHONPATH=/app
USER aftersales
CMD ["aftersales", "worker"]
