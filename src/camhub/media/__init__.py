"""Media: H.264 access units and stream descriptions shared across camhub."""
