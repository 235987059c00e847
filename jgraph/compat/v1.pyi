# ``jgraph.compat.v1`` is the ``jgraph`` module itself (see jgraph/compat/__init__.py,
# which registers it in ``sys.modules``); this stub tells type checkers so.
from jgraph import *  # noqa: F403
