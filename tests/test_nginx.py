"""The gateway's nginx configuration: `nginx -t` on every generated file, the guarantees of
POLICIES.md (TLS profile, redirect, HSTS, secure headers), and values that cannot break out.

How `nginx -t` runs here: the generated file is an http-context include (the image's nginx.conf
includes `conf.d/*.conf` inside `http {}`), so the test wraps it in a minimal nginx.conf
(`events {}` and `http { include …; }`) and runs nginx as the current user with `-p` (prefix),
`-c` (configuration), `-e` (error log, nginx >= 1.19.5) and `-g 'pid …;'`, all inside a
temporary folder. Certificate paths are rewritten to a throwaway self-signed certificate made
with `openssl req -x509`. Upstream host names need no /etc/hosts entries or `upstream` blocks:
the configuration proxies to a variable that nginx resolves per request through `resolver`,
so nothing is resolved at load time. The validators' nginx (Debian 12: 1.22.1) predates the
`http2` directive (1.25.1) that the pinned image's nginx reads; with an older nginx the test
drops `http2 on;` lines, the only difference.

Under `CI=true` a missing nginx or openssl fails the test; it skips otherwise.
"""

from __future__ import annotations

import http.client
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared import SPEC_EXAMPLES
from stackc import build, ir
from stackc.diagnostics import Severity
from stackc.frontend import compile_source
from stackc.targets import BuildContext, TargetOutput, compose
from validators import require

ROOT = Path(__file__).resolve().parent.parent
SHARED = SPEC_EXAMPLES
EXAMPLES = [
    *sorted(ROOT.glob("examples/*/platform.stack")),
    *(p for p in (SHARED / "shop.stack", SHARED / "minimal.stack", SHARED / "split" / "platform.stack") if p.exists()),
]
CIPHERS = (
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
)


