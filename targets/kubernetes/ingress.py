"""The gateway as ingress-nginx Ingresses, with a cert-manager ClusterIssuer for `letsencrypt`.

One Ingress per route: ingress-nginx annotations (rate limit, prefix rewrite, timeouts) apply to
a whole Ingress, and routes differ in them. No `*-snippet` annotation is ever emitted (Checkov
CKV_K8S_153, and ingress-nginx disables them by default since CVE-2021-25742); the secure headers
are a ConfigMap referenced by `custom-headers` instead.
"""

from __future__ import annotations

from typing import Any

from stackc import ir
from stackc.targets.kubernetes import names, tunnel
from stackc.targets.kubernetes.names import metadata

NGINX = "nginx.ingress.kubernetes.io/"
LETSENCRYPT_SERVER = "https://acme-v02.api.letsencrypt.org/directory"
# LANGUAGE.md §3 gateway `hsts`: two years, Mozilla's minimum.
HSTS = "max-age=63072000; includeSubDomains"


def issuer_name(model: ir.EnvironmentModel, gateway: ir.Gateway) -> str:
    # Cluster-scoped: the stack's name keeps two stacks on one cluster apart.
    return f"{model.stack.name}-{gateway.name}-letsencrypt"


def emit_cluster_issuer(model: ir.EnvironmentModel, gateway: ir.Gateway) -> dict[str, Any]:
    assert isinstance(gateway.tls, ir.LetsEncrypt)
    name = issuer_name(model, gateway)
    return {
        "apiVersion": "cert-manager.io/v1",
        "kind": "ClusterIssuer",
        "metadata": metadata(model, name),
        "spec": {
            "acme": {
                "server": LETSENCRYPT_SERVER,
                "email": gateway.tls.email,
                "privateKeySecretRef": {"name": f"{name}-account"},
                "solvers": [{"http01": {"ingress": {"ingressClassName": "nginx"}}}],
            }
        },
    }


def secure_headers(gateway: ir.Gateway) -> dict[str, str]:
    """POLICIES.md's guarantee for nginx and Ingress: nosniff, the referrer policy, HSTS with TLS,
    `X-Frame-Options: DENY` unless the user's CSP sets `frame-ancestors`; the user's headers win."""
    headers = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"}
    csp = next((v for k, v in gateway.headers.items() if k.lower() == "content-security-policy"), "")
    if "frame-ancestors" not in csp:
        headers["X-Frame-Options"] = "DENY"
    if gateway.tls != "off" and gateway.hsts:
        headers["Strict-Transport-Security"] = HSTS
    headers.update(gateway.headers)
    return dict(sorted(headers.items()))


def emit_headers_config_map(model: ir.EnvironmentModel, gateway: ir.Gateway) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(model, f"{gateway.name}-headers", "gateway"),
        "data": secure_headers(gateway),
    }


def route_port(model: ir.EnvironmentModel, route: ir.Route) -> int:
    service = model.services[route.to.name]
    if isinstance(route.port, int):
        return route.port
    primary = service.primary_port
    return primary[1] if primary else 80


def emit_route_ingress(model: ir.EnvironmentModel, gateway: ir.Gateway, route: ir.Route) -> dict[str, Any]:
    annotations: dict[str, str] = {
        NGINX + "proxy-body-size": names.nginx_size(gateway.body_limit),
        NGINX + "proxy-read-timeout": str(names.seconds(route.timeout)),
        NGINX + "proxy-send-timeout": str(names.seconds(route.timeout)),
        # Needs the headers listed in the controller's `global-allowed-response-headers`.
        NGINX + "custom-headers": f"{model.environment.namespace}/{gateway.name}-headers",
    }
    if route.rate_limit is not None:
        annotations[NGINX + "limit-rps"] = str(route.rate_limit)
    tls = gateway.tls != "off" and gateway.host is not None
    if tls:
        annotations[NGINX + "ssl-redirect"] = "true"
        annotations[NGINX + "force-ssl-redirect"] = "true"
        if isinstance(gateway.tls, ir.LetsEncrypt):
            annotations["cert-manager.io/cluster-issuer"] = issuer_name(model, gateway)
    path: dict[str, Any]
    backend = {"service": {"name": route.to.name, "port": {"number": route_port(model, route)}}}
    if route.strip_prefix and route.path.rstrip("/"):
        # `/api/x` reaches the service as `/x`: the regex's second group is the rest of the path.
        prefix = route.path.rstrip("/")
        annotations[NGINX + "use-regex"] = "true"
        annotations[NGINX + "rewrite-target"] = "/$2"
        path = {"path": f"{prefix}(/|$)(.*)", "pathType": "ImplementationSpecific", "backend": backend}
    else:
        path = {"path": route.path, "pathType": "Prefix", "backend": backend}
    rule: dict[str, Any] = {}
    if gateway.host is not None:
        rule["host"] = gateway.host
    rule["http"] = {"paths": [path]}
    spec: dict[str, Any] = {"ingressClassName": "nginx"}
    if tls:
        spec["tls"] = [{"hosts": [gateway.host], "secretName": f"{gateway.name}-tls"}]
    spec["rules"] = [rule]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata(
            model, f"{gateway.name}-{names.slug(route.path)}", "gateway", dict(sorted(annotations.items()))
        ),
        "spec": spec,
    }


def emit_gateway(model: ir.EnvironmentModel, gateway: ir.Gateway) -> list[dict[str, Any]]:
    """Ingresses, the headers ConfigMap and the ClusterIssuer; a tunnel gateway is a cloudflared
    Deployment instead (`tunnel.py`)."""
    if gateway.tunnel != "none":
        return tunnel.emit_tunnel(model, gateway)
    objects: list[dict[str, Any]] = [emit_headers_config_map(model, gateway)]
    if isinstance(gateway.tls, ir.LetsEncrypt) and gateway.host is not None:
        objects.append(emit_cluster_issuer(model, gateway))
    objects.extend(emit_route_ingress(model, gateway, route) for route in gateway.routes.values())
    return objects
