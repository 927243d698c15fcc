"""``METRICS`` and the instance's ``resources`` against the real broker: the Client reads the Prometheus text
(docs/METRICS.md), and ``prometheus_client``'s parser, where it is installed, accepts all of it."""

import unittest
from typing import Dict, List, Optional

from tests.harness import Record, plugin_entry, wait_for
from tests.test_broker import BrokerTestCase


def samples(text: str) -> Dict[str, float]:
    """``name{labels}`` → value, for every sample line."""
    out: Dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, _, value = line.rpartition(" ")
            out[series] = float(value)
    return out


class MetricsTest(BrokerTestCase):
    def test_metrics_text_and_resources(self) -> None:
        record = Record(self.path("record.jsonl"))
        broker = self.start_mesh(plugin_entry("sup", self.script(), record.path))
        broker.wait_running("sup")
        client = broker.client()
        for n in range(3):
            client.publish("order.placed", {"n": n})

        def scraped() -> Optional[Dict[str, float]]:
            figures = samples(client.metrics())
            return figures if figures.get('plexus_plugin_up{plugin="sup"}') == 1.0 \
                and figures.get('plexus_topic_events_total{topic_group="order"}') == 3 \
                and figures.get('plexus_plugin_resident_memory_bytes{plugin="sup"}', 0) > 0 else None

        figures = wait_for(scraped, what="plugin up, three order events and the plugin's memory in METRICS")
        self.assertGreaterEqual(figures['plexus_control_requests_total{command="PUBLISH"}'], 3)
        [info] = wait_for(lambda: [i for i in broker.instances("sup") if i.get("resources")] or None,
                          what="resources in STATUS")
        resources = info["resources"]
        self.assertGreater(resources["rss_bytes"], 0)
        self.assertGreaterEqual(resources["threads"], 1)
        self.assertGreaterEqual(resources["open_fds"], 3)
        self.assertGreaterEqual(resources["cpu_seconds"], 0)

        try:
            from prometheus_client.parser import text_string_to_metric_families
        except ImportError:
            self.skipTest("prometheus_client is not installed: the text was checked without its parser")
        families: List[str] = [family.name for family in text_string_to_metric_families(client.metrics())]
        self.assertIn("plexus_build_info", families)
        self.assertIn("plexus_events_in", families)  # the parser drops a counter's _total


if __name__ == "__main__":
    unittest.main()
