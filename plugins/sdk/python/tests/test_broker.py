"""The SDK against the real broker (the built `plexus` binary; see tests/harness.py): supervised plugins,
RELOAD, draining on STOP, the mesh-ready hook, the subscription probe, acknowledged publishing, reconnects
and the Client's commands. No fake broker: what is tested is what the broker really does.

Set $PLEXUS_BIN to test another binary; set $PLEXUS_KEEP_TMP=1 to keep the temporary directories (broker
logs, topologies, plugin records) for a look after a failure.
"""

import json
import os
import threading
import unittest
from typing import Any, Dict, List, Optional
from unittest import mock

import plexus.plugin
from plexus import PlexusError, Plugin
from tests.harness import (REPO, TIMEOUT, BrokerProcess, Record, Subscriber, TempDir, broker_binary,
                           plugin_entry, start_plugin, wait_for, write_plugin_script)


class BrokerTestCase(unittest.TestCase):
    """Temporary directory, brokers (stopped by PID at the end) and in-process plugins (stopped first)."""

    def setUp(self) -> None:
        broker_binary()  # fails (not skips) with a message saying how to build it
        tmp = TempDir()
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.path
        self._brokers = 0

    def path(self, name: str) -> str:
        return os.path.join(self.tmp, name)

    def start_broker(self, topology: Optional[str] = None, control: str = "tcp://127.0.0.1:*") -> BrokerProcess:
        """Starts a broker, with ``topology`` (YAML text) written to a file when given."""
        self._brokers += 1
        name = f"broker{self._brokers}"
        topology_path = None
        if topology is not None:
            topology_path = self.path(f"{name}.yaml")
            with open(topology_path, "w", encoding="utf-8") as f:
                f.write(topology)
        broker = BrokerProcess(self.tmp, topology_path, control, name)
        self.addCleanup(broker.stop)  # SIGTERM (the broker stops its plugins), SIGKILL if it hangs
        broker.start()
        return broker

    def start_mesh(self, *entries: str) -> BrokerProcess:
        """A broker whose topology runs the given ``plugins:`` entries (see harness.plugin_entry)."""
        return self.start_broker("plugins:\n" + "".join(entries))

    def script(self) -> str:
        return write_plugin_script(self.tmp)

    def run_plugin(self, plugin: Plugin, broker: BrokerProcess) -> Plugin:
        """Runs ``plugin`` attached, in this process; stops it at the end and checks run() returned."""
        plugin.broker = broker.control
        thread, errors = start_plugin(plugin)

        def finish() -> None:
            plugin.stop("test over")
            thread.join(TIMEOUT)
            self.assertFalse(thread.is_alive(), f"{plugin.name}: run() did not return")
            self.assertEqual(errors, [], f"{plugin.name}: run() raised")
        self.addCleanup(finish)
        plugin.test_thread = thread  # type: ignore[attr-defined]
        return plugin

    @staticmethod
    def session(broker: BrokerProcess, instance: str, state: str = "running") -> Dict[str, Any]:
        """Waits until the broker lists a session of ``instance`` in ``state`` (PLUGINS)."""
        return wait_for(lambda: next((p for p in broker.client().plugins()
                                      if p["instance"] == instance and p["state"] == state), None),
                        what=f"{instance} {state} on {broker.name}")


class SupervisedPluginTest(BrokerTestCase):
    def test_registers_with_plexus_instance(self):
        record = Record(self.path("record.jsonl"))
        broker = self.start_mesh(plugin_entry("sup", self.script(), record.path, {"greeting": "hi"}))
        [info] = broker.wait_running("sup")
        [start] = record.wait("start")
        # The broker started the process with PLEXUS_INSTANCE=sup-1 and the SDK registered with exactly it:
        # otherwise the broker would list an attached session beside a supervised instance stuck in
        # "starting" (and kill it at start_timeout).
        self.assertEqual((start["env_instance"], start["instance"], start["env_plugin"]), ("sup-1", "sup-1", "sup"))
        self.assertEqual(start["config"], {"greeting": "hi"})
        self.assertEqual(info["instance"], "sup-1")
        self.assertEqual(info["pid"], start["pid"])
        self.assertFalse(info["attached"])
        self.assertEqual((info["language"], info["type"], info["version"]), ("python", "test", "1.0.0"))
        self.assertEqual(info["subscriptions"], ["work.>"])  # the SDK's own prefixes are not listed
        self.assertEqual(info["generation"], 0)
        self.assertEqual([i["instance"] for i in broker.client().status()], ["sup-1"])  # no attached twin


