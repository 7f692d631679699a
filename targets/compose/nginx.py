"""The gateway's nginx configuration (`compose/nginx/<gateway>.conf`).

nginx has no data model, so the configuration is a Jinja2 template; instead of HTML
autoescaping, every value is quoted by an nginx filter (`escape.nginx_quote`,
`escape.nginx_quote_value`) and the environment's `finalize` refuses plain strings, so a
forgotten filter fails the build instead of writing a value that could end its directive.
A value nginx cannot carry at all (a header with CR/LF, a path with a control character) is
reported as an error (`UNSAFE_VALUE`).

What the file guarantees (POLICIES.md, last section): Mozilla *intermediate* TLS, HTTP→HTTPS
redirect, HSTS two years sent `always`, `X-Content-Type-Options: nosniff`, `Referrer-Policy:
strict-origin-when-cross-origin`, `X-Frame-Options: DENY` unless the user's CSP sets
`frame-ancestors`. The container listens on 8080/8443 (unprivileged), published as 80/443.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from stackc import ir
from stackc.diagnostics import Diagnostic, Severity

from .escape import (
    DOLLAR_VARIABLE,
    NginxToken,
    is_header_name,
    is_header_value,
    is_host_name,
    is_route_path,
    nginx_quote,
    nginx_quote_value,
    regex_literal,
    whole_seconds,
)
from .scope import CANNOT_EXPRESS, UNSAFE_VALUE

HSTS = ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
SECURE_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
)
# Where certificates are: Let's Encrypt through the certbot sidecar (`gateway.py` keeps
# `stackc/<host>` pointing at the placeholder or at certbot's `live/<host>`), or the Cloudflare
# origin certificate as two Compose secrets.
LETSENCRYPT_DIR = "/etc/letsencrypt/stackc"


def mode(gateway: ir.Gateway) -> str:
    """How the gateway is reached: `tunnel` (cloudflared, no published port), `http` (`tls =
    off`, or no host and no tls), `letsencrypt` or `origin` (a Cloudflare origin certificate
    behind Cloudflare's proxy)."""
    if gateway.tunnel == "cloudflare":
        return "tunnel"
    if gateway.tls is None or gateway.tls == "off":
        return "http"
    return "letsencrypt" if isinstance(gateway.tls, ir.LetsEncrypt) else "origin"


@dataclass
class Rendered:
    text: str
    diagnostics: list[Diagnostic] = field(default_factory=list)


def render_gateway(model: ir.EnvironmentModel, gateway: ir.Gateway) -> Rendered:
    environment = model.environment.name
    diagnostics: list[Diagnostic] = []

    def report(code: str, severity: Severity, message: str, span: Any, help: str | None = None) -> None:
        diagnostics.append(Diagnostic(code, severity, message, span, help=help, environments=(environment,)))

    how = mode(gateway)
    host = gateway.host.lower() if gateway.host else None
    if host is not None and not is_host_name(host):
        report(UNSAFE_VALUE, Severity.ERROR, f"`{gateway.host}` is not a host name", gateway.span_of("host"))
        host = None
    if how == "letsencrypt" and host is not None and host.startswith("*."):
        report(
            CANNOT_EXPRESS,
            Severity.ERROR,
            f"Let's Encrypt cannot issue `{host}` over HTTP: wildcard certificates need a DNS challenge",
            gateway.span_of("tls"),
        )
    if how == "tunnel" and isinstance(gateway.tls, ir.LetsEncrypt):
        report(
            CANNOT_EXPRESS,
            Severity.WARNING,
            f"gateway `{gateway.name}` is reached through a Cloudflare tunnel, which ends TLS at Cloudflare: "
            "no Let's Encrypt certificate is requested",
            gateway.span_of("tls"),
        )
    tls_served = how in ("letsencrypt", "origin")
    tls_at_edge = tls_served or (how == "tunnel" and gateway.tls not in (None, "off"))
    headers = _headers(gateway, tls_at_edge, report)
    locations, zones = _locations(model, gateway, report)
    context = {
        # DNS labels and a validated host name: safe in a comment line.
        "name": NginxToken(gateway.name),
        "environment": NginxToken(environment),
        "summary": NginxToken(_summary(how, host)),
        "dollar": any("$" in value for _, value in headers),
        "dollar_variable": NginxToken(DOLLAR_VARIABLE),
        "websocket": any(location["websocket"] for location in locations),
        "tunnel": how == "tunnel",
        "zones": zones,
        "tls": tls_served,
        "acme": how == "letsencrypt",
        "server_name": nginx_quote(host) if host else NginxToken("_"),
        "certificate": nginx_quote(_certificate(gateway, how, host, "fullchain.pem", "origin-cert")),
        "certificate_key": nginx_quote(_certificate(gateway, how, host, "privkey.pem", "origin-key")),
        "body_limit": gateway.body_limit.bytes,
        "headers": [{"name": nginx_quote(n), "value": nginx_quote_value(v)} for n, v in headers],
        "locations": locations,
        "forwarded_proto": NginxToken("$stackc_forwarded_proto" if how == "tunnel" else "$scheme"),
    }
    return Rendered(_template().render(context), diagnostics)


def _summary(how: str, host: str | None) -> str:
    where = host or "any host name"
    return {
        "http": f"plain HTTP for {where}",
        "tunnel": f"HTTP from the Cloudflare tunnel for {where}",
        "letsencrypt": f"HTTPS for {where}, certificate from Let's Encrypt",
        "origin": f"HTTPS for {where}, Cloudflare origin certificate",
    }[how]


def _certificate(gateway: ir.Gateway, how: str, host: str | None, letsencrypt: str, origin: str) -> str:
    if how == "origin":
        return f"/run/secrets/{gateway.name}.{origin}"
    return f"{LETSENCRYPT_DIR}/{host or '_'}/{letsencrypt}"


def _headers(gateway: ir.Gateway, tls: bool, report: Any) -> list[tuple[str, str]]:
    """The secure defaults, then the user's headers; a user header replaces the default of the
    same name (an empty value removes it: nginx does not send empty headers)."""
    user: list[tuple[str, str]] = []
    for name, value in gateway.headers.items():
        if not is_header_name(name):
            report(
                UNSAFE_VALUE,
                Severity.ERROR,
                f"`{name}` is not an HTTP header name",
                gateway.span_of("headers"),
                "a header name is letters, digits and `!#%&'*+.^_`|~-`",
            )
        elif not is_header_value(value):
            report(
                UNSAFE_VALUE,
                Severity.ERROR,
                f"the value of header `{name}` contains a control character",
                gateway.span_of("headers"),
                "a header value cannot hold line breaks or other control characters (tab is fine)",
            )
        else:
            user.append((name, value))
    taken = {name.lower() for name, _ in user}
    csp = next((value for name, value in user if name.lower() == "content-security-policy"), "")
    defaults = [HSTS] if tls and gateway.hsts else []
    defaults += [h for h in SECURE_HEADERS if not (h[0] == "X-Frame-Options" and "frame-ancestors" in csp.lower())]
    return [h for h in defaults if h[0].lower() not in taken] + user


def _locations(model: ir.EnvironmentModel, gateway: ir.Gateway, report: Any) -> tuple[list[dict], list[dict]]:
    locations: list[dict[str, Any]] = []
    zones: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for index, route in enumerate(gateway.routes.values(), start=1):
        if not is_route_path(route.path):
            report(
                UNSAFE_VALUE,
                Severity.ERROR,
                f"route `{route.path}` of gateway `{gateway.name}` is not a URL path",
                route.span,
                "a route path starts with `/` and has no `?`, `#` or control characters",
            )
            continue
        prefix = route.path.rstrip("/") or "/"
        if prefix in seen:
            report(
                UNSAFE_VALUE,
                Severity.ERROR,
                f"routes `{seen[prefix]}` and `{route.path}` of gateway `{gateway.name}` match the same paths",
                route.span,
            )
            continue
        seen[prefix] = route.path
        target = model.services[route.to.name]
        port = route.port if isinstance(route.port, int) else (target.primary_port or ("", 0))[1]
        zone = None
        if route.rate_limit is not None:
            zone = NginxToken(f"route{index}")
            zones.append({"name": zone, "rate": route.rate_limit})
        common = {
            "zone": zone,
            "burst": route.rate_limit or 0,
            "upstream": nginx_quote_value(f"http://{target.name}:{port}"),
            "websocket": route.websocket,
            "timeout": whole_seconds(route.timeout.seconds),
        }
        locations.extend(_route_locations(prefix, route.strip_prefix, common))
    return locations, zones


def _route_locations(prefix: str, strip: bool, common: dict[str, Any]) -> list[dict[str, Any]]:
    """`/api` matches `/api` and `/api/…`, never `/apiary`: an exact location and a prefix one.
    strip_prefix rewrites the URI before proxy_pass (with a variable upstream, proxy_pass
    sends the rewritten URI, arguments kept)."""
    if prefix == "/":
        return [{**common, "match": NginxToken(""), "path": nginx_quote("/"), "rewrite": None}]
    exact = {**common, "match": NginxToken("= "), "path": nginx_quote(prefix), "rewrite": None}
    below = {**common, "match": NginxToken(""), "path": nginx_quote(prefix + "/"), "rewrite": None}
    if strip:
        exact.update(rewrite=nginx_quote("^"), replacement=nginx_quote("/"))
        below.update(rewrite=nginx_quote("^" + regex_literal(prefix) + "(/.*)$"), replacement=NginxToken("$1"))
    return [exact, below]


def _finalize(value: Any) -> Any:
    if isinstance(value, NginxToken) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise TypeError(f"unquoted value in the nginx template: {value!r}")


@cache
def _template() -> jinja2.Template:
    source = resources.files("stackc.targets").joinpath("templates/nginx.conf.j2").read_text(encoding="utf-8")
    environment = jinja2.Environment(
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["q"] = nginx_quote
    environment.filters["qv"] = nginx_quote_value
    # The output of a macro of this template, whose own values went through `finalize`.
    environment.filters["rendered"] = NginxToken
    return environment.from_string(source)
