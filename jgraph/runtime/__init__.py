"""Stage 4 of the pipeline: the session that owns the state and runs fetch sets.

``session`` (``Session``: the state owner and the run loop), ``state`` (the
variables and the RNG key, taken and stored around each compiled call), ``plan``
(what one fetch set and feed set needs, built once), ``fetches`` (nests of
fetches), ``scan`` (``run_steps``), ``host_feeds`` (inputs the session feeds
itself: iterators), ``placement``, ``devices`` and ``tasks`` (where state and ops
live, on this process's devices or other tasks').
"""