class ReloadTest(BrokerTestCase):
    def test_reload_rereads_the_topology_file(self):
        record = Record(self.path("record.jsonl"))
        script = self.script()
        broker = self.start_mesh(plugin_entry("sup", script, record.path, {"greeting": "a"}))
        broker.wait_running("sup")
        self.assertEqual(record.wait("start")[0]["config"], {"greeting": "a"})

        def edit(config: Optional[Dict[str, Any]]) -> None:
            with open(broker.topology, "w", encoding="utf-8") as f:
                f.write("plugins:\n" + plugin_entry("sup", script, record.path, config))

        edit({"greeting": "b", "n": [1, 2]})
        self.assertEqual(broker.client().reload("sup"), {"instances": ["sup-1"]})
        self.assertEqual(record.wait("reload")[0]["config"], {"greeting": "b", "n": [1, 2]})
        # An unchanged config still reaches the hook (an explicit reload may mean "reopen your files").
        broker.client().reload("sup")
        self.assertEqual(record.wait("reload", 2)[1]["config"], {"greeting": "b", "n": [1, 2]})
        # No config block any more: the plugin gets {}.
        edit(None)
        broker.client().reload("sup")
        self.assertEqual(record.wait("reload", 3)[2]["config"], {})
        self.assertEqual(len(record.hooks("start")), 1)  # no restart
        self.assertEqual(broker.instances("sup")[0]["state"], "running")

    def test_reload_of_an_unknown_plugin(self):
        broker = self.start_broker("plugins: {}\n")
        with self.assertRaises(PlexusError) as cm:
            broker.client().reload("nope")
        self.assertEqual(cm.exception.code, 404)


class StopDrainTest(BrokerTestCase):
    """Section 4: told STOP in the middle of a slow handler, the plugin finishes that event, takes no
    other, calls on_stop, says GOODBYE and exits 0."""

    def test_stop_command_on_a_busy_supervised_plugin(self):
        record = Record(self.path("record.jsonl"))
        broker = self.start_mesh(plugin_entry("slow", self.script(), record.path, {"handler_delay": 1.0}))
        [info] = broker.wait_running("slow")
        client = broker.client()
        seqs = [client.publish("work.item", {"n": n}) for n in range(4)]
        record.wait("begin")                 # the first handler is sleeping now ...
        client.stop("slow")                  # ... and STOP arrives meanwhile
        [stopped] = broker.wait_instances("slow", lambda i: i["state"] == "stopped", what="slow stopped")
        self.assertEqual(stopped["last_exit"], "exit 0")
        hooks = [(r["hook"], r.get("seq")) for r in record.lines() if r["pid"] == info["pid"] and r["hook"] != "mesh"]
        self.assertEqual(hooks, [("start", None), ("begin", seqs[0]), ("end", seqs[0]), ("stop", None),
                                 ("exit", None)])

    def test_stop_method_drains_too(self):  # what SIGTERM/SIGINT do
        broker = self.start_broker()
        calls: List[Any] = []
        busy, release = threading.Event(), threading.Event()

        def on_event(event):
            calls.append(("event", event.json()))
            busy.set()
            release.wait(TIMEOUT)

        plugin = self.run_plugin(Plugin("drainer", subscriptions=["work.>"], on_event=on_event,
                                        on_stop=lambda: calls.append(("stop", None))), broker)
        self.session(broker, plugin.instance)
        for n in range(4):
            broker.client().publish("work.item", n)
        self.assertTrue(busy.wait(TIMEOUT), "first event not delivered")
        plugin.stop("SIGTERM")
        release.set()
        plugin.test_thread.join(TIMEOUT)
        self.assertEqual(calls, [("event", 0), ("stop", None)])


