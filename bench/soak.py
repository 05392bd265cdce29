"""The soak: `govwatch run` with 50 mock portals on a fast clock while meetings are published.

``python -m bench.soak --minutes 10`` (not part of `make test`, nor of ``python -m bench``).
The daemon's resident memory and open files are sampled from /proc; meeting reports, notices
and copies of earlier meetings on other portals are published as it runs. At the end every
published meeting must have been mailed exactly once (a meeting and its copies count as one:
whichever a crawl stores first is mailed), no notice mailed, and memory and open files flat
after the warm-up. Prints a summary (and JSON with ``--json``); exits 1 when a check fails.
docs/reliability.md has the numbers of a 10-minute run.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import logging
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.common import ROOT
from crawler.demo.server import PortalSite
from crawler.demo.site import SiteArticle, SiteStyle
from storage import Repository
from tests.support.alerts import body
from tests.support.portal import portal_entry, serve, write_portals
from tests.support.postgres import free_port

logger = logging.getLogger(__name__)

STYLE = SiteStyle(per_page=10)
LIST = f"{STYLE.root}index.html"
SCALE = 0.1  # GOVWATCH_TIME_SCALE: a "20m" schedule crawls every 2 minutes
SCHEDULE = "20m"
INTERVAL = 20 * 60 * SCALE
WARMUP = 150.0  # seconds: every portal's first (baseline) crawl falls within one interval
RSS_SLACK = 0.10  # flat: the last minute's median within 10 % (or 4 MB) of the first one's
RSS_SLACK_MB = 4.0
FDS_SLACK = 3  # open files: within 3 of the first minute's median
DAEMON_ENV = {
    "GOVWATCH_TIME_SCALE": str(SCALE),
    "GOVWATCH_MAX_CRAWLS": "3",
    "GOVWATCH_SEND_INTERVAL": "2s",
    "GOVWATCH_RELOAD_CHECK": "2s",
    "GOVWATCH_JITTER": "5s",
}


@dataclass
class Portal:
    name: str
    site: PortalSite
    articles: list[SiteArticle]
    baseline_done: bool = False

    def publish(self, article: SiteArticle) -> str:
        self.articles.insert(0, article)
        serve(self.site, STYLE, self.articles)
        return self.site.url(f"{STYLE.root}{article.slug}.html")


@dataclass
class Published:
    url: str
    kind: str  # meeting | notice | copy
    at: float  # time.monotonic()
    # the meeting a copy copies (itself for a meeting): whichever of them a crawl stores
    # first is the original, mailed once; the others are its duplicates, never mailed
    meeting: str | None = None
    mailed_at: float | None = None


@dataclass
class Sample:
    at: float  # seconds since the daemon started
    rss_kb: int
    fds: int
    threads: int


@dataclass(frozen=True)
class Mail:
    message_id: str
    text: str  # the plain-text part
    at: float  # time.monotonic() of its arrival


class Inbox:
    """An SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it accepts."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self.lock = threading.Lock()
        self.mails: list[Mail] = []
        inbox = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                message = email.message_from_bytes(envelope.content, policy=email.policy.default)
                part = message.get_body(preferencelist=("plain",))
                text = str(part.get_content()) if part is not None else ""
                with inbox.lock:
                    inbox.mails.append(Mail(str(message["Message-ID"]), text, time.monotonic()))
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def all(self) -> list[Mail]:
        with self.lock:
            return list(self.mails)

    def start(self) -> Inbox:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


def article(n: int, kind: str) -> SiteArticle:
    """Meeting or notice number ``n``: a title and a body of its own (no two look alike)."""
    day = 1 + n % 20
    if kind == "meeting":
        title = f"渭滨区召开第{n}次政府常务会议"
        lead = f"2月{day}日上午，区长吴玉新主持召开第{n}次区政府常务会议，会议编号S{n:05d}。"
        return SiteArticle(
            slug=f"m{n}",
            title=title,
            published=f"2023-02-{day:02d} 10:{n % 60:02d}",
            source="渭滨区人民政府",
            paragraphs=body(n, lead),
        )
    return SiteArticle(
        slug=f"n{n}",
        title=f"关于做好第{n}批森林防火工作的通告",
        published=f"2023-02-{day:02d} 09:{n % 60:02d}",
        source="渭滨区应急管理局",
        paragraphs=body(n + 5000, f"为切实做好第{n}批森林防火工作，现就有关事项通告如下。"),
    )


