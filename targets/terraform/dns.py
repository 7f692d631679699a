"""DNS records for gateway hosts (Route 53, or Cloudflare provider v5) and Cloudflare tunnels.

Records point at a variable for the cluster's ingress address: the address is only known once the
Kubernetes ingress controller has a load balancer (docs/terraform.md gives the order). The default
record type is CNAME: an A record fails CKV2_AWS_23 unless it points at an AWS resource (research
README, conditional failures).
"""

from __future__ import annotations

from stackc import ir
from stackc.diagnostics import Diagnostic, Severity
from stackc.writers import hcl

from .root import CANNOT_EXPRESS, Counted, Root, Variable, ident


def _ingress(root: Root) -> tuple[hcl.Raw, hcl.Raw]:
    address = root.required(
        "ingress_address",
        "string",
        'Address of the cluster ingress (load balancer host name, or IPv4 address with ingress_record_type = "A").',
        placeholder="REPLACE-ME.elb.amazonaws.com",
    )
    record_type = root.variable(
        Variable(
            "ingress_record_type",
            "string",
            "DNS record type of gateway hosts: CNAME for a load balancer host name, A for an IPv4 address.",
            "CNAME",
            True,
            validations=[
                ('contains(["A", "CNAME"], var.ingress_record_type)', "The ingress_record_type must be A or CNAME.")
            ],
        )
    )
    return address, record_type


def emit_dns(root: Root, diagnostics: list[Diagnostic]) -> bool:
    provider = root.stack.dns
    emitted = False
    names = sorted({name for model in root.models.values() for name in model.gateways})
    for name in names:
        hosts = {
            env: m.gateways[name] for env, m in root.models.items() if name in m.gateways and m.gateways[name].host
        }
        if not hosts:
            continue
        emitted = True
        key = ident(name)
        condition = root.toggle(
            f"{key}_dns_enabled", f'Whether gateway "{name}" has a host name in this environment.', set(hosts)
        )
        host = root.per_env(
            f"{key}_host", "string", f'Host name of gateway "{name}".', {env: g.host for env, g in hosts.items()}
        )
        tunnelled = {env for env, g in hosts.items() if g.tunnel == "cloudflare"}
        if tunnelled and provider != "cloudflare":
            sample = hosts[next(iter(sorted(tunnelled)))]
            diagnostics.append(
                Diagnostic(
                    CANNOT_EXPRESS,
                    Severity.WARNING,
                    f"gateway `{name}` uses a Cloudflare tunnel but the stack's dns is `{provider}`: "
                    "no tunnel is created",
                    sample.span_of("tunnel"),
                    help="a tunnel's host must be a proxied record in a Cloudflare zone: "
                    "set `dns = cloudflare` on the stack",
                )
            )
            tunnelled = set()
        if provider == "route53":
            _emit_route53_record(root, name, condition, host)
        else:
            _emit_cloudflare_record(root, name, condition, host, hosts, tunnelled)
    return emitted


def _emit_route53_record(root: Root, name: str, condition: str | None, host: hcl.Value) -> None:
    address, record_type = _ingress(root)
    zone = root.required("route53_zone_id", "string", "Route 53 hosted zone that holds the gateway host records.")
    record = Counted(f"aws_route53_record.{ident(name)}", condition)
    root.providers.add("aws")
    root.add(
        "dns.tf",
        hcl.Comment(f"gateway {name}"),
        hcl.Block(
            "resource",
            ("aws_route53_record", ident(name)),
            [
                *record.count(),
                hcl.Attribute("zone_id", zone),
                hcl.Attribute("name", host),
                hcl.Attribute("type", record_type),
                hcl.Attribute("ttl", 300),
                hcl.Attribute("records", [address]),
            ],
        ),
    )
    root.outputs.append(_fqdn_output(name, record))


def _fqdn_output(name: str, record: Counted) -> hcl.Block:
    return hcl.Block(
        "output",
        (f"{ident(name)}_host",),
        [hcl.Attribute("description", f"Host name of gateway {name}."), hcl.Attribute("value", record.one("name"))],
    )


