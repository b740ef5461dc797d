"""Settings read from the environment (ARAPI_*), in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal

DEFAULT_DATABASE_URL = "sqlite:///./arapi.db"


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


def _bindings(name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``"odoo=acme,beta;sage=*"`` -> (("odoo", ("acme", "beta")), ("sage", ("*",)))."""
    out = []
    for entry in os.environ.get(name, "").split(";"):
        key, _, values = entry.partition("=")
        if key.strip():
            out.append((key.strip(), tuple(v.strip() for v in values.split(",") if v.strip())))
    return tuple(out)


def _positive(name: str, default: float) -> float:
    raw = os.environ.get(name)
    value = float(raw) if raw else default
    if not value > 0:
        raise ValueError(f"{name} must be a number of seconds above 0, not {raw!r}")
    return value


def _list(name: str) -> tuple[str, ...]:
    raw = os.environ.get(name, "")
    return tuple(part.strip() for part in raw.split(",") if part.strip())


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
            auto_apply_confidence=Decimal(
                os.environ.get("ARAPI_AUTO_APPLY_CONFIDENCE", str(cls.auto_apply_confidence))
            ),
            default_org=os.environ.get("ARAPI_DEFAULT_ORG", cls.default_org),
        )
