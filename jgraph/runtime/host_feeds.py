"""Inputs the session feeds itself: the host streams of auto-fed sources.

Where it sits: used by the session's run loop. An op may declare inputs that the
session feeds every run (``OpDef.auto_feed``: a dataset iterator's ``get_next``
takes the next rows' indices, computed on the host). :class:`HostFeeds` keeps one
:class:`~jgraph.ops.registry.HostStream` per source for the session, opened from
the session's variables (an iterator restored from a checkpoint resumes where it
was), and restarts a source when a run writes its state without reading from it
(an iterator's initializer).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from jgraph.ops.registry import AutoFeed, HostStream


class HostFeeds:
    """One session's open host streams, by source."""

    def __init__(self) -> None:
        self._streams: dict[Hashable, tuple[AutoFeed, HostStream]] = {}

    def values(
        self,
        feeds: tuple[AutoFeed, ...],
        variables: Mapping[str, Any],
        steps: int | None = None,
    ) -> tuple:
        """The values of ``feeds``' inputs for one run (``steps=None``) or for
        ``steps`` runs stacked; advances their streams."""
        values: list[Any] = []
        for feed in feeds:
            entry = self._streams.get(feed.source)
            if entry is None:
                entry = self._streams[feed.source] = (feed, feed.open(variables))
            values += entry[1].take(steps)
        return tuple(values)

    def restart(self, written: frozenset[str], fed_from: frozenset[Hashable]) -> None:
        """Forgets the streams whose state a run wrote without reading from them
        (re-initialised: they start over on their next use)."""
        if not self._streams or not written:
            return
        for source, (feed, _) in list(self._streams.items()):
            if source not in fed_from and not written.isdisjoint(feed.restarted_by):
                del self._streams[source]

    def clear(self) -> None:
        """Forgets every stream (the session's state was replaced: a restore)."""
        self._streams.clear()
