"""``python -m crawler.cli``: how the daemon starts its crawl processes."""

import sys

from crawler.cli import main

sys.exit(main())
