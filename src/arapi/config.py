"""Settings read from the environment (ARAPI_*), in one place."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from decimal import Decimal

from arapi.errors import ArapiError, CommonErrorCode
from arapi.inputs import ascii_digits

DEFAULT_DATABASE_URL = "sqlite:///./arapi.db"
CORS_ORIGINS_VARIABLE = "ARAPI_CORS_ORIGINS"
_DEFAULT_PORTS = {"http": 80, "https": 443}
# host[:port] as a browser serializes it in Origin: an ASCII (punycode) name or IPv4
# address, or a bracketed IPv6 address.
_ORIGIN_NETLOC_RE = re.compile(
    r"(?P<host>[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])(?::(?P<port>[0-9]{1,5}))?"
)


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _invalid(name: str, raw: str, expected: str) -> ArapiError:
    return ArapiError(CommonErrorCode.INVALID_INPUT, f"{name} must be {expected}, not {raw!r}")


def _int(name: str, default: int) -> int:
    """A limit: a whole number above 0."""
    raw = os.environ.get(name)
    if not raw:
        return default
    text = raw.strip()
    if not ascii_digits(text) or int(text) == 0:
        raise _invalid(name, raw, "a whole number above 0")
    return int(text)


def _bindings(name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``"odoo=acme,beta;sage=*"`` -> (("odoo", ("acme", "beta")), ("sage", ("*",)))."""
    out = []
    for entry in os.environ.get(name, "").split(";"):
        key, _, values = entry.partition("=")
        if key.strip():
            out.append((key.strip(), tuple(v.strip() for v in values.split(",") if v.strip())))
    return tuple(out)


def _positive(name: str, default: float) -> float:
    """A number of seconds above 0."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise _invalid(name, raw, "a number of seconds above 0") from None
    if not 0 < value < float("inf"):
        raise _invalid(name, raw, "a number of seconds above 0")
    return value


def _confidence(name: str, default: Decimal) -> Decimal:
    """A confidence threshold: a decimal number above 0, at most 1."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = Decimal(raw.strip())
    except ArithmeticError:
        raise _invalid(name, raw, "a decimal number above 0 and at most 1") from None
    if not (value.is_finite() and 0 < value <= 1):
        raise _invalid(name, raw, "a decimal number above 0 and at most 1")
    return value


def _list(name: str) -> tuple[str, ...]:
    raw = os.environ.get(name, "")
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _cors_origin(value: str) -> str:
    """``value`` as a browser sends it in ``Origin`` (``scheme://host[:port]``), or a coded error.

    The scheme and host are lower-cased and a default port (80, 443) dropped, since
    browsers serialize origins that way and CORS compares them as exact strings.
    """
    text = value.strip()

    def refuse(problem: str) -> ArapiError:
        return ArapiError(
            CommonErrorCode.INVALID_INPUT,
            f"{CORS_ORIGINS_VARIABLE}: {value!r} is not an origin written scheme://host[:port] "
            f"(e.g. https://app.example.com or http://localhost:3000): {problem}",
        )

    if text == "*":
        raise refuse("a wildcard is not accepted, list each origin that may call the API")
    if text.lower() == "null":
        raise refuse("the opaque origin null is sent by sandboxed and file:// pages alike")
    scheme, sep, rest = text.partition("://")
    if not sep:
        raise refuse("the scheme is missing (http:// or https://)")
    scheme = scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise refuse("the scheme must be http or https")
    netloc = re.match(r"[^/?#]*", rest).group()
    if rest != netloc:
        raise refuse(f"an origin has no path, query or fragment: write {scheme}://{netloc}")
    if "@" in netloc:
        raise refuse("an origin has no user name or password")
    match = _ORIGIN_NETLOC_RE.fullmatch(netloc.lower())
    if match is None:
        raise refuse("not a valid host[:port] (an IDN host is written in punycode)")
    host, port = match["host"], match["port"]
    if port is not None and not 1 <= int(port) <= 65535:
        raise refuse("the port must be a number from 1 to 65535")
    if port is None or int(port) == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{int(port)}"


def _cors_origins(values: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Each origin checked and normalized by :func:`_cors_origin`, duplicates dropped."""
    return tuple(dict.fromkeys(_cors_origin(value) for value in values))


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    # Production switches: GraphiQL and introspection are on for development.
    graphiql: bool = True
    introspection: bool = True
    # GraphQL hardening limits.
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
    max_nodes: int = 20000  # list items one query may return (see arapi.graphql.node_limit)
    max_page_size: int = 100
    # Imports.
    max_upload_bytes: int = 50 * 1024 * 1024
    max_unzipped_bytes: int = 200 * 1024 * 1024
    disabled_plugins: tuple[str, ...] = ()
    # Which organizations may sync from each invoice source ("*": all of them). A source
    # holds one ERP's credentials: it is never open to every tenant by default.
    invoice_sources: tuple[tuple[str, tuple[str, ...]], ...] = ()
    source_fetch_timeout: float = 120.0  # seconds one fetch of an invoice source may take
    # Cash application: proposals at or above this confidence are applied automatically.
    auto_apply_confidence: Decimal = Decimal("0.95")
    default_org: str = "default"
    # Browser origins (scheme://host[:port]) allowed to call the API cross-origin;
    # empty: no CORS headers at all (see arapi.app). Checked and normalized on creation.
    cors_origins: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "cors_origins", _cors_origins(self.cors_origins))

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=os.environ.get("ARAPI_DATABASE_URL") or DEFAULT_DATABASE_URL,
            graphiql=_flag("ARAPI_GRAPHIQL", True),
            introspection=_flag("ARAPI_INTROSPECTION", True),
            max_query_depth=_int("ARAPI_MAX_QUERY_DEPTH", cls.max_query_depth),
            max_aliases=_int("ARAPI_MAX_ALIASES", cls.max_aliases),
            max_tokens=_int("ARAPI_MAX_TOKENS", cls.max_tokens),
            max_nodes=_int("ARAPI_MAX_NODES", cls.max_nodes),
            max_upload_bytes=_int("ARAPI_MAX_UPLOAD_BYTES", cls.max_upload_bytes),
            max_unzipped_bytes=_int("ARAPI_MAX_UNZIPPED_BYTES", cls.max_unzipped_bytes),
            disabled_plugins=_list("ARAPI_DISABLED_PLUGINS"),
            invoice_sources=_bindings("ARAPI_INVOICE_SOURCES"),
            source_fetch_timeout=_positive("ARAPI_SOURCE_FETCH_TIMEOUT", cls.source_fetch_timeout),
            auto_apply_confidence=_confidence(
                "ARAPI_AUTO_APPLY_CONFIDENCE", cls.auto_apply_confidence
            ),
            default_org=os.environ.get("ARAPI_DEFAULT_ORG", cls.default_org),
            cors_origins=_list(CORS_ORIGINS_VARIABLE),
        )
