"""The :class:`PluginContext` handed to ``Plugin.on_start``."""

import logging
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional

if TYPE_CHECKING:  # pragma: no cover - only for type checkers; avoids an import cycle
    from .plugin import Plugin


class PluginContext:
    """What a plugin knows once the broker welcomed it.

    Attributes: ``plugin`` (the :class:`~plexus.Plugin`), ``config`` (dict: the plugin's ``config:``
    block from the broker's topology, ``{}`` when none), ``instance`` (this process's instance id),
    ``broker`` (the broker's id), ``welcome`` (the whole decoded ``WELCOME`` body, endpoints already
    resolved) and ``log`` (the plugin's logger). ``publish``/``publish_ack``/``call``/``subscribe`` are
    shortcuts to the plugin's methods.

    The plugin keeps the context it handed to ``on_start`` current, so it may be stored: ``config`` is
    replaced by a ``RELOAD`` or a changed config at re-registration (before ``on_reload`` runs), and
    ``welcome``/``broker`` follow each new ``WELCOME``.
    """

    def __init__(self, plugin: "Plugin", welcome: Dict[str, Any]) -> None:
        self.plugin = plugin
        self.welcome = welcome
        self.config: Dict[str, Any] = welcome.get("config") or {}
        self.instance: str = plugin.instance
        self.broker: Optional[str] = welcome.get("broker")
        self.log: logging.Logger = plugin.log

    def publish(self, topic: str, data: Any, headers: Optional[Dict[str, str]] = None) -> None:
        """See :meth:`Plugin.publish`."""
        self.plugin.publish(topic, data, headers)

    def publish_ack(self, topic: str, data: Any, headers: Optional[Dict[str, str]] = None,
                    timeout: float = 5.0) -> int:
        """See :meth:`Plugin.publish_ack`."""
        return self.plugin.publish_ack(topic, data, headers, timeout=timeout)

    def call(self, service: str, data: Any = b"", timeout: float = 5.0, headers: Optional[Dict[str, str]] = None,
             idempotent: bool = False, on_partial: Optional[Callable[[bytes], Any]] = None) -> bytes:
        """See :meth:`Plugin.call`."""
        return self.plugin.call(service, data, timeout, headers, idempotent, on_partial)

    def subscribe(self, pattern: str, handler: Optional[Callable[..., Any]] = None) -> Callable[..., Any]:
        """See :meth:`Plugin.subscribe`."""
        return self.plugin.subscribe(pattern, handler)
