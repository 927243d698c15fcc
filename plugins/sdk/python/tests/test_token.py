"""The supervised registration token (``$PLEXUS_TOKEN``): taken out of the environment, sent as ``"token"``
in every REGISTER when it was set (also when registering again) and left out otherwise, given to one plugin
only (the one registering as ``$PLEXUS_INSTANCE``), and never shown by a repr, a str or a log line. No broker,
no sockets: REGISTER frames are captured from ``_send_frames``."""

import json
import logging
import os
import subprocess
import sys
import unittest
from typing import Any, Dict, List

import plexus.session
from plexus import ENV_TOKEN, Plugin, PluginContext
from plexus import protocol as P
from plexus.session import RegistrationToken, claim_token, take_token
from tests.harness import SDK_DIR

TOKEN = "0123456789abcdef" * 4


class TokenEnvironment(unittest.TestCase):
    """Sets $PLEXUS_TOKEN (and $PLEXUS_INSTANCE) in os.environ for one test; afterwards neither is left there,
    nor an unclaimed token in the SDK (other tests' plugins must register without one)."""

    def setUp(self) -> None:
        saved = {key: os.environ.get(key) for key in (ENV_TOKEN, P.ENV_INSTANCE)}
        self.addCleanup(self.restore, saved)
        os.environ.pop(P.ENV_INSTANCE, None)
        os.environ[ENV_TOKEN] = TOKEN

    @staticmethod
    def restore(saved: Dict[str, Any]) -> None:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        plexus.session._unclaimed = None

    @staticmethod
    def registers(plugin: Plugin, times: int = 1) -> List[Dict[str, Any]]:
        """The bodies of ``times`` REGISTERs the plugin sends (as at start and at each re-registration)."""
        sent: List[List[bytes]] = []
        plugin._send_frames = sent.append  # type: ignore[method-assign]
        for _ in range(times):
            plugin._register()
        assert all(frames[2] == P.REGISTER for frames in sent)
        return [json.loads(frames[3]) for frames in sent]


class RegisterTokenTest(TokenEnvironment):
    def test_register_carries_the_token_every_time_and_the_environment_loses_it(self):
        plugin = Plugin("sup")
        self.assertNotIn(ENV_TOKEN, os.environ)  # child processes do not inherit it
        bodies = self.registers(plugin, times=3)  # the first REGISTER and two re-registrations
        self.assertEqual([body["token"] for body in bodies], [TOKEN] * 3)
        self.assertEqual(bodies[0]["name"], "sup")

    def test_no_token_without_the_variable(self):
        del os.environ[ENV_TOKEN]
        body = self.registers(Plugin("att"))[0]
        self.assertNotIn("token", body)
        os.environ[ENV_TOKEN] = ""  # empty counts as unset
        self.assertNotIn("token", self.registers(Plugin("att2"))[0])
        self.assertNotIn(ENV_TOKEN, os.environ)

    def test_one_plugin_gets_it(self):
        first, second = Plugin("a"), Plugin("b")
        self.assertEqual(self.registers(first)[0]["token"], TOKEN)
        self.assertNotIn("token", self.registers(second)[0])

    def test_the_plugin_registering_as_plexus_instance_gets_it(self):
        os.environ[P.ENV_INSTANCE] = "sup-1"
        other = Plugin("helper", instance="helper-1")  # not the instance the broker started
        plugin = Plugin("sup")
        self.assertEqual(plugin.instance, "sup-1")
        self.assertNotIn("token", self.registers(other)[0])
        self.assertEqual(self.registers(plugin)[0]["token"], TOKEN)

    def test_never_shown(self):
        plugin = Plugin("sup")
        context = PluginContext(plugin, {"config": {}, "broker": "b"})
        for text in (repr(plugin), str(plugin), repr(vars(plugin)), repr(plugin._token), str(plugin._token),
                     f"{plugin._token}", repr(context), repr(vars(context))):
            self.assertNotIn(TOKEN, text)
        self.assertEqual(repr(plugin._token), "RegistrationToken(<hidden>)")

    def test_never_logged(self):
        os.environ[ENV_TOKEN] = "not-hex-" + TOKEN  # malformed: warned about, still not shown
        with self.assertLogs("plexus", logging.DEBUG) as logs:
            plugin = Plugin("sup")
            self.registers(plugin, times=2)
            plugin._on_error([b'{"code":401,"error":"unauthorized","message":"not registered"}'])
        self.assertTrue(any("not 64 hexadecimal" in line for line in logs.output), logs.output)
        self.assertFalse(any(TOKEN in line for line in logs.output), logs.output)


class TakeTokenTest(unittest.TestCase):
    def test_take_and_claim_with_a_given_environment(self):
        env = {ENV_TOKEN: TOKEN, "OTHER": "x"}
        token = take_token(env)
        self.assertIsInstance(token, RegistrationToken)
        assert token is not None
        self.assertEqual((token.reveal(), env), (TOKEN, {"OTHER": "x"}))
        self.assertIsNone(take_token(env))
        saved = plexus.session._unclaimed
        self.addCleanup(setattr, plexus.session, "_unclaimed", saved)
        plexus.session._unclaimed = None
        env = {ENV_TOKEN: TOKEN, P.ENV_INSTANCE: "sup-1"}
        self.assertIsNone(claim_token("other-1", env))
        self.assertNotIn(ENV_TOKEN, env)
        claimed = claim_token("sup-1", env)
        self.assertEqual(claimed.reveal() if claimed else None, TOKEN)
        self.assertIsNone(claim_token("sup-1", env))

    def test_importing_plexus_takes_it_out_of_the_environment(self):
        # A fresh interpreter, as a supervised plugin starts: after `import plexus` a child sees no token.
        code = ("import os, subprocess, sys\n"
                f"sys.path.append({str(SDK_DIR)!r})\n"  # after site-packages: the installed SDK wins
                "import plexus\n"
                "child = subprocess.run([sys.executable, '-c', 'import os; print(os.environ.get(\"PLEXUS_TOKEN\"))'],"
                " capture_output=True, text=True).stdout.strip()\n"
                "plugin = plexus.Plugin('sup')\n"
                "print(child, os.environ.get('PLEXUS_TOKEN'), plugin._token.reveal() == os.environ.get('T'))\n")
        env = dict(os.environ, PLEXUS_TOKEN=TOKEN, T=TOKEN)
        env.pop(P.ENV_INSTANCE, None)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.split(), ["None", "None", "True"])
        self.assertNotIn(TOKEN, out.stderr)


if __name__ == "__main__":
    unittest.main()
