"""Item pipelines in ITEM_PIPELINES order: analyse (clean → extract → classify → sign), then store
(dedupe's links, then the batch written)."""
