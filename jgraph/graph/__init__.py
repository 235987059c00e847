"""Stage 1 of the pipeline: the graph as pure data.

``dtypes`` and ``shape`` (TF1's element types and static shapes), ``device_spec``
(device strings), ``tensor`` (symbolic values), ``graph`` (``Graph``,
``Operation``, name scopes, collections), ``traversal`` (the walks over the graph
every later stage uses) and ``graph_def`` (the graph as a ``GraphDef``). Nothing
here runs JAX or knows an op's semantics.
"""