class MeshReadyTest(BrokerTestCase):
    ROUNDS = 20

    def test_own_ready_completing_the_mesh_triggers_the_hook(self):
        # The broker publishes plexus.mesh.ready the moment the last plugin says READY. With the probe,
        # READY comes only once the plugin's subscriptions are live, so it never misses that event.
        record = Record(self.path("record.jsonl"))
        broker = self.start_mesh(plugin_entry("meshy", self.script(), record.path))
        missed = []
        pids = []
        for round_ in range(self.ROUNDS):
            if round_:
                broker.client().restart("meshy")
            [start] = record.wait("start", round_ + 1)[round_:]
            pids.append(start["pid"])
            broker.wait_instances("meshy", lambda i: i["state"] == "running" and i["pid"] == start["pid"])
            try:
                [mesh] = record.wait("mesh", pid=start["pid"], timeout=3.0)
                self.assertEqual(mesh["plugins"], ["meshy"])
            except AssertionError:
                missed.append(round_)
        self.assertEqual(len(set(pids)), self.ROUNDS, "every round is a new process")
        self.assertEqual(missed, [], f"on_mesh_ready missed in rounds {missed} of {self.ROUNDS}")

    def test_hook_without_a_matching_pattern(self):
        # Nothing subscribes to plexus.mesh.ready but the SDK itself: the hook runs, no handler does.
        record = Record(self.path("record.jsonl"))
        broker = self.start_mesh(plugin_entry("meshy", self.script(), record.path))
        broker.wait_running("meshy")
        record.wait("mesh")
        broker.client().publish("work.marker", b"")
        record.wait("end")
        self.assertEqual([r["topic"] for r in record.hooks("begin")], ["work.marker"])


class ProbeTest(BrokerTestCase):
    """Section 4: READY only after a probe on plexus.sync.INSTANCE came back through the plugin's SUB."""

    def test_ready_means_the_plugin_receives_events(self):
        broker = self.start_broker()
        client = broker.client()
        for round_ in range(10):
            got = threading.Event()
            plugin = Plugin("prober", instance=f"prober-{round_}", subscriptions=["work.>"],
                            on_event=lambda event, got=got: got.set())
            self.run_plugin(plugin, broker)
            self.session(broker, plugin.instance)      # READY seen by the broker ...
            client.publish(f"work.{round_}", b"")      # ... so this must arrive (no slow-joiner loss)
            self.assertTrue(got.wait(TIMEOUT), f"round {round_}: event published after READY was lost")
            plugin.stop("next round")
            plugin.test_thread.join(TIMEOUT)

    def test_probes_never_reach_handlers(self):
        broker = self.start_broker()
        topics: List[str] = []
        everything = self.run_plugin(Plugin("everything", subscriptions=[">"],
                                            on_event=lambda event: topics.append(event.topic)), broker)
        self.session(broker, everything.instance)
        other = self.run_plugin(Plugin("other"), broker)  # its probes go past ">" too
        self.session(broker, other.instance)
        client = broker.client()
        client.publish("plexus.sync.someone", b"")        # the broker lets anyone use these topics
        client.publish(f"plexus.sync.{everything.instance}", b"")
        client.publish("work.marker", b"")
        wait_for(lambda: "work.marker" in topics, what="marker event")
        self.assertEqual([t for t in topics if t.startswith("plexus.sync.")], [])
        stats = client.stats()["topics"]
        self.assertGreaterEqual(stats[f"plexus.sync.{other.instance}"]["count"], 1)  # it did probe

    def test_events_before_on_start_are_handled_after_it(self):
        broker = self.start_broker()
        client = broker.client()
        calls: List[Any] = []
        plugin = Plugin("held", subscriptions=["work.>"], on_start=lambda ctx: calls.append("start"),
                        on_event=lambda event: calls.append(event.json()))
        plugin._send_probe = lambda: None  # hold the probe back: subscriptions live, no READY yet
        patch = mock.patch.object(plexus.plugin, "PROBE_TIMEOUT_S", 60.0)  # and no giving up meanwhile
        patch.start()
        self.addCleanup(patch.stop)
        subscriptions = client.stats()["subscriptions"]
        self.run_plugin(plugin, broker)
        # work., plexus.mesh.ready and plexus.sync.INSTANCE have reached the broker's XPUB.
        wait_for(lambda: client.stats()["subscriptions"] >= subscriptions + 3, what="subscriptions")
        for n in range(3):
            client.publish("work.item", n)
        self.assertEqual(broker.client().plugins()[0]["state"], "starting")
        del plugin._send_probe  # let probes out: confirmation, on_start, READY, then the held events
        self.session(broker, plugin.instance)
        wait_for(lambda: len(calls) == 4, what="held events handled")
        self.assertEqual(calls, ["start", 0, 1, 2])

    def test_gives_up_after_the_timeout_and_sends_ready_anyway(self):
        broker = self.start_broker()
        started = threading.Event()
        plugin = Plugin("lost", on_start=lambda ctx: started.set())
        plugin._send_probe = lambda: None  # as if every probe were lost
        with mock.patch.object(plexus.plugin, "PROBE_TIMEOUT_S", 0.5), \
                self.assertLogs("plexus", "WARNING") as logs:
            self.run_plugin(plugin, broker)
            self.session(broker, plugin.instance)
        self.assertTrue(started.is_set())
        self.assertTrue(any("subscriptions not confirmed within" in line for line in logs.output), logs.output)


