"""The gateway as Compose services: unprivileged nginx, and its certbot or cloudflared sidecars.

- nginx: `nginxinc/nginx-unprivileged` runs as any uid, keeps its pid and temporary files in
  /tmp (a tmpfs here) and listens on 8080/8443; the generated configuration replaces its
  `conf.d/default.conf` through a Compose config.
- `tls = letsencrypt(email)`: three containers share the `{gateway}-certs` volume. A one-shot
  `{gateway}-cert-init` puts a self-signed placeholder in place so that nginx can start before
  the first certificate exists; `{gateway}-certbot` then requests and renews the certificate
  over HTTP-01 (webroot on the `{gateway}-acme` volume that nginx serves) every 12 hours and
  points `stackc/<host>` at certbot's `live/<host>`; nginx reloads itself when the certificate
  files change (checked every minute). Certbot's own paths go to /tmp.
- `tls = cloudflare()`: an origin certificate from Cloudflare, as two secret files.
- `tunnel = cloudflare`: no published port; `{gateway}-tunnel` runs cloudflared with the tunnel
  token as a secret and reaches nginx on an internal network.
"""

from __future__ import annotations

from typing import Any

from stackc import ir

from . import names
from .nginx import mode
from .scope import DEFAULT_GROUP, DEFAULT_USER, Scope, SecretFile
from .services import PIDS_LIMIT, RESTART, dependency_condition, emit_logging, hardening, timing

# Pinned images (SEC005): exact releases, the way the standard library pins engines.
NGINX_IMAGE = "nginxinc/nginx-unprivileged:1.29.5-alpine"
CERTBOT_IMAGE = "certbot/certbot:v5.7.0"
# cloudflared reads the token from a file (`--token-file`) since 2025.4.0.
CLOUDFLARED_IMAGE = "cloudflare/cloudflared:2025.10.0"

OWNER = f"{DEFAULT_USER}:{DEFAULT_GROUP}"
GATEWAY_RESOURCES = {"limits": {"cpus": "1", "memory": "256m"}, "reservations": {"cpus": "0.1", "memory": "64m"}}
SIDECAR_RESOURCES = {"limits": {"cpus": "0.5", "memory": "256m"}, "reservations": {"cpus": "0.05", "memory": "32m"}}

# nginx in the foreground (as the image's CMD), plus a loop that reloads it when a
# certificate changes. `exec` keeps nginx the direct child of Docker's init, so stop signals
# reach it; the loop is re-parented to the init and ends with the container.
RELOAD_ON_NEW_CERTIFICATE = """\
fingerprint() { cat /etc/letsencrypt/stackc/*/fullchain.pem 2>/dev/null | md5sum; }
(
  last=$(fingerprint)
  while sleep 60; do
    now=$(fingerprint)
    if [ "$now" != "$last" ]; then
      last=$now
      nginx -s reload
    fi
  done
) &
exec nginx -g 'daemon off;'
"""

# A self-signed placeholder for the first start; Python's `cryptography` ships in the certbot
# image (certbot depends on it). Kept when a certificate (or placeholder) is already there.
PLACEHOLDER_CERTIFICATE = """\
import datetime, os
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

host = os.environ["STACKC_HOST"]
link = "/etc/letsencrypt/stackc/" + host
if not os.path.exists(link + "/fullchain.pem"):
    folder = "/etc/letsencrypt/stackc-placeholder/" + host
    os.makedirs(folder, exist_ok=True)
    os.makedirs("/etc/letsencrypt/stackc", exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stackc placeholder")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with os.fdopen(os.open(folder + "/privkey.pem", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
        out.write(pem)
    with open(folder + "/fullchain.pem", "wb") as out:
        out.write(certificate.public_bytes(serialization.Encoding.PEM))
    if os.path.lexists(link):
        os.remove(link)
    os.symlink("../stackc-placeholder/" + host, link)
"""

# `certonly --keep-until-expiring` both issues the first certificate and renews it within 30
# days of expiry; a failure is retried after an hour. `trap` ends the sleep on `docker stop`.
CERTBOT_LOOP = """\
trap 'exit 0' TERM INT
mkdir -p /etc/letsencrypt/stackc
while :; do
  if certbot certonly --webroot --webroot-path /var/www/acme --non-interactive --agree-tos \\
      --email "$STACKC_EMAIL" --domain "$STACKC_HOST" --cert-name "$STACKC_HOST" --keep-until-expiring \\
      --config-dir /etc/letsencrypt --work-dir /tmp/certbot/work --logs-dir /tmp/certbot/logs; then
    ln -sfn "../live/$STACKC_HOST" "/etc/letsencrypt/stackc/$STACKC_HOST"
    pause=43200
  else
    pause=3600
  fi
  sleep "$pause" &
  wait $!
done
"""


