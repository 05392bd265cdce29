"""``govwatch demo``: the whole loop offline, against a bundled portal on 127.0.0.1."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crawler.cli.common import Commands, db_url


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the whole loop offline against a bundled demo portal on 127.0.0.1."""
    from crawler.demo.run import run_demo

    db = db_url(args, create=True) if args.db else None  # by default, one in the workdir
    return run_demo(Path(args.workdir), db, sys.stdout)


def register(commands: Commands) -> None:
    p = commands.add("demo", cmd_demo)
    p.add_argument(
        "--workdir",
        default="govwatch-demo",
        metavar="DIR",
        help="where the demo writes its portal file and database (default: govwatch-demo)",
    )