class PublishAckTest(BrokerTestCase):
    def test_publish_ack_returns_the_stamped_seq(self):
        broker = self.start_broker()
        sub = Subscriber(broker, "acked.>")
        self.addCleanup(sub.close)
        results: Dict[str, Any] = {}

        def on_start(ctx):
            results["seq"] = ctx.publish_ack("acked.start", {"n": 1}, {"k": "v"})
            try:
                ctx.publish_ack("plexus.plugin.running", {})  # reserved for the broker
            except PlexusError as exc:
                results["error"] = exc

        plugin = self.run_plugin(Plugin("acker", on_start=on_start), broker)
        self.session(broker, plugin.instance)
        event = sub.expect(lambda e: e.topic == "acked.start")
        self.assertEqual(event.seq, results["seq"])
        self.assertEqual(event.source, plugin.instance)
        self.assertEqual(event.headers, {"k": "v"})
        self.assertEqual(event.json(), {"n": 1})
        self.assertEqual(results["error"].code, 400)


class ReconnectTest(BrokerTestCase):
    """A plugin outlives its broker: the next one, on the same control port (other event ports), gets a
    new REGISTER, a new probe and a new READY; a changed config block reaches on_reload."""

    def topology(self, version: int) -> str:
        return f"plugins:\n  rc:\n    config: {{v: {version}}}\n"

    def plugin(self, broker: BrokerProcess):
        calls: List[Any] = []
        plugin = Plugin("rc", subscriptions=["work.>"], on_start=lambda ctx: calls.append(("start", ctx.config)),
                        on_reload=lambda config: calls.append(("reload", config)),
                        on_event=lambda event: calls.append(("event", event.topic)),
                        on_stop=lambda: calls.append(("stop", None)))
        self.run_plugin(plugin, broker)
        self.session(broker, plugin.instance)
        return plugin, calls

    def restart_broker(self, old: BrokerProcess, kill: bool, version: int) -> BrokerProcess:
        control = old.control
        if kill:
            old.kill()  # no DISCONNECT: the plugin's next HEARTBEAT gets ERR 401 from the new broker
        else:
            self.assertEqual(old.stop(), 0)  # DISCONNECT: the plugin waits one heartbeat interval
        new = self.start_broker(self.topology(version), control=control)
        self.assertEqual(new.control, control)
        self.assertNotEqual(new.endpoints["events_out"], old.endpoints["events_out"])
        return new

    def check_reconnected(self, plugin: Plugin, new: BrokerProcess, calls: List[Any]) -> None:
        self.session(new, plugin.instance)
        self.assertEqual(plugin.welcome["events_out"], new.endpoints["events_out"])
        # The probe ran again, against the new broker, through the moved sockets ...
        self.assertGreaterEqual(new.client().stats()["topics"][f"plexus.sync.{plugin.instance}"]["count"], 1)
        # ... so an event published right away arrives.
        new.client().publish("work.after", b"")
        wait_for(lambda: ("event", "work.after") in calls, what="event through the new broker")

    def test_after_a_crash_with_a_changed_config(self):
        first = self.start_broker(self.topology(1))
        plugin, calls = self.plugin(first)
        second = self.restart_broker(first, kill=True, version=2)
        self.check_reconnected(plugin, second, calls)
        self.assertEqual(calls, [("start", {"v": 1}), ("reload", {"v": 2}), ("event", "work.after")])
        self.assertEqual(plugin.config, {"v": 2})

    def test_after_a_clean_shutdown_with_the_same_config(self):
        first = self.start_broker(self.topology(1))
        plugin, calls = self.plugin(first)
        broker_id = plugin.welcome["broker"]
        second = self.restart_broker(first, kill=False, version=1)
        self.check_reconnected(plugin, second, calls)
        self.assertNotEqual(plugin.welcome["broker"], broker_id)
        self.assertEqual(calls, [("start", {"v": 1}), ("event", "work.after")])  # same config: no reload


