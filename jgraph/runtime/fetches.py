"""Nests of fetches: what ``Session.run(fetches)`` accepts and returns.

Where it sits: used by the session's run loop (and ``MonitoredSession``). A fetch
is a Tensor, Operation, Variable or name string, or any nest (list, tuple,
namedtuple, dict) of them; :class:`FetchStructure` flattens one into the unique
tensors to compute and the operations to run, and rebuilds the fetched values in
the nest's structure (``None`` for an operation).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from jgraph import errors
from jgraph.graph.graph import Graph, Operation
from jgraph.graph.tensor import Tensor


class FetchStructure(NamedTuple):
    """One nest of fetches, flattened."""

    tensors: tuple[Tensor, ...]  # the unique fetched tensors, in first-use order
    targets: tuple[Operation, ...]  # the fetched operations, in order
    rebuild: Callable[[list], Any]  # values of ``tensors`` -> the nest's values

    @staticmethod
    def of(fetches: Any, graph: Graph) -> FetchStructure:
        """Flattens ``fetches`` (elements resolved in ``graph``)."""
        flat: list[Any] = []
        rebuild = flatten_fetches(fetches, flat, graph)
        unique: list[Tensor] = []
        targets: list[Operation] = []
        unique_index: list[int] = []
        for element in flat:
            if isinstance(element, Operation):
                targets.append(element)
                unique_index.append(-1)
            else:
                if element not in unique:
                    unique.append(element)
                unique_index.append(unique.index(element))

        def restructure(values: list[Any]) -> Any:
            return rebuild([None if i < 0 else values[i] for i in unique_index])

        if rebuild is take_first:  # a single fetch: skip the nest machinery
            restructure = take_first if unique_index[0] == 0 else take_none
        return FetchStructure(tuple(unique), tuple(targets), restructure)


def is_hashable(fetches: Any) -> bool:
    """Whether ``fetches`` may key a cache (lists and dicts never do)."""
    return not isinstance(fetches, list | dict)


def to_numpy(value: Any) -> Any:
    """A fetched array as numpy; a scalar as a numpy scalar, as TF1."""
    array = np.asarray(value)
    return array[()] if array.ndim == 0 else array


def flatten_fetches(
    fetches: Any, flat: list[Any], graph: Graph
) -> Callable[[list], Any]:
    """Appends the graph elements of ``fetches`` to ``flat``; returns the function
    that rebuilds ``fetches``' structure from the values of ``flat``."""
    if isinstance(fetches, list | tuple) and not isinstance(fetches, str):
        rebuilders = []
        counts = []
        for item in fetches:
            before = len(flat)
            rebuilders.append(flatten_fetches(item, flat, graph))
            counts.append(len(flat) - before)
        kind = type(fetches)

        def rebuild_sequence(values: list) -> Any:
            items, position = [], 0
            for rebuild_item, count in zip(rebuilders, counts, strict=True):
                items.append(rebuild_item(values[position : position + count]))
                position += count
            if kind is list:
                return items
            if kind is tuple:
                return tuple(items)
            return kind(*items)  # namedtuple

        return rebuild_sequence
    if isinstance(fetches, Mapping):
        keys = list(fetches)
        inner = flatten_fetches([fetches[k] for k in keys], flat, graph)
        kind: Any = type(fetches)

        def rebuild_mapping(values: list) -> Any:
            rebuilt = inner(values)
            try:
                return kind(zip(keys, rebuilt, strict=True))
            except TypeError:
                return dict(zip(keys, rebuilt, strict=True))

        return rebuild_mapping
    flat.append(fetch_element(fetches, graph))
    return take_first


def take_first(values: list) -> Any:
    """The rebuild function of a single fetch."""
    return values[0]


def take_none(values: list) -> None:
    """The rebuild function of a single fetched operation."""
    return None


def fetch_element(fetch: Any, graph: Graph) -> Tensor | Operation:
    if fetch is None:
        raise TypeError("Fetch argument None has invalid type <class 'NoneType'>")
    try:
        element = graph.as_graph_element(fetch)
    except KeyError as err:
        raise errors.NotFoundError(
            None,
            None,
            f"Fetch argument {fetch!r} cannot be interpreted as a Tensor or Operation: {err.args[0]}",
        ) from None
    except ValueError as err:
        raise ValueError(
            f"Fetch argument {fetch!r} cannot be interpreted as a Tensor. ({err})"
        ) from None
    except TypeError as err:
        raise TypeError(
            f"Fetch argument {fetch!r} has invalid type {type(fetch)}, must be a string or"
            f" Tensor. ({err})"
        ) from None
    return element
