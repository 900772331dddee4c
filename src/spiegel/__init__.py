"""spiegel: the reproducible publication pipeline of the Spiegel Bestaanszekerheid."""

__version__ = "0.1.0"
