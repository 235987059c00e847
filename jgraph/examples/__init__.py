"""Examples that come with jgraph, mirroring TF1's ``tensorflow.examples``."""
