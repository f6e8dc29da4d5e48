"""Live video: one upstream per camera, fan-out to any number of viewers.

See :mod:`camhub.streams.hub` for the API and :mod:`camhub.streams.upstream` for how the
single camera connection is kept.
"""

from camhub.streams.hub import StreamHub, Viewer
from camhub.streams.transcode import VariantKey, parse_resolution

__all__ = ["StreamHub", "VariantKey", "Viewer", "parse_resolution"]
