"""Stage 3 of the pipeline: a fetch set -> one pure JAX function.

``prune`` picks and orders the ops a run needs, ``lower`` turns them into one
pure function ``(state, feeds, key) -> (new_state, outputs)``, evaluated by the
``interpreter``; ``segments`` cuts a run into per-device pieces, ``gradients`` is
``tf.gradients`` (an op whose lowering differentiates a re-lowering) and ``rng``
holds TF1's seeding rules on JAX keys.
"""
