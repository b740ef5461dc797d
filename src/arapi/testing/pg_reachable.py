"""Exit 0 when the PostgreSQL server in argv[1] answers, 1 otherwise (used by scripts/run-tests)."""

from __future__ import annotations

import sys


def main(url: str) -> int:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("select 1")
    except Exception as exc:  # any failure means "not reachable"
        print(f"PostgreSQL not reachable: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
