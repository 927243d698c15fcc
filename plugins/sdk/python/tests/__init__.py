"""Unit tests of the Plexus Python SDK (no broker needed)."""
