"""The typed model of one environment of a stack: what policies and targets read.

These pydantic models are also the schema of the language (LANGUAGE.md §3): field names are
attribute names, annotations are their types, defaults are the defaults, and `Lang` markers add
what an annotation cannot say. `stackc.schema.decode` reads them to decode the syntax tree, so an
attribute is added to the language by adding a field here.

Every block keeps `span` (its header) and `spans` (attribute name to the attribute's source
range), so that a policy can point at `user = 0` rather than at the service.
"""

from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from stackc.diagnostics import Span
from stackc.schema.spec import Lang
from stackc.values import Cpu, Duration, Percent, Ref, Size, Text

BaseModelT = TypeVar("BaseModelT", bound=BaseModel)

PortRef = int | str  # a port number, or the name of one of the service's `ports`

_PLANS: dict[type, list[tuple[str, Any, Callable[[], Any] | None]]] = {}


def assign(obj: BaseModel, **values: Any) -> None:
    """Set derived values on a model the compiler owns (pydantic's `__setattr__` is slow)."""
    obj.__dict__.update(values)
    obj.__pydantic_fields_set__.update(values)


def _unvalidated(factory: Callable[[], Any] | None) -> Callable[[], Any] | None:
    # A default that is itself a model is built the same way, not validated field by field.
    if isinstance(factory, type) and issubclass(factory, BaseModel):
        return lambda: construct(factory)
    return factory


def construct(model: type[BaseModelT], **values: Any) -> BaseModelT:
    """Build a model from values the decoder has already type-checked.

    Like `model_construct`, without its per-field `inspect.signature` call on default factories
    (pydantic checks whether each factory takes the validated data), which cost more than all
    the rest of decoding on a large stack.
    """
    plan = _PLANS.get(model)
    if plan is None:
        plan = _PLANS[model] = [
            (name, info.default, _unvalidated(info.default_factory))  # type: ignore[arg-type]
            for name, info in model.model_fields.items()
        ]
    data = {}
    for name, default, factory in plan:
        if name in values:
            data[name] = values[name]
        else:
            data[name] = factory() if factory is not None else default
    obj = model.__new__(model)
    object.__setattr__(obj, "__dict__", data)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


