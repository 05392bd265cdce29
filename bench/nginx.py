"""A throwaway nginx (Debian's binary) serving a directory of static files on 127.0.0.1.

nginx answers conditional GETs itself (ETag, Last-Modified → 304), so it stands in for a
portal's web server; its access log counts what a crawl really fetched.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.postgres import free_port

logger = logging.getLogger(__name__)

CONFIG = """\
worker_processes 1;
daemon off;
pid {state}/nginx.pid;
error_log {state}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    types {{ text/html html; text/plain txt; application/rss+xml xml; }}
    default_type application/octet-stream;
    charset utf-8;
    log_format bench '$status $request_uri';
    access_log {state}/access.log bench;  # unbuffered: read back at once, no signal
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    client_body_temp_path {state}/body;
    proxy_temp_path {state}/proxy;
    fastcgi_temp_path {state}/fastcgi;
    uwsgi_temp_path {state}/uwsgi;
    scgi_temp_path {state}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{ }}
    }}
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else ""
    )
    if not found:
        raise RuntimeError("nginx not found: `make bench` installs Debian's nginx package")
    return found


@dataclass
class Nginx:
    base_url: str
    state: Path

    def hits(self) -> Counter[str]:
        """Status → count of the requests answered so far."""
        log = self.state / "access.log"
        counts: Counter[str] = Counter()
        if log.exists():
            for line in log.read_text(errors="replace").splitlines():
                counts[line.split(" ", 1)[0]] += 1
        return counts

    def requests(self) -> list[tuple[int, str]]:
        """(status, path) of every request answered so far."""
        log = self.state / "access.log"
        out = []
        if log.exists():
            for line in log.read_text(errors="replace").splitlines():
                status, _, path = line.partition(" ")
                out.append((int(status), path))
        return out

    def clear_log(self) -> None:
        """Forget the requests answered so far (nginx appends: truncating is safe)."""
        (self.state / "access.log").write_bytes(b"")


@contextmanager
def nginx_server(root: Path, port: int | None = None) -> Iterator[Nginx]:
    """Serve ``root`` on ``port`` (a free one by default) of 127.0.0.1 until the block ends."""
    state = Path(tempfile.mkdtemp(prefix="govwatch-nginx-"))
    port = port or free_port()
    os.chmod(state, 0o755)
    top = Path(tempfile.gettempdir())
    for directory in [root, *root.parents]:  # workers run as nobody when we are root
        if directory == top or directory == Path("/"):
            break
        os.chmod(directory, os.stat(directory).st_mode | 0o005)
    conf = state / "nginx.conf"
    conf.write_text(CONFIG.format(state=state, port=port, root=root))
    process = subprocess.Popen(
        [nginx_binary(), "-c", str(conf), "-p", str(state), "-e", str(state / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    err = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"nginx did not start: {err}") from None
                time.sleep(0.05)
        while not (state / "nginx.pid").exists():
            time.sleep(0.05)
        logger.info("nginx serving %s on 127.0.0.1:%d", root, port)
        yield Nginx(f"http://127.0.0.1:{port}", state)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(state, ignore_errors=True)
