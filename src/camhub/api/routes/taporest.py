"""tapo-rest's routes (``/login``, ``/devices``, ``/actions``...): see camhub.compat.taporest."""

from camhub.compat.taporest import router

__all__ = ["router"]
