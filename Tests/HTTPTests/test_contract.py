"""The OpenAPI contract test: schemathesis (PyPI) generates requests from /api/v1/openapi.json and checks
the live server's answers against the document.

Checks: all of schemathesis's checks except
- ``positive_data_acceptance``: the document's schemas cannot express every rule the broker applies to
  names, topics, patterns and task definitions (reserved prefixes, pattern syntax, cron ranges), so
  schema-valid data is often, correctly, refused with 400;
- ``use_after_free`` and ``ensure_resource_availability``: stateful links are not declared (a created
  task's id is not linked to its other routes).
Excluded operations: the two streams (``/api/v1/events/stream`` and the logs' ``follow``, which do not
end), and the routes that change the mesh as a whole (topology apply, plugin lifecycle, the aliases
that do the same), which random input would otherwise turn into start/stop storms.
"""

import os
import shutil
import subprocess
import sys
import unittest

from .support import HTTPBroker


class ContractTest(unittest.TestCase):
    def test_schemathesis(self) -> None:
        binary = shutil.which("schemathesis", path=os.path.dirname(sys.executable)) or shutil.which("schemathesis")
        self.assertIsNotNone(binary, "schemathesis is not installed (make test-http installs it into the venv)")
        http = HTTPBroker(plugins=["contract"])
        http.start()
        try:
            http.wait_state("contract", "running")
            result = subprocess.run(
                [str(binary), "run", http.url + "/api/v1/openapi.json", "--url", http.url,
                 "--checks", "all",
                 "--exclude-checks", "positive_data_acceptance,use_after_free,ensure_resource_availability",
                 "--max-examples", os.environ.get("PLEXUS_CONTRACT_EXAMPLES", "20"),
                 "--exclude-path-regex", "(/events/stream|/logs|/topology/apply|/plugins/\\{name\\}/"
                 "(start|stop|restart|reload|upgrade)|^/exts/|/plugins/\\{name\\}/restart)",
                 "--request-timeout", "10", "--no-color"],
                capture_output=True, text=True, timeout=600, cwd=http.dir)
            output = result.stdout + result.stderr
            self.assertEqual(result.returncode, 0, output[-6000:])
        finally:
            http.stop()


if __name__ == "__main__":
    unittest.main()
