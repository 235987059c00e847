"""``tf.data``: in-memory input pipelines (a client of the core); see ``dataset``."""

from typing import Any

from jgraph.data.dataset import (
    Dataset as Dataset,
    Iterator as Iterator,
    TextLineDataset as TextLineDataset,
)


def make_one_shot_iterator(dataset: Dataset) -> Iterator:
    """``dataset.make_one_shot_iterator()`` (TF 1.13+'s function form)."""
    return dataset.make_one_shot_iterator()


def make_initializable_iterator(
    dataset: Dataset, shared_name: str | None = None
) -> Iterator:
    """``dataset.make_initializable_iterator()`` (TF 1.13+'s function form)."""
    return dataset.make_initializable_iterator(shared_name)


def get_output_types(dataset_or_iterator: Any) -> Any:
    return dataset_or_iterator.output_types


def get_output_shapes(dataset_or_iterator: Any) -> Any:
    return dataset_or_iterator.output_shapes


__all__ = [
    "Dataset",
    "Iterator",
    "TextLineDataset",
    "get_output_shapes",
    "get_output_types",
    "make_initializable_iterator",
    "make_one_shot_iterator",
]
