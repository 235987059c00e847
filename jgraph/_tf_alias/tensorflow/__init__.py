"""The opt-in ``tensorflow`` alias package: on ``PYTHONPATH``, ``import tensorflow``
gives jgraph (see ``jgraph._alias``; ``python -m jgraph.run --alias-path``)."""

import sys

from jgraph._alias import install

install()
# The import statement that loaded this file returns sys.modules["tensorflow"]:
# now the jgraph module itself.
assert sys.modules["tensorflow"].__name__ == "jgraph"
