"""GraphQL page latency against a bare Starlette endpoint serving the same rows.

Builds a temporary SQLite database (alembic migrations, the demo data set plus
a deterministic bulk of customers, invoices and payments: several thousand
invoices in the "demo" organization) and prints, measured in the same run
against the same database file:

a) latency of ``{ invoices(first: 100) { nodes { number customer { name }
   openAmount { amount currency } status } } }`` POSTed over real HTTP to the
   arapi app served by uvicorn in a subprocess on 127.0.0.1;
b) latency of the same 100 rows served as plain JSON by a bare Starlette route
   (``plain_app`` below: bearer key through ``arapi.auth.service.authenticate``,
   ``invoices.page`` + ``customers.get_many``, a ``JSONResponse``), served by
   uvicorn the same way;
c) the ratio a/b (goal: GraphQL at most 3x the plain endpoint), requests
   interleaved so that machine noise hits both sides alike;
d) SQL statements per GraphQL request for a 10-row and a 100-row page (counted
   with a ``before_cursor_execute`` listener on the in-process app's engine):
   equal counts mean no N+1.

Run: ``.venv/bin/python -m bench --only graphql`` (or ``run(quick=True)``).
The servers are started as ``python -m bench.bench_graphql --serve KIND URL PORT``.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import event
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from arapi import demo
from arapi.auth import service as auth
from arapi.auth.viewer import Viewer
from arapi.config import Settings
from arapi.customers import service as customers
from arapi.db import Database
from arapi.db.migrate import upgrade
from arapi.graphql.context import bearer_token
from arapi.money import from_minor
from arapi.repositories import customers as customer_repo
from arapi.repositories import invoices as invoice_repo

ROOT = Path(__file__).resolve().parents[1]
GOAL_RATIO = 3.0
PAGE_SIZE = 100
# A fixed "today" keeps the data set identical from run to run.
REFERENCE_DAY = date(2025, 6, 30)
SEED = 20250630
# Bulk customers on top of the demo's 36, 10 to 20 invoices each: about 4,000 invoices.
BULK_CUSTOMERS = 250


def page_query(first: int) -> str:
    return (
        f"{{ invoices(first: {first}) {{ nodes {{ number customer {{ name }} "
        "openAmount { amount currency } status } } }"
    )


# ------------------------------------------------------------------ data


_TRADES = [
    "Boulangerie",
    "Transports",
    "Atelier",
    "Garage",
    "Pharmacie",
    "Menuiserie",
    "Librairie",
    "Imprimerie",
    "Fromagerie",
    "Cabinet",
    "Plomberie",
    "Optique",
    "Logistik",
    "Maschinenbau",
    "Feinkost",
    "Software",
]
_SURNAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Schmidt",
    "Müller",
    "Weber",
    "Fischer",
    "Becker",
    "Wagner",
]
_FORMS = ["SARL", "SAS", "SA", "EURL", "GmbH"]


def populate(db: Database, bulk_customers: int, *, with_demo: bool = True) -> dict[str, int]:
    """The demo data set, then ``bulk_customers`` more customers with invoices and payments.

    Everything goes through the services (audit events, balances, allocations as
    the API would write them); a fixed seed and date make it deterministic.
    """
    counts = {"customers": 0, "invoices": 0, "payments": 0}
    if with_demo:
        with db.write() as session:
            loaded = demo.load(session, today=REFERENCE_DAY)
        for name in counts:
            counts[name] += loaded[name]
    rng = random.Random(SEED)
    number = 0
    # One transaction per customer keeps each unit of work realistic and small.
    for n in range(bulk_customers):
        with db.write() as session:
            org = auth.get_or_create_organization(session, demo.ORG_NAME)
            viewer = Viewer.system(org.id, org.name, actor="bench")
            currency = "USD" if n % 7 == 3 else "EUR"
            customer = customers.create(
                session,
                viewer,
                customers.CustomerInput(
                    name=f"{rng.choice(_TRADES)} {rng.choice(_SURNAMES)} {rng.choice(_FORMS)}",
                    external_ref=f"B{n + 1:05d}",
                    country=rng.choice(["FR", "DE", "BE"]),
                    currency=currency,
                    payment_terms_days=rng.choice([30, 45, 60]),
                ),
                source="bench",
            )
            counts["customers"] += 1
            for _ in range(rng.randint(10, 20)):
                number += 1
                issue = REFERENCE_DAY - timedelta(days=rng.randint(0, 365))
                invoice = demo.invoice_with_vat(
                    session,
                    viewer,
                    customer,
                    f"BX-{issue.year}-{number:06d}",
                    issue,
                    Decimal(rng.randint(500, 2_000_000)) / 100,
                    source="bench",
                )
                counts["invoices"] += 1
                fate = rng.random()
                if fate < 0.5:  # about a third paid in full, a sixth in part
                    minor = invoice.total_minor if fate < 0.33 else invoice.total_minor // 3
                    paid_on = invoice.due_date + timedelta(days=rng.randint(-20, 30))
                    demo.pay(
                        session,
                        viewer,
                        customer,
                        invoice,
                        minor,
                        min(REFERENCE_DAY, paid_on),
                        source="bench",
                    )
                    counts["payments"] += 1
    return counts


def admin_key(db: Database) -> str:
    with db.write() as session:
        org = auth.get_or_create_organization(session, demo.ORG_NAME)
        return auth.create_api_key(session, org, "admin", "bench")


def build_database(path: Path, bulk_customers: int) -> tuple[str, str, dict[str, int]]:
    """(url, admin key, counts) of a freshly migrated and filled SQLite file."""
    url = f"sqlite:///{path}"
    upgrade(url)
    db = Database(url)
    try:
        counts = populate(db, bulk_customers)
        key = admin_key(db)
    finally:
        db.dispose()
    return url, key, counts


# ------------------------------------------------------------ plain app


def plain_rows(db: Database, token: str | None, first: int) -> list[dict] | None:
    """The page the GraphQL query returns, as plain dicts; None for an unknown key."""
    with db.read() as session:
        viewer = auth.authenticate(session, token or "")
        if viewer is None:
            return None
        scope = None if viewer.customer_ids is None else sorted(viewer.customer_ids)
        rows, _ = invoice_repo.page(
            session,
            viewer.organization_id,
            invoice_repo.InvoiceFilter(customer_ids=scope),
            field="DUE_DATE",  # the GraphQL default order: due date, then id
            descending=False,
            limit=first,
            after=None,
            before=None,
            forward=True,
        )
        found = customer_repo.get_many(
            session, viewer.organization_id, [r.invoice.customer_id for r in rows]
        )
    return [
        {
            "number": r.invoice.number,
            "customer": {"name": found[r.invoice.customer_id].name},
            "openAmount": {
                "amount": format(from_minor(r.open_minor, r.invoice.currency), "f"),
                "currency": r.invoice.currency,
            },
            "status": r.status,
        }
        for r in rows
    ]


def plain_app(db: Database) -> Starlette:
    """One bare route, ``GET /invoices?first=N``: the baseline the GraphQL path is held to."""

    async def invoices_page(request: Request) -> JSONResponse:
        token = bearer_token(request.headers.get("authorization"))
        first = min(int(request.query_params.get("first", PAGE_SIZE)), PAGE_SIZE)
        rows = await run_in_threadpool(plain_rows, db, token, first)
        if rows is None:
            return JSONResponse({"error": "unknown or missing API key"}, status_code=401)
        return JSONResponse({"nodes": rows})

    return Starlette(routes=[Route("/invoices", invoices_page, methods=["GET"])])


def graphql_app(url: str, db: Database | None = None) -> Starlette:
    from arapi.app import create_app
    from arapi.plugin import PluginHost

    return create_app(
        Settings(database_url=url),
        db=db or Database(url),
        plugins=PluginHost.from_entry_points(),
    )


# --------------------------------------------------------------- servers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(kind: str, url: str, port: int) -> None:
    """Child process: uvicorn on 127.0.0.1:port, access log off."""
    import uvicorn

    app = graphql_app(url) if kind == "graphql" else plain_app(Database(url))
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


@contextmanager
def server(kind: str, url: str) -> Iterator[str]:
    """A uvicorn subprocess serving ``kind`` ("graphql" or "plain"); yields its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_graphql", "--serve", kind, url, str(port)],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_listening(process, port)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_listening(process: subprocess.Popen, port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the server did not listen on port {port} within {timeout:.0f} s")


