"""sitegen: a static-site publisher for Open Badges."""

__version__ = "0.1.0"
