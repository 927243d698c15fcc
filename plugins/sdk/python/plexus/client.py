"""A synchronous client for the ``PLXC01`` request/reply protocol (docs/PROTOCOL.md, sections 3, 6 and 9)."""

import json
import logging
import os
import time
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Union

import zmq

from . import protocol as P
from . import events_codec as E
from . import service_codec as S
from . import curve as C
from .errors import PlexusError, PlexusTimeout, ProtocolError
from .event import Event

log = logging.getLogger("plexus.client")

#: How often ``on_wait`` runs while a request waits for its reply (seconds).
WAIT_SLICE = 0.1
#: How much longer than its timeout a ``CALL`` waits for the broker: the broker answers 504 at the
#: deadline itself, and that answer (which says where the time went) should win over a local timeout.
CALL_GRACE_S = 2.0


class Client:
    """Talks ``PLXC01`` to the broker's control endpoint over one DEALER socket.

    ``endpoint`` defaults to ``$PLEXUS_BROKER``, else ``tcp://127.0.0.1:7700``. ``timeout`` (seconds) is
    the default deadline of each request. ``on_wait``, when given, is called about every 100 ms while a
    request waits (the plugin runtime uses it to keep heartbeating). Requests run one at a time; a Client
    is not thread-safe (ZeroMQ sockets are not). Use it as a context manager or call :meth:`close`.

    Every method raises :class:`PlexusError` on an ``ERR`` reply, :class:`PlexusTimeout` (code 504)
    when no reply arrives in time, and :class:`ProtocolError` when the reply is malformed.
    """

    def __init__(self, endpoint: Optional[str] = None, timeout: float = 5.0,
                 context: Optional["zmq.Context[Any]"] = None,
                 on_wait: Optional[Callable[[], None]] = None, curve: Optional[C.CurveKeys] = None) -> None:
        self.endpoint = endpoint or os.environ.get(P.ENV_BROKER) or P.DEFAULT_CONTROL
        self.timeout = timeout
        self.on_wait = on_wait
        self._ctx = context or zmq.Context.instance()
        self._socket: Optional["zmq.Socket[bytes]"] = None
        self._monitor: Optional["zmq.Socket[bytes]"] = None
        self._next_id = 0
        #: CURVE keys (``security.curve``): from ``curve`` or the environment (:mod:`plexus.curve`).
        self.curve = curve if curve is not None else C.from_environment()

    # -- commands ---------------------------------------------------------------------------

    def ping(self, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``PING``: ``{"pong": true, "time", "broker", "version", "uptime_s"}``."""
        return self._json(self.request(P.PING, timeout=timeout), "PING reply")

    def discover(self, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``DISCOVER``: the broker's endpoints and heartbeat settings. Wildcard hosts in the endpoints
        are replaced by the host of this client's control endpoint. A client that reached the broker over
        ``ipc://`` (a sandboxed process without network) gets the ``ipc`` event endpoints."""
        info = self._json(self.request(P.DISCOVER, timeout=timeout), "DISCOVER reply")
        ipc = info.get("ipc")
        if self.endpoint.startswith("ipc://") and isinstance(ipc, dict):
            for key in ("events_in", "events_out"):
                if isinstance(ipc.get(key), str):
                    info[key] = ipc[key]
        for key in ("control", "events_in", "events_out"):
            if isinstance(info.get(key), str):
                info[key] = P.resolve_endpoint(info[key], self.endpoint)
        return info

    def publish(self, topic: str, data: P.Payload, headers: Optional[Dict[str, str]] = None,
                timeout: Optional[float] = None) -> int:
        """Acknowledged ``PUBLISH``: returns the sequence number the broker stamped the event with, once the
        event is stored in the broker's event log (docs/PROTOCOL.md section 10; a broker without a log answers
        once it forwarded it). A 503 means the log could not take it (it was still forwarded live; the error's
        ``details`` hold its seq). ``data`` may be bytes, str (UTF-8) or anything JSON-serializable."""
        request_id = self._new_id()
        frames = P.encode_publish(request_id, topic, data, headers)
        body = self._json(self._exchange(frames, request_id, timeout), "PUBLISH reply")
        seq = body.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool):
            raise ProtocolError(f"PUBLISH reply: 'seq' must be an integer, got {seq!r}")
        return seq

    def plugins(self, timeout: Optional[float] = None) -> List[Dict[str, Any]]:
        """``PLUGINS``: the list of instance objects of the sessions the broker holds."""
        return self._json_list(self.request(P.PLUGINS, timeout=timeout), "PLUGINS reply")

    def stats(self, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``STATS``: counters of the broker."""
        return self._json(self.request(P.STATS, timeout=timeout), "STATS reply")

    def metrics(self, timeout: Optional[float] = None) -> str:
        """``METRICS``: the broker's metrics in the Prometheus text format (docs/METRICS.md), what
        ``GET /metrics`` serves; ``prometheus_client.parser.text_string_to_metric_families`` reads it."""
        body = self.request(P.METRICS, timeout=timeout)
        return body[0].decode("utf-8") if body else ""

    # -- supervision (section 3): the broker starts and stops the plugins of its topology ------

    def status(self, timeout: Optional[float] = None) -> List[Dict[str, Any]]:
        """``STATUS``: instance objects of every supervised instance (with ``state``, ``restarts``,
        ``last_exit``, ``generation``, ``reason``, and ``resources`` once sampled: ``rss_bytes``,
        ``cpu_seconds``, ``open_fds``, ``threads``, ``sampled_at``), then of every attached one."""
        return self._json_list(self.request(P.STATUS, timeout=timeout), "STATUS reply")

    def start(self, name: str, timeout: Optional[float] = None) -> List[Dict[str, Any]]:
        """``START NAME``: returns NAME's instance objects once the start is set in motion (poll
        :meth:`status` for ``running``). 404 for an unknown plugin, 409 for an attached one."""
        return self._lifecycle(P.START, name, timeout)

    def stop(self, name: str, timeout: Optional[float] = None) -> List[Dict[str, Any]]:
        """``STOP NAME``: the broker tells NAME's instances to stop (``STOP``, then SIGTERM and SIGKILL
        past ``stop_timeout``) and keeps them stopped. Returns the instance objects at once."""
        return self._lifecycle(P.STOP, name, timeout)

    def restart(self, name: str, timeout: Optional[float] = None) -> List[Dict[str, Any]]:
        """``RESTART NAME``: stop, then start again. Returns the instance objects at once."""
        return self._lifecycle(P.RESTART, name, timeout)

    def upgrade(self, name: str, timeout: Optional[float] = None) -> List[Dict[str, Any]]:
        """``UPGRADE NAME``: new instances (next ``generation``) start; each old one is told to stop
        once its successor is running. 409 when NAME is not running."""
        return self._lifecycle(P.UPGRADE, name, timeout)

    def reload(self, name: str, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``RELOAD NAME``: the broker re-reads its topology file and sends NAME's ``config:`` block to
        every instance (``RELOAD``). Returns ``{"instances": [ids it was sent to]}``."""
        return self._json(self.request(P.RELOAD, name.encode("utf-8"), timeout=timeout), "RELOAD reply")

    def apply(self, yaml_text: str, base_dir: Optional[str] = None, dry_run: bool = False,
              timeout: Optional[float] = None) -> Dict[str, Any]:
        """``APPLY``: moves the running mesh to the topology ``yaml_text`` (relative paths resolve
        against ``base_dir``, default the directory of the running topology). Returns the plan
        ``{"start", "stop", "restart", "reload", "unchanged": [names], "notes": [text], "dry_run",
        "problems", "changes", "tasks"}``; with ``dry_run`` nothing changes and launch problems are
        listed in ``problems`` instead of refusing the apply."""
        args = [yaml_text.encode("utf-8")]
        if base_dir is not None:
            args.append(os.fspath(base_dir).encode("utf-8"))
        elif dry_run:
            args.append(b"")  # BASE_DIR keeps its place before OPTIONS
        if dry_run:
            args.append(json.dumps({"dry_run": True}).encode("utf-8"))
        return self._json(self.request(P.APPLY, *args, timeout=timeout), "APPLY reply")

    def shutdown(self, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``SHUTDOWN``: the broker answers ``{"broker", "instances"}``, then stops the mesh the way
        SIGTERM does."""
        return self._json(self.request(P.SHUTDOWN, timeout=timeout), "SHUTDOWN reply")

    def logs(self, name: str, since: int = 0, limit: int = 1000,
             timeout: Optional[float] = None) -> Dict[str, Any]:
        """``LOGS``: captured output of NAME's processes after line ``since``, at most ``limit`` lines:
        ``{"lines": [{"seq", "time", "instance", "stream", "line"}], "next": N}``; pass ``next`` as
        ``since`` to follow. 404 for a plugin the broker does not supervise."""
        args = P.encode_logs_args(name, since, limit)
        return self._json(self.request(P.LOGS, *args, timeout=timeout), "LOGS reply")

    # -- services (section 6) ------------------------------------------------------------------

    def call(self, service: str, data: P.Payload = b"", timeout: float = S.DEFAULT_CALL_TIMEOUT_S,
             headers: Optional[Dict[str, str]] = None, idempotent: bool = False,
             on_partial: Optional[Callable[[bytes], Any]] = None) -> bytes:
        """``CALL``: asks the broker to run ``service`` on one of the instances that offer it and returns
        the final answer's body. ``data`` is bytes, str (UTF-8) or anything JSON-serializable.

        ``timeout`` (seconds, up to 600) is the request's deadline, enforced by the broker, which answers
        504 when it passes (queued or in flight); ``headers`` (str to str) reach the handler; with
        ``idempotent`` the broker may hand the request to another instance when its instance dies.
        ``on_partial(body)`` is called for each ``PARTIAL`` (part of a streamed answer) before the final
        answer; without it, parts are dropped. If it raises, the call is abandoned (the socket is closed,
        so that nothing of this call surfaces later) and the exception propagates.

        Raises :class:`PlexusError` with the broker's or the handler's code (404 ``unknown_service``, 429
        ``queue_full``, 503 ``circuit_open``/``instance_lost``, 500 ``handler_failed`` or the handler's
        own), :class:`PlexusTimeout` (code 504) when the deadline passed, and ``ValueError`` for a
        timeout out of range.
        """
        request_id = self._new_id()
        frames = S.encode_call(request_id, service, data, timeout, headers, idempotent)
        try:
            body = self._exchange(frames, request_id, timeout + CALL_GRACE_S, on_partial=on_partial, call=True)
        except PlexusTimeout:
            raise
        except PlexusError as exc:
            if exc.code == 504:  # the broker's deadline: raise it as the TimeoutError it is
                raise PlexusTimeout(exc.message or f"{service} did not answer within {timeout:g} s") from None
            raise
        return body[0] if body else b""

    def services(self, timeout: Optional[float] = None) -> List[Dict[str, Any]]:
        """``SERVICES``: the service table, one object per service: ``name``, ``breaker`` (``closed``,
        ``open``, ``half-open``), ``requests``, ``errors``, ``in_flight``, ``queued``, ``avg_ms``, ``p50_ms``,
        ``p99_ms`` (milliseconds to the microsecond) and ``instances`` (``[{"instance", "in_flight", "requests"}]``)."""
        return self._json_list(self.request(P.SERVICES, timeout=timeout), "SERVICES reply")

    # -- scheduled tasks (section 9) -----------------------------------------------------------

    def tasks_list(self, timeout: Optional[float] = None, offset: Optional[int] = None,
                   limit: Optional[int] = None) -> List[Dict[str, Any]]:
        """``TASKS LIST``: one task object per task (without ``history``): ``id``, ``origin``
        (``topology``/``runtime``), ``state`` (``pending``, ``running``, ``paused``, ``completed``,
        ``failed``, ``canceled``), ``run_count``, ``failure_count``, ``next_run``, ``last_run``,
        ``last_error``, ``avg_duration_ms``, ``p99_duration_ms``, ``running``, ``pending_retries``,
        ``schedule``, ``target``. The broker pages the list (docs/PROTOCOL.md section 3): with
        ``offset`` or ``limit`` one page is returned, without them every page is fetched."""
        def page(offset: int, limit: int) -> str:
            return json.dumps({"offset": offset, "limit": limit}, sort_keys=True, separators=(",", ":"))

        if offset is not None or limit is not None:
            return self._json_list(self._tasks(b"LIST", page(offset or 0, limit or 1000), timeout),
                                   "TASKS LIST reply")
        tasks: List[Dict[str, Any]] = []
        start = 0
        body = self._tasks(b"LIST", None, timeout)  # the first page: the broker's default
        for _ in range(10_000):  # bounded: each page holds at least one task
            tasks += self._json_list(body, "TASKS LIST reply")
            info = json.loads(body[1]) if len(body) > 1 else {}
            following = info.get("next_offset")
            if not isinstance(following, int) or following <= start:
                break
            start = following
            body = self._tasks(b"LIST", page(start, 10_000), timeout)
        return tasks

    def task_show(self, task_id: str, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``TASKS SHOW``: the task object with ``definition`` and ``history`` (the last runs, oldest
        first: ``run_id``, ``scheduled_at``, ``started_at``, ``finished_at``, ``attempt``, ``outcome``,
        ``error``, ``instances`` ``{instance: {"status", "message"}}``). 404 for an unknown id."""
        return self._task_command(b"SHOW", task_id, timeout)

    def task_add(self, definition: Union[Mapping[str, Any], str], timeout: Optional[float] = None) -> Dict[str, Any]:
        """``TASKS ADD``: adds a task at run time and returns its task object. ``definition`` is a mapping
        (sent as JSON) or JSON/YAML text with the keys of one entry of topology.yaml's ``tasks:`` plus
        ``id``, e.g. ``{"id": "backup", "every": "30s", "service": "db.backup", "max_runs": 5}``. 400 for a
        bad definition (the message names the field), 409 for an id in use."""
        text = definition if isinstance(definition, str) else P.encode_json(dict(definition)).decode("utf-8")
        return self._task_command(b"ADD", text, timeout)

    def task_remove(self, task_id: str, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``TASKS REMOVE``: ``{"removed": id}``. 404 for an unknown id, 409 for a task declared in the
        topology file (remove it there)."""
        return self._task_command(b"REMOVE", task_id, timeout)

    def task_pause(self, task_id: str, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``TASKS PAUSE``: no new runs until resumed; returns the task object. 404 unknown, 409 when it
        cannot be paused in its state."""
        return self._task_command(b"PAUSE", task_id, timeout)

    def task_resume(self, task_id: str, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``TASKS RESUME``: a paused task is scheduled again; returns the task object (404, 409)."""
        return self._task_command(b"RESUME", task_id, timeout)

    def task_cancel(self, task_id: str, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``TASKS CANCEL``: the task runs no more (runs in flight are cancelled); returns the task
        object (404, 409)."""
        return self._task_command(b"CANCEL", task_id, timeout)

    def task_trigger(self, task_id: str, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``TASKS TRIGGER``: one run now, outside the schedule; returns the task object (404, 409)."""
        return self._task_command(b"TRIGGER", task_id, timeout)

    # -- reliable events (section 10) ----------------------------------------------------------

    def events_state(self, timeout: Optional[float] = None) -> E.EventsState:
        """``EVENTS``: the event log's state (``head_seq``, ``first_seq``, ``last_seq``, ``epoch``, ...)."""
        request_id = self._new_id()
        return E.EventsState.decode(self._exchange(E.encode_events(request_id), request_id, timeout))

    def last_event(self, topic: str, timeout: Optional[float] = None) -> Optional[Event]:
        """``EVENTS LAST TOPIC``: the last stored event of ``topic``, or None when none is stored (404)."""
        request_id = self._new_id()
        try:
            body = self._exchange(E.encode_events_last(request_id, topic), request_id, timeout)
        except PlexusError as exc:
            if exc.code == 404:
                return None
            raise
        return E.decode_last_event(body)

    def replay(self, pattern: str, from_seq: Optional[int] = None, from_time: Optional[int] = None,
               last: Optional[int] = None, to_seq: Optional[int] = None, to_time: Optional[int] = None,
               max_events: int = E.DEFAULT_REPLAY_EVENTS, max_bytes: Optional[int] = None,
               timeout: Optional[float] = None) -> E.ReplayBatch:
        """``REPLAY``: one batch of stored events matching ``pattern``, in seq order, from ``from_seq``,
        ``from_time`` (µs) or the ``last`` N (at most one; none: from the oldest stored) up to the inclusive
        ``to_seq``/``to_time``. Ask again from the batch's ``next_seq`` to go on (or use :meth:`replay_all`).

        Raises :class:`PlexusError` 410 ``truncated`` when ``from_seq`` is older than the oldest stored event
        (its ``details["first_seq"]`` says where the log starts), 503 without a log, 400 for a bad request;
        ``ValueError`` before sending anything for arguments out of range."""
        request = E.ReplayRequest(pattern, from_seq, from_time, last, to_seq, to_time, max_events, max_bytes)
        return self.replay_request(request, timeout)

    def replay_request(self, request: E.ReplayRequest, timeout: Optional[float] = None) -> E.ReplayBatch:
        """``REPLAY`` with a prepared :class:`~plexus.events_codec.ReplayRequest`."""
        request_id = self._new_id()
        return E.ReplayBatch.decode(self._exchange(E.encode_replay(request_id, request), request_id, timeout))

    def replay_all(self, pattern: str, from_seq: Optional[int] = None, from_time: Optional[int] = None,
                   last: Optional[int] = None, to_seq: Optional[int] = None, to_time: Optional[int] = None,
                   max_events: int = E.DEFAULT_REPLAY_EVENTS,
                   timeout: Optional[float] = None) -> Iterator[E.ReplayBatch]:
        """Yields the batches of a replay, following ``next_seq`` until one is ``done`` (events stamped after
        the last request are not waited for). Arguments as :meth:`replay`; the first request carries the
        start, the following ones ``from_seq`` = the previous ``next_seq`` and the same ends. A batch's
        ``gaps`` are seqs the log cannot give: the caller should report them."""
        batch = self.replay(pattern, from_seq, from_time, last, to_seq, to_time, max_events, timeout=timeout)
        for _ in range(1_000_000):  # bounded: each batch moves next_seq forward
            yield batch
            if batch.done:
                return
            batch = self.replay(pattern, batch.next_seq, None, None, to_seq, to_time, max_events, timeout=timeout)

    def durable_open(self, name: str, pattern: str, start: E.DurableStart = "new",
                     timeout: Optional[float] = None) -> E.DurableCursor:
        """``DURABLE OPEN``: creates the durable subscription ``name`` on ``pattern`` (its cursor at the head
        for ``start="new"``, before the oldest stored event for ``"all"``, or after seq N) or returns the
        stored one. 409 when ``name`` exists with another pattern (:meth:`durable_delete` it first)."""
        request_id = self._new_id()
        frames = E.encode_durable_open(request_id, name, pattern, start)
        return E.DurableCursor.decode(self._exchange(frames, request_id, timeout))

    def durable_ack(self, name: str, seq: int, timeout: Optional[float] = None) -> int:
        """``DURABLE ACK``: every event of the subscription's pattern up to ``seq`` is done (cumulative;
        cursors only move forward). Returns the stored ``acked``."""
        request_id = self._new_id()
        body = self._exchange(E.encode_durable_ack(request_id, name, seq), request_id, timeout)
        return E.decode_seq_reply(body, "acked", "DURABLE ACK reply")

    def durable_dead(self, name: str, seq: int, topic: str, error: str, attempts: int, payload: bytes,
                     timeout: Optional[float] = None) -> int:
        """``DURABLE DEAD``: the broker publishes ``payload`` on ``plexus.deadletter.NAME`` with headers
        ``original_topic``, ``original_seq``, ``error``, ``attempts``, ``durable``. Returns the dead letter's
        seq. The event still needs acknowledging afterwards."""
        request_id = self._new_id()
        frames = E.encode_durable_dead(request_id, E.DeadLetter(name, seq, topic, error, attempts), payload)
        return E.decode_seq_reply(self._exchange(frames, request_id, timeout), "seq", "DURABLE DEAD reply")

    def durable_list(self, timeout: Optional[float] = None) -> List[E.DurableInfo]:
        """``DURABLE LIST``: every durable subscription with its ``acked`` and ``lag``."""
        request_id = self._new_id()
        return E.DurableInfo.decode_list(self._exchange(E.encode_durable_list(request_id), request_id, timeout))

    def durable_delete(self, name: str, timeout: Optional[float] = None) -> None:
        """``DURABLE DELETE``: forgets the subscription and its cursor."""
        request_id = self._new_id()
        self._exchange(E.encode_durable_delete(request_id, name), request_id, timeout)

    def report_subscriber(self, subscriber_id: str, patterns: Sequence[str], counts: E.SubscriberCounts,
                          timeout: Optional[float] = None) -> None:
        """``SUBSCRIBER``: reports a subscriber's counts, so that ``STATS`` shows who is slow or lossy."""
        request_id = self._new_id()
        frames = E.encode_subscriber(request_id, counts.report(subscriber_id, patterns))
        self._exchange(frames, request_id, timeout)

    def request(self, command: bytes, *args: bytes, timeout: Optional[float] = None) -> List[bytes]:
        """Sends any ``PLXC01`` command with a fresh request id; returns the ``OK`` body frames."""
        request_id = self._new_id()
        return self._exchange(P.encode_request(command, request_id, *args), request_id, timeout)

    # -- plumbing ---------------------------------------------------------------------------

    def close(self) -> None:
        """Closes the socket (LINGER 0: unanswered requests are dropped). The Client stays usable;
        the next request opens a new socket."""
        if self._monitor is not None:
            self._monitor.close(linger=0)
            self._monitor = None
        if self._socket is not None:
            self._socket.close(linger=0)
            self._socket = None

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _new_id(self) -> bytes:
        self._next_id += 1
        return str(self._next_id).encode("ascii")

    def _sock(self) -> "zmq.Socket[bytes]":
        if self._socket is None:
            sock = self._ctx.socket(zmq.DEALER)
            sock.setsockopt(zmq.LINGER, 0)
            C.apply(sock, self.curve)
            if self.curve is not None:
                self._monitor = C.monitor(sock)
            sock.connect(self.endpoint)
            self._socket = sock
        return self._socket

    def _exchange(self, frames: List[bytes], request_id: bytes, timeout: Optional[float],
                  on_partial: Optional[Callable[[bytes], Any]] = None, call: bool = False) -> List[bytes]:
        """Sends ``frames`` and waits for the reply to ``request_id``. With ``call``, ``PARTIAL`` replies
        go to ``on_partial`` until the final ``OK`` or ``ERR``."""
        sock = self._sock()
        sock.send_multipart(frames)
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                # A late reply, or a request still queued for a broker that is down, must not surface
                # later (a stale PUBLISH would be a duplicate): drop the socket with everything in it.
                self.close()
                raise PlexusTimeout(f"no reply to {frames[2].decode()} from {self.endpoint} "
                                    f"within {self.timeout if timeout is None else timeout:g} s")
            slice_s = min(remaining, WAIT_SLICE) if self.on_wait else remaining
            if not self._wait(sock, int(slice_s * 1000) + 1):
                if self.on_wait:
                    self.on_wait()
                continue
            reply = S.decode_call_reply(sock.recv_multipart())
            # An ERR with an empty id answers a request the broker could not read (e.g. 426); since
            # requests run one at a time it is ours.
            if reply.request_id != request_id and (reply.status != P.ERR or reply.request_id):
                log.debug("dropping reply to an earlier request %r", reply.request_id)
                continue
            if reply.partial:
                if not call:
                    raise ProtocolError(f"PARTIAL reply to {frames[2].decode()}, which is not a CALL")
                if on_partial is not None:
                    try:
                        on_partial(reply.body[0] if reply.body else b"")
                    except BaseException:
                        self.close()  # the rest of this call must not surface in a later request
                        raise
                continue
            if reply.status == P.ERR:
                raise PlexusError.from_body(reply.body[0] if reply.body else None)
            return reply.body

    def _wait(self, sock: "zmq.Socket[bytes]", milliseconds: int) -> bool:
        """Whether a reply is waiting within ``milliseconds``; raises :class:`KeyRefused` when the monitor
        says the broker refused the key (it would never answer)."""
        if self._monitor is None:
            return bool(sock.poll(milliseconds, zmq.POLLIN))
        poller = zmq.Poller()
        poller.register(sock, zmq.POLLIN)
        poller.register(self._monitor, zmq.POLLIN)
        ready = dict(poller.poll(milliseconds))
        if self._monitor in ready and C.refused(self._monitor):
            self.close()
            raise C.KeyRefused(self.endpoint)
        return sock in ready

    def _tasks(self, verb: bytes, argument: Optional[str], timeout: Optional[float]) -> List[bytes]:
        args = [verb] if argument is None else [verb, argument.encode("utf-8")]
        return self.request(P.TASKS, *args, timeout=timeout)

    def _task_command(self, verb: bytes, argument: str, timeout: Optional[float]) -> Dict[str, Any]:
        return self._json(self._tasks(verb, argument, timeout), f"TASKS {verb.decode()} reply")

    def _lifecycle(self, command: bytes, name: str, timeout: Optional[float]) -> List[Dict[str, Any]]:
        return self._json_list(self.request(command, name.encode("utf-8"), timeout=timeout),
                               f"{command.decode()} reply")

    @staticmethod
    def _json(body: List[bytes], what: str) -> Dict[str, Any]:
        if not body:
            raise ProtocolError(f"{what} without a body")
        return P.decode_json_object(body[0], what)

    @staticmethod
    def _json_list(body: List[bytes], what: str) -> List[Any]:
        if not body:
            raise ProtocolError(f"{what} without a body")
        result = P.decode_json(body[0], what)
        if not isinstance(result, list):
            raise ProtocolError(f"{what}: expected a JSON array, got {type(result).__name__}")
        return result
