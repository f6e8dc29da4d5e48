"""camhub: one secure, fast API to every IP camera and smart device."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("camhub")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["__version__"]
