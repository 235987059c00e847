"""Checkpoints of the session state (``tf.train.Saver``, a client of the core).

``saver`` writes the named state with orbax and keeps TF1's ``checkpoint`` index
file; its public names are re-exported by ``jgraph.train``.
"""
