"""Every name the Compose target makes, in one place, and the layout it assumes.

User names (services, databases, queues, secrets, gateways) are DNS labels. Generated Compose
*secrets* contain a `.`, which no DNS label does, so they can never collide with a declared
secret. Generated *services* and *volumes* follow the `{name}-{suffix}` convention of LANGUAGE.md
§5 so that they stay readable as host names; `environment.check_names` reports the rare
program whose own names collide with them.
"""

from __future__ import annotations

import posixpath

# The output layout of CLI.md: `deploy/` beside the stack file, Compose files in `compose/`.
# Targets only learn the stack file's name, so paths from the Compose folder back to the stack
# file's folder (build contexts, `file()` secrets, watched paths) assume this default layout.
COMPOSE_DIR = "compose"
STACK_DIR_FROM_COMPOSE = "../.."

# Networks. `public` carries the gateway's published ports and its sidecars' traffic to the
# internet; `outbound` lets a service reach a managed or external database or queue;
# `dev-ports` exists only in hot_reload environments, because Docker does not publish ports
# of a container that is only on internal networks (moby/moby#36174).
PUBLIC_NETWORK = "public"
OUTBOUND_NETWORK = "outbound"
DEV_PORTS_NETWORK = "dev-ports"

VOLUME_INIT = "volume-init"


def from_stack_dir(path: str) -> str:
    """A path the user wrote relative to the stack file, as Compose resolves it from the Compose
    folder (Compose resolves relative paths against the first file's folder)."""
    if posixpath.isabs(path):
        return path
    return posixpath.normpath(posixpath.join(STACK_DIR_FROM_COMPOSE, path))


def network_of(target: str) -> str:
    """The internal network of a service, database or queue that something uses."""
    return f"{target}-net"


def service_volume(service: str, volume: str) -> str:
    return f"{service}-{volume}"


def data_volume(backing: str) -> str:
    return f"{backing}-data"


def backups_volume(backing: str) -> str:
    return f"{backing}-backups"


def backup_job(backing: str) -> str:
    return f"{backing}-backup"


def uri_secret(backing: str) -> str:
    return f"{backing}.uri"


def certs_volume(gateway: str) -> str:
    return f"{gateway}-certs"


def acme_volume(gateway: str) -> str:
    return f"{gateway}-acme"


def cert_init(gateway: str) -> str:
    return f"{gateway}-cert-init"


def certbot(gateway: str) -> str:
    return f"{gateway}-certbot"


def tunnel(gateway: str) -> str:
    return f"{gateway}-tunnel"


def tunnel_token(gateway: str) -> str:
    return f"{gateway}.tunnel-token"


def origin_certificate(gateway: str) -> str:
    return f"{gateway}.origin-cert"


def origin_key(gateway: str) -> str:
    return f"{gateway}.origin-key"


def nginx_config(gateway: str) -> str:
    return f"{gateway}-nginx"


def secret_file(environment: str, secret: str) -> str:
    """Where a secret the compiler cannot take from the shell lives, relative to the Compose
    folder: `secrets/` is git-ignored, one folder per environment."""
    return f"./secrets/{environment}/{secret}"
