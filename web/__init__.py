"""HTTP endpoints beside the adapters: health, readiness and metrics (:mod:`web.app`)."""
