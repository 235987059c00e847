"""TF1's ``tensorflow.python`` path, for imports such as ``python.client.device_lib``."""
