"""Stage 4 of the pipeline: the session that owns the state and runs fetch sets.

``session`` (``Session``: the state and the run loop), ``fetches`` (nests of
fetches), ``placement``, ``devices`` and ``tasks`` (where state and ops live, on
this process's devices or other tasks').
"""
