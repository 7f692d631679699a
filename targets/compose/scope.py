"""What the Compose target collects while it emits one environment.

The emitters (`services`, `backing`, `gateway`) return plain Compose data for one container
each; what several containers share (networks, volumes, secrets, configs, host ports) and what
cannot be expressed (diagnostics) is recorded here, and `environment.emit_environment` puts it
together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stackc import ir
from stackc.diagnostics import Diagnostic, Severity, Span

from . import names

# Target diagnostic codes (E04xx: semantics; the 49x block is the targets'). CLI.md fixes the
# classes, not the numbers.
CANNOT_EXPRESS = "E0490"  # Compose or nginx has no way to say this; the message says what happens instead
UNSAFE_VALUE = "E0491"  # a value that would change the structure of a generated file
NAME_COLLISION = "E0492"  # a declared name equals a name the target generates

# The uid and gid of every container the compiler adds (sidecars, jobs, engines): the language's
# own defaults (LANGUAGE.md §3, service `user`/`group`).
DEFAULT_USER = 10001
DEFAULT_GROUP = 10001


@dataclass(frozen=True)
class SecretFile:
    """A file under `secrets/<env>/` that `secrets.sh` fills (or asks the user to fill).

    `action` is `generate` (length), `vault` (path, key), `aws` (name, key), `uri` (credentials
    secret, text before the password, text after it) or `manual` (what to put there)."""

    name: str
    action: str
    args: tuple[str, ...]


@dataclass
class Scope:
    model: ir.EnvironmentModel
    # Gateway name -> its nginx configuration file, relative to the Compose folder.
    nginx_paths: dict[str, str]
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    networks: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Compose service -> network -> attachment options.
    membership: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    volumes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Named volume -> "uid:gid" that must own its root (see `environment.emit_volume_init`).
    volume_owners: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, dict[str, Any]] = field(default_factory=dict)
    configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    secret_files: dict[str, SecretFile] = field(default_factory=dict)
    host_ports: set[int] = field(default_factory=set)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # The environment's monitoring stack (`monitoring.Plan`, None without one), computed once.
    monitoring: Any = None

    @property
    def environment(self) -> str:
        return self.model.environment.name

    @property
    def hot_reload(self) -> bool:
        return self.model.environment.hot_reload

    def report(
        self, code: str, severity: Severity, message: str, span: Span | None, *, help: str | None = None
    ) -> None:
        self.diagnostics.append(Diagnostic(code, severity, message, span, help=help, environments=(self.environment,)))

    def join(self, service: str, network: str, *, internal: bool) -> None:
        """Attach `service` to `network`, declaring the network on first use.

        A network that is not internal gets a high priority: Compose creates the container on
        its highest-priority network (compose-go `NetworksByPriority`), and Docker sets up
        published ports and the default route only through a non-internal one."""
        self.networks.setdefault(network, {"internal": True} if internal else {})
        attachment: dict[str, Any] = {} if internal else {"priority": 1000}
        self.membership.setdefault(service, {}).setdefault(network, attachment)

    def mount_volume(self, volume: str, owner: str) -> None:
        self.volumes.setdefault(volume, {})
        self.volume_owners.setdefault(volume, owner)

    def needs_secret_file(self, secret: SecretFile) -> str:
        """Declare a Compose secret read from `secrets/<env>/<name>`; returns its name."""
        self.secret_files.setdefault(secret.name, secret)
        self.secrets.setdefault(secret.name, {"file": names.secret_file(self.environment, secret.name)})
        return secret.name
