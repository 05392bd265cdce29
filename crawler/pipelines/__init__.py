"""Item pipelines, one job each, in ITEM_PIPELINES order: clean → extract → classify → dedupe → store."""
