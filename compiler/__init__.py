"""stackc: compile one platform description into everything that runs it."""

__version__ = "0.1.0"
