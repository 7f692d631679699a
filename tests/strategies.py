"""Hypothesis strategies for valid platform.stack programs, as source text.

`programs()` first draws what the program means (a stack, environments, services that only
use services declared before them, so `uses` can never form a cycle) and then draws how it is
written: one-line or multi-line blocks, maps and lists, indentation, optional commas, blank
lines, and comments anywhere a line break may follow. The meaning is kept valid per
LANGUAGE.md, so the same programs can feed the type checker and later passes, not only `fmt`.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

# Lexed as keywords, so never usable as a name; `default` is the implicit environment's name.
RESERVED = frozenset({"import", "true", "false", "none", "default"})

IMAGES = (
    "nginx:1.27",
    "nginxinc/nginx-unprivileged:1.27-alpine",
    "redis:7.2-alpine",
    "getmeili/meilisearch:v1.10.1",
    "ghcr.io/acme/api:2.3.1",
)
PORT_NAMES = ("http", "metrics", "grpc", "admin")
TMPFS_PATHS = ("/tmp", "/var/cache", "/run/app", "/app/.next/cache")
COMMANDS = (("uvicorn", "app.main:app"), ("npm", "run", "start"), ("/bin/server", "--quiet"))

# A DNS label: lowercase, starts with a letter, no trailing `-`; kept short to stay readable.
dns_labels = st.from_regex(r"[a-z](?:[a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True).filter(
    lambda name: name not in RESERVED
)
env_var_names = st.from_regex(r"[A-Z][A-Z0-9_]{0,10}", fullmatch=True)
# Characters a comment may hold: anything but a line break, including what looks like syntax.
comment_texts = st.text(alphabet=st.sampled_from('abcxyz ABC019 _-.,:;=#{}[]()"\\$é—😀\t'), max_size=24)
# Literal characters that need no escape inside `"…"`: no quote, backslash, `$` or newline.
_PLAIN = st.text(alphabet=st.sampled_from("abcxyzABC019 -_./:@{}#é😀"), min_size=1, max_size=8)


# -- what the program says ----------------------------------------------------------------------


@dataclass(frozen=True)
class ListV:
    items: tuple[Value, ...]


@dataclass(frozen=True)
class MapV:
    entries: tuple[tuple[str, Value], ...]


# A scalar is its source text (`"x"`, `250m`, `service.api`).
Value = str | ListV | MapV


@dataclass(frozen=True)
class Attr:
    name: str
    value: Value


@dataclass(frozen=True)
class Block:
    type: str
    labels: tuple[str, ...]
    members: tuple[Attr | Block, ...]


@dataclass(frozen=True)
class _Service:
    name: str
    ports: tuple[str, ...]


@st.composite
def string_values(draw: st.DrawFn, interpolations: tuple[str, ...] = ()) -> str:
    """A `"…"` literal mixing plain text, every escape, `$${`, a lone `$` and `${…}`."""
    fragments = st.one_of(
        _PLAIN,
        st.sampled_from(['\\"', "\\\\", "\\n", "\\t", "\\u{1F600}", "\\u{e9}", "$${", " $5"]),
        *([st.sampled_from(interpolations)] if interpolations else []),
    )
    pieces = draw(st.lists(fragments, max_size=5))
    if draw(st.integers(0, 15)) == 0:
        # A `"""` string: its lines are part of the value and must survive formatting untouched.
        return '"""\n' + "\n  ".join(pieces or ["text"]) + '\n"""'
    return '"' + "".join(pieces) + '"'


def _interpolations(used: list[_Service]) -> tuple[str, ...]:
    # Only services listed in `uses` (anything else is a warning); `.port` and `.url` need a port.
    refs = []
    for service in used:
        refs.append("${service." + service.name + ".host}")
        if service.ports:
            refs.append("${service." + service.name + ".port}")
            refs.append("${service." + service.name + ".url}")
    return tuple(refs)


@st.composite
def _env_map(draw: st.DrawFn, used: list[_Service]) -> MapV:
    keys = draw(st.lists(env_var_names, min_size=1, max_size=4, unique=True))
    interpolations = _interpolations(used)
    entries = []
    for key in keys:
        printed = f'"{key}"' if draw(st.integers(0, 4)) == 0 else key
        entries.append((printed, draw(string_values(interpolations))))
    return MapV(tuple(entries))


@st.composite
def _resources(draw: st.DrawFn) -> Block:
    members = []
    if draw(st.booleans()):
        cpu = draw(st.one_of(st.integers(50, 2000).map(lambda m: f"{m}m"), st.sampled_from(["0.5", "1", "2"])))
        members.append(Attr("cpu", cpu))
    if draw(st.booleans()) or not members:
        members.append(
            Attr(
                "memory",
                draw(
                    st.one_of(st.integers(64, 4096).map(lambda n: f"{n}Mi"), st.integers(1, 8).map(lambda n: f"{n}Gi"))
                ),
            )
        )
    return Block("resources", (), tuple(members))


def _string_list(paths: list[str]) -> ListV:
    return ListV(tuple(f'"{p}"' for p in paths))


@st.composite
def _health(draw: st.DrawFn, ports: tuple[str, ...]) -> Block:
    # A service without ports can only be checked by running a command.
    if ports:
        members = [Attr("http", draw(st.sampled_from(['"/healthz"', '"/"', '"/ready"'])))]
        if draw(st.booleans()):
            members.append(Attr("port", draw(st.sampled_from(ports))))
    else:
        members = [Attr("command", _string_list(["/bin/check", "--quick"]))]
    if draw(st.booleans()):
        members.append(Attr("interval", draw(st.sampled_from(["10s", "30s", "1m"]))))
        members.append(Attr("timeout", draw(st.sampled_from(["1s", "2s", "3s"]))))
    if draw(st.booleans()):
        members.append(Attr("retries", str(draw(st.integers(1, 5)))))
    return Block("health", (), tuple(members))


@st.composite
def _when_body(draw: st.DrawFn, used: list[_Service]) -> tuple[Attr | Block, ...]:
    options: list[st.SearchStrategy[Attr | Block]] = [
        st.integers(1, 5).map(lambda n: Attr("replicas", str(n))),
        _resources(),
        st.lists(st.sampled_from(TMPFS_PATHS), min_size=1, max_size=2, unique=True).map(
            lambda paths: Attr("tmpfs", _string_list(paths))
        ),
        _env_map(used).map(lambda m: Attr("env", m)),
    ]
    chosen = draw(st.lists(st.integers(0, len(options) - 1), min_size=1, max_size=3, unique=True))
    return tuple(draw(options[i]) for i in sorted(chosen))


@st.composite
def _service(draw: st.DrawFn, name: str, earlier: list[_Service], environments: list[str]) -> tuple[Block, _Service]:
    ports: tuple[str, ...] = ()
    members: list[Attr | Block] = [Attr("image", f'"{draw(st.sampled_from(IMAGES))}"')]
    if draw(st.booleans()):
        ports = tuple(draw(st.lists(st.sampled_from(PORT_NAMES), min_size=1, max_size=3, unique=True)))
        numbers = draw(st.lists(st.integers(1024, 65535), min_size=len(ports), max_size=len(ports), unique=True))
        members.append(Attr("ports", MapV(tuple((p, str(n)) for p, n in zip(ports, numbers, strict=True)))))
    # Only services declared earlier may be used, which rules out cycles by construction.
    used: list[_Service] = draw(st.lists(st.sampled_from(earlier), unique=True, max_size=3)) if earlier else []
    if used:
        members.append(Attr("uses", ListV(tuple(f"service.{s.name}" for s in used))))
    optional: list[st.SearchStrategy[Attr | Block]] = [
        _env_map(used).map(lambda m: Attr("env", m)),
        _health(ports),
        _resources(),
        st.integers(1, 5).map(lambda n: Attr("replicas", str(n))),
        st.lists(st.sampled_from(TMPFS_PATHS), min_size=1, max_size=3, unique=True).map(
            lambda paths: Attr("tmpfs", _string_list(paths))
        ),
        st.sampled_from(COMMANDS).map(lambda words: Attr("command", _string_list(list(words)))),
    ]
    chosen = draw(st.lists(st.integers(0, len(optional) - 1), max_size=len(optional), unique=True))
    members.extend(draw(optional[i]) for i in chosen)
    if environments:
        # Disjoint sets, so no environment is overridden twice in one service.
        pool = list(environments)
        for _ in range(draw(st.integers(0, 2))):
            if not pool:
                break
            names = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=len(pool), unique=True))
            pool = [e for e in pool if e not in names]
            members.append(Block("when", tuple(names), draw(_when_body(used))))
    return Block("service", (name,), tuple(members)), _Service(name, ports)


@st.composite
def _environment(draw: st.DrawFn, name: str) -> Block:
    options = [
        st.integers(1, 5).map(lambda n: Attr("replicas", str(n))),
        st.booleans().map(lambda b: Attr("hot_reload", str(b).lower())),
        st.booleans().map(lambda b: Attr("approval", str(b).lower())),
    ]
    chosen = draw(st.lists(st.integers(0, len(options) - 1), max_size=3, unique=True))
    return Block("environment", (name,), tuple(draw(options[i]) for i in chosen))


@st.composite
def _stack(draw: st.DrawFn, name: str) -> Block:
    owner = draw(st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True))
    members: list[Attr | Block] = [Attr("owner", f'"{owner}"')]
    if draw(st.booleans()):
        members.append(Attr("labels", MapV((("team", '"platform"'), ('"cost-center"', '"cc-42"')))))
    if draw(st.booleans()):
        members.append(Attr("state", "local()"))
    return Block("stack", (name,), tuple(members))


@st.composite
def program_blocks(draw: st.DrawFn) -> list[Block]:
    """The declarations of a valid program, before any layout is chosen."""
    n_environments = draw(st.integers(0, 3))
    n_services = draw(st.integers(1, 6))
    names = draw(
        st.lists(
            dns_labels, min_size=1 + n_environments + n_services, max_size=1 + n_environments + n_services, unique=True
        )
    )
    stack_name, environments, services = names[0], names[1 : 1 + n_environments], names[1 + n_environments :]
    blocks = [draw(_stack(stack_name))]
    blocks.extend(draw(_environment(name)) for name in environments)
    declared: list[_Service] = []
    for name in services:
        block, service = draw(_service(name, declared, environments))
        declared.append(service)
        blocks.append(block)
    return blocks


# -- how it is written --------------------------------------------------------------------------


class _Writer:
    """Renders the model with random layout; comments only go where a line break follows."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw

    def chance(self, one_in: int) -> bool:
        return self.draw(st.integers(0, one_in - 1)) == 0

    def comment(self) -> str:
        return "#" + self.draw(comment_texts)

    def indent(self, depth: int) -> str:
        if self.chance(6):
            return self.draw(st.sampled_from(["", " ", "\t", "    " * depth, "   "]))
        return "  " * depth

    def blank_lines(self) -> str:
        return "\n" * self.draw(st.sampled_from([0, 0, 0, 1, 2]))

    def body(self, items: list[str], depth: int, *, comma: str) -> str:
        """The inside of a multi-line construct, from after its opener to before its closer.

        `comma` is "required" (lists: between items), "optional" (blocks, maps) or "never".
        """
        out = []
        if self.chance(6):
            out.append("  " + self.comment())
        for i, item in enumerate(items):
            out.append(self.blank_lines())
            if self.chance(5):
                out.append("\n" + self.indent(depth) + self.comment())
            out.append("\n" + self.indent(depth) + item)
            last = i == len(items) - 1
            if (comma == "required" and not last) or (comma != "never" and self.chance(3)):
                out.append(",")
            if self.chance(5):
                out.append("  " + self.comment())
        if self.chance(6):
            out.append("\n" + self.indent(depth) + self.comment())
        return "".join(out) + "\n" + self.indent(depth - 1)

    def value(self, value: Value, depth: int, one_line: bool) -> str:
        if isinstance(value, str):
            return value
        multi = not one_line and self.draw(st.booleans())
        if isinstance(value, ListV):
            items = [self.value(v, depth + 1, not multi) for v in value.items]
            if multi:
                return "[" + self.body(items, depth + 1, comma="required") + "]"
            trailing = "," if items and self.chance(4) else ""
            return "[" + self.draw(st.sampled_from([", ", ","])).join(items) + trailing + "]"
        entries = [f"{k}{self._eq()}{self.value(v, depth + 1, not multi)}" for k, v in value.entries]
        if multi:
            return "{" + self.body(entries, depth + 1, comma="optional") + "}"
        if not entries:
            return "{}"
        return "{ " + self.draw(st.sampled_from([", ", " ", ","])).join(entries) + " }"

    def _eq(self) -> str:
        return self.draw(st.sampled_from([" = ", "=", "  = "]))

    def member(self, member: Attr | Block, depth: int, one_line: bool) -> str:
        if isinstance(member, Block):
            return self.block(member, depth, one_line)
        value = self.value(member.value, depth, one_line)
        if not one_line and self.chance(12):
            # A comment between `=` and the value: legal, and the formatter must move it.
            return f"{member.name} = {self.comment()}\n{self.indent(depth + 1)}{value}"
        return f"{member.name}{self._eq()}{value}"

    def block(self, block: Block, depth: int, one_line: bool = False) -> str:
        head = " ".join((block.type, *block.labels))
        if not one_line and block.labels and self.chance(12):
            # A comment inside the header, which the formatter moves above the block.
            head = f"{block.type} {self.comment()}\n{self.indent(depth + 1)}{' '.join(block.labels)}"
        multi = not one_line and self.draw(st.booleans())
        members = [self.member(m, depth + 1, not multi) for m in block.members]
        if multi:
            return head + " {" + self.body(members, depth + 1, comma="optional") + "}"
        if not members:
            return head + " {}"
        separator = self.draw(st.sampled_from(["  ", " ", ", "]))
        return head + " { " + separator.join(members) + " }"

    def file(self, blocks: list[Block]) -> str:
        out = []
        if self.chance(3):
            out.append(self.comment() + "\n" + self.blank_lines())
        for block in blocks:
            if self.chance(4):
                out.append(self.comment() + "\n")
            out.append(self.block(block, 0))
            if self.chance(5):
                out.append("  " + self.comment())
            out.append("\n" + self.blank_lines())
        if self.chance(4):
            out.append(self.comment() + "\n")
        return "".join(out)


@st.composite
def programs(draw: st.DrawFn) -> str:
    """The source text of a valid program in a random (but legal) layout."""
    return _Writer(draw).file(draw(program_blocks()))