class ClientCommandsTest(BrokerTestCase):
    """Client.status/start/stop/restart/upgrade/reload/apply/logs against a broker supervising one plugin."""

    def test_lifecycle_commands(self):
        record = Record(self.path("record.jsonl"))
        broker = self.start_mesh(plugin_entry("sv", self.script(), record.path))
        client = broker.client()
        [first] = broker.wait_running("sv")

        reply = client.stop("sv")
        self.assertEqual([i["instance"] for i in reply], ["sv-1"])
        [stopped] = broker.wait_instances("sv", lambda i: i["state"] == "stopped")
        self.assertEqual(stopped["last_exit"], "exit 0")
        with self.assertRaises(PlexusError) as cm:
            client.upgrade("sv")  # not running
        self.assertEqual(cm.exception.code, 409)

        self.assertEqual([i["name"] for i in client.start("sv")], ["sv"])
        [started] = broker.wait_running("sv")
        self.assertNotEqual(started["pid"], first["pid"])

        client.restart("sv")
        [restarted] = broker.wait_instances("sv", lambda i: i["state"] == "running" and i["pid"] != started["pid"])

        client.upgrade("sv")
        [upgraded] = broker.wait_instances("sv", lambda i: i["generation"] == 1 and i["state"] == "running")
        self.assertEqual(upgraded["instance"], "sv-1-g1")
        self.assertNotEqual(upgraded["pid"], restarted["pid"])
        self.assertEqual(record.wait("start", where=lambda r: r["instance"] == "sv-1-g1")[0]["env_instance"],
                         "sv-1-g1")
        record.wait("exit", pid=restarted["pid"])  # the old generation stopped once the new one ran

        for call in (lambda: client.start("nope"), lambda: client.stop("nope"), lambda: client.logs("nope")):
            with self.assertRaises(PlexusError) as cm:
                call()
            self.assertEqual(cm.exception.code, 404)

    def test_status_lists_attached_plugins_too(self):
        broker = self.start_broker("plugins: {}\n")
        plugin = self.run_plugin(Plugin("att"), broker)
        self.session(broker, plugin.instance)
        [info] = broker.client().status()
        self.assertEqual((info["instance"], info["attached"], info["state"]), (plugin.instance, True, "running"))
        with self.assertRaises(PlexusError) as cm:
            broker.client().restart("att")
        self.assertEqual(cm.exception.code, 409)

    def test_logs(self):
        record = Record(self.path("record.jsonl"))
        broker = self.start_mesh(plugin_entry("sv", self.script(), record.path))
        broker.wait_running("sv")
        client = broker.client()
        # The SDK logs to stderr; the broker captures it line by line.
        logs = wait_for(lambda: (lambda r: r if any("subscriptions confirmed" in l["line"] for l in r["lines"])
                                 else None)(client.logs("sv")), what="captured log line")
        self.assertTrue(all(l["instance"] == "sv-1" and l["stream"] == "stderr" for l in logs["lines"]))
        self.assertEqual(logs["next"], logs["lines"][-1]["seq"])
        one = client.logs("sv", since=0, limit=1)
        self.assertEqual(one["lines"], logs["lines"][:1])
        self.assertEqual(one["next"], logs["lines"][0]["seq"])
        rest = client.logs("sv", since=one["next"])
        self.assertEqual(rest["lines"][:len(logs["lines"]) - 1], logs["lines"][1:])
        self.assertEqual(client.logs("sv", since=10**9)["lines"], [])
        with self.assertRaises(ValueError):
            client.logs("sv", since=-1)

    def test_apply(self):
        record = Record(self.path("record.jsonl"))
        script = self.script()
        broker = self.start_mesh(plugin_entry("a", script, record.path, {"x": 1}))
        broker.wait_running("a")
        client = broker.client()
        # Change a's config only (reload) and add b (start). Relative paths resolve against base_dir.
        yaml = ("plugins:\n" + plugin_entry("a", script, record.path, {"x": 2})
                + plugin_entry("b", os.path.basename(script), record.path))
        plan = client.apply(yaml, base_dir=self.tmp)
        self.assertEqual((plan["reload"], plan["start"], plan["stop"], plan["restart"]), (["a"], ["b"], [], []))
        self.assertEqual(record.wait("reload")[0]["config"], {"x": 2})
        broker.wait_running("b")
        # Remove a (stop).
        plan = client.apply("plugins:\n" + plugin_entry("b", os.path.basename(script), record.path))
        self.assertEqual((plan["stop"], plan["unchanged"]), (["a"], ["b"]))
        wait_for(lambda: not broker.instances("a"), what="a removed")
        with self.assertRaises(PlexusError) as cm:
            client.apply("plugins: [")
        self.assertEqual(cm.exception.code, 400)


