"""``python -m tests.faults.dying_worker ARGS…``: ``govwatch ARGS…`` whose analysis worker
process dies (``os._exit``) on any page whose URL contains GOVWATCH_TEST_POISON.
Test-only: production code has no fault hooks; this swaps the function workers run.
"""

from __future__ import annotations

import os
import sys

from crawler import analysis, cli
from crawler.configfiles.portals import Selectors
from crawler.items import AnnouncementItem
from crawler.pipelines import analyse as pipeline


def die_on_poison(item: AnnouncementItem, selectors: Selectors | None) -> AnnouncementItem | None:
    """Runs in the worker (imported there by name when the call is unpickled)."""
    if os.environ["GOVWATCH_TEST_POISON"] in item.url:
        os._exit(70)
    return analysis.analyse_elsewhere(item, selectors)


if __name__ == "__main__":
    pipeline.analyse_elsewhere = die_on_poison  # type: ignore[assignment]
    sys.exit(cli.main(sys.argv[1:]))