def emit_gateway(scope: Scope, gateway: ir.Gateway) -> dict[str, dict[str, Any]]:
    """The gateway's Compose services: nginx first, then its sidecars."""
    how = mode(gateway)
    spec: dict[str, Any] = {"image": NGINX_IMAGE}
    if how == "letsencrypt":
        spec["command"] = ["/bin/sh", "-c", RELOAD_ON_NEW_CERTIFICATE]
    spec.update(hardening(user=DEFAULT_USER, group=DEFAULT_GROUP, tmpfs=["/tmp"], pids=PIDS_LIMIT))
    config = names.nginx_config(gateway.name)
    scope.configs[config] = {"file": "./" + scope.nginx_paths[gateway.name]}
    spec["configs"] = [{"source": config, "target": "/etc/nginx/conf.d/default.conf"}]
    if how == "origin":
        spec["secrets"] = [
            scope.needs_secret_file(SecretFile(names.origin_certificate(gateway.name), "manual", (_ORIGIN_CERT,))),
            scope.needs_secret_file(SecretFile(names.origin_key(gateway.name), "manual", (_ORIGIN_KEY,))),
        ]
    depends: dict[str, Any] = {}
    sidecars: dict[str, dict[str, Any]] = {}
    if how == "letsencrypt":
        spec["volumes"] = [
            _volume(scope, names.certs_volume(gateway.name), "/etc/letsencrypt", read_only=True),
            _volume(scope, names.acme_volume(gateway.name), "/var/www/acme", read_only=True),
        ]
        assert isinstance(gateway.tls, ir.LetsEncrypt)
        sidecars[names.cert_init(gateway.name)] = emit_cert_init(scope, gateway)
        sidecars[names.certbot(gateway.name)] = emit_certbot(scope, gateway, gateway.tls.email)
        depends[names.cert_init(gateway.name)] = {"condition": "service_completed_successfully"}
    if how != "tunnel":
        # Only the gateway publishes, on every interface: it is the public entry (CIS 5.8
        # allows 80/443 here; the container side stays unprivileged).
        spec["ports"] = [{"name": "http", "target": 8080, "published": "80", "protocol": "tcp"}]
        if how in ("letsencrypt", "origin"):
            spec["ports"].append({"name": "https", "target": 8443, "published": "443", "protocol": "tcp"})
    else:
        sidecars[names.tunnel(gateway.name)] = emit_tunnel(scope, gateway)
    for route in gateway.routes.values():
        condition = dependency_condition(scope, route.to.name)
        if condition is not None:
            depends.setdefault(route.to.name, {"condition": condition})
    spec["depends_on"] = depends
    spec["healthcheck"] = timing(
        ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8081/healthz"], 10, 3, 3, 5
    )
    spec["deploy"] = {"replicas": 1, "resources": _resources(GATEWAY_RESOURCES)}
    spec["restart"] = RESTART
    spec["logging"] = emit_logging()
    if scope.model.stack.labels:
        spec["labels"] = dict(scope.model.stack.labels)
    return {gateway.name: spec, **sidecars}


_ORIGIN_CERT = "the Cloudflare origin certificate (SSL/TLS > Origin Server), PEM"
_ORIGIN_KEY = "the private key of the Cloudflare origin certificate, PEM"
_TUNNEL_TOKEN = "the token of the Cloudflare tunnel (Zero Trust > Networks > Tunnels)"


def emit_cert_init(scope: Scope, gateway: ir.Gateway) -> dict[str, Any]:
    spec: dict[str, Any] = {"image": CERTBOT_IMAGE, "entrypoint": ["python3", "-c", PLACEHOLDER_CERTIFICATE]}
    spec.update(_sidecar_hardening())
    spec["environment"] = {"STACKC_HOST": (gateway.host or "").lower()}
    spec["volumes"] = [_volume(scope, names.certs_volume(gateway.name), "/etc/letsencrypt")]
    spec["deploy"] = {"resources": _resources(SIDECAR_RESOURCES)}
    spec["restart"] = "no"
    spec["logging"] = emit_logging()
    return spec


def emit_certbot(scope: Scope, gateway: ir.Gateway, email: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"image": CERTBOT_IMAGE, "entrypoint": ["/bin/sh", "-c", CERTBOT_LOOP]}
    spec.update(_sidecar_hardening())
    spec["environment"] = {"STACKC_HOST": (gateway.host or "").lower(), "STACKC_EMAIL": email}
    spec["volumes"] = [
        _volume(scope, names.certs_volume(gateway.name), "/etc/letsencrypt"),
        _volume(scope, names.acme_volume(gateway.name), "/var/www/acme"),
    ]
    spec["depends_on"] = {gateway.name: {"condition": "service_healthy"}}
    spec["deploy"] = {"resources": _resources(SIDECAR_RESOURCES)}
    spec["restart"] = RESTART
    spec["logging"] = emit_logging()
    return spec


def emit_tunnel(scope: Scope, gateway: ir.Gateway) -> dict[str, Any]:
    token = scope.needs_secret_file(SecretFile(names.tunnel_token(gateway.name), "manual", (_TUNNEL_TOKEN,)))
    # The image's entrypoint is `cloudflared --no-autoupdate`.
    spec: dict[str, Any] = {
        "image": CLOUDFLARED_IMAGE,
        "command": ["tunnel", "run", "--token-file", f"/run/secrets/{token}"],
    }
    spec.update(_sidecar_hardening())
    spec["secrets"] = [token]
    spec["depends_on"] = {gateway.name: {"condition": "service_healthy"}}
    spec["deploy"] = {"replicas": 1, "resources": _resources(SIDECAR_RESOURCES)}
    spec["restart"] = RESTART
    spec["logging"] = emit_logging()
    return spec


def _sidecar_hardening() -> dict[str, Any]:
    return hardening(user=DEFAULT_USER, group=DEFAULT_GROUP, tmpfs=["/tmp"], pids=PIDS_LIMIT)


def _volume(scope: Scope, volume: str, target: str, *, read_only: bool = False) -> dict[str, Any]:
    scope.mount_volume(volume, OWNER)
    mount: dict[str, Any] = {"type": "volume", "source": volume, "target": target}
    if read_only:
        mount["read_only"] = True
    return mount


def _resources(resources: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    return {level: dict(values) for level, values in resources.items()}
