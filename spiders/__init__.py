"""Portal spiders: the base every portals.yaml entry is built from, and hand-written ones."""
