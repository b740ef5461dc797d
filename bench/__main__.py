"""``python -m bench [--quick] [--only NAME ...]``: run the benchmarks in bench/."""

from __future__ import annotations

import argparse
import sys

from bench import discover, normalize, run_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run the bench/bench_*.py benchmarks in turn; figures go to stdout.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller inputs and fewer rounds (a smoke run)"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        action="extend",
        metavar="NAME",
        help=f"run only these (available: {', '.join(discover())})",
    )
    parser.add_argument("--list", action="store_true", help="print the benchmark names and exit")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(discover()))
        return 0
    try:
        names = None if args.only is None else normalize(args.only)
    except ValueError as exc:
        parser.error(str(exc))
    run_all(names, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
