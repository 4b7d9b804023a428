"""Every environment variable the code reads, in one place. docker-compose.yml sets
these; tests/test_compose.py checks the two agree."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ENV_VARS = {
    "TEMPORAL_ADDRESS": "host:port of the Temporal frontend",
    "TEMPORAL_NAMESPACE": "Temporal namespace",
    "TASK_QUEUE": "task queue the worker polls and cases are started on",
    "DATABASE_URL": "case store; sqlite:///… or postgresql://…",
    "AFTERSALES_DATA_DIR": "where the embedded server and SQLite store keep their files",
    "POLICY": "policy name under policies/ (default, demo, bench) or a TOML path",
    "ACTORS_FILE": "the actor directory (TOML)",
    "SIMULATOR_CONFIG": "JSON file configuring the in-process simulators",
    "ADAPTERS": "inprocess (simulators inside the worker) or http (WAREHOUSE_URL, COURIER_URL, PAYMENT_URL)",
    "WAREHOUSE_URL": "base URL of the warehouse API (docs/openapi/warehouse.json)",
    "COURIER_URL": "base URL of the courier API (docs/openapi/courier.json)",
    "PAYMENT_URL": "base URL of the payment provider API (docs/openapi/payment.json)",
    "PLATFORM_URL": "base URL of the sales platform API (docs/openapi/platform.json)",
    "FINANCE_URL": "base URL of the finance (invoicing) API (docs/openapi/finance.json)",
    "CATALOGUE_URL": "base URL of the catalogue API (docs/openapi/catalogue.json)",
    "HTTP_TIMEOUT_SECONDS": "timeout of every call to an outside service",
    "SIMULATOR_DATABASE_URL": "the simulator service's own state (ledger, keys, bookings)",
    "WEBHOOK_SECRET": "HMAC key the outside systems sign their webhooks with (≥ 16 characters; the webhooks service refuses a default)",
    "WORKER_MAX_CONCURRENT_ACTIVITIES": "activity slots per worker",
    "WORKER_MAX_CONCURRENT_WORKFLOW_TASKS": "workflow task slots per worker",
    "WORKER_MAX_CACHED_WORKFLOWS": "open cases a worker keeps in memory; past it a case is rebuilt from its history",
    "LOG_LEVEL": "debug, info, warning, error",
    "AUTH_ISSUER": "issuer (iss) every API token must carry; default: the API itself (embedded issuer)",
    "AUTH_AUDIENCE": "audience (aud) every API token must carry",
    "AUTH_JWKS_URL": "production: the identity provider's JWKS URL (OIDC); empty: the embedded issuer's own key",
    "AUTH_SIGNING_KEY_FILE": "the embedded issuer's private key (created on first start, mode 0600)",
    "API_URL": "where the CLI's acting commands reach the case API",
    "AFTERSALES_TOKEN": "the bearer token the CLI presents to the API (else the one `aftersales login` kept)",
    "TEMPORAL_TLS_CA": "CA certificate (PEM file) that signed the Temporal frontend's certificate; set: mTLS",
    "TEMPORAL_TLS_CERT": "our client certificate (PEM file) for mTLS to Temporal",
    "TEMPORAL_TLS_KEY": "our client key (PEM file) for mTLS to Temporal",
    "AFTERSALES_KEYS": "the keyring document itself (JSON; runtime/keys.py), e.g. injected by a secret manager",
    "AFTERSALES_KEY_FILE": "path of the keyring file (a mounted secret); default <AFTERSALES_DATA_DIR>/keys.json, generated on first start",
    "CODEC_TOKEN": "bearer token the codec server (/codec/encode, /codec/decode) requires; empty: the codec server refuses everyone",
    "WORKFLOW_SANDBOX": "fast (runtime/sandbox.py's runner, default) or stock (the SDK's SandboxedWorkflowRunner, for an SDK the fast one is not proven on)",
    "CODEC_CORS_ORIGINS": "comma-separated origins allowed to call the codec server (the Temporal UI)",
    "METRICS_BIND": "host:port where the worker serves the business figures for Prometheus (runtime/metrics.py); empty: off, nothing listens",
    "SDK_METRICS_BIND": "host:port where the worker's Temporal SDK serves its runtime telemetry for Prometheus (task latencies, slots, polls); empty: off",
    "API_METRICS": "on: the API serves the business figures at /metrics, unauthenticated as Prometheus scrapes (keep it on the internal network); default off",
    "OTEL_EXPORTER_OTLP_ENDPOINT": "OTLP/HTTP collector base URL, e.g. http://jaeger:4318; set: tracing on (API request → workflow → activities → outside calls); empty: no tracing code runs",
}


def _env(name: str, default: str) -> str:
    assert name in ENV_VARS, name
    return os.environ.get(name) or default


@dataclass(frozen=True)
class Settings:
    temporal_address: str = field(default_factory=lambda: _env("TEMPORAL_ADDRESS", "127.0.0.1:7233"))
    namespace: str = field(default_factory=lambda: _env("TEMPORAL_NAMESPACE", "default"))
    task_queue: str = field(default_factory=lambda: _env("TASK_QUEUE", "aftersales"))
    data_dir: Path = field(default_factory=lambda: Path(_env("AFTERSALES_DATA_DIR", str(ROOT / "data"))))
    database_url: str = field(default_factory=lambda: _env("DATABASE_URL", ""))
    policy: str = field(default_factory=lambda: _env("POLICY", "default"))
    actors_file: Path = field(default_factory=lambda: Path(_env("ACTORS_FILE", str(ROOT / "policies" / "actors.toml"))))
    simulator_config: str = field(default_factory=lambda: _env("SIMULATOR_CONFIG", ""))
    adapters: str = field(default_factory=lambda: _env("ADAPTERS", "inprocess"))
    warehouse_url: str = field(default_factory=lambda: _env("WAREHOUSE_URL", "http://127.0.0.1:8700/warehouse/v1"))
    courier_url: str = field(default_factory=lambda: _env("COURIER_URL", "http://127.0.0.1:8700/courier/v1"))
    payment_url: str = field(default_factory=lambda: _env("PAYMENT_URL", "http://127.0.0.1:8700/payment/v1"))
    platform_url: str = field(default_factory=lambda: _env("PLATFORM_URL", "http://127.0.0.1:8700/platform/v1"))
    finance_url: str = field(default_factory=lambda: _env("FINANCE_URL", "http://127.0.0.1:8700/finance/v1"))
    catalogue_url: str = field(default_factory=lambda: _env("CATALOGUE_URL", "http://127.0.0.1:8700/catalogue/v1"))
    http_timeout: float = field(default_factory=lambda: float(_env("HTTP_TIMEOUT_SECONDS", "10")))
    simulator_database_url: str = field(default_factory=lambda: _env("SIMULATOR_DATABASE_URL", ""))
    webhook_secret: str = field(default_factory=lambda: _env("WEBHOOK_SECRET", ""))
    max_concurrent_activities: int = field(default_factory=lambda: int(_env("WORKER_MAX_CONCURRENT_ACTIVITIES", "100")))
    max_concurrent_workflow_tasks: int = field(
        default_factory=lambda: int(_env("WORKER_MAX_CONCURRENT_WORKFLOW_TASKS", "50"))
    )
    max_cached_workflows: int = field(default_factory=lambda: int(_env("WORKER_MAX_CACHED_WORKFLOWS", "1000")))
    log_level: str = field(default_factory=lambda: _env("LOG_LEVEL", "info"))
    auth_issuer: str = field(default_factory=lambda: _env("AUTH_ISSUER", "aftersales-embedded"))
    auth_audience: str = field(default_factory=lambda: _env("AUTH_AUDIENCE", "aftersales-api"))
    auth_jwks_url: str = field(default_factory=lambda: _env("AUTH_JWKS_URL", ""))
    auth_signing_key_file: str = field(default_factory=lambda: _env("AUTH_SIGNING_KEY_FILE", ""))
    api_url: str = field(default_factory=lambda: _env("API_URL", "http://127.0.0.1:8702"))
    token: str = field(default_factory=lambda: _env("AFTERSALES_TOKEN", ""))
    temporal_tls_ca: str = field(default_factory=lambda: _env("TEMPORAL_TLS_CA", ""))
    temporal_tls_cert: str = field(default_factory=lambda: _env("TEMPORAL_TLS_CERT", ""))
    temporal_tls_key: str = field(default_factory=lambda: _env("TEMPORAL_TLS_KEY", ""))

    @property
    def signing_key_path(self) -> Path:
        return Path(self.auth_signing_key_file) if self.auth_signing_key_file else self.data_dir / "api-signing-key.pem"

    keys: str = field(default_factory=lambda: _env("AFTERSALES_KEYS", ""), repr=False)
    key_file: Path | None = field(default_factory=lambda: Path(p) if (p := _env("AFTERSALES_KEY_FILE", "")) else None)
    workflow_sandbox: str = field(default_factory=lambda: _env("WORKFLOW_SANDBOX", "fast"))
    codec_token: str = field(default_factory=lambda: _env("CODEC_TOKEN", ""), repr=False)
    codec_cors_origins: tuple[str, ...] = field(
        default_factory=lambda: tuple(
            o.strip()
            for o in _env("CODEC_CORS_ORIGINS", "http://localhost:8233,http://localhost:8080").split(",")
            if o.strip()
        )
    )
    metrics_bind: str = field(default_factory=lambda: _env("METRICS_BIND", ""))
    sdk_metrics_bind: str = field(default_factory=lambda: _env("SDK_METRICS_BIND", ""))
    api_metrics: bool = field(default_factory=lambda: _env("API_METRICS", "off").lower() in ("on", "1", "true", "yes"))
    otlp_endpoint: str = field(default_factory=lambda: _env("OTEL_EXPORTER_OTLP_ENDPOINT", ""))

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'cases.db'}"
