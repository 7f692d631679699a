"""The OpenTelemetry SDK variables of a service in an environment with `traces`, for every target
that runs services: the SDKs read them without code (opentelemetry.io "SDK configuration").
Only where spans go differs between Compose and a cluster."""

from __future__ import annotations


def sdk_environment(service: str, environment: str, traces: str, endpoint: str) -> dict[str, str]:
    """`traces` is `jaeger` or `zipkin`; `endpoint` is where that backend takes spans."""
    variables = {"OTEL_SERVICE_NAME": service, "OTEL_RESOURCE_ATTRIBUTES": f"deployment.environment={environment}"}
    if traces == "jaeger":
        # Jaeger 2 receives OTLP itself; OTLP over HTTP (4318) is what every SDK speaks.
        variables["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
    else:
        # Zipkin takes its own JSON format; the SDKs' Zipkin exporter posts it.
        variables |= {"OTEL_TRACES_EXPORTER": "zipkin", "OTEL_EXPORTER_ZIPKIN_ENDPOINT": endpoint}
    return variables
