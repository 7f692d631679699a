"""LANGUAGE.md §2–§4, one behaviour per test, read off the typed per-environment models.

Precedence (lowest first): built-in default < template < environment `replicas` < the block's
own attributes < its `when` blocks. Merge rules, `none`, derived defaults, the implicit
`default` environment, quantities typed by the receiving attribute, interpolation, implicit
credentials, per-environment diagnostics and error recovery.

Programs are indented triple-quoted strings; `program()` dedents them so that line 1 is the
first line written (the positions asserted below count from there).
"""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

from stackc import ir
from stackc.diagnostics import Diagnostic
from stackc.frontend import Compilation, compile_source
from stackc.values import Ref, Text

PATH = "platform.stack"
STACK = 'stack shop { owner = "acme"  domain = "shop.example.com" }\n'
ENVS = "environment dev { }\nenvironment staging { }\nenvironment prod { }\n"


def program(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def compile_text(source: str, path: str = PATH) -> Compilation:
    return compile_source(program(source).encode("utf-8"), path)


def errors(compilation: Compilation) -> list[Diagnostic]:
    return [d for d in compilation.diagnostics if d.is_error]


def models(source: str) -> dict[str, ir.EnvironmentModel]:
    """The models of a program that must compile without errors."""
    compilation = compile_text(source)
    assert not errors(compilation), "\n".join(f"{d.code} {d.span} {d.message}" for d in errors(compilation))
    return compilation.models


def with_stack(body: str, environments: str = "") -> str:
    """`STACK`, then `environments`, then the dedented `body`."""
    return STACK + environments + program(body)


def service(body: str, name: str = "api", env: str = "default") -> ir.Service:
    return models(with_stack(body))[env].services[name]


def where(d: Diagnostic) -> tuple[str, int, int]:
    assert d.span is not None
    return d.code, d.span.line, d.span.column


# -- precedence ---------------------------------------------------------------------------------


def test_builtin_default_applies_without_any_layer() -> None:
    api = service('service api { image = "x:1" }')
    assert (api.user, api.read_only, api.tmpfs) == (10001, True, ["/tmp"])


def test_template_overrides_builtin_default() -> None:
    api = service("""
        template hardened { user = 20000 }
        service api { extends = hardened  image = "x:1" }
    """)
    assert api.user == 20000


def test_environment_replicas_override_template() -> None:
    source = with_stack(
        """
        template t { replicas = 5 }
        service api { extends = t  image = "x:1" }
        """,
        "environment staging { replicas = 3 }\n",
    )
    assert models(source)["staging"].services["api"].replicas == 3


def test_template_replicas_apply_when_environment_sets_none() -> None:
    source = with_stack(
        """
        template t { replicas = 5 }
        service api { extends = t  image = "x:1" }
        """,
        "environment dev { }\n",
    )
    assert models(source)["dev"].services["api"].replicas == 5


def test_own_attribute_overrides_environment_replicas() -> None:
    source = with_stack('service api { image = "x:1"  replicas = 7 }', "environment staging { replicas = 3 }\n")
    assert models(source)["staging"].services["api"].replicas == 7


def test_when_overrides_own_attribute_in_named_environment_only() -> None:
    source = with_stack(
        """
        service api {
          image = "x:1"
          replicas = 7
          when staging { replicas = 9 }
        }
        """,
        ENVS,
    )
    by_env = models(source)
    assert [by_env[e].services["api"].replicas for e in ("dev", "staging", "prod")] == [7, 9, 7]


def test_when_names_several_environments() -> None:
    source = with_stack(
        """
        service api {
          image = "x:1"
          replicas = 1
          when staging prod { replicas = 3 }
        }
        """,
        ENVS,
    )
    by_env = models(source)
    assert [by_env[e].services["api"].replicas for e in ("dev", "staging", "prod")] == [1, 3, 3]


def test_template_when_ranks_below_service_own_attribute() -> None:
    # The template's `when` belongs to the template layer; the service's own attribute is above it.
    source = with_stack(
        """
        template t { image = "x:1"  replicas = 2  when prod { replicas = 4 } }
        service api { extends = t  replicas = 3 }
        service web { extends = t }
        """,
        ENVS,
    )
    prod = models(source)["prod"]
    assert (prod.services["api"].replicas, prod.services["web"].replicas) == (3, 4)


def test_when_inside_nested_block() -> None:
    source = with_stack(
        """
        service api {
          image = "x:1"
          resources {
            memory = 256Mi
            when prod { memory = 1Gi }
          }
        }
        """,
        ENVS,
    )
    by_env = models(source)
    assert by_env["dev"].services["api"].resources.memory.text == "256Mi"
    assert by_env["prod"].services["api"].resources.memory.text == "1Gi"


# -- merge rules --------------------------------------------------------------------------------


def test_attributes_replace() -> None:
    api = service("""
        template t { image = "x:1" }
        service api { extends = t  image = "y:2" }
    """)
    assert api.image == "y:2"


def test_maps_merge_key_by_key() -> None:
    api = service("""
        template t { image = "x:1"  env = { A = "1", B = "2" } }
        service api { extends = t  env = { B = "22", C = "3" } }
    """)
    assert api.env == {"A": "1", "B": "22", "C": "3"}


def test_maps_merge_key_by_key_in_when() -> None:
    source = with_stack(
        """
        service api {
          image = "x:1"
          ports = { http = 80 }
          when dev { ports = { debug = 9229 } }
        }
        """,
        ENVS,
    )
    by_env = models(source)
    assert by_env["dev"].services["api"].ports == {"http": 80, "debug": 9229}
    assert by_env["prod"].services["api"].ports == {"http": 80}


def test_nested_blocks_merge_recursively() -> None:
    api = service("""
        template t {
          image = "x:1"
          resources { cpu = 200m  memory = 256Mi }
          health { http = "/healthz"  interval = 5s }
        }
        service api {
          extends = t
          ports = { http = 80 }
          resources { memory = 512Mi }
          health { interval = 20s }
        }
    """)
    assert (api.resources.cpu.millicores, api.resources.memory.text) == (200, "512Mi")
    assert api.health is not None
    assert (api.health.http, api.health.interval.seconds) == ("/healthz", Decimal(20))


def test_lists_replace() -> None:
    api = service("""
        template t { image = "x:1"  command = ["a", "b"]  tmpfs = ["/tmp", "/cache"] }
        service api { extends = t  command = ["c"] }
    """)
    assert (api.command, api.tmpfs) == (["c"], ["/tmp", "/cache"])


def test_build_in_later_layer_clears_inherited_image() -> None:
    api = service("""
        template t { image = "x:1" }
        service api { extends = t  build = "./api" }
    """)
    assert api.image is None
    assert api.build is not None and api.build.context == "./api"
    assert api.image_ref == "ghcr.io/acme/shop-api"


def test_image_in_later_layer_clears_inherited_build() -> None:
    api = service("""
        template t { build = "./api" }
        service api { extends = t  image = "x:1" }
    """)
    assert (api.image, api.build, api.image_ref) == ("x:1", None, "x:1")


def test_build_block_in_later_layer_clears_inherited_image() -> None:
    api = service("""
        template t { image = "x:1" }
        service api {
          extends = t
          build { context = "./api" }
        }
    """)
    assert api.image is None
    assert api.build is not None and api.build.context == "./api"


def test_build_in_when_clears_own_image() -> None:
    source = with_stack(
        """
        service api {
          image = "x:1"
          when dev { build = "./api" }
        }
        """,
        ENVS,
    )
    by_env = models(source)
    assert (by_env["dev"].services["api"].image, by_env["prod"].services["api"].image) == (None, "x:1")


def test_image_and_build_in_one_block_is_an_error() -> None:
    compilation = compile_text("""
        stack shop { owner = "acme" }
        service api {
          image = "x:1"
          build = "./api"
        }
    """)
    assert [where(d) for d in errors(compilation)] == [("E0307", 4, 3)]


def test_two_health_kinds_in_one_block_is_an_error() -> None:
    compilation = compile_text("""
        stack shop { owner = "acme" }
        service api {
          image = "x:1"
          ports = { http = 80 }
          health { http = "/"  tcp = http }
        }
    """)
    assert [d.code for d in errors(compilation)] == ["E0307"]


def test_templates_extend_templates() -> None:
    api = service("""
        template base { image = "x:1"  user = 20000  env = { A = "1" } }
        template mid { extends = base  user = 30000  env = { B = "2" } }
        service api { extends = mid }
    """)
    assert (api.image, api.user, api.env, api.extends) == ("x:1", 30000, {"A": "1", "B": "2"}, "mid")


# -- none ---------------------------------------------------------------------------------------


def test_none_clears_attribute_back_to_default() -> None:
    api = service("""
        template t { image = "x:1"  user = 20000 }
        service api { extends = t  user = none }
    """)
    assert api.user == 10001


def test_none_in_when_clears_attribute() -> None:
    source = with_stack(
        """
        service api {
          image = "x:1"
          replicas = 4
          when dev { replicas = none }
        }
        """,
        ENVS,
    )
    by_env = models(source)
    assert (by_env["dev"].services["api"].replicas, by_env["prod"].services["api"].replicas) == (1, 4)


def test_none_removes_nested_block() -> None:
    api = service("""
        template t {
          image = "x:1"
          autoscale { min = 2  max = 4 }
        }
        service api { extends = t  autoscale = none }
    """)
    assert api.autoscale is None


def test_none_in_when_removes_nested_block() -> None:
    source = with_stack(
        """
        service api {
          image = "x:1"
          autoscale { min = 2  max = 4 }
          when dev { autoscale = none }
        }
        """,
        ENVS,
    )
    by_env = models(source)
    assert by_env["dev"].services["api"].autoscale is None
    assert by_env["prod"].services["api"].autoscale is not None


def test_none_inside_nested_block_clears_attribute() -> None:
    api = service("""
        template t {
          image = "x:1"
          resources { cpu = 1 }
        }
        service api {
          extends = t
          resources { cpu = none }
        }
    """)
    assert api.resources.cpu.millicores == 100


def test_none_removes_map_key() -> None:
    api = service("""
        template t { image = "x:1"  env = { A = "1", B = "2" } }
        service api { extends = t  env = { A = none } }
    """)
    assert api.env == {"B": "2"}


def test_none_removes_map_key_in_when() -> None:
    source = with_stack(
        """
        service api {
          image = "x:1"
          env = { A = "1", B = "2" }
          when dev { env = { A = none } }
        }
        """,
        ENVS,
    )
    by_env = models(source)
    assert by_env["dev"].services["api"].env == {"B": "2"}
    assert by_env["prod"].services["api"].env == {"A": "1", "B": "2"}


def test_none_is_the_value_of_environment_deploy() -> None:
    source = with_stack("environment prod { approval = true  deploy = none }")
    assert models(source)["prod"].environment.deploy == "none"


def test_none_is_the_value_of_observability_metrics() -> None:
    observability = models(with_stack("observability { metrics = none }"))["default"].observability
    assert observability is not None and observability.metrics == "none"


def test_none_in_when_is_the_value_of_observability_logs() -> None:
    source = with_stack(
        """
        observability {
          logs = loki
          when dev { logs = none }
        }
        """,
        ENVS,
    )
    logs = {env: m.observability.logs for env, m in models(source).items() if m.observability is not None}
    assert logs == {"dev": "none", "staging": "loki", "prod": "loki"}


# -- derived defaults ---------------------------------------------------------------------------


def test_cpu_limit_is_four_times_cpu() -> None:
    api = service("""
        service api {
          image = "x:1"
          resources { cpu = 250m }
        }
    """)
    assert api.resources.cpu_limit is not None and api.resources.cpu_limit.millicores == 1000


def test_limits_default_from_builtin_requests() -> None:
    api = service('service api { image = "x:1" }')
    assert api.resources.cpu_limit is not None and api.resources.cpu_limit.millicores == 400
    assert api.resources.memory_limit is not None and api.resources.memory_limit.text == "128Mi"


def test_explicit_limits_are_kept() -> None:
    api = service("""
        service api {
          image = "x:1"
          resources { cpu = 250m  cpu_limit = 500m  memory = 1Gi  memory_limit = 2Gi }
        }
    """)
    assert api.resources.cpu_limit is not None and api.resources.cpu_limit.millicores == 500
    assert api.resources.memory_limit is not None and api.resources.memory_limit.text == "2Gi"


def test_memory_limit_follows_memory_raised_by_template() -> None:
    api = service("""
        template big { resources { memory = 1Gi } }
        service api { extends = big  image = "x:1" }
    """)
    assert api.resources.memory_limit is not None and api.resources.memory_limit.bytes == 1024**3


def test_memory_limit_follows_memory_raised_in_when() -> None:
    source = with_stack(
        """
        service api {
          image = "x:1"
          resources { memory = 256Mi }
          when prod { resources { memory = 1Gi } }
        }
        """,
        ENVS,
    )
    by_env = models(source)
    limits = {e: by_env[e].services["api"].resources.memory_limit for e in ("dev", "prod")}
    assert {e: s.text if s else None for e, s in limits.items()} == {"dev": "256Mi", "prod": "1Gi"}


def test_backing_service_resources_get_derived_limits() -> None:
    source = with_stack("""
        database orders {
          engine = postgres
          version = "16"
          resources { cpu = 500m  memory = 1Gi }
        }
    """)
    orders = models(source)["default"].databases["orders"]
    assert orders.resources.cpu_limit is not None and orders.resources.cpu_limit.millicores == 2000
    assert orders.resources.memory_limit is not None and orders.resources.memory_limit.text == "1Gi"


def test_registry_defaults_to_ghcr_owner() -> None:
    assert models(STACK)["default"].stack.registry == "ghcr.io/acme"


def test_explicit_registry_is_kept_and_names_built_images() -> None:
    model = models("""
        stack shop { owner = "acme"  registry = "registry.example.com/acme" }
        service api { build = "./api" }
    """)["default"]
    assert model.stack.registry == "registry.example.com/acme"
    assert model.services["api"].image_ref == "registry.example.com/acme/shop-api"


PROD_LIKE_ENVS = (
    "environment dev { }\nenvironment staging { approval = true }\nenvironment prod { }\nenvironment production { }\n"
)


def test_environment_domain_prod_like_vs_other() -> None:
    domains = {env: m.environment.domain for env, m in models(STACK + PROD_LIKE_ENVS).items()}
    assert domains == {
        "dev": "dev.shop.example.com",
        "staging": "shop.example.com",
        "prod": "shop.example.com",
        "production": "shop.example.com",
    }


def test_explicit_environment_domain_is_kept() -> None:
    source = with_stack('environment dev { domain = "dev.example.net" }')
    assert models(source)["dev"].environment.domain == "dev.example.net"


def test_environment_domain_is_unset_without_stack_domain() -> None:
    by_env = models("""
        stack shop { owner = "acme" }
        environment dev { }
        environment prod { }
    """)
    assert {env: m.environment.domain for env, m in by_env.items()} == {"dev": None, "prod": None}


def test_namespace_is_stack_dash_environment() -> None:
    by_env = models(with_stack('environment dev { }\nenvironment prod { namespace = "shop" }'))
    assert (by_env["dev"].environment.namespace, by_env["prod"].environment.namespace) == ("shop-dev", "shop")


def test_prod_like_replica_default_is_two() -> None:
    by_env = models(with_stack('service api { image = "x:1" }', PROD_LIKE_ENVS))
    expected = {"dev": 1, "staging": 2, "prod": 2, "production": 2}
    assert {e: m.environment.replicas for e, m in by_env.items()} == expected
    assert {e: m.services["api"].replicas for e, m in by_env.items()} == expected
    assert [e for e, m in by_env.items() if m.environment.prod_like] == ["staging", "prod", "production"]


def test_deploy_is_manual_when_approval_else_auto() -> None:
    source = with_stack("""
        environment dev { }
        environment prod { approval = true }
        environment qa { approval = true  deploy = auto }
    """)
    deploy = {e: m.environment.deploy for e, m in models(source).items()}
    assert deploy == {"dev": "auto", "prod": "manual", "qa": "auto"}


# -- environments -------------------------------------------------------------------------------


def test_file_without_environments_has_one_named_default() -> None:
    by_env = models(with_stack('service api { image = "x:1" }'))
    assert list(by_env) == ["default"]
    assert by_env["default"].environments == ["default"]
    assert by_env["default"].environment.name == "default"
    assert by_env["default"].environment.namespace == "shop-default"


def test_when_default_applies_to_the_implicit_environment() -> None:
    api = service("""
        service api {
          image = "x:1"
          when default { replicas = 3 }
        }
    """)
    assert api.replicas == 3


def test_declared_environments_replace_default() -> None:
    by_env = models(STACK + ENVS)
    assert list(by_env) == ["dev", "staging", "prod"]
    assert by_env["dev"].environments == ["dev", "staging", "prod"]


# -- quantities ---------------------------------------------------------------------------------


def test_quantity_is_typed_by_receiving_attribute() -> None:
    api = service("""
        service api {
          image = "x:1"
          resources { cpu = 5m }
          deploy { pause = 5m }
        }
    """)
    assert api.resources.cpu.millicores == 5
    assert api.deploy.pause.seconds == Decimal(300)


def test_plain_number_is_cores_for_cpu() -> None:
    api = service("""
        service api {
          image = "x:1"
          resources { cpu = 0.5 }
        }
    """)
    assert api.resources.cpu.millicores == 500


def test_quantity_of_wrong_kind_is_an_error() -> None:
    compilation = compile_text("""
        stack shop { owner = "acme" }
        service api {
          image = "x:1"
          deploy { pause = 256Mi }
        }
    """)
    assert [where(d) for d in errors(compilation)] == [("E0304", 4, 20)]


# -- references and interpolation ---------------------------------------------------------------

WEB = 'service web { image = "x:1"  ports = { http = 8080 } }\n'


def test_interpolated_reference_is_kept_as_reference() -> None:
    api = service(
        WEB
        + program("""
            service api {
              image = "x:1"
              uses = [service.web]
              env = { URL = "http://${service.web.host}:8080/v1" }
            }
        """)
    )
    url = api.env["URL"]
    assert isinstance(url, Text)
    parts = [p if isinstance(p, str) else (p.kind, p.name, p.prop) for p in url.parts]
    assert parts == ["http://", ("service", "web", "host"), ":8080/v1"]


def test_whole_value_reference_is_a_ref() -> None:
    api = service(
        WEB
        + program("""
            service api {
              image = "x:1"
              uses = [service.web]
              env = { URL = service.web.url }
            }
        """)
    )
    url = api.env["URL"]
    assert isinstance(url, Ref) and (url.kind, url.name, url.prop) == ("service", "web", "url")


def test_env_domain_is_substituted_per_environment() -> None:
    source = with_stack(
        """
        service api {
          image = "x:1"
          env = { SITE = "https://${env.domain}/", WHERE = "${env.name}" }
        }
        """,
        ENVS,
    )
    by_env = models(source)
    assert by_env["dev"].services["api"].env == {"SITE": "https://dev.shop.example.com/", "WHERE": "dev"}
    assert by_env["prod"].services["api"].env == {"SITE": "https://shop.example.com/", "WHERE": "prod"}


def test_double_dollar_is_a_literal_interpolation() -> None:
    api = service("""
        service api {
          image = "x:1"
          env = { T = "a$${b}", C = "costs $5" }
        }
    """)
    assert api.env == {"T": "a${b}", "C": "costs $5"}


def test_secret_as_whole_env_value_is_a_ref() -> None:
    api = service("""
        secret token { source = env("TOKEN") }
        service api {
          image = "x:1"
          env = { TOKEN = secret.token, T2 = "${secret.token}" }
        }
    """)
    for value in api.env.values():
        assert isinstance(value, Ref) and (value.kind, value.name, value.prop) == ("secret", "token", None)
        assert value.is_secret


def test_database_uri_as_whole_env_value_is_a_secret_ref() -> None:
    api = service("""
        database orders { engine = postgres  version = "16" }
        service api {
          image = "x:1"
          uses = [database.orders]
          env = { DB = database.orders.uri }
        }
    """)
    value = api.env["DB"]
    assert isinstance(value, Ref) and value.is_secret and value.dotted == "database.orders.uri"


def test_secret_interpolated_into_larger_string_is_an_error() -> None:
    compilation = compile_text("""
        stack shop { owner = "acme" }
        secret a { source = env("A") }
        service api {
          image = "x:1"
          env = { V = "x${secret.a}" }
        }
    """)
    assert [where(d) for d in errors(compilation)] == [("E0404", 5, 19)]


def test_database_uri_interpolated_into_larger_string_is_an_error() -> None:
    compilation = compile_text("""
        stack shop { owner = "acme" }
        database orders { engine = postgres  version = "16" }
        service api {
          image = "x:1"
          uses = [database.orders]
          env = { V = "db=${database.orders.uri}" }
        }
    """)
    assert [d.code for d in errors(compilation)] == ["E0404"]


# -- implicit credentials -------------------------------------------------------------------------


def test_implicit_credentials_for_container_form_only() -> None:
    source = """
        stack shop { owner = "acme"  cloud = aws }
        secret legacy-uri { source = vault("kv/legacy", key = "uri") }
        database orders { engine = postgres  version = "16" }
        database cloud { engine = postgres  version = "16"  managed = true }
        database legacy { engine = mysql  version = "8.0"  external = secret.legacy-uri }
        queue jobs { engine = rabbitmq  version = "3.13" }
        queue events { engine = nats  version = "2.10"  managed = true }
    """
    secrets = models(source)["default"].secrets
    assert sorted(n for n, s in secrets.items() if s.implicit) == ["jobs-credentials", "orders-credentials"]
    assert sorted(n for n, s in secrets.items() if not s.implicit) == ["legacy-uri"]
    assert isinstance(secrets["orders-credentials"].source, ir.GenerateSource)


# -- diagnostics per environment ----------------------------------------------------------------


def test_diagnostic_in_some_environments_names_them() -> None:
    compilation = compile_text(
        with_stack(
            """
            service api {
              image = "x:1"
              when staging prod { replicas = "three" }
            }
            """,
            ENVS,
        )
    )
    (finding,) = errors(compilation)
    assert where(finding) == ("E0303", 7, 34)
    assert finding.environments == ("staging", "prod")


def test_diagnostic_in_every_environment_names_none() -> None:
    compilation = compile_text(
        with_stack(
            """
            service api {
              image = "x:1"
              replicas = "three"
            }
            """,
            ENVS,
        )
    )
    (finding,) = errors(compilation)
    assert where(finding) == ("E0303", 7, 14)
    assert finding.environments == ()


def test_header_finding_of_block_with_when_is_reported_once() -> None:
    compilation = compile_text("""
        stack shop { owner = "acme" }
        environment dev { }
        environment prod { }
        service api {
          replicas = 1
          when prod { replicas = 2 }
        }
    """)
    assert [(*where(d), d.environments) for d in errors(compilation)] == [("E0307", 4, 1, ())]
    header = compilation.models["prod"].services["api"].span
    assert header is not None and (header.line, header.column, header.end_line) == (4, 1, 4)


def test_unset_domain_is_reported_only_where_unset() -> None:
    compilation = compile_text("""
        stack shop { owner = "acme" }
        environment dev { }
        environment prod { domain = "example.com" }
        service api {
          image = "x:1"
          env = { SITE = "${env.domain}" }
        }
    """)
    (finding,) = errors(compilation)
    assert (finding.code, finding.environments) == ("E0210", ("dev",))
    assert compilation.models["prod"].services["api"].env == {"SITE": "example.com"}


# -- all errors at once -------------------------------------------------------------------------


def test_all_errors_of_a_file_are_reported_in_file_order() -> None:
    compilation = compile_text("""
        stack shop { owner = "acme" }
        service a {
          image = "x:1"
          replcas = 2
        }
        service b {
          image = "x:1"
          resources { memory = 10s }
        }
        database c {
          engine = mongo
          version = "7.0"
        }
        secret d {
          source = vualt("kv/x")
        }
        gateway e {
          tls = off
          hsts = "yes"
        }
    """)
    assert [where(d) for d in errors(compilation)] == [
        ("E0302", 4, 3),  # unknown attribute
        ("E0304", 8, 24),  # wrong unit
        ("E0305", 11, 12),  # unknown engine
        ("E0305", 15, 12),  # unknown call
        ("E0303", 19, 10),  # wrong type
    ]


def test_syntax_error_does_not_stop_later_blocks() -> None:
    compilation = compile_text("""
        stack shop { owner = "acme" }
        service a {
          image = = "x:1"
        }
        service b {
          image = "x:1"
          replcas = 2
        }
    """)
    assert [where(d) for d in errors(compilation)] == [("E0101", 3, 11), ("E0302", 7, 3)]


def test_unclosed_block_does_not_stop_later_blocks() -> None:
    compilation = compile_text("""
        stack shop { owner = "acme" }
        service a {
          image = "x:1"
        service b {
          image = "x:1"
          replcas = 2
        }
    """)
    assert [where(d) for d in errors(compilation)] == [("E0107", 2, 11), ("E0302", 6, 3)]


def test_lexical_errors_in_two_blocks_are_both_reported() -> None:
    compilation = compile_text(r"""
        stack shop { owner = "acme" }
        service a {
          image = "x:1" @
        }
        service b {
          image = "x\q:1"
        }
    """)
    assert [where(d) for d in errors(compilation)] == [("E0105", 3, 17), ("E0103", 6, 13)]


# -- declarations -------------------------------------------------------------------------------


def test_duplicate_declaration_labels_the_first() -> None:
    compilation = compile_text("""
        stack shop { owner = "acme" }
        service api { image = "x:1" }
        service api { image = "x:2" }
    """)
    (finding,) = errors(compilation)
    assert where(finding) == ("E0202", 3, 9)
    assert [(label.span.line, label.span.column) for label in finding.labels] == [(2, 9)]


def test_duplicate_attribute_labels_the_first() -> None:
    compilation = compile_text("""
        stack shop { owner = "acme" }
        service api {
          image = "x:1"
          image = "x:2"
        }
    """)
    (finding,) = errors(compilation)
    assert where(finding) == ("E0203", 4, 3)
    assert [(label.span.line, label.span.column) for label in finding.labels] == [(3, 3)]


def test_service_and_database_share_one_namespace() -> None:
    compilation = compile_text("""
        stack shop { owner = "acme" }
        service orders { image = "x:1" }
        database orders { engine = postgres  version = "16" }
    """)
    assert [where(d) for d in errors(compilation)] == [("E0202", 3, 10)]


def test_undeclared_reference_suggests_nearest_name() -> None:
    compilation = compile_text(
        with_stack(
            WEB
            + program("""
                service api {
                  image = "x:1"
                  uses = [service.wbe]
                }
            """)
        )
    )
    (finding,) = errors(compilation)
    assert finding.code == "E0204"
    assert finding.note is not None and "service.web" in finding.note


def test_undeclared_environment_in_when_suggests_nearest_name() -> None:
    compilation = compile_text(
        with_stack(
            """
            service api {
              image = "x:1"
              when stagng { replicas = 2 }
            }
            """,
            ENVS,
        )
    )
    (finding,) = errors(compilation)
    assert where(finding) == ("E0206", 7, 8)
    assert finding.note is not None and "staging" in finding.note


def test_cycle_points_at_first_declaration_with_labels_along_it() -> None:
    compilation = compile_text("""
        stack shop { owner = "acme" }
        service c {
          image = "x:1"
          uses = [service.a]
        }
        service a {
          image = "x:1"
          uses = [service.b]
        }
        service b {
          image = "x:1"
          uses = [service.c]
        }
    """)
    (finding,) = errors(compilation)
    assert where(finding) == ("E0403", 2, 1)
    assert [(label.span.line, label.span.column) for label in finding.labels] == [(4, 11), (8, 11), (12, 11)]


def test_second_stack_block_is_an_error() -> None:
    compilation = compile_text("""
        stack shop { owner = "acme" }
        stack other { owner = "acme" }
    """)
    assert [where(d)[:2] for d in errors(compilation)] == [("E0310", 2)]


def test_second_observability_block_is_wrong_block_count() -> None:
    compilation = compile_text("""
        stack shop { owner = "acme" }
        observability { metrics = prometheus }
        observability { logs = loki }
    """)
    (finding,) = errors(compilation)
    assert where(finding)[:2] == ("E0310", 3)
    assert [label.span.line for label in finding.labels] == [2]


# -- imports ------------------------------------------------------------------------------------


def test_import_is_relative_to_importing_file_and_twice_is_harmless(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "base.stack").write_text('template base { image = "x:1"  user = 20000 }\n')
    (tmp_path / "lib" / "web.stack").write_text(
        'import "./base.stack"\ntemplate web { extends = base  ports = { http = 80 } }\n'
    )
    entry = tmp_path / "platform.stack"
    entry.write_text(
        program("""
            stack shop { owner = "acme" }
            import "./lib/web.stack"
            import "./lib/web.stack"
            import "./lib/base.stack"
            service api { extends = web }
        """)
    )
    compilation = compile_source(entry.read_bytes(), str(entry))
    assert not errors(compilation)
    api = compilation.models["default"].services["api"]
    assert (api.image, api.user, api.ports) == ("x:1", 20000, {"http": 80})


def test_std_module_template_is_importable() -> None:
    cache = service('import "std/redis"\nservice cache { extends = redis }', name="cache")
    assert cache.image is not None and cache.image.startswith("redis:")


def test_capabilities_take_bare_names_and_strings() -> None:
    api = service('service api { image = "x:1"  capabilities = [NET_BIND_SERVICE, "CHOWN"] }')
    assert api.capabilities == ["NET_BIND_SERVICE", "CHOWN"]


def test_port_names_resolve_to_numbers_and_default_to_the_primary_port() -> None:
    api = service(
        'service api {\n  image = "x:1"\n  ports = { http = 8080, admin = 9000 }\n'
        '  health { http = "/h" }\n  metrics { port = admin }\n}'
    )
    assert api.health is not None and api.health.port == 8080
    assert api.metrics is not None and api.metrics.port == 9000
