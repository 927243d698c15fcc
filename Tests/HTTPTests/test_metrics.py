"""GET /metrics: valid Prometheus text (parsed by prometheus_client's parser), with the HTTP API's own
request counter and histogram labelled by route template, never by raw path."""

import unittest
from typing import Dict, List

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from .support import HTTPBroker


class MetricsTest(unittest.TestCase):
    http: HTTPBroker

    @classmethod
    def setUpClass(cls) -> None:
        cls.http = HTTPBroker()
        cls.http.start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.http.stop()

    def families(self) -> Dict[str, List[Sample]]:
        response = self.http.get("/metrics")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.headers["Content-Type"].startswith("text/plain"))
        return {family.name: family.samples for family in text_string_to_metric_families(response.text)}

    def test_http_requests_are_counted_by_route_template(self) -> None:
        for name in ("alpha", "beta", "gamma"):
            self.http.get(f"/api/v1/plugins/{name}")
        self.http.get("/api/v1/plugins")
        self.http.get("/no/such/route")
        families = self.families()
        self.assertIn("plexus_build_info", families)
        samples = families["plexus_http_requests"]
        routes = {s.labels["route"] for s in samples}
        self.assertIn("/api/v1/plugins/{name}", routes)
        self.assertIn("/api/v1/plugins", routes)
        self.assertIn("unmatched", routes)
        for raw in ("/api/v1/plugins/alpha", "/no/such/route"):
            self.assertNotIn(raw, routes)
        detail = [s for s in samples if s.labels["route"] == "/api/v1/plugins/{name}"
                  and s.labels["status"] == "404"]
        self.assertEqual(detail[0].value, 3)
        self.assertIn("plexus_http_request_duration_seconds", families)


if __name__ == "__main__":
    unittest.main()
