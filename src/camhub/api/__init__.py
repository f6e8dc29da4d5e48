"""The native REST + WebSocket API (FastAPI)."""
