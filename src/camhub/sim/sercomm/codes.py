"""The error codes a Sercomm camera answers with, and their meanings.

A refused ``/adm/set_group.cgi`` (and the other settings CGIs) changes nothing and
answers, with status 200 like the rest of this terse API, an ``[ERROR]`` section with
one ``key=code`` line per refused key.
"""

from __future__ import annotations

from camhub.errors import VendorCode


class SetError(VendorCode):
    """Codes the emulated camera answers a refused key with."""

    UNKNOWN_GROUP = 1, "no such configuration group"
    UNKNOWN_KEY = 2, "no such key in the group"
    READ_ONLY = 3, "the key cannot be set"
    OUT_OF_RANGE = 4, "the value is outside the key's range or choices"
    BAD_FORMAT = 5, "the value (or the uploaded file) is not in the expected format"
