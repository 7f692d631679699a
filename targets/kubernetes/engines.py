"""What stackc knows about each database and queue engine it can run as a container.

The images are the official ones, pinned to the declared `version` (LANGUAGE.md §3). Each engine
reads its credentials from the `{name}-credentials` Secret through its own `*_FILE` convention or
a shell that reads the file, so no password is ever in the manifest (LANGUAGE.md §5). Paths and
checks follow the standard library's templates (`stdlib/*.stack`), which were verified to run as
uid 10001 on a read-only root.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stackc import ir

# The Secret keys that the credentials ExternalSecret writes (see `secrets.py`).
USERNAME_KEY = "username"
PASSWORD_KEY = "password"
URI_KEY = "uri"
# The user every engine is initialised with; the password is generated.
APP_USER = "app"


@dataclass(frozen=True)
class Engine:
    image: str  # `{version}` is replaced by the declared version
    port_name: str
    port: int
    data_path: str
    # Readiness: the engine's own client (engine-native probe, issue 7). Liveness stays a cheap
    # TCP connect on the port (LANGUAGE.md §5).
    ready: list[str]
    # Connection URI template for the credentials Secret; `{{ .password }}` is external-secrets
    # template syntax, filled in the cluster, never by stackc.
    uri: str
    tmpfs: tuple[str, ...] = ("/tmp",)
    env: dict[str, str] = field(default_factory=dict)
    # Arguments; `{secrets}` is the folder the credentials are mounted in.
    args: tuple[str, ...] = ()
    # Tool and arguments for the backup CronJob (engine-native dump through the URI file).
    dump: str | None = None
    start_seconds: int = 60


def _pw(secrets: str) -> str:
    return f'"$(cat {secrets}/{PASSWORD_KEY})"'


ENGINES: dict[str, Engine] = {
    "postgres": Engine(
        image="postgres:{version}-alpine",
        port_name="postgres",
        port=5432,
        data_path="/var/lib/postgresql/data",
        tmpfs=("/tmp", "/var/run/postgresql"),
        # PGDATA one level below the volume root: initdb refuses a root holding lost+found.
        env={"POSTGRES_USER": APP_USER, "PGDATA": "/var/lib/postgresql/data/pgdata"},
        ready=["pg_isready", "--host=127.0.0.1", "--port=5432", f"--username={APP_USER}", "--quiet"],
        uri="postgresql://app:{{ .password }}@{host}:5432/{name}",
        dump='pg_dump --format=custom --dbname="$(cat {uri})" > "{file}.dump"',
    ),
    "mongodb": Engine(
        image="mongo:{version}",
        port_name="mongodb",
        port=27017,
        data_path="/data/db",
        env={"MONGO_INITDB_ROOT_USERNAME": APP_USER},
        args=("mongod", "--auth"),
        ready=["mongosh", "--quiet", "--norc", "--eval", "quit(db.adminCommand('ping').ok ? 0 : 1)"],
        uri="mongodb://app:{{ .password }}@{host}:27017/{name}?authSource=admin",
        dump='mongodump --uri="$(cat {uri})" --archive="{file}.archive.gz" --gzip',
    ),
    "mysql": Engine(
        image="mysql:{version}",
        port_name="mysql",
        port=3306,
        data_path="/var/lib/mysql",
        tmpfs=("/tmp", "/var/run/mysqld", "/var/lib/mysql-files"),
        env={"MYSQL_USER": APP_USER},
        args=("mysqld", "--datadir=/var/lib/mysql/data"),
        ready=["mysqladmin", "ping", "--host=127.0.0.1", "--port=3306", "--silent"],
        uri="mysql://app:{{ .password }}@{host}:3306/{name}",
        # mysqldump takes no URI: split `mysql://user:password@host:port/db` in the shell. The
        # password goes through MYSQL_PWD, not the command line, so `ps` never shows it.
        dump=(
            'uri="$(cat {uri})"; rest="${uri#*://}"; creds="${rest%%@*}"; where="${rest#*@}"; '
            'hostport="${where%%/*}"; database="${where#*/}"; database="${database%%\\?*}"; '
            'MYSQL_PWD="${creds#*:}" mysqldump --single-transaction --routines '
            '--host="${hostport%%:*}" --port="${hostport##*:}" --user="${creds%%:*}" "$database" '
            '> "{file}.sql"'
        ),
    ),
    "redis": Engine(
        image="redis:{version}-alpine",
        port_name="redis",
        port=6379,
        data_path="/data",
        args=("sh", "-c", 'exec redis-server --requirepass "$(cat {secrets}/password)" --appendonly yes'),
        ready=["sh", "-c", 'redis-cli --no-auth-warning -a "$(cat {secrets}/password)" ping | grep -q PONG'],
        uri="redis://:{{ .password }}@{host}:6379/0",
        dump='redis-cli -u "$(cat {uri})" --rdb "{file}.rdb"',
    ),
    "rabbitmq": Engine(
        image="rabbitmq:{version}-alpine",
        port_name="amqp",
        port=5672,
        data_path="/var/lib/rabbitmq",
        tmpfs=("/tmp", "/var/log/rabbitmq"),
        # The node name holds the host name by default, and a pod's changes on restart; the message
        # store is kept per node name (stdlib/rabbitmq.stack).
        env={
            "RABBITMQ_DEFAULT_USER": APP_USER,
            "RABBITMQ_NODENAME": "rabbit@localhost",
            "RABBITMQ_USE_LONGNAME": "false",
            "HOME": "/tmp",
        },
        # `VAR=… exec` does not reliably export to the exec'd program in every sh: export it.
        args=(
            "sh",
            "-c",
            'set -eu; RABBITMQ_DEFAULT_PASS="$(cat {secrets}/password)"; export RABBITMQ_DEFAULT_PASS; '
            "exec rabbitmq-server",
        ),
        ready=["rabbitmq-diagnostics", "-q", "ping"],
        uri="amqp://app:{{ .password }}@{host}:5672/",
    ),
    "nats": Engine(
        image="nats:{version}-alpine",
        port_name="nats",
        port=4222,
        data_path="/data",
        args=(
            "sh",
            "-c",
            "exec nats-server --jetstream --store_dir /data --http_port 8222"
            ' --user app --pass "$(cat {secrets}/password)"',
        ),
        ready=["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8222/healthz"],
        uri="nats://app:{{ .password }}@{host}:4222",
    ),
}

# The `*_FILE` variable each image reads its password from (official image convention).
PASSWORD_FILE_VARIABLES: dict[str, tuple[str, ...]] = {
    "postgres": ("POSTGRES_PASSWORD_FILE",),
    "mongodb": ("MONGO_INITDB_ROOT_PASSWORD_FILE",),
    "mysql": ("MYSQL_PASSWORD_FILE", "MYSQL_ROOT_PASSWORD_FILE"),
}


def engine_of(backing: ir.Database | ir.Queue) -> Engine:
    return ENGINES[backing.engine]


def image_of(backing: ir.Database | ir.Queue) -> str:
    return engine_of(backing).image.format(version=backing.version)