def proc_status(pid: int) -> Sample | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None
    values = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return Sample(0.0, int(values["VmRSS"].split()[0]), fds, int(values["Threads"]))


class Sampler(threading.Thread):
    """The daemon's RSS, open files and threads every ``every`` seconds."""

    def __init__(self, pid: int, every: float) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.every = every
        self.started = time.monotonic()
        self.samples: list[Sample] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            sample = proc_status(self.pid)
            if sample is not None:
                sample.at = time.monotonic() - self.started
                self.samples.append(sample)
            self.stop.wait(self.every)


@dataclass
class Soak:
    minutes: float
    portals: int
    publish_every: float
    workdir: Path
    db: str
    seed: int = 7
    published: list[Published] = field(default_factory=list)

    def run(self) -> dict[str, Any]:
        rng = random.Random(self.seed)
        counter = iter(range(1000, 10**6))
        sites = [PortalSite().start() for _ in range(self.portals)]
        smtp = Inbox().start()
        portals = [
            Portal(f"p{i:02d}", site, [article(next(counter), "meeting") for _ in range(2)])
            for i, site in enumerate(sites)
        ]
        try:
            for portal in portals:
                portal.articles.append(article(next(counter), "notice"))
                serve(portal.site, STYLE, portal.articles)
            return self._run(rng, counter, portals, smtp)
        finally:
            smtp.stop()
            for site in sites:
                site.stop()

    def _files(self, portals: Sequence[Portal], smtp: Inbox) -> tuple[Path, Path]:
        entries = [
            portal_entry(p.name, p.site.url(LIST), title=f"门户{p.name}", schedule=SCHEDULE)
            for p in portals
        ]
        portals_path = write_portals(self.workdir / "portals.yaml", entries)
        alerts = {
            "smtp": {"host": "127.0.0.1", "port": smtp.port, "sender": "govwatch@example.org"},
            "subscriptions": [{"name": "soak", "to": ["desk@example.org"]}],
        }
        alerts_path = self.workdir / "alerts.yaml"
        alerts_path.write_text(yaml.safe_dump(alerts, allow_unicode=True), encoding="utf-8")
        return portals_path, alerts_path

    def _run(
        self, rng: random.Random, counter: Any, portals: list[Portal], smtp: Inbox
    ) -> dict[str, Any]:
        portals_path, alerts_path = self._files(portals, smtp)
        command = [sys.executable, "-m", "crawler.cli", "run", "--portals", str(portals_path)]
        command += ["--alerts", str(alerts_path), "--db", self.db]
        log_path = self.workdir / "daemon.log"
        with log_path.open("wb") as log:
            daemon = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **DAEMON_ENV},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        sampler = Sampler(daemon.pid, every=2.0)
        sampler.start()
        started = time.monotonic()
        end = started + self.minutes * 60
        stop_publishing = end - 1.25 * INTERVAL
        next_publication = next_check = started
        died: str | None = None
        repo: Repository | None = None
        try:
            while "govwatch daemon started" not in log_path.read_text(errors="replace"):
                if daemon.poll() is not None or time.monotonic() > started + 120:
                    raise RuntimeError(f"the daemon did not start:\n{log_path.read_text()}")
                time.sleep(0.5)
            repo = Repository.open(self.db)  # the daemon has migrated it
            while time.monotonic() < end:
                if daemon.poll() is not None:
                    died = f"the daemon exited with {daemon.returncode}"
                    break
                now = time.monotonic()
                if now >= next_check:
                    self._baselines(repo, portals)
                    next_check = now + 5
                ready = [p for p in portals if p.baseline_done]
                if ready and next_publication <= now < stop_publishing:
                    self._publish(rng, counter, ready)
                    next_publication = now + self.publish_every
                self._note_mail(smtp)
                time.sleep(1)
            drain_until = time.monotonic() + 2 * INTERVAL + 60
            while died is None and time.monotonic() < drain_until and self._waiting(smtp):
                time.sleep(1)
            self._note_mail(smtp)
        finally:
            sampler.stop.set()  # the samples end before the shutdown does
            sampler.join()
            alive = daemon.poll() is None
            daemon.send_signal(signal.SIGTERM)
            try:
                exit_code: int | None = daemon.wait(timeout=90)
            except subprocess.TimeoutExpired:
                daemon.kill()
                exit_code = None
            runs = self._runs(repo) if repo is not None else {}
            if repo is not None:
                repo.close()
        return self._report(smtp, sampler.samples, runs, died, alive, exit_code, log_path)

    def _baselines(self, repo: Repository, portals: Sequence[Portal]) -> None:
        for portal in portals:
            if not portal.baseline_done and repo.has_completed_run(portal.name):
                portal.baseline_done = True
                logger.info("%s: baseline crawled", portal.name)

    def _publish(self, rng: random.Random, counter: Any, ready: Sequence[Portal]) -> None:
        portal = rng.choice(ready)
        number = len(self.published)
        meetings = [p for p in self.published if p.kind == "meeting"]
        if number % 5 == 4 and meetings and len(ready) > 1:  # a copy on another portal
            original = rng.choice(meetings)
            source = next(p for p in ready if original.url.startswith(p.site.base_url + "/"))
            others = [p for p in ready if p is not source]
            if not others:
                return
            slug = original.url.rsplit("/", 1)[1].removesuffix(".html")
            copied = next(a for a in source.articles if a.slug == slug)
            copy = SiteArticle(**{**copied.__dict__, "slug": f"copy{next(counter)}"})
            url = rng.choice(others).publish(copy)
            self.published.append(Published(url, "copy", time.monotonic(), original.url))
            return
        kind = "notice" if number % 5 == 2 else "meeting"
        url = portal.publish(article(next(counter), kind))
        meeting = url if kind == "meeting" else None
        self.published.append(Published(url, kind, time.monotonic(), meeting))
        logger.info("published %s %s", kind, url)

    def _note_mail(self, smtp: Inbox) -> None:
        mails = smtp.all()
        for item in self.published:
            if item.mailed_at is None:
                item.mailed_at = next((m.at for m in mails if item.url in m.text), None)

    def _waiting(self, smtp: Inbox) -> bool:
        self._note_mail(smtp)
        mailed = {p.meeting for p in self.published if p.mailed_at is not None}
        return any(p.kind == "meeting" and p.url not in mailed for p in self.published)

    def _runs(self, repo: Repository) -> dict[str, int]:
        return dict(Counter(run.status for run in repo.runs(limit=100_000)))

    def _report(
        self,
        smtp: Inbox,
        samples: list[Sample],
        runs: dict[str, int],
        died: str | None,
        alive: bool,
        exit_code: int | None,
        log_path: Path,
    ) -> dict[str, Any]:
        received = smtp.all()
        per_meeting: Counter[str | None] = Counter()  # emails per meeting, copies included
        for item in received:
            for published in self.published:
                if published.url in item.text:
                    per_meeting[published.meeting] += 1
        meetings = [p for p in self.published if p.kind == "meeting"]
        missing = [p.url for p in meetings if per_meeting[p.url] == 0]
        repeated = [url for url, n in per_meeting.items() if url is not None and n > 1]
        wrongly = [p.url for p in self.published if p.kind == "notice" and p.mailed_at]
        ids = Counter(item.message_id for item in received)
        first_mail: dict[str, float] = {}
        for p in self.published:
            if p.meeting is not None and p.mailed_at is not None:
                first_mail[p.meeting] = min(p.mailed_at, first_mail.get(p.meeting, p.mailed_at))
        latencies = [first_mail[p.url] - p.at for p in meetings if p.url in first_mail]
        memory = flatness([s.at for s in samples], [s.rss_kb / 1024 for s in samples])
        files = flatness([s.at for s in samples], [float(s.fds) for s in samples])
        rss_flat = memory["late"] <= max(
            memory["early"] * (1 + RSS_SLACK), memory["early"] + RSS_SLACK_MB
        )
        fds_flat = files["late"] <= files["early"] + FDS_SLACK
        checks = {
            "daemon ran throughout": died is None and alive and exit_code == 0,
            "every published meeting mailed": not missing,
            "no meeting mailed twice (copies included)": not repeated
            and max(ids.values(), default=1) == 1,
            "no notice mailed": not wrongly,
            "RSS flat after warm-up": rss_flat,
            "open files flat after warm-up": fds_flat,
        }
        log_text = log_path.read_text(encoding="utf-8", errors="replace")
        return {
            "minutes": self.minutes,
            "portals": self.portals,
            "schedule": f"{SCHEDULE} at GOVWATCH_TIME_SCALE={SCALE} (every {INTERVAL:g} s)",
            "crawl_runs": runs,
            "published": dict(Counter(p.kind for p in self.published)),
            "emails": len(received),
            "missing": missing,
            "mailed_twice": repeated,
            "mailed_wrongly": wrongly,
            "latency_s": {
                "p50": round(statistics.median(latencies), 1) if latencies else None,
                "max": round(max(latencies), 1) if latencies else None,
            },
            "rss_mb": memory,
            "open_files": files,
            "threads": {
                "min": min((s.threads for s in samples), default=0),
                "max": max((s.threads for s in samples), default=0),
            },
            "samples": len(samples),
            "daemon": {
                "died": died,
                "exit_code": exit_code,
                "errors_logged": log_text.count(" ERROR "),
            },
            "checks": checks,
            "ok": all(checks.values()),
            "workdir": str(self.workdir),
        }


