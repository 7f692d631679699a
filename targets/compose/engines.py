"""The engines a container-form database or queue runs on, as Compose needs to know them.

Each engine reads its credentials from the file of the implicit `{name}-credentials` secret
(LANGUAGE.md §3), which holds only a password (letters and digits, see `secrets.sh`); the user
name and the database name are the block's name. Images, health checks, writable paths and the
uid-10001 notes follow the standard library's templates (`stdlib/*.stack`), which were written
and checked for the same secure defaults.

Engines whose image has no `*_FILE` convention (redis, rabbitmq, nats) get the password through
a configuration file written to the tmpfs at start, or an environment variable set inside the
container; never through a command-line argument, which every user of the host sees in `ps`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# Engine versions are user strings that become image tags (Docker's tag grammar).
TAG_PATTERN = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"


@dataclass(frozen=True)
class Health:
    test: list[str]
    interval: Decimal
    timeout: Decimal
    retries: int
    start_period: Decimal


@dataclass(frozen=True)
class Engine:
    image: str  # with `{version}`
    port: int
    data_path: str
    tmpfs: tuple[str, ...]
    # The connection string around the password: `prefix + password + suffix`, with `{name}`.
    uri_prefix: str
    uri_suffix: str
    environment: dict[str, str] = field(default_factory=dict)  # values with `{name}`, `{credentials}`
    command: list[str] | None = None  # items with `{name}`, `{credentials}`
    health: Health | None = None
    # The dump file's extension; None: no engine-native backup from Compose.
    backup_extension: str | None = None

    def image_for(self, version: str) -> str:
        return self.image.format(version=version)

    def environment_for(self, name: str, credentials: str) -> dict[str, str]:
        return {k: v.format(name=name, credentials=credentials) for k, v in self.environment.items()}

    def command_for(self, name: str, credentials: str) -> list[str] | None:
        if self.command is None:
            return None
        return [part.replace("{name}", name).replace("{credentials}", credentials) for part in self.command]

    def health_for(self, name: str, credentials: str) -> Health:
        assert self.health is not None
        test = [part.replace("{name}", name).replace("{credentials}", credentials) for part in self.health.test]
        return Health(test, self.health.interval, self.health.timeout, self.health.retries, self.health.start_period)

    def uri_parts(self, name: str) -> tuple[str, str]:
        return self.uri_prefix.format(name=name), self.uri_suffix.format(name=name)


def _health(test: list[str], interval: int, timeout: int, retries: int, start_period: int) -> Health:
    return Health(test, Decimal(interval), Decimal(timeout), retries, Decimal(start_period))


ENGINES: dict[str, Engine] = {
    # std/postgres: the cluster one level below the volume root (a fresh volume may hold
    # lost+found, which initdb refuses); pg_isready over TCP so that the entrypoint's
    # socket-only bootstrap server does not count as ready.
    "postgres": Engine(
        image="postgres:{version}-alpine",
        port=5432,
        data_path="/var/lib/postgresql/data",
        tmpfs=("/tmp", "/var/run/postgresql"),
        uri_prefix="postgresql://{name}:",
        uri_suffix="@{name}:5432/{name}",
        environment={
            "POSTGRES_USER": "{name}",
            "POSTGRES_DB": "{name}",
            "POSTGRES_PASSWORD_FILE": "{credentials}",
            "PGDATA": "/var/lib/postgresql/data/pgdata",
        },
        health=_health(
            ["CMD", "pg_isready", "--host=127.0.0.1", "--port=5432", "--username={name}", "--quiet"], 10, 5, 5, 30
        ),
        backup_extension="dump",
    ),
    # std/mysql: --datadir below the volume root for the same lost+found reason; mysqladmin
    # ping answers without credentials. The root password is the same generated secret.
    "mysql": Engine(
        image="mysql:{version}",
        port=3306,
        data_path="/var/lib/mysql",
        tmpfs=("/tmp", "/var/run/mysqld", "/var/lib/mysql-files"),
        uri_prefix="mysql://{name}:",
        uri_suffix="@{name}:3306/{name}",
        environment={
            "MYSQL_DATABASE": "{name}",
            "MYSQL_USER": "{name}",
            "MYSQL_PASSWORD_FILE": "{credentials}",
            "MYSQL_ROOT_PASSWORD_FILE": "{credentials}",
        },
        command=["mysqld", "--datadir=/var/lib/mysql/data"],
        health=_health(["CMD", "mysqladmin", "ping", "--host=127.0.0.1", "--port=3306", "--silent"], 10, 5, 5, 60),
        backup_extension="sql",
    ),
    # std/mongodb: mongosh ships in the image; `ping` needs no authentication.
    "mongodb": Engine(
        image="mongo:{version}",
        port=27017,
        data_path="/data/db",
        tmpfs=("/tmp",),
        uri_prefix="mongodb://{name}:",
        uri_suffix="@{name}:27017/{name}?authSource=admin",
        environment={
            "MONGO_INITDB_ROOT_USERNAME": "{name}",
            "MONGO_INITDB_ROOT_PASSWORD_FILE": "{credentials}",
            "MONGO_INITDB_DATABASE": "{name}",
        },
        health=_health(
            ["CMD", "mongosh", "--quiet", "--norc", "--eval", "quit(db.adminCommand('ping').ok ? 0 : 1)"], 15, 10, 3, 40
        ),
        backup_extension="archive.gz",
    ),
    # Redis has no *_FILE variable: `requirepass` goes into a config file on the tmpfs.
    "redis": Engine(
        image="redis:{version}-alpine",
        port=6379,
        data_path="/data",
        tmpfs=("/tmp",),
        uri_prefix="redis://:",
        uri_suffix="@{name}:6379/0",
        command=[
            "sh",
            "-c",
            'umask 077\nprintf "requirepass %s\\n" "$(cat {credentials})" > /tmp/redis.conf\n'
            "exec redis-server /tmp/redis.conf --dir /data",
        ],
        health=_health(
            ["CMD-SHELL", 'REDISCLI_AUTH="$(cat {credentials})" redis-cli ping | grep -q PONG'], 10, 3, 3, 30
        ),
        backup_extension="rdb",
    ),
    # std/rabbitmq: the image's entrypoint refuses RABBITMQ_DEFAULT_PASS_FILE, so the password
    # is read into RABBITMQ_DEFAULT_PASS inside the container. A fixed node name keeps the
    # message store when the container (and with it the host name) is recreated.
    "rabbitmq": Engine(
        image="rabbitmq:{version}-alpine",
        port=5672,
        data_path="/var/lib/rabbitmq",
        tmpfs=("/tmp", "/var/log/rabbitmq"),
        uri_prefix="amqp://{name}:",
        uri_suffix="@{name}:5672/%2F",
        environment={"RABBITMQ_DEFAULT_USER": "{name}", "RABBITMQ_NODENAME": "rabbit@localhost"},
        command=[
            "sh",
            "-c",
            'RABBITMQ_DEFAULT_PASS="$(cat {credentials})"\nexport RABBITMQ_DEFAULT_PASS\nexec rabbitmq-server',
        ],
        health=_health(["CMD", "rabbitmq-diagnostics", "-q", "ping"], 30, 10, 3, 60),
    ),
    # std/nats: flags instead of the image's config (which opens a cluster port); the
    # credentials go into a config file on the tmpfs.
    "nats": Engine(
        image="nats:{version}-alpine",
        port=4222,
        data_path="/data",
        tmpfs=("/tmp",),
        uri_prefix="nats://{name}:",
        uri_suffix="@{name}:4222",
        command=[
            "sh",
            "-c",
            "umask 077\n"
            'printf \'authorization {\\n  user: "%s"\\n  password: "%s"\\n}\\n\' {name} "$(cat {credentials})"'
            " > /tmp/nats.conf\n"
            "exec nats-server --config /tmp/nats.conf --port 4222 --http_port 8222 --jetstream --store_dir /data",
        ],
        health=_health(["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8222/healthz"], 10, 3, 3, 15),
    ),
}
