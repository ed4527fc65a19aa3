"""Typed payloads of every event, one module per topic; importing this package registers them all."""

from shared.events import accounts, adoption, authors, awards, contests, entries, judging, statuses

__all__ = ["accounts", "adoption", "authors", "awards", "contests", "entries", "judging", "statuses"]