def flatness(times: Sequence[float], values: Sequence[float]) -> dict[str, float]:
    """Median of the first minute after the warm-up and of the last minute; min, max, and the
    slope (per minute) of a least-squares line through everything after the warm-up."""
    after = [(t, v) for t, v in zip(times, values, strict=True) if t >= WARMUP]
    if len(after) < 4:
        after = list(zip(times, values, strict=True))
    if not after:
        return {"early": 0.0, "late": 0.0, "min": 0.0, "max": 0.0, "slope_per_min": 0.0}
    start, stop = after[0][0], after[-1][0]
    early = [v for t, v in after if t <= start + 60]
    late = [v for t, v in after if t >= stop - 60]
    mean_t = statistics.fmean(t for t, _ in after)
    mean_v = statistics.fmean(v for _, v in after)
    spread = sum((t - mean_t) ** 2 for t, _ in after)
    slope = sum((t - mean_t) * (v - mean_v) for t, v in after) / spread if spread else 0.0
    return {
        "early": round(statistics.median(early), 1),
        "late": round(statistics.median(late), 1),
        "min": round(min(v for _, v in after), 1),
        "max": round(max(v for _, v in after), 1),
        "slope_per_min": round(slope * 60, 2),
    }


def summary(result: dict[str, Any]) -> str:
    rss, fds = result["rss_mb"], result["open_files"]
    lines = [
        f"soak: {result['minutes']:g} min, {result['portals']} portals, {result['schedule']}",
        f"crawl runs: {result['crawl_runs']}",
        f"published: {result['published']}; emails received: {result['emails']}",
        f"meetings not mailed: {len(result['missing'])}, mailed twice (copies included): "
        f"{len(result['mailed_twice'])}, notices mailed: {len(result['mailed_wrongly'])}",
        f"latency publish → email: p50 {result['latency_s']['p50']} s, "
        f"max {result['latency_s']['max']} s",
        f"daemon RSS (MB) after warm-up: first minute {rss['early']}, last minute {rss['late']}, "
        f"min {rss['min']}, max {rss['max']}, slope {rss['slope_per_min']} MB/min",
        f"daemon open files: first minute {fds['early']}, last minute {fds['late']}, "
        f"min {fds['min']}, max {fds['max']}",
        f"daemon threads: {result['threads']['min']}–{result['threads']['max']}; "
        f"errors logged: {result['daemon']['errors_logged']}",
    ]
    lines += [f"  [{'ok' if ok else 'FAILED'}] {name}" for name, ok in result["checks"].items()]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0, help="how long (10)")
    parser.add_argument("--portals", type=int, default=50, help="mock portals (50)")
    parser.add_argument(
        "--publish-every",
        type=float,
        default=10.0,
        metavar="S",
        help="seconds between publications",
    )
    parser.add_argument("--db", help="database URL (a SQLite file in the workdir)")
    parser.add_argument("--workdir", type=Path, help="kept afterwards (a temporary directory)")
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    for noisy in ("alembic", "mail.log", "crawler", "storage"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="govwatch-soak-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db = args.db or f"sqlite:///{workdir / 'govwatch.db'}"
    soak = Soak(args.minutes, args.portals, args.publish_every, workdir, db)
    result = soak.run()
    print(summary(result))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    if not args.workdir and result["ok"]:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
