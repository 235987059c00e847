"""Run-time error classes, named and coded as TF1's ``tf.errors``.

Each class also subclasses the natural Python exception, so ``except KeyError``
style code keeps working: a missing name is a ``NotFoundError`` *and* a
``KeyError``; a bad argument is an ``InvalidArgumentError`` *and* a ``ValueError``.
"""

from __future__ import annotations

from typing import Any

OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15


class OpError(Exception):
    """Base class of run-time errors; carries the failing op like TF1's ``OpError``.

    Attributes:
      node_def: always ``None`` (jgraph has no NodeDef protos at run time).
      op: the ``Operation`` that failed, or ``None``.
      message: the message text.
      error_code: the TF1 status code.
    """

    error_code = UNKNOWN

    def __init__(self, node_def: Any = None, op: Any = None, message: str = "") -> None:
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message

    def __str__(self) -> str:
        return self.message


class CancelledError(OpError):
    error_code = CANCELLED


class UnknownError(OpError):
    error_code = UNKNOWN


class InvalidArgumentError(OpError, ValueError):
    error_code = INVALID_ARGUMENT


class DeadlineExceededError(OpError, TimeoutError):
    error_code = DEADLINE_EXCEEDED


class NotFoundError(OpError, KeyError):
    error_code = NOT_FOUND

    # KeyError quotes its message; keep the plain text.
    __str__ = OpError.__str__


class AlreadyExistsError(OpError):
    error_code = ALREADY_EXISTS


class PermissionDeniedError(OpError, PermissionError):
    error_code = PERMISSION_DENIED


class ResourceExhaustedError(OpError, MemoryError):
    error_code = RESOURCE_EXHAUSTED


class FailedPreconditionError(OpError, RuntimeError):
    error_code = FAILED_PRECONDITION


class AbortedError(OpError):
    error_code = ABORTED


class OutOfRangeError(OpError, IndexError):
    error_code = OUT_OF_RANGE


class UnimplementedError(OpError, NotImplementedError):
    error_code = UNIMPLEMENTED


class InternalError(OpError):
    error_code = INTERNAL


class UnavailableError(OpError, ConnectionError):
    error_code = UNAVAILABLE


class DataLossError(OpError):
    error_code = DATA_LOSS
