"""A throwaway PostgreSQL server from Debian's packages, on 127.0.0.1 and a free port."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(
            f"PostgreSQL's {name} not found: install Debian's postgresql package (make test does)"
        )
    return found[-1]


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PostgresCluster:
    """A throwaway cluster in a temporary directory; it can be stopped and started again on
    the same port (a server restarted under a running crawl)."""

    def __init__(self) -> None:
        self.datadir = tempfile.mkdtemp(prefix="govwatch-pg-")
        if os.geteuid() == 0:
            shutil.chown(self.datadir, "postgres", "postgres")
        self.port = free_port()
        self.server: subprocess.Popen[bytes] | None = None
        subprocess.run(
            _as_postgres(
                [_bin("initdb"), "-D", self.datadir, "-A", "trust", "-U", "govwatch", "-E", "UTF8"]
            ),
            check=True,
            capture_output=True,
        )

    @property
    def url(self) -> str:
        """The server URL (no database part) for a superuser named govwatch."""
        return f"postgresql+psycopg://govwatch@127.0.0.1:{self.port}"

    def start(self) -> PostgresCluster:
        """Start the server (a no-op while it runs)."""
        if self.server is not None:
            return self
        self.server = subprocess.Popen(
            _as_postgres(
                [
                    _bin("postgres"),
                    "-D",
                    self.datadir,
                    "-p",
                    str(self.port),
                    "-k",
                    self.datadir,
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                ]
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        server = self.server
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"PostgreSQL did not start: {server.stderr.read().decode() if server.stderr else ''}"
                    ) from None
                time.sleep(0.1)
        time.sleep(0.3)
        return self

    def stop(self, mode: int = signal.SIGINT) -> None:
        """Shut the server down: SIGINT disconnects every session and stops (fast), SIGQUIT
        stops at once (immediate), SIGTERM waits for sessions to end (smart). The signal goes
        to the postmaster itself: runuser, as root, would not pass it on."""
        if self.server is None:
            return
        try:
            postmaster = int(Path(self.datadir, "postmaster.pid").read_text().split()[0])
            os.kill(postmaster, mode)
        except (OSError, ValueError, IndexError):
            self.server.send_signal(mode)  # not started as far as writing its pid file
        try:
            self.server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()
        self.server = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.datadir, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yields a server URL (no database part) for a superuser named govwatch."""
    cluster = PostgresCluster()
    try:
        yield cluster.start().url
    finally:
        cluster.remove()


def create_database(server_url: str, name: str) -> str:
    import psycopg

    conninfo = server_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    for attempt in range(50):
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            break
        except psycopg.OperationalError:
            if attempt == 49:
                raise
            time.sleep(0.2)
    return f"{server_url}/{name}"
