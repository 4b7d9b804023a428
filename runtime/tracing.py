"""Tracing (issue 14): one trace from an API request to its workflow, its activities and
the outside HTTP calls they make.

On when OTEL_EXPORTER_OTLP_ENDPOINT is set: `start()` installs a tracer provider exporting
over OTLP/HTTP, instruments httpx (the API's own clients and the adapters' calls), and from
then on `client_interceptors()` gives every Temporal client the SDK's TracingInterceptor
(which the worker inherits from its client) and the API app is instrumented. The request's
span is the parent of StartWorkflow; the interceptor carries the context in the workflow's
headers to RunWorkflow and on to every RunActivity.

Off (the default), nothing of OpenTelemetry is imported and no provider is installed: this
module only answers "no". The process has one active tracing, as OpenTelemetry has one
global provider; tests activate their own (in-memory) provider and deactivate it after."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runtime.settings import Settings


@dataclass
class Tracing:
    provider: Any  # opentelemetry.sdk.trace.TracerProvider

    def interceptor(self) -> Any:
        from temporalio.contrib.opentelemetry import TracingInterceptor

        return TracingInterceptor(self.provider.get_tracer("aftersales"))

    def instrument_app(self, app: Any) -> None:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(
            app, tracer_provider=self.provider, excluded_urls="health,metrics", exclude_spans=["receive", "send"]
        )


_active: Tracing | None = None


def active() -> Tracing | None:
    return _active


def client_interceptors() -> list[Any]:
    return [_active.interceptor()] if _active is not None else []


def activate(provider: Any) -> Tracing:
    """Trace with this provider from now on (start() with the OTLP exporter; tests in memory)."""
    global _active
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    instrumentor = HTTPXClientInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)
    _active = Tracing(provider)
    return _active


def deactivate() -> None:
    global _active
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    instrumentor = HTTPXClientInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.uninstrument()
    _active = None


def start(settings: Settings, service: str) -> Tracing | None:
    """The process's tracing from its settings; None (and nothing imported) when off."""
    if not settings.otlp_endpoint:
        return None
    if _active is not None:  # `aftersales up`: the API and the worker in one process, one provider
        return _active
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_endpoint.rstrip("/") + "/v1/traces"))
    )
    trace.set_tracer_provider(provider)  # for libraries that ask the global provider
    return activate(provider)


def stop() -> None:
    """Flush what is buffered before the process ends."""
    if _active is not None:
        _active.provider.shutdown()
        deactivate()
