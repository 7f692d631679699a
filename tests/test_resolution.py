"""LANGUAGE.md §2–§4, one behaviour per test, read off the typed per-environment models.

Precedence (lowest first): built-in default < template < environment `replicas` < the block's
own attributes < its `when` blocks. Merge rules, `none`, derived defaults, the implicit
`default` environment, quantities typed by the receiving attribute, interpolation, implicit
credentials, per-environment diagnostics and error recovery.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from stackc import ir
from stackc.diagnostics import Diagnostic
from stackc.frontend import Compilation, compile_source
from stackc.values import Ref, Text

PATH = "platform.stack"
STACK = 'stack shop { owner = "acme"  domain = "shop.example.com" }\n'
ENVS = "environment dev { }\nenvironment staging { }\nenvironment prod { }\n"


def compile_text(source: str, path: str = PATH) -> Compilation:
    return compile_source(source.encode("utf-8"), path)


def errors(compilation: Compilation) -> list[Diagnostic]:
    return [d for d in compilation.diagnostics if d.is_error]


def models(source: str) -> dict[str, ir.EnvironmentModel]:
    """The models of a program that must compile without errors."""
    compilation = compile_text(source)
    assert not errors(compilation), "\n".join(f"{d.code} {d.span} {d.message}" for d in errors(compilation))
    return compilation.models


def service(source: str, name: str = "api", env: str = "default") -> ir.Service:
    return models(source)[env].services[name]


def where(d: Diagnostic) -> tuple[str, int, int]:
    assert d.span is not None
    return d.code, d.span.line, d.span.column


# -- precedence ---------------------------------------------------------------------------------


def test_builtin_default_applies_without_any_layer() -> None:
    api = service(STACK + 'service api { image = "x:1" }\n')
    assert (api.user, api.read_only, api.tmpfs) == (10001, True, ["/tmp"])


def test_template_overrides_builtin_default() -> None:
    api = service(STACK + 'template hardened { user = 20000 }\nservice api { extends = hardened  image = "x:1" }\n')
    assert api.user == 20000


def test_environment_replicas_override_template() -> None:
    source = STACK + 'environment staging { replicas = 3 }\ntemplate t { replicas = 5 }\nservice api { extends = t  image = "x:1" }\n'
    assert models(source)["staging"].services["api"].replicas == 3


def test_template_replicas_apply_when_environment_sets_none() -> None:
    source = STACK + 'environment dev { }\ntemplate t { replicas = 5 }\nservice api { extends = t  image = "x:1" }\n'
    assert models(source)["dev"].services["api"].replicas == 5


def test_own_attribute_overrides_environment_replicas() -> None:
    source = STACK + 'environment staging { replicas = 3 }\nservice api { image = "x:1"  replicas = 7 }\n'
    assert models(source)["staging"].services["api"].replicas == 7


def test_when_overrides_own_attribute_in_named_environment_only() -> None:
    source = STACK + ENVS + 'service api {\n  image = "x:1"\n  replicas = 7\n  when staging { replicas = 9 }\n}\n'
    by_env = models(source)
    assert [by_env[e].services["api"].replicas for e in ("dev", "staging", "prod")] == [7, 9, 7]


def test_when_names_several_environments() -> None:
    source = STACK + ENVS + 'service api {\n  image = "x:1"\n  replicas = 1\n  when staging prod { replicas = 3 }\n}\n'
    by_env = models(source)
    assert [by_env[e].services["api"].replicas for e in ("dev", "staging", "prod")] == [1, 3, 3]


def test_template_when_ranks_below_service_own_attribute() -> None:
    # The template's `when` belongs to the template layer; the service's own attribute is above it.
    source = STACK + ENVS + (
        'template t { image = "x:1"  replicas = 2  when prod { replicas = 4 } }\n'
        "service api { extends = t  replicas = 3 }\nservice web { extends = t }\n"
    )
    prod = models(source)["prod"]
    assert (prod.services["api"].replicas, prod.services["web"].replicas) == (3, 4)


def test_when_inside_nested_block() -> None:
    source = STACK + ENVS + 'service api {\n  image = "x:1"\n  resources {\n    memory = 256Mi\n    when prod { memory = 1Gi }\n  }\n}\n'
    by_env = models(source)
    assert by_env["dev"].services["api"].resources.memory.text == "256Mi"
    assert by_env["prod"].services["api"].resources.memory.text == "1Gi"


# -- merge rules --------------------------------------------------------------------------------


def test_attributes_replace() -> None:
    api = service(STACK + 'template t { image = "x:1" }\nservice api { extends = t  image = "y:2" }\n')
    assert api.image == "y:2"


def test_maps_merge_key_by_key() -> None:
    source = STACK + 'template t { image = "x:1"  env = { A = "1", B = "2" } }\nservice api { extends = t  env = { B = "22", C = "3" } }\n'
    assert service(source).env == {"A": "1", "B": "22", "C": "3"}


def test_maps_merge_key_by_key_in_when() -> None:
    source = STACK + ENVS + 'service api {\n  image = "x:1"\n  ports = { http = 80 }\n  when dev { ports = { debug = 9229 } }\n}\n'
    by_env = models(source)
    assert by_env["dev"].services["api"].ports == {"http": 80, "debug": 9229}
    assert by_env["prod"].services["api"].ports == {"http": 80}


def test_nested_blocks_merge_recursively() -> None:
    source = STACK + (
        'template t {\n  image = "x:1"\n  resources { cpu = 200m  memory = 256Mi }\n  health { http = "/healthz"  interval = 5s }\n}\n'
        'service api {\n  extends = t\n  ports = { http = 80 }\n  resources { memory = 512Mi }\n  health { interval = 20s }\n}\n'
    )
    api = service(source)
    assert (api.resources.cpu.millicores, api.resources.memory.text) == (200, "512Mi")
    assert api.health is not None
    assert (api.health.http, api.health.interval.seconds) == ("/healthz", Decimal(20))


def test_lists_replace() -> None:
    source = STACK + 'template t { image = "x:1"  command = ["a", "b"]  tmpfs = ["/tmp", "/cache"] }\nservice api { extends = t  command = ["c"] }\n'
    api = service(source)
    assert (api.command, api.tmpfs) == (["c"], ["/tmp", "/cache"])


def test_build_in_later_layer_clears_inherited_image() -> None:
    api = service(STACK + 'template t { image = "x:1" }\nservice api { extends = t  build = "./api" }\n')
    assert api.image is None
    assert api.build is not None and api.build.context == "./api"
    assert api.image_ref == "ghcr.io/acme/shop-api"


def test_image_in_later_layer_clears_inherited_build() -> None:
    api = service(STACK + 'template t { build = "./api" }\nservice api { extends = t  image = "x:1" }\n')
    assert (api.image, api.build, api.image_ref) == ("x:1", None, "x:1")


@pytest.mark.xfail(strict=True, reason="a `build { … }` BLOCK in a later layer does not clear an inherited `image` "
                   "(merge._set_block looks up alternatives in the nested block's rules): E0307 `sets both`")
def test_build_block_in_later_layer_clears_inherited_image() -> None:
    api = service(STACK + 'template t { image = "x:1" }\nservice api {\n  extends = t\n  build { context = "./api" }\n}\n')
    assert api.image is None
    assert api.build is not None and api.build.context == "./api"


def test_build_in_when_clears_own_image() -> None:
    source = STACK + ENVS + 'service api {\n  image = "x:1"\n  when dev { build = "./api" }\n}\n'
    by_env = models(source)
    assert (by_env["dev"].services["api"].image, by_env["prod"].services["api"].image) == (None, "x:1")


def test_image_and_build_in_one_block_is_an_error() -> None:
    compilation = compile_text(STACK + 'service api {\n  image = "x:1"\n  build = "./api"\n}\n')
    assert [where(d) for d in errors(compilation)] == [("E0307", 4, 3)]


def test_two_health_kinds_in_one_block_is_an_error() -> None:
    source = STACK + 'service api {\n  image = "x:1"\n  ports = { http = 80 }\n  health { http = "/"  tcp = http }\n}\n'
    assert [d.code for d in errors(compile_text(source))] == ["E0307"]


def test_templates_extend_templates() -> None:
    source = STACK + (
        'template base { image = "x:1"  user = 20000  env = { A = "1" } }\n'
        'template mid { extends = base  user = 30000  env = { B = "2" } }\n'
        "service api { extends = mid }\n"
    )
    api = service(source)
    assert (api.image, api.user, api.env, api.extends) == ("x:1", 30000, {"A": "1", "B": "2"}, "mid")


# -- none ---------------------------------------------------------------------------------------


@pytest.mark.xfail(strict=True, reason="`X = none` over a template's X is ignored: the template's value stays "
                   "(merge keeps the lower layer's slot; the none is dropped from the upper layer)")
def test_none_clears_attribute_back_to_default() -> None:
    api = service(STACK + 'template t { image = "x:1"  user = 20000 }\nservice api { extends = t  user = none }\n')
    assert api.user == 10001


@pytest.mark.xfail(strict=True, reason="`when dev { replicas = none }` does not clear the block's own `replicas = 4`")
def test_none_in_when_clears_attribute() -> None:
    source = STACK + ENVS + 'service api {\n  image = "x:1"\n  replicas = 4\n  when dev { replicas = none }\n}\n'
    by_env = models(source)
    assert (by_env["dev"].services["api"].replicas, by_env["prod"].services["api"].replicas) == (1, 4)


@pytest.mark.xfail(strict=True, reason="`autoscale = none` over a template's `autoscale { … }` keeps the block")
def test_none_removes_nested_block() -> None:
    source = STACK + 'template t {\n  image = "x:1"\n  autoscale { min = 2  max = 4 }\n}\nservice api { extends = t  autoscale = none }\n'
    assert service(source).autoscale is None


@pytest.mark.xfail(strict=True, reason="`when dev { autoscale = none }` keeps the block's own `autoscale { … }`")
def test_none_in_when_removes_nested_block() -> None:
    source = STACK + ENVS + 'service api {\n  image = "x:1"\n  autoscale { min = 2  max = 4 }\n  when dev { autoscale = none }\n}\n'
    by_env = models(source)
    assert by_env["dev"].services["api"].autoscale is None
    assert by_env["prod"].services["api"].autoscale is not None


@pytest.mark.xfail(strict=True, reason="`resources { cpu = none }` over a template's cpu keeps the template's cpu")
def test_none_inside_nested_block_clears_attribute() -> None:
    source = STACK + 'template t {\n  image = "x:1"\n  resources { cpu = 1 }\n}\nservice api {\n  extends = t\n  resources { cpu = none }\n}\n'
    assert service(source).resources.cpu.millicores == 100


def test_none_removes_map_key() -> None:
    source = STACK + 'template t { image = "x:1"  env = { A = "1", B = "2" } }\nservice api { extends = t  env = { A = none } }\n'
    assert service(source).env == {"B": "2"}


def test_none_removes_map_key_in_when() -> None:
    source = STACK + ENVS + 'service api {\n  image = "x:1"\n  env = { A = "1", B = "2" }\n  when dev { env = { A = none } }\n}\n'
    by_env = models(source)
    assert by_env["dev"].services["api"].env == {"B": "2"}
    assert by_env["prod"].services["api"].env == {"A": "1", "B": "2"}


def test_none_is_the_value_of_environment_deploy() -> None:
    source = STACK + "environment prod { approval = true  deploy = none }\n"
    assert models(source)["prod"].environment.deploy == "none"


def test_none_is_the_value_of_observability_metrics() -> None:
    observability = models(STACK + "observability { metrics = none }\n")["default"].observability
    assert observability is not None and observability.metrics == "none"


def test_none_in_when_is_the_value_of_observability_logs() -> None:
    source = STACK + ENVS + "observability {\n  logs = loki\n  when dev { logs = none }\n}\n"
    by_env = models(source)
    logs = {env: m.observability.logs for env, m in by_env.items() if m.observability is not None}
    assert logs == {"dev": "none", "staging": "loki", "prod": "loki"}


# -- derived defaults ---------------------------------------------------------------------------


def test_cpu_limit_is_four_times_cpu() -> None:
    api = service(STACK + 'service api {\n  image = "x:1"\n  resources { cpu = 250m }\n}\n')
    assert api.resources.cpu_limit is not None and api.resources.cpu_limit.millicores == 1000


def test_cpu_limit_default_follows_builtin_cpu() -> None:
    api = service(STACK + 'service api { image = "x:1" }\n')
    assert api.resources.cpu_limit is not None and api.resources.cpu_limit.millicores == 400
    assert api.resources.memory_limit is not None and api.resources.memory_limit.text == "128Mi"


def test_explicit_limits_are_kept() -> None:
    api = service(STACK + 'service api {\n  image = "x:1"\n  resources { cpu = 250m  cpu_limit = 500m  memory = 1Gi  memory_limit = 2Gi }\n}\n')
    assert api.resources.cpu_limit is not None and api.resources.cpu_limit.millicores == 500
    assert api.resources.memory_limit is not None and api.resources.memory_limit.text == "2Gi"


def test_memory_limit_follows_memory_raised_by_template() -> None:
    api = service(STACK + 'template big { resources { memory = 1Gi } }\nservice api { extends = big  image = "x:1" }\n')
    assert api.resources.memory_limit is not None and api.resources.memory_limit.bytes == 1024**3


def test_memory_limit_follows_memory_raised_in_when() -> None:
    source = STACK + ENVS + 'service api {\n  image = "x:1"\n  resources { memory = 256Mi }\n  when prod { resources { memory = 1Gi } }\n}\n'
    by_env = models(source)
    limits = {e: by_env[e].services["api"].resources.memory_limit for e in ("dev", "prod")}
    assert {e: s.text if s else None for e, s in limits.items()} == {"dev": "256Mi", "prod": "1Gi"}


def test_backing_service_resources_get_derived_limits() -> None:
    source = STACK + 'database orders {\n  engine = postgres\n  version = "16"\n  resources { cpu = 500m  memory = 1Gi }\n}\n'
    orders = models(source)["default"].databases["orders"]
    assert orders.resources.cpu_limit is not None and orders.resources.cpu_limit.millicores == 2000
    assert orders.resources.memory_limit is not None and orders.resources.memory_limit.text == "1Gi"


def test_registry_defaults_to_ghcr_owner() -> None:
    assert models(STACK)["default"].stack.registry == "ghcr.io/acme"


def test_explicit_registry_is_kept() -> None:
    source = 'stack shop { owner = "acme"  registry = "registry.example.com/acme" }\nservice api { build = "./api" }\n'
    model = models(source)["default"]
    assert model.stack.registry == "registry.example.com/acme"
    assert model.services["api"].image_ref == "registry.example.com/acme/shop-api"


def test_environment_domain_prod_like_vs_other() -> None:
    source = STACK + "environment dev { }\nenvironment staging { approval = true }\nenvironment prod { }\nenvironment production { }\n"
    domains = {env: m.environment.domain for env, m in models(source).items()}
    assert domains == {
        "dev": "dev.shop.example.com",
        "staging": "shop.example.com",
        "prod": "shop.example.com",
        "production": "shop.example.com",
    }


def test_explicit_environment_domain_is_kept() -> None:
    source = STACK + 'environment dev { domain = "dev.example.net" }\n'
    assert models(source)["dev"].environment.domain == "dev.example.net"


def test_environment_domain_is_unset_without_stack_domain() -> None:
    source = 'stack shop { owner = "acme" }\nenvironment dev { }\nenvironment prod { }\n'
    assert {env: m.environment.domain for env, m in models(source).items()} == {"dev": None, "prod": None}


def test_namespace_is_stack_dash_environment() -> None:
    source = STACK + 'environment dev { }\nenvironment prod { namespace = "shop" }\n'
    by_env = models(source)
    assert (by_env["dev"].environment.namespace, by_env["prod"].environment.namespace) == ("shop-dev", "shop")


def test_prod_like_replica_default_is_two() -> None:
    source = STACK + (
        "environment dev { }\nenvironment staging { approval = true }\nenvironment prod { }\nenvironment production { }\n"
        'service api { image = "x:1" }\n'
    )
    by_env = models(source)
    assert {e: m.environment.replicas for e, m in by_env.items()} == {"dev": 1, "staging": 2, "prod": 2, "production": 2}
    assert {e: m.services["api"].replicas for e, m in by_env.items()} == {"dev": 1, "staging": 2, "prod": 2, "production": 2}
    assert {e: m.environment.prod_like for e, m in by_env.items()} == {"dev": False, "staging": True, "prod": True, "production": True}


def test_deploy_is_manual_when_approval_else_auto() -> None:
    source = STACK + "environment dev { }\nenvironment prod { approval = true }\nenvironment qa { approval = true  deploy = auto }\n"
    assert {e: m.environment.deploy for e, m in models(source).items()} == {"dev": "auto", "prod": "manual", "qa": "auto"}


# -- environments -------------------------------------------------------------------------------


def test_file_without_environments_has_one_named_default() -> None:
    by_env = models(STACK + 'service api { image = "x:1" }\n')
    assert list(by_env) == ["default"]
    assert by_env["default"].environments == ["default"]
    assert by_env["default"].environment.name == "default"
    assert by_env["default"].environment.namespace == "shop-default"


def test_when_default_applies_to_the_implicit_environment() -> None:
    api = service(STACK + 'service api {\n  image = "x:1"\n  when default { replicas = 3 }\n}\n')
    assert api.replicas == 3


def test_declared_environments_replace_default() -> None:
    by_env = models(STACK + ENVS)
    assert list(by_env) == ["dev", "staging", "prod"]
    assert by_env["dev"].environments == ["dev", "staging", "prod"]


# -- quantities ---------------------------------------------------------------------------------


def test_quantity_is_typed_by_receiving_attribute() -> None:
    api = service(STACK + 'service api {\n  image = "x:1"\n  resources { cpu = 5m }\n  deploy { pause = 5m }\n}\n')
    assert api.resources.cpu.millicores == 5
    assert api.deploy.pause.seconds == Decimal(300)


def test_plain_number_is_cores_for_cpu() -> None:
    api = service(STACK + 'service api {\n  image = "x:1"\n  resources { cpu = 0.5 }\n}\n')
    assert api.resources.cpu.millicores == 500


def test_quantity_of_wrong_kind_is_an_error() -> None:
    compilation = compile_text(STACK + 'service api {\n  image = "x:1"\n  deploy { pause = 256Mi }\n}\n')
    assert [where(d) for d in errors(compilation)] == [("E0304", 4, 20)]


# -- references and interpolation ---------------------------------------------------------------

WEB = 'service web { image = "x:1"  ports = { http = 8080 } }\n'


def test_interpolated_reference_is_kept_as_reference() -> None:
    source = STACK + WEB + 'service api {\n  image = "x:1"\n  uses = [service.web]\n  env = { URL = "http://${service.web.host}:8080/v1" }\n}\n'
    url = service(source).env["URL"]
    assert isinstance(url, Text)
    assert [p if isinstance(p, str) else (p.kind, p.name, p.prop) for p in url.parts] == [
        "http://",
        ("service", "web", "host"),
        ":8080/v1",
    ]


def test_whole_value_reference_is_a_ref() -> None:
    source = STACK + WEB + 'service api {\n  image = "x:1"\n  uses = [service.web]\n  env = { URL = service.web.url }\n}\n'
    url = service(source).env["URL"]
    assert isinstance(url, Ref) and (url.kind, url.name, url.prop) == ("service", "web", "url")


def test_env_domain_is_substituted_per_environment() -> None:
    source = STACK + ENVS + 'service api {\n  image = "x:1"\n  env = { SITE = "https://${env.domain}/", WHERE = "${env.name}" }\n}\n'
    by_env = models(source)
    assert by_env["dev"].services["api"].env == {"SITE": "https://dev.shop.example.com/", "WHERE": "dev"}
    assert by_env["prod"].services["api"].env == {"SITE": "https://shop.example.com/", "WHERE": "prod"}


def test_double_dollar_is_a_literal_interpolation() -> None:
    api = service(STACK + 'service api {\n  image = "x:1"\n  env = { T = "a$${b}", C = "costs $5" }\n}\n')
    assert api.env == {"T": "a${b}", "C": "costs $5"}


def test_secret_as_whole_env_value_is_a_ref() -> None:
    source = STACK + 'secret token { source = env("TOKEN") }\nservice api {\n  image = "x:1"\n  env = { TOKEN = secret.token, T2 = "${secret.token}" }\n}\n'
    env = service(source).env
    for value in env.values():
        assert isinstance(value, Ref) and (value.kind, value.name, value.prop) == ("secret", "token", None)
        assert value.is_secret


def test_database_uri_as_whole_env_value_is_a_secret_ref() -> None:
    source = STACK + 'database orders { engine = postgres  version = "16" }\n' + (
        'service api {\n  image = "x:1"\n  uses = [database.orders]\n  env = { DB = database.orders.uri }\n}\n'
    )
    value = service(source).env["DB"]
    assert isinstance(value, Ref) and value.is_secret and value.dotted == "database.orders.uri"


def test_secret_interpolated_into_larger_string_is_an_error() -> None:
    source = STACK + 'secret a { source = env("A") }\nservice api {\n  image = "x:1"\n  env = { V = "x${secret.a}" }\n}\n'
    assert [where(d) for d in errors(compile_text(source))] == [("E0404", 5, 19)]


def test_database_uri_interpolated_into_larger_string_is_an_error() -> None:
    source = STACK + 'database orders { engine = postgres  version = "16" }\n' + (
        'service api {\n  image = "x:1"\n  uses = [database.orders]\n  env = { V = "db=${database.orders.uri}" }\n}\n'
    )
    assert [d.code for d in errors(compile_text(source))] == ["E0404"]


# -- implicit credentials -------------------------------------------------------------------------


def test_implicit_credentials_for_container_form_only() -> None:
    source = 'stack shop { owner = "acme"  cloud = aws }\n' + (
        'secret legacy-uri { source = vault("kv/legacy", key = "uri") }\n'
        'database orders { engine = postgres  version = "16" }\n'
        'database cloud { engine = postgres  version = "16"  managed = true }\n'
        'database legacy { engine = mysql  version = "8.0"  external = secret.legacy-uri }\n'
        'queue jobs { engine = rabbitmq  version = "3.13" }\n'
        'queue events { engine = nats  version = "2.10"  managed = true }\n'
    )
    secrets = models(source)["default"].secrets
    assert sorted(n for n, s in secrets.items() if s.implicit) == ["jobs-credentials", "orders-credentials"]
    assert sorted(n for n, s in secrets.items() if not s.implicit) == ["legacy-uri"]
    assert isinstance(secrets["orders-credentials"].source, ir.GenerateSource)


# -- diagnostics per environment ----------------------------------------------------------------


def test_diagnostic_in_some_environments_names_them() -> None:
    source = STACK + ENVS + 'service api {\n  image = "x:1"\n  when staging prod { replicas = "three" }\n}\n'
    (finding,) = errors(compile_text(source))
    assert where(finding) == ("E0303", 7, 34)
    assert finding.environments == ("staging", "prod")


def test_diagnostic_in_every_environment_names_none() -> None:
    source = STACK + ENVS + 'service api {\n  image = "x:1"\n  replicas = "three"\n}\n'
    (finding,) = errors(compile_text(source))
    assert where(finding) == ("E0303", 7, 14)
    assert finding.environments == ()


@pytest.mark.xfail(strict=True, reason="in an environment where a `when` applies, the block's header span becomes "
                   "Span(when.line, when.column, header.end_line, header.end_column) (merge keeps the `when` "
                   "overlay's node), so a header finding splits into one copy per environment at two places")
def test_header_finding_of_block_with_when_is_reported_once() -> None:
    source = STACK + "environment dev { }\nenvironment prod { }\n" + (
        "service api {\n  replicas = 1\n  when prod { replicas = 2 }\n}\n"
    )
    compilation = compile_text(source)
    assert [(*where(d), d.environments) for d in errors(compilation)] == [("E0307", 4, 1, ())]
    header = compilation.models["prod"].services["api"].span
    assert header is not None and (header.line, header.column, header.end_line) == (4, 1, 4)


def test_unset_domain_is_reported_only_where_unset() -> None:
    source = 'stack shop { owner = "acme" }\nenvironment dev { }\nenvironment prod { domain = "example.com" }\n' + (
        'service api {\n  image = "x:1"\n  env = { SITE = "${env.domain}" }\n}\n'
    )
    compilation = compile_text(source)
    (finding,) = errors(compilation)
    assert (finding.code, finding.environments) == ("E0210", ("dev",))
    assert compilation.models["prod"].services["api"].env == {"SITE": "example.com"}


# -- all errors at once -------------------------------------------------------------------------


def test_all_errors_of_a_file_are_reported_in_file_order() -> None:
    source = STACK + (
        'service a {\n  image = "x:1"\n  replcas = 2\n}\n'  # 4: unknown attribute
        'service b {\n  image = "x:1"\n  resources { memory = 10s }\n}\n'  # 8: wrong unit
        'database c {\n  engine = mongo\n  version = "7.0"\n}\n'  # 11: unknown value
        'secret d {\n  source = vualt("kv/x")\n}\n'  # 15: unknown call
        'gateway e {\n  tls = off\n  hsts = "yes"\n}\n'  # 19: wrong type
    )
    assert [where(d) for d in errors(compile_text(source))] == [
        ("E0301", 4, 3),
        ("E0304", 8, 24),
        ("E0305", 11, 12),
        ("E0305", 15, 12),
        ("E0303", 19, 10),
    ]


def test_syntax_error_does_not_stop_later_blocks() -> None:
    source = STACK + 'service a {\n  image = = "x:1"\n}\nservice b {\n  image = "x:1"\n  replcas = 2\n}\n'
    assert [where(d) for d in errors(compile_text(source))] == [("E0101", 3, 11), ("E0301", 7, 3)]


def test_unclosed_block_does_not_stop_later_blocks() -> None:
    source = STACK + 'service a {\n  image = "x:1"\nservice b {\n  image = "x:1"\n  replcas = 2\n}\n'
    assert [where(d) for d in errors(compile_text(source))] == [("E0107", 2, 11), ("E0301", 6, 3)]


def test_lexical_errors_in_two_blocks_are_both_reported() -> None:
    source = STACK + 'service a {\n  image = "x:1" @\n}\nservice b {\n  image = "x\\q:1"\n}\n'
    assert [where(d) for d in errors(compile_text(source))] == [("E0105", 3, 17), ("E0103", 6, 13)]


# -- declarations -------------------------------------------------------------------------------


def test_duplicate_declaration_labels_the_first() -> None:
    source = STACK + 'service api { image = "x:1" }\nservice api { image = "x:2" }\n'
    (finding,) = errors(compile_text(source))
    assert where(finding) == ("E0202", 3, 9)
    assert [(label.span.line, label.span.column) for label in finding.labels] == [(2, 9)]


def test_duplicate_attribute_labels_the_first() -> None:
    source = STACK + 'service api {\n  image = "x:1"\n  image = "x:2"\n}\n'
    (finding,) = errors(compile_text(source))
    assert where(finding) == ("E0203", 4, 3)
    assert [(label.span.line, label.span.column) for label in finding.labels] == [(3, 3)]


def test_service_and_database_share_one_namespace() -> None:
    source = STACK + 'service orders { image = "x:1" }\ndatabase orders { engine = postgres  version = "16" }\n'
    assert [where(d) for d in errors(compile_text(source))] == [("E0202", 3, 10)]


def test_undeclared_reference_suggests_nearest_name() -> None:
    source = STACK + WEB + 'service api {\n  image = "x:1"\n  uses = [service.wbe]\n}\n'
    (finding,) = errors(compile_text(source))
    assert finding.code == "E0204"
    assert finding.note is not None and "service.web" in finding.note


def test_undeclared_environment_in_when_suggests_nearest_name() -> None:
    source = STACK + ENVS + 'service api {\n  image = "x:1"\n  when stagng { replicas = 2 }\n}\n'
    (finding,) = errors(compile_text(source))
    assert where(finding) == ("E0206", 7, 8)
    assert finding.note is not None and "staging" in finding.note


@pytest.mark.xfail(strict=True, reason="a second `stack` block with another name is accepted silently "
                   "(declarations only compare names); LANGUAGE.md §3 `stack NAME — exactly one`")
def test_second_stack_block_is_an_error() -> None:
    source = 'stack shop { owner = "acme" }\nstack other { owner = "acme" }\n'
    assert [where(d)[:2] for d in errors(compile_text(source))] == [("E0310", 2)]


@pytest.mark.xfail(strict=True, reason="a second `observability` block is E0202, but E0310's own docs "
                   "(compiler/docs/codes/E0310.md) use exactly this as the E0310 example")
def test_second_observability_block_is_wrong_block_count() -> None:
    source = STACK + "observability { metrics = prometheus }\nobservability { logs = loki }\n"
    (finding,) = errors(compile_text(source))
    assert where(finding)[:2] == ("E0310", 3)
    assert [label.span.line for label in finding.labels] == [2]


# -- imports ------------------------------------------------------------------------------------


def test_import_is_relative_to_importing_file_and_twice_is_harmless(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "base.stack").write_text('template base { image = "x:1"  user = 20000 }\n')
    (tmp_path / "lib" / "web.stack").write_text('import "./base.stack"\ntemplate web { extends = base  ports = { http = 80 } }\n')
    entry = tmp_path / "platform.stack"
    entry.write_text(
        STACK + 'import "./lib/web.stack"\nimport "./lib/web.stack"\nimport "./lib/base.stack"\n'
        "service api { extends = web }\n"
    )
    compilation = compile_source(entry.read_bytes(), str(entry))
    assert not errors(compilation)
    api = compilation.models["default"].services["api"]
    assert (api.image, api.user, api.ports) == ("x:1", 20000, {"http": 80})


def test_std_module_template_is_importable() -> None:
    api = service(STACK + 'import "std/redis"\nservice cache { extends = redis }\n', name="cache")
    assert api.image is not None and api.image.startswith("redis:")