def _emit_cloudflare_record(
    root: Root, name: str, condition: str | None, host: hcl.Value, hosts: dict[str, ir.Gateway], tunnelled: set[str]
) -> None:
    root.providers.add("cloudflare")
    key = ident(name)
    zone = root.required("cloudflare_zone_id", "string", "Cloudflare zone that holds the gateway host records.")
    record = Counted(f"cloudflare_dns_record.{key}", condition)
    # tls = cloudflare() terminates TLS at Cloudflare's edge, so the record is proxied (and its TTL
    # must then be 1, "automatic"); a tunnel is always proxied; otherwise DNS only.
    proxied = root.per_env(
        f"{key}_proxied",
        "bool",
        f'Whether gateway "{name}" is proxied by Cloudflare (tls = cloudflare() or a tunnel).',
        {env: env in tunnelled or isinstance(g.tls, ir.CloudflareCertificate) for env, g in hosts.items()},
    )
    proxied_text = proxied.text if isinstance(proxied, hcl.Raw) else ("true" if proxied else "false")
    ttl: hcl.Value = hcl.ref(f"{proxied_text} ? 1 : 300") if isinstance(proxied, hcl.Raw) else (1 if proxied else 300)
    items: list[hcl.Item] = []
    if tunnelled:
        tunnel_condition = root.toggle(
            f"{key}_tunnel_enabled", f'Whether gateway "{name}" is reached through a Cloudflare tunnel.', tunnelled
        )
        tunnel = Counted(f"cloudflare_zero_trust_tunnel_cloudflared.{key}", tunnel_condition)
        account = root.required("cloudflare_account_id", "string", "Cloudflare account that owns the tunnels.")
        origin = root.variable(
            Variable(
                "tunnel_origin_url",
                "string",
                "Where cloudflared in the cluster sends tunnelled requests (the ingress controller's service URL).",
                values=dict.fromkeys(root.environments, "http://REPLACE-ME.svc.cluster.local:80"),
            )
        )
        items += [
            hcl.Comment(
                f"gateway {name}: tunnel = cloudflare. cloudflared in the cluster runs with the tunnel's token"
            ),
            hcl.Comment(
                "(`cloudflared tunnel token <id>`); Cloudflare generates the secret, so it is never in the state."
            ),
            hcl.Block(
                "resource",
                ("cloudflare_zero_trust_tunnel_cloudflared", key),
                [
                    *tunnel.count(),
                    hcl.Attribute("account_id", account),
                    hcl.Attribute("name", hcl.template(hcl.ref("local.name"), f"-{name}")),
                    hcl.Attribute("config_src", "cloudflare"),
                ],
            ),
            hcl.Block(
                "resource",
                ("cloudflare_zero_trust_tunnel_cloudflared_config", key),
                [
                    *tunnel.count(),
                    hcl.Attribute("account_id", account),
                    hcl.Attribute("tunnel_id", tunnel.attr("id")),
                    hcl.Attribute(
                        "config",
                        {"ingress": [{"hostname": host, "service": origin}, {"service": "http_status:404"}]},
                    ),
                ],
            ),
        ]
        cname = hcl.template(
            hcl.ref(f"one({tunnel.address}[*].id)" if tunnel_condition else f"{tunnel.address}.id"), ".cfargotunnel.com"
        )
        root.outputs.append(
            hcl.Block(
                "output",
                (f"{key}_tunnel_id",),
                [
                    hcl.Attribute("description", f"Cloudflare tunnel of gateway {name} (its token is not an output)."),
                    hcl.Attribute("value", tunnel.one("id")),
                ],
            )
        )
    if tunnelled and set(tunnelled) >= set(hosts):
        record_type: hcl.Value = "CNAME"
        content: hcl.Value = cname
    elif tunnelled:
        address, ingress_type = _ingress(root)
        record_type = hcl.ref(f'{tunnel_condition} ? "CNAME" : {ingress_type.text}')
        content = hcl.ref(f"{tunnel_condition} ? {_expr(cname)} : {address.text}")
    else:
        address, ingress_type = _ingress(root)
        record_type, content = ingress_type, address
    items += [
        hcl.Comment(f"gateway {name}"),
        hcl.Block(
            "resource",
            ("cloudflare_dns_record", key),
            [
                *record.count(),
                hcl.Attribute("zone_id", zone),
                hcl.Attribute("name", host),
                hcl.Attribute("type", record_type),
                hcl.Attribute("content", content),
                hcl.Attribute("ttl", ttl),
                hcl.Attribute("proxied", proxied),
                hcl.Attribute("comment", f"stackc: gateway {name} of stack {root.stack.name}"),
            ],
        ),
    ]
    root.add("dns.tf", *items)
    root.outputs.append(_fqdn_output(name, record))


def _expr(value: hcl.Value) -> str:
    return hcl.dump([hcl.Attribute("x", value)]).split(" = ", 1)[1].strip()
