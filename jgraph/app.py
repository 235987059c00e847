"""``tf.app``: ``tf.app.run()`` and ``tf.app.flags``, as TF1."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from jgraph import flags as flags

__all__ = ["flags", "run"]


def run(
    main: Callable[[list[str]], Any] | None = None, argv: Sequence[str] | None = None
) -> NoReturn:
    """Parses the command-line flags, then ``sys.exit(main(remaining_argv))``, as
    TF1 ``tf.app.run`` (``main`` defaults to the ``main`` of ``__main__``).

    Raises:
      SystemExit: always (``main``'s return value is the exit status); bad flags
        exit with status 1 after printing the error, as absl.
    """
    args = list(sys.argv if argv is None else argv)
    try:
        remaining = flags.FLAGS(args, known_only=True)
    except flags.Error as e:
        print(f"FATAL Flags parsing error: {e}", file=sys.stderr)
        sys.exit(1)
    run_main = main if main is not None else sys.modules["__main__"].main
    sys.exit(run_main(remaining))