class Block(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid", defer_build=True)

    span: Annotated[Span | None, Lang(derived=True)] = None
    spans: Annotated[dict[str, Span], Lang(derived=True)] = Field(default_factory=dict)

    # Attributes of which exactly one must be set (`image`/`build`), and sets of which at most
    # one may be: the decoder checks them; a later layer setting one clears the others.
    exactly_one: ClassVar[tuple[tuple[str, ...], ...]] = ()
    # A block that may also be written as a plain string: the attribute it fills (`build = "./api"`).
    shorthand: ClassVar[str | None] = None
    # The field that the block's label fills (`service api` -> `name`).
    label_field: ClassVar[str | None] = None

    def span_of(self, attribute: str) -> Span | None:
        """Where `attribute` was set, or the block header when it was not."""
        return self.spans.get(attribute, self.span)


class Allow(Block):
    label_field: ClassVar[str | None] = "code"
    """`allow CODE { reason = "…" }`: suppress one policy finding on the enclosing block."""

    code: Annotated[str, Lang(derived=True)] = ""
    reason: Annotated[str, Lang(required=True)] = ""


Allows = Annotated[dict[str, Allow], Lang(name="allow", repeated=True)]


class Call(Block):
    """A value written as a call, `vault("kv/x", key = "url")`: the subclass's fields are its
    parameters, in positional order."""

    call: ClassVar[str]


# -- stack -------------------------------------------------------------------------------------


class S3State(Call):
    call: ClassVar[str] = "s3"
    bucket: Annotated[str, Lang(required=True)] = ""
    key: str | None = None
    region: str | None = None


class LocalState(Call):
    call: ClassVar[str] = "local"
    path: str = "terraform.tfstate"


class Stack(Block):
    label_field: ClassVar[str | None] = "name"
    name: Annotated[str, Lang(derived=True)] = ""
    owner: Annotated[str, Lang(required=True)] = ""
    registry: str | None = None
    domain: str | None = None
    kubernetes: str = "1.30"
    cloud: Literal["aws", "none"] = "none"
    dns: Literal["cloudflare", "route53", "none"] = "none"
    region: str | None = None
    state: S3State | LocalState = Field(default_factory=LocalState)
    labels: dict[str, str] = Field(default_factory=dict)
    allows: Allows = Field(default_factory=dict)


class Environment(Block):
    label_field: ClassVar[str | None] = "name"
    name: Annotated[str, Lang(derived=True)] = ""
    replicas: Annotated[int | None, Lang(min=0, max=1000)] = None
    domain: str | None = None
    hot_reload: bool = False
    approval: bool = False
    deploy: Literal["auto", "manual", "none"] | None = None
    namespace: str | None = None
    preview: bool = False
    allows: Allows = Field(default_factory=dict)
    # Derived: `approval = true`, or named prod/production (POLICIES.md).
    prod_like: Annotated[bool, Lang(derived=True)] = False


# -- services ----------------------------------------------------------------------------------


class Build(Block):
    shorthand: ClassVar[str | None] = "context"
    context: Annotated[str, Lang(required=True)] = "."
    dockerfile: str | None = None
    target: str | None = None
    args: dict[str, str] = Field(default_factory=dict)


class Resources(Block):
    cpu: Annotated[Cpu, Lang(positive=True)] = Cpu("100m", 100)
    memory: Annotated[Size, Lang(positive=True)] = Size("128Mi", 128 * 1024**2)
    cpu_limit: Annotated[Cpu | None, Lang(positive=True)] = None
    memory_limit: Annotated[Size | None, Lang(positive=True)] = None


class Health(Block):
    exactly_one: ClassVar[tuple[tuple[str, ...], ...]] = (("http", "tcp", "command"),)
    http: str | None = None
    tcp: PortRef | None = None
    command: list[str] | None = None
    port: PortRef | None = None
    interval: Duration = Duration.parse("10s")
    timeout: Duration = Duration.parse("3s")
    retries: Annotated[int, Lang(min=1, max=100)] = 3
    start_period: Duration = Duration.parse("0s")


class Autoscale(Block):
    min: Annotated[int, Lang(min=0, max=1000)] = 1
    max: Annotated[int, Lang(min=0, max=1000, required=True)] = 1
    cpu: Percent | None = None
    memory: Percent | None = None


class Volume(Block):
    label_field: ClassVar[str | None] = "name"
    name: Annotated[str, Lang(derived=True)] = ""
    path: Annotated[str, Lang(required=True)] = ""
    size: Annotated[Size, Lang(positive=True)] = Size("1Gi", 1024**3)


_DEFAULT_STEPS = (Percent.parse("10%"), Percent.parse("50%"))


class Deploy(Block):
    strategy: Literal["rolling", "canary", "blue_green"] = "rolling"
    steps: list[Percent] = Field(default_factory=lambda: list(_DEFAULT_STEPS))
    pause: Duration = Duration.parse("2m")
    rollback: bool = True


class Slo(Block):
    label_field: ClassVar[str | None] = "name"
    name: Annotated[str, Lang(derived=True)] = ""
    objective: Annotated[Percent, Lang(required=True)] = Percent.parse("99%")
    window: Duration = Duration.parse("30d")
    threshold: Duration | None = None


class Metrics(Block):
    path: str = "/metrics"
    port: PortRef | None = None


class Sync(Block):
    label_field: ClassVar[str | None] = "source"
    source: Annotated[str, Lang(derived=True)] = ""
    to: Annotated[str, Lang(required=True)] = ""
    ignore: list[str] = Field(default_factory=list)


class Tests(Block):
    unit: str | None = None
    integration: str | None = None
    e2e: str | None = None


EnvValue = str | Ref | Text


class Service(Block):
    label_field: ClassVar[str | None] = "name"
    exactly_one: ClassVar[tuple[tuple[str, ...], ...]] = (("image", "build"),)

    name: Annotated[str, Lang(derived=True)] = ""
    image: str | None = None
    build: Build | None = None
    extends: Annotated[str | None, Lang(kinds=("template",))] = None
    command: list[str] | None = None
    ports: Annotated[dict[str, Annotated[int, Lang(min=1, max=65535)]], Lang()] = Field(default_factory=dict)
    env: dict[str, EnvValue] = Field(default_factory=dict)
    secrets_in_env: bool = False
    uses: Annotated[list[Ref], Lang(kinds=("service", "database", "queue"))] = Field(default_factory=list)
    replicas: Annotated[int | None, Lang(min=0, max=1000)] = None
    resources: Resources = Field(default_factory=Resources)
    health: Health | None = None
    autoscale: Autoscale | None = None
    volumes: Annotated[dict[str, Volume], Lang(name="volume", repeated=True, dns_label=True)] = Field(
        default_factory=dict
    )
    tmpfs: list[str] = Field(default_factory=lambda: ["/tmp"])
    user: Annotated[int, Lang(min=0, max=2147483647)] = 10001
    group: Annotated[int, Lang(min=0, max=2147483647)] = 10001
    read_only: bool = True
    capabilities: list[Annotated[str, Lang(symbol=True)]] = Field(default_factory=list)
    deploy: Deploy = Field(default_factory=Deploy)
    slos: Annotated[dict[str, Slo], Lang(name="slo", repeated=True)] = Field(default_factory=dict)
    metrics: Metrics | None = None
    syncs: Annotated[dict[str, Sync], Lang(name="sync", repeated=True)] = Field(default_factory=dict)
    rebuild_on: list[str] = Field(default_factory=list)
    test: Tests | None = None
    platforms: list[str] | None = None
    allows: Allows = Field(default_factory=dict)
    # Derived: the image reference targets use (`image`, or `{registry}/{stack}-{name}` for builds).
    image_ref: Annotated[str, Lang(derived=True)] = ""

    @property
    def primary_port(self) -> tuple[str, int] | None:
        return next(iter(self.ports.items()), None)


# -- data --------------------------------------------------------------------------------------


class Backup(Block):
    schedule: str = "0 3 * * *"
    retain: Duration = Duration.parse("7d")


class _Backing(Block):
    label_field: ClassVar[str | None] = "name"
    name: Annotated[str, Lang(derived=True)] = ""
    version: Annotated[str, Lang(required=True)] = ""
    managed: bool = False
    external: Annotated[Ref | None, Lang(kinds=("secret",))] = None
    size: Size = Size("10Gi", 10 * 1024**3)
    resources: Resources = Field(default_factory=Resources)
    backup: Backup | None = None
    allows: Allows = Field(default_factory=dict)

    @property
    def form(self) -> Literal["container", "managed", "external"]:
        if self.external is not None:
            return "external"
        return "managed" if self.managed else "container"

    @property
    def credentials(self) -> str:
        return f"{self.name}-credentials"


class Database(_Backing):
    engine: Annotated[Literal["mongodb", "postgres", "mysql", "redis"], Lang(required=True)] = "postgres"


class Queue(_Backing):
    engine: Annotated[Literal["rabbitmq", "nats"], Lang(required=True)] = "rabbitmq"


# -- secrets -----------------------------------------------------------------------------------


class VaultSource(Call):
    call: ClassVar[str] = "vault"
    path: Annotated[str, Lang(required=True)] = ""
    key: str | None = None


class AwsSource(Call):
    call: ClassVar[str] = "aws"
    name: Annotated[str, Lang(required=True)] = ""
    key: str | None = None


class EnvSource(Call):
    call: ClassVar[str] = "env"
    variable: Annotated[str, Lang(required=True)] = ""


class FileSource(Call):
    call: ClassVar[str] = "file"
    path: Annotated[str, Lang(required=True)] = ""


class GenerateSource(Call):
    call: ClassVar[str] = "generate"
    length: Annotated[int, Lang(min=8, max=4096)] = 32


SecretSource = VaultSource | AwsSource | EnvSource | FileSource | GenerateSource


class Secret(Block):
    label_field: ClassVar[str | None] = "name"
    name: Annotated[str, Lang(derived=True)] = ""
    source: Annotated[SecretSource, Lang(required=True)] = Field(default_factory=GenerateSource)
    rotate: Duration | None = None
    allows: Allows = Field(default_factory=dict)
    # Derived: declared by the compiler for a container-form database or queue.
    implicit: Annotated[bool, Lang(derived=True)] = False


# -- gateway -----------------------------------------------------------------------------------


class LetsEncrypt(Call):
    call: ClassVar[str] = "letsencrypt"
    email: Annotated[str, Lang(required=True)] = ""


class CloudflareCertificate(Call):
    call: ClassVar[str] = "cloudflare"


class Route(Block):
    label_field: ClassVar[str | None] = "path"
    path: Annotated[str, Lang(derived=True)] = ""
    to: Annotated[Ref, Lang(kinds=("service",), required=True)] = Ref("service", "", None, Span("", 0, 0, 0, 0))
    port: PortRef | None = None
    strip_prefix: bool = False
    rate_limit: Annotated[int | None, Lang(min=1, max=1_000_000)] = None
    websocket: bool = False
    timeout: Duration = Duration.parse("60s")
    allows: Allows = Field(default_factory=dict)


class Gateway(Block):
    label_field: ClassVar[str | None] = "name"
    name: Annotated[str, Lang(derived=True)] = ""
    host: str | None = None
    tls: LetsEncrypt | CloudflareCertificate | Literal["off"] | None = None
    hsts: bool = True
    headers: dict[str, str] = Field(default_factory=dict)
    body_limit: Size = Size("10Mi", 10 * 1024**2)
    tunnel: Literal["cloudflare", "none"] = "none"
    routes: Annotated[dict[str, Route], Lang(name="route", repeated=True)] = Field(default_factory=dict)
    allows: Allows = Field(default_factory=dict)


# -- observability -----------------------------------------------------------------------------


class Notify(Block):
    label_field: ClassVar[str | None] = "name"
    name: Annotated[str, Lang(derived=True)] = ""
    # Defaults to the block's label: `notify slack { … }` is a Slack receiver.
    type: Literal["pagerduty", "slack", "email", "webhook"] | None = None
    severity: Literal["critical", "warning", "info"] = "warning"
    key: Annotated[Ref | None, Lang(kinds=("secret",))] = None
    webhook: Annotated[Ref | None, Lang(kinds=("secret",))] = None
    channel: str | None = None
    to: str | None = None
    url: Annotated[str | Ref | None, Lang(kinds=("secret",))] = None

    # What each receiver type needs (LANGUAGE.md §3, observability).
    required_by_type: ClassVar[dict[str, tuple[str, ...]]] = {
        "pagerduty": ("key",),
        "slack": ("webhook",),
        "email": ("to",),
        "webhook": ("url",),
    }
    allowed_by_type: ClassVar[dict[str, tuple[str, ...]]] = {
        "pagerduty": ("key",),
        "slack": ("webhook", "channel"),
        "email": ("to",),
        "webhook": ("url",),
    }


class Escalate(Block):
    after: Annotated[Duration, Lang(required=True)] = Duration.parse("15m")
    to: Annotated[Ref, Lang(kinds=("notify",), required=True)] = Ref("notify", "", None, Span("", 0, 0, 0, 0))


class Observability(Block):
    metrics: Literal["prometheus", "none"] = "prometheus"
    logs: Literal["loki", "none"] = "none"
    traces: Literal["jaeger", "zipkin", "none"] = "none"
    dashboards: Literal["grafana", "none"] = "grafana"
    retention: Duration = Duration.parse("15d")
    notify: Annotated[dict[str, Notify], Lang(name="notify", repeated=True)] = Field(default_factory=dict)
    escalate: Escalate | None = None
    allows: Allows = Field(default_factory=dict)


# -- pipeline ----------------------------------------------------------------------------------


class Scan(Block):
    fail_on: Literal["critical", "high", "medium", "low"] = "high"
    config: bool = True


class Pipeline(Block):
    branch: str = "main"
    platforms: list[str] = Field(default_factory=lambda: ["linux/amd64", "linux/arm64"])
    test: Tests | None = None
    scan: Scan | Literal["off"] = Field(default_factory=Scan)
    coverage: Percent | None = None
    sign: bool = True
    sbom: bool = True
    release: Literal["semver", "none"] = "semver"
    timeout: Duration = Duration.parse("10m")
    allows: Allows = Field(default_factory=dict)


# -- policy ------------------------------------------------------------------------------------


class PolicyAllow(Block):
    label_field: ClassVar[str | None] = "code"
    code: Annotated[str, Lang(derived=True)] = ""
    on: Annotated[
        list[Ref], Lang(kinds=("service", "template", "database", "queue", "secret", "gateway", "environment"))
    ] = Field(default_factory=list)
    reason: Annotated[str, Lang(required=True)] = ""


class Policy(Block):
    severity: dict[str, Literal["error", "warning", "info", "off"]] = Field(default_factory=dict)
    allows: Annotated[dict[str, PolicyAllow], Lang(name="allow", repeated=True)] = Field(default_factory=dict)


# -- the whole -----------------------------------------------------------------------------------


class EnvironmentModel(BaseModel):
    """Everything declared, resolved for one environment, derived defaults filled in."""

    model_config = ConfigDict(arbitrary_types_allowed=True, defer_build=True)

    stack: Stack
    environment: Environment
    environments: list[str]
    services: dict[str, Service] = Field(default_factory=dict)
    templates: dict[str, Service] = Field(default_factory=dict)
    databases: dict[str, Database] = Field(default_factory=dict)
    queues: dict[str, Queue] = Field(default_factory=dict)
    secrets: dict[str, Secret] = Field(default_factory=dict)
    gateways: dict[str, Gateway] = Field(default_factory=dict)
    observability: Observability | None = None
    pipeline: Pipeline | None = None
    policy: Policy | None = None

    @property
    def name(self) -> str:
        return self.environment.name

    @property
    def monitored(self) -> bool:
        """Prometheus collects this environment's metrics (`observability { metrics = prometheus }`):
        what every monitoring output (rules, scrape jobs, monitors, dashboards' metrics) follows."""
        return self.observability is not None and self.observability.metrics == "prometheus"