# ----------------------------------------------------------- measurement


def _graphql_call(client: httpx.Client, first: int) -> Callable[[], httpx.Response]:
    body = {"query": page_query(first)}
    return lambda: client.post("/graphql", json=body)


def _plain_call(client: httpx.Client, first: int) -> Callable[[], httpx.Response]:
    return lambda: client.get("/invoices", params={"first": first})


def graphql_nodes(response: httpx.Response) -> list[dict]:
    payload = response.json()
    if response.status_code != 200 or payload.get("errors"):
        raise RuntimeError(f"GraphQL request failed ({response.status_code}): {payload}")
    return payload["data"]["invoices"]["nodes"]


def plain_nodes(response: httpx.Response) -> list[dict]:
    if response.status_code != 200:
        raise RuntimeError(f"plain request failed ({response.status_code}): {response.text}")
    return response.json()["nodes"]


def interleaved(
    calls: dict[str, Callable[[], httpx.Response]], rounds: int, warmup: int
) -> dict[str, list[float]]:
    """Seconds per request for each call, alternating which goes first every round."""
    names = list(calls)
    for _ in range(warmup):
        for name in names:
            calls[name]().raise_for_status()
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(rounds):
        for name in names if i % 2 == 0 else reversed(names):
            started = time.perf_counter()
            response = calls[name]()
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"{name}: HTTP {response.status_code} during the timing loop")
            times[name].append(elapsed)
    return times