class AuditExampleTest(BrokerTestCase):
    def test_audit_writes_events_but_no_probes(self):
        path = self.path("audit.jsonl")
        broker = self.start_mesh(
            "  audit:\n"
            f"    command: [python3, {json.dumps(str(REPO / 'plugins' / 'audit' / 'audit.py'))}]\n"
            f"    config: {{path: {json.dumps(path)}}}\n")
        broker.wait_running("audit")
        client = broker.client()
        client.publish("work.audited", {"id": 1})
        client.publish("plexus.sync.someone", b"")

        def audited() -> Optional[List[Dict[str, Any]]]:
            try:
                with open(path, encoding="utf-8") as f:
                    lines = [json.loads(line) for line in f.read().split("\n")[:-1]]
            except FileNotFoundError:
                return None
            return lines if any(line["topic"] == "work.audited" for line in lines) else None

        lines = wait_for(audited, what="audited event")
        self.assertEqual([line for line in lines if line["topic"].startswith("plexus.sync.")], [])
        self.assertIn("plexus.mesh.ready", [line["topic"] for line in lines])  # audited like any event


class MissingBinaryTest(unittest.TestCase):
    def test_missing_binary_fails_with_a_clear_message(self):
        with mock.patch.dict(os.environ, {"PLEXUS_BIN": "/nonexistent/plexus"}):
            with self.assertRaisesRegex(AssertionError, r"/nonexistent/plexus does not exist.*swift build"):
                broker_binary(grace=0)


if __name__ == "__main__":
    unittest.main()
