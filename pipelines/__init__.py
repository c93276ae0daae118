"""Item pipelines, one concern each: validate, clean, dedupe, store (see ITEM_PIPELINES)."""