def _percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def count_statements(url: str, key: str, first: int, *, plain: bool = False) -> list[str]:
    """SQL statements one in-process request for a page of ``first`` invoices runs.

    The GraphQL app by default; the plain endpoint with ``plain=True`` (for scale).
    """
    db = Database(url)
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _executemany) -> None:
        statements.append(statement)

    def send(client: httpx.AsyncClient):
        if plain:
            return client.get("/invoices", params={"first": first})
        return client.post("/graphql", json={"query": page_query(first)})

    async def exchange() -> httpx.Response:
        app = plain_app(db) if plain else graphql_app(url, db)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://bench",
            headers={"Authorization": f"Bearer {key}"},
        ) as client:
            await send(client)  # warm: imports, caches
            event.listen(db.engine, "before_cursor_execute", record)
            try:
                return await send(client)
            finally:
                event.remove(db.engine, "before_cursor_execute", record)

    try:
        response = asyncio.run(exchange())
    finally:
        db.dispose()
    nodes = plain_nodes(response) if plain else graphql_nodes(response)
    if len(nodes) != first:
        raise RuntimeError(f"asked for {first} invoices, got {len(nodes)}")
    return statements


def _summary(statement: str) -> str:
    words = " ".join(statement.split())
    return words if len(words) <= 70 else words[:67] + "..."


# ---------------------------------------------------------------- report


def run(quick: bool = False) -> None:
    rounds, warmup = (50, 10) if quick else (300, 30)
    bulk = 60 if quick else BULK_CUSTOMERS
    print(f"GraphQL vs plain Starlette bench ({'quick' if quick else 'full'})")
    with tempfile.TemporaryDirectory(prefix="arapi-bench-") as folder:
        started = time.perf_counter()
        url, key, counts = build_database(Path(folder) / "bench.db", bulk)
        print(
            f"database: SQLite, {counts['customers']} customers, {counts['invoices']} invoices, "
            f"{counts['payments']} payments (built in {time.perf_counter() - started:.1f} s)",
            flush=True,
        )

        headers = {"Authorization": f"Bearer {key}"}
        with (
            server("graphql", url) as graphql_base,
            server("plain", url) as plain_base,
            httpx.Client(base_url=graphql_base, headers=headers, timeout=30) as graphql_client,
            httpx.Client(base_url=plain_base, headers=headers, timeout=30) as plain_client,
        ):
            graphql = _graphql_call(graphql_client, PAGE_SIZE)
            plain = _plain_call(plain_client, PAGE_SIZE)
            graphql_response, plain_response = graphql(), plain()
            if graphql_nodes(graphql_response) != plain_nodes(plain_response):
                raise RuntimeError("the GraphQL and the plain endpoint return different rows")
            sizes = (len(graphql_response.content), len(plain_response.content))
            times = interleaved({"graphql": graphql, "plain": plain}, rounds, warmup)
        # Same file, in-process app, once the servers are gone.
        small = count_statements(url, key, 10)
        large = count_statements(url, key, PAGE_SIZE)
        baseline = count_statements(url, key, PAGE_SIZE, plain=True)

    print(
        f"\n(a, b) latency of a {PAGE_SIZE}-invoice page over HTTP, uvicorn subprocesses on "
        f"127.0.0.1, keep-alive httpx client, {warmup} warm-up + {rounds} interleaved "
        "requests each"
    )
    print(f"{'endpoint':<22} {'median ms':>10} {'p90 ms':>8} {'min ms':>8} {'body bytes':>11}")
    for label, name, size in (
        ("a) GraphQL /graphql", "graphql", sizes[0]),
        ("b) plain /invoices", "plain", sizes[1]),
    ):
        values = times[name]
        print(
            f"{label:<22} {statistics.median(values) * 1e3:>10.2f} "
            f"{_percentile(values, 90) * 1e3:>8.2f} {min(values) * 1e3:>8.2f} {size:>11}"
        )
    ratio = statistics.median(times["graphql"]) / statistics.median(times["plain"])
    p90_ratio = _percentile(times["graphql"], 90) / _percentile(times["plain"], 90)
    verdict = "PASS" if ratio <= GOAL_RATIO else "MISS"
    print(
        f"c) ratio GraphQL/plain: median {ratio:.2f}x, p90 {p90_ratio:.2f}x "
        f"(goal <= {GOAL_RATIO:.0f}x on the median): {verdict}"
    )

    verdict = "PASS" if len(small) == len(large) else "MISS"
    print(
        f"\nd) SQL statements per GraphQL request (invoices with their customers): "
        f"10 rows: {len(small)}, {PAGE_SIZE} rows: {len(large)}: {verdict} (equal means no N+1)"
    )
    for statement in large:
        print(f"   {_summary(statement)}")
    print(
        f"   (the plain endpoint runs {len(baseline)} for {PAGE_SIZE} rows: one read session "
        "where GraphQL opens two: one to authenticate, one for the page and its customers)"
    )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        _serve(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        run(quick="--quick" in sys.argv[1:])
