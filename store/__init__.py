"""The case store: cases, their timelines, payments and the orders they are about.
Written only through activities; every write is idempotent."""

from store.case_store import CaseStore, open_store

__all__ = ["CaseStore", "open_store"]
