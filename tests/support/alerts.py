"""Alert tests' material: distinct meeting and non-meeting articles, alert files."""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.demo.site import SiteArticle
from scheduler.alerts_file import AlertsConfig
from storage import Repository

# Sentences of county government reports; each article draws its own mix, so that no two
# bodies look like copies to dedupe (which would rightly send one alert for both).
PHRASES = (
    "会议传达学习了省市有关会议精神",
    "研究部署当前安全生产重点工作",
    "听取了全区项目建设进展情况汇报",
    "审议通过了优化营商环境若干措施",
    "要求各部门压实责任抓好落实",
    "强调要坚持问题导向补齐短板",
    "讨论了城市更新三年行动方案",
    "部署开展森林防火专项检查",
    "会议还研究了其他事项",
    "要以钉钉子精神推动工作落地见效",
    "听取乡村振兴重点任务推进情况",
    "审议农村人居环境整治实施方案",
    "研究教育医疗民生实事项目",
    "安排部署防汛备汛有关工作",
    "通报了一季度经济运行情况",
    "要求切实做好招商引资和项目储备",
    "强调要守牢安全生产底线红线",
    "研究财政预算执行和债务管理工作",
    "审议生态环境保护督察整改方案",
    "部署开展重点领域风险隐患排查",
    "要求加快推进重点项目开工复工",
    "讨论文化旅游融合发展规划",
    "研究数字政府建设有关事项",
    "听取了信访维稳工作情况汇报",
    "强调要持续改进工作作风",
    "会议指出今年以来各项工作稳中有进",
    "审议了全区高标准农田建设计划",
    "研究部署老旧小区改造工作",
    "要求统筹做好疫情防控和经济发展",
    "部署开展食品药品安全专项整治",
)


def body(seed: int, lead: str) -> tuple[str, ...]:
    rng = random.Random(seed)
    picked = rng.sample(PHRASES, 8)
    return (lead, "，".join(picked[:4]) + "。", "，".join(picked[4:]) + "。")


def meeting(slug: str, seed: int, day: int = 20, topic: str = "常务会议") -> SiteArticle:
    """A report of a meeting held on 2023-02-``day``."""
    title = f"渭滨区召开第{seed}次政府{topic}"
    return SiteArticle(
        slug=slug,
        title=title,
        published=f"2023-02-{day:02d} 11:{seed % 60:02d}",
        source="渭滨区人民政府",
        paragraphs=body(seed, f"2月{day}日上午，区长吴玉新主持召开第{seed}次区政府{topic}。"),
    )


def notice(slug: str, seed: int, day: int = 20) -> SiteArticle:
    """An announcement that is no meeting (a fire-prevention notice)."""
    return SiteArticle(
        slug=slug,
        title=f"关于做好第{seed}批森林防火工作的通告",
        published=f"2023-02-{day:02d} 09:{seed % 60:02d}",
        source="渭滨区应急管理局",
        paragraphs=body(seed + 1000, "为切实做好森林防火工作，现就有关事项通告如下。"),
    )


def write_alerts(
    path: Path,
    smtp: dict[str, Any] | None,
    subscriptions: list[dict[str, Any]],
    admin: str | None = "ops@example.org",
) -> Path:
    data: dict[str, Any] = {"subscriptions": subscriptions}
    if smtp is not None:
        data["smtp"] = smtp
    if admin is not None:
        data["admin"] = admin
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def root_logging() -> Iterator[None]:
    """Undo the log handler ``crawler.cli.main`` installs (it writes to a captured stream
    that is closed once the test ends)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def subscribed_long_ago(repo: Repository, alerts: AlertsConfig) -> None:
    """Record ``alerts``' subscriptions as started long ago: for tests of the outbox's
    mechanics, where announcements stored before the test's delivery are news to them."""
    repo.subscription_starts([sub.name for sub in alerts.subscriptions], LONG_AGO)