@pytest.fixture(scope="module")
def nginx() -> str:
    return require("nginx")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"]
    subprocess.run(
        [require("openssl"), *arguments, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


def nginx_version(nginx: str) -> tuple[int, ...]:
    output = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr
    match = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", output)
    return tuple(int(x) for x in match.groups()) if match else (0,)


def localised(text: str, certificate: tuple[Path, Path], nginx: str) -> str:
    text = re.sub(r'ssl_certificate "[^"]*";', f'ssl_certificate "{certificate[0]}";', text)
    text = re.sub(r'ssl_certificate_key "[^"]*";', f'ssl_certificate_key "{certificate[1]}";', text)
    if nginx_version(nginx) < (1, 25, 1):
        text = re.sub(r"^ *http2 on;\n", "", text, flags=re.MULTILINE)
    return text


def wrap(folder: Path, site: str) -> Path:
    (folder / "site.conf").write_text(site)
    config = folder / "nginx.conf"
    config.write_text(f"events {{}}\nhttp {{\n    include {folder / 'site.conf'};\n}}\n")
    return config


def nginx_command(nginx: str, folder: Path, *extra: str) -> list[str]:
    return [nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log"), *extra]


def nginx_t(nginx: str, folder: Path, site: str) -> subprocess.CompletedProcess[str]:
    folder.mkdir(parents=True, exist_ok=True)
    wrap(folder, site)
    return subprocess.run(
        nginx_command(nginx, folder, "-t", "-g", f"pid {folder / 'nginx.pid'};"), capture_output=True, text=True
    )


def emit(source: str, path: str = "platform.stack") -> tuple[TargetOutput, dict[str, ir.EnvironmentModel]]:
    compilation = compile_source(source.encode(), path)
    assert not compilation.has_errors, compilation.diagnostics
    models = compilation.models
    return compose.emit(BuildContext(models, list(models), "platform.stack")), models


def configs(output: TargetOutput) -> dict[str, str]:
    return {
        d.path: build.render(d, "platform.stack").decode() for d in output.documents if d.path.endswith(".conf")
    }


def test_every_generated_config_passes_nginx_t(nginx: str, certificate: tuple[Path, Path], tmp_path: Path) -> None:
    checked = 0
    for source in EXAMPLES:
        output, _ = emit(source.read_text(), str(source))
        for path, text in configs(output).items():
            folder = tmp_path / f"{source.parent.name}-{Path(path).name}"
            run = nginx_t(nginx, folder, localised(text, certificate, nginx))
            assert run.returncode == 0, f"{source}: {path}\n{run.stderr}"
            checked += 1
    assert checked >= len(EXAMPLES)


MODES = textwrap.dedent("""
    stack s {{ owner = "acme"  domain = "example.com" }}
    service app {{
      image = "nginxinc/nginx-unprivileged:1.27"
      ports = {{ http = 8080, ws = 9000 }}
      health {{ http = "/" }}
    }}
    gateway edge {{
      {gateway}
      body_limit = 1Mi
      headers = {{ X-Test = "a", Content-Security-Policy = "default-src 'self'" }}
      route "/" {{ to = service.app }}
      route "/api/v1" {{ to = service.app  strip_prefix = true  rate_limit = 5  timeout = 2m }}
      route "/socket" {{ to = service.app  port = ws  websocket = true }}
    }}
""")
GATEWAY_MODES = {
    "letsencrypt": 'tls = letsencrypt("ops@example.com")',
    "origin": "tls = cloudflare()",
    "tunnel": "tls = cloudflare()\n  tunnel = cloudflare",
    "http": "tls = off",
    "any-host": 'host = "app.example.com"\n  tls = off',
}


@pytest.mark.parametrize("gateway_mode", list(GATEWAY_MODES))
def test_every_gateway_mode_passes_nginx_t(
    gateway_mode: str, nginx: str, certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    output, _ = emit(MODES.format(gateway=GATEWAY_MODES[gateway_mode]))
    (text,) = configs(output).values()
    run = nginx_t(nginx, tmp_path, localised(text, certificate, nginx))
    assert run.returncode == 0, run.stderr


def test_tls_profile_redirect_and_secure_headers() -> None:
    output, _ = emit(MODES.format(gateway=GATEWAY_MODES["letsencrypt"]))
    (text,) = configs(output).values()
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in text
    assert f"ssl_ciphers {CIPHERS};" in text
    assert "ssl_prefer_server_ciphers off;" in text
    assert "ssl_session_timeout 1d;" in text and "ssl_session_cache shared:MozSSL:10m;" in text
    assert "return 301 https://$host$request_uri;" in text
    assert 'add_header "Strict-Transport-Security" "max-age=63072000; includeSubDomains" always;' in text
    assert 'add_header "X-Content-Type-Options" "nosniff" always;' in text
    assert 'add_header "Referrer-Policy" "strict-origin-when-cross-origin" always;' in text
    assert 'add_header "X-Frame-Options" "DENY" always;' in text  # the CSP sets no frame-ancestors
    assert "location ^~ /.well-known/acme-challenge/ {" in text
    assert "listen 8443 ssl;" in text and "listen 8080;" in text
    assert "client_max_body_size 1048576;" in text
    assert 'server_name "default.example.com";' in text  # `default` is not prod-like: {env}.{domain}
    # /api/v1 and below, never /api/v1x; the prefix is stripped before proxying.
    assert 'location = "/api/v1" {' in text and 'location "/api/v1/" {' in text
    assert 'rewrite "^/api/v1(/.*)$" $1 break;' in text
    assert "limit_req_zone $binary_remote_addr zone=route2:10m rate=5r/s;" in text
    assert "proxy_read_timeout 120s;" in text
    assert 'set $stackc_upstream "http://app:9000";' in text
    assert "proxy_set_header Connection $stackc_connection_upgrade;" in text


def test_csp_frame_ancestors_replaces_x_frame_options_and_plain_http_has_no_hsts() -> None:
    source = MODES.format(gateway=GATEWAY_MODES["http"]).replace("default-src 'self'", "frame-ancestors 'none'")
    output, _ = emit(source)
    (text,) = configs(output).values()
    assert "X-Frame-Options" not in text
    assert "Strict-Transport-Security" not in text
    assert "listen 8080 default_server;" in text and "ssl" not in text


def test_no_host_answers_on_any_host_name() -> None:
    output, _ = emit(
        textwrap.dedent("""
        stack s { owner = "acme" }
        service app { image = "nginxinc/nginx-unprivileged:1.27"  ports = { http = 8080 } }
        gateway edge { tls = off  route "/" { to = service.app } }
        """)
    )
    (text,) = configs(output).values()
    assert "server_name _;" in text


# -- values that must not break out ------------------------------------------------------------

HEADER_PROGRAM = textwrap.dedent("""
    stack s { owner = "acme" }
    service app { image = "nginxinc/nginx-unprivileged:1.27"  ports = { http = 8080 } }
    gateway edge {
      tls = off
      headers = { X-Test = "placeholder" }
      route "/app" { to = service.app }
    }
""")


@pytest.fixture(scope="module")
def header_models() -> dict[str, ir.EnvironmentModel]:
    compilation = compile_source(HEADER_PROGRAM.encode(), "platform.stack")
    assert not compilation.has_errors
    return compilation.models


def render_with_header(models: dict[str, ir.EnvironmentModel], value: str) -> TargetOutput:
    gateway = models["default"].gateways["edge"]
    saved = gateway.headers
    try:
        ir.assign(gateway, headers={"X-Test": value})
        return compose.emit(BuildContext(models, list(models), "platform.stack"))
    finally:
        ir.assign(gateway, headers=saved)


_ADD_HEADER = re.compile(r'add_header ("(?:[^"\\]|\\.)*") ("(?:[^"\\]|\\.)*") always;', re.DOTALL)
_UNESCAPE = {'"': '"', "'": "'", "\\": "\\", "t": "\t", "r": "\r", "n": "\n"}


def nginx_unquote(token: str) -> str:
    """What nginx's parser (`ngx_conf_read_token`) makes of a double-quoted token, and then the
    complex value with `${stackc_dollar}` evaluated."""
    body, out, i = token[1:-1], [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body) and body[i + 1] in _UNESCAPE:
            out.append(_UNESCAPE[body[i + 1]])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out).replace("${stackc_dollar}", "$")


@settings(max_examples=200, deadline=None)
@given(value=st.text(st.characters(blacklist_categories=("Cs",))))
def test_any_header_value_round_trips_or_is_refused(header_models: dict[str, ir.EnvironmentModel], value: str) -> None:
    output = render_with_header(header_models, value)
    errors = [d for d in output.diagnostics if d.severity is Severity.ERROR]
    if re.search(r"[\x00-\x08\x0a-\x1f\x7f]", value):
        assert [d.code for d in errors] == ["E0491"]
        return
    assert not errors
    (text,) = configs(output).values()
    headers = [(nginx_unquote(n), nginx_unquote(v)) for n, v in _ADD_HEADER.findall(text)]
    # The value is one directive's argument, whole, and adds no directive of its own.
    assert ("X-Test", value) in headers
    assert text.count("add_header") == len(headers) == 4  # three secure defaults and X-Test


HOSTILE = [
    'a"b',
    "back\\slash",
    "\\",
    '\\"',
    "; add_header X-Evil 1;",
    "} server { listen 1; } #",
    "$host",
    "${x}",
    "$$",
    "${stackc_dollar}",
    "it's",
    "é 😀",
    "tab\there",
    "\\n literally",
]


def test_hostile_header_values_pass_nginx_t(
    header_models: dict[str, ir.EnvironmentModel], nginx: str, certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    for index, value in enumerate(HOSTILE):
        (text,) = configs(render_with_header(header_models, value)).values()
        run = nginx_t(nginx, tmp_path / str(index), localised(text, certificate, nginx))
        assert run.returncode == 0, (value, run.stderr)


def test_a_header_with_a_line_break_is_an_error(header_models: dict[str, ir.EnvironmentModel]) -> None:
    output = render_with_header(header_models, "a\r\nSet-Cookie: x")
    assert [d.code for d in output.diagnostics if d.severity is Severity.ERROR] == ["E0491"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_hostile_header_values_reach_the_client_unchanged(
    header_models: dict[str, ir.EnvironmentModel], nginx: str, tmp_path: Path
) -> None:
    """nginx really sends what the user wrote: the gateway, run for real on a free port."""
    gateway = header_models["default"].gateways["edge"]
    saved = gateway.headers
    names = [f"X-Test-{i}" for i in range(len(HOSTILE))]
    try:
        ir.assign(gateway, headers=dict(zip(names, HOSTILE, strict=True)))
        output = compose.emit(BuildContext(header_models, ["default"], "platform.stack"))
    finally:
        ir.assign(gateway, headers=saved)
    (text,) = configs(output).values()
    port = _free_port()
    text = text.replace("listen 8080 default_server;", f"listen 127.0.0.1:{port} default_server;")
    text = text.replace("listen 127.0.0.1:8081;", f"listen 127.0.0.1:{_free_port()};")
    wrap(tmp_path, text)
    pid = tmp_path / "nginx.pid"
    started = subprocess.run(nginx_command(nginx, tmp_path, "-g", f"pid {pid};"), capture_output=True, text=True)
    assert started.returncode == 0, started.stderr
    try:
        response = None
        for _ in range(50):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/")  # no route for /: a 404, which `always` headers still carry
                response = connection.getresponse()
                break
            except ConnectionRefusedError:
                time.sleep(0.1)
        assert response is not None
        received = {name: value.encode("latin-1").decode("utf-8") for name, value in response.getheaders()}
        for name, value in zip(names, HOSTILE, strict=True):
            assert received[name] == value
        assert received["X-Content-Type-Options"] == "nosniff"
    finally:
        subprocess.run(nginx_command(nginx, tmp_path, "-g", f"pid {pid};", "-s", "stop"), capture_output=True)


def test_route_paths_and_header_names_nginx_cannot_carry_are_errors(
    header_models: dict[str, ir.EnvironmentModel],
) -> None:
    gateway = header_models["default"].gateways["edge"]
    saved = gateway.headers
    try:
        ir.assign(gateway, headers={"Bad Name": "x"})
        output = compose.emit(BuildContext(header_models, ["default"], "platform.stack"))
    finally:
        ir.assign(gateway, headers=saved)
    assert [d.code for d in output.diagnostics if d.severity is Severity.ERROR] == ["E0491"]
    route = next(iter(gateway.routes.values()))
    saved_path = route.path
    try:
        ir.assign(route, path="/a?b")
        output = compose.emit(BuildContext(header_models, ["default"], "platform.stack"))
    finally:
        ir.assign(route, path=saved_path)
    assert [d.code for d in output.diagnostics if d.severity is Severity.ERROR] == ["E0491"]


def _python_with_cryptography() -> str | None:
    for python in (sys.executable, shutil.which("python3"), "/usr/bin/python3"):
        if python and Path(python).exists():
            probe = subprocess.run([python, "-c", "import cryptography"], capture_output=True)
            if probe.returncode == 0:
                return python
    return None


def test_the_certificate_placeholder_lets_nginx_start_before_lets_encrypt(
    nginx: str, tmp_path: Path
) -> None:
    """The first start of a Let's Encrypt gateway: `{gateway}-cert-init` writes a placeholder
    where the configuration looks for the certificate. Runs the real script (the certbot image
    ships Python's `cryptography`; skipped where no local Python has it: not a CI validator)."""
    from stackc.targets.compose.gateway import PLACEHOLDER_CERTIFICATE

    python = _python_with_cryptography()
    if python is None:
        pytest.skip("no Python with `cryptography` here")
    output, models = emit(MODES.format(gateway=GATEWAY_MODES["letsencrypt"]))
    (text,) = configs(output).values()
    letsencrypt = tmp_path / "letsencrypt"
    script = PLACEHOLDER_CERTIFICATE.replace("/etc/letsencrypt", str(letsencrypt))
    host = models["default"].gateways["edge"].host
    for _ in range(2):  # the second run keeps what the first made
        subprocess.run([python, "-c", script], env={"STACKC_HOST": host}, check=True)
    assert (letsencrypt / "stackc" / host).is_symlink()
    text = text.replace("/etc/letsencrypt", str(letsencrypt))
    if nginx_version(nginx) < (1, 25, 1):
        text = re.sub(r"^ *http2 on;\n", "", text, flags=re.MULTILINE)
    run = nginx_t(nginx, tmp_path / "nginx", text)
    assert run.returncode == 0, run.stderr


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__]))
