"""Tests of the Plexus Python SDK: pure unit tests, and test_broker against the real broker binary."""
