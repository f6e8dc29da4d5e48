"""tinyCam Monitor PRO web servers (seed 002): a server device and its cameras.

Importing the package registers the ``tinycam`` kind.
"""

from camhub.drivers.tinycam.device import TinyCamServer

__all__ = ["TinyCamServer"]
