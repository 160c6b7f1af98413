"""The constant answer of the ceilings: the same body through the whole stack (`bench/urls.py`) and
through the bare framework (`bench/bare/urls.py`). A module of its own, so that the bare project
imports nothing of the application."""

from typing import Any

CEILING_BODY: dict[str, Any] = {"status": "ok", "detail": "A constant answer for benchmarks."}
