"""Escaping and formatting for the three languages the Compose target writes.

Every user string passes through exactly one of these before it lands in a file (LANGUAGE.md §5,
"no value can change the structure of a generated file"):

- Compose YAML: the YAML writer already quotes what YAML 1.1 would misread; what is left is
  Compose's own interpolation. compose-go (`template/template.go`) expands `$NAME`, `${NAME}` and
  `${NAME:-default}` in every string *value* (never in mapping keys) and reads `$$` as a literal
  `$`, so every `$` of a value is doubled.
- nginx: a quoted token may hold anything but an unescaped `"`; the parser
  (`ngx_conf_read_token`) turns `\\"` into `"` and `\\\\` into `\\`. Directives whose value is a
  *complex value* (`add_header`, `return`) also expand `$variables`, and nginx has no escape for
  `$`: those values spell it `${stackc_dollar}`, a `geo` variable whose value is a literal `$`.
- POSIX shell (the secrets helper and health checks): `shlex.quote`.
"""

from __future__ import annotations

import re
import shlex
from decimal import Decimal
from typing import Any

# -- Compose ----------------------------------------------------------------------------------


class Interpolation(str):
    """A string that uses Compose interpolation on purpose (the built image's tag variable).

    The only strings left unescaped; they never contain user text except through
    `compose_literal`."""


def compose_literal(text: str) -> str:
    """`text` as a Compose value that interpolates back to exactly `text`."""
    return text.replace("$", "$$")


def escape_compose(data: Any) -> Any:
    """Every string value of a Compose document escaped for interpolation; keys stay as they are
    because compose-go never interpolates keys (`interpolation.recursiveInterpolate`)."""
    if isinstance(data, Interpolation):
        return str(data)
    if isinstance(data, str):
        return compose_literal(data)
    if isinstance(data, dict):
        return {key: escape_compose(value) for key, value in data.items()}
    if isinstance(data, list):
        return [escape_compose(item) for item in data]
    return data


# An environment variable name Docker can carry: `KEY=VALUE` splits at the first `=`, and C
# strings end at NUL. Anything else (dots, dashes, lowercase) is legal for Docker.
_ENV_KEY = re.compile(r"[^=\x00]+\Z")


def is_env_key(key: str) -> bool:
    return bool(_ENV_KEY.match(key))


def has_nul(text: str) -> bool:
    """Docker passes environment values and arguments as C strings: a NUL cannot get through."""
    return "\x00" in text


# -- nginx ------------------------------------------------------------------------------------


class NginxToken(str):
    """Text that is safe to place in the nginx template as it is: quoted by a filter below, or a
    name the compiler made (a zone, a DNS label). The template refuses anything else."""


def nginx_quote(text: str) -> NginxToken:
    """A double-quoted nginx token that the parser reads back as exactly `text` (for arguments
    that are not complex values: `location`, `server_name`, `rewrite` regexes)."""
    return NginxToken('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')


DOLLAR_VARIABLE = "stackc_dollar"


def nginx_quote_value(text: str) -> NginxToken:
    """A double-quoted complex value (`add_header`) that evaluates to exactly `text`."""
    quoted = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "${" + DOLLAR_VARIABLE + "}")
    return NginxToken('"' + quoted + '"')


def regex_literal(text: str) -> str:
    """`text` as a PCRE pattern matching itself: PCRE reads a backslash before any
    non-alphanumeric character as that character."""
    return re.escape(text)


# RFC 9110 §5.1 field names are tokens; `$` is left out because nothing needs it and nginx
# treats it specially elsewhere.
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#%&'*+.^_`|~-]+\Z")
# RFC 9110 §5.5: a field value is visible characters, obs-text, space and tab; CR, LF and NUL
# would split the response (response splitting), other controls are invalid.
_HEADER_VALUE_FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def is_header_name(name: str) -> bool:
    return bool(_HEADER_NAME.match(name))


def is_header_value(value: str) -> bool:
    return not _HEADER_VALUE_FORBIDDEN.search(value)


_HOST = re.compile(r"(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\Z")


def is_host_name(host: str) -> bool:
    return len(host) <= 253 and bool(_HOST.match(host))


# A route path is matched against the decoded URI, which has no query and no fragment; control
# characters cannot arrive in a request line.
_PATH_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f?#]")


def is_route_path(path: str) -> bool:
    return path.startswith("/") and not _PATH_FORBIDDEN.search(path)


# -- shell ------------------------------------------------------------------------------------


def shell_quote(text: str) -> str:
    return shlex.quote(text)


# -- quantities -------------------------------------------------------------------------------


def duration(seconds: Decimal | int) -> str:
    """A Go duration (`time.ParseDuration`, what Compose reads): Go has no `d` or `w` units, so
    `1d` is written `86400s`."""
    seconds = Decimal(seconds)
    if seconds == seconds.to_integral_value():
        return f"{int(seconds)}s"
    milliseconds = seconds * 1000
    if milliseconds == milliseconds.to_integral_value():
        return f"{int(milliseconds)}ms"
    return f"{int(seconds * 1_000_000)}us"


def whole_seconds(seconds: Decimal) -> int:
    """Seconds rounded up, at least 1 (nginx timeouts, `find -mtime` days are whole numbers)."""
    return max(1, int(-(-seconds // 1)))


def memory(size_bytes: int) -> str:
    """Bytes as Compose memory (go-units `RAMInBytes`: `k`, `m`, `g` are binary units); exact,
    so `10M` (decimal) stays `10000000`."""
    for unit, factor in (("g", 1024**3), ("m", 1024**2), ("k", 1024)):
        if size_bytes and size_bytes % factor == 0:
            return f"{size_bytes // factor}{unit}"
    return str(size_bytes)


def cpus(millicores: int) -> str:
    """Millicores as Compose `cpus` (a decimal number of cores): 250 is `0.25`."""
    return format((Decimal(millicores) / 1000).normalize(), "f")
