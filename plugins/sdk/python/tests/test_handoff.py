"""The queue from the SDK's I/O thread to the handler thread (plexus.handoff): order, the capacity that
only events count against, the on_room() wake-up at half capacity, and closing. No broker, no sockets."""

import threading
import unittest
from typing import List

from plexus import Event
from plexus.handoff import HandlerQueue

WAIT = 5.0


def event(n: int) -> Event:
    return Event(topic=f"t.{n}", data=str(n).encode(), seq=n, time=0, source="test", headers={}, meta={})


class HandlerQueueTest(unittest.TestCase):
    def setUp(self) -> None:
        self.woken: List[int] = []
        self.q = HandlerQueue(4, on_room=lambda: self.woken.append(self.q.events))

    def test_events_and_work_come_out_in_order(self):
        calls: List[str] = []
        self.q.put_many([event(1), event(2)])
        self.q.put(lambda: calls.append("work"))
        self.q.put_many([event(3)])
        out = [self.q.get() for _ in range(4)]
        self.assertEqual([o.seq for o in out if isinstance(o, Event)], [1, 2, 3])
        self.assertTrue(callable(out[2]))
        self.assertEqual(len(self.q), 0)

    def test_only_events_count_against_the_capacity(self):
        self.assertEqual(self.q.room(), 4)
        self.q.put_many([event(1), event(2), event(3)])
        for _ in range(10):
            self.assertTrue(self.q.put(lambda: None))  # work is never refused
        self.assertEqual((self.q.room(), self.q.events, len(self.q)), (1, 3, 13))

    def test_on_room_is_called_once_at_half_capacity_after_the_producer_found_it_full(self):
        self.q.put_many([event(n) for n in range(4)])
        self.assertEqual(self.q.room(), 0)
        self.q.get()
        self.assertEqual(self.woken, [])  # 3 left: not yet
        self.q.get()
        self.assertEqual(self.woken, [2])  # half the capacity: the producer is woken, once
        self.q.get()
        self.q.get()
        self.assertEqual(self.woken, [2])

    def test_no_wake_up_when_the_producer_never_waited(self):
        self.q.put_many([event(n) for n in range(4)])
        for _ in range(4):
            self.q.get()
        self.assertEqual(self.woken, [])

    def test_get_waits_for_an_item_from_another_thread(self):
        got: List[object] = []
        consumer = threading.Thread(target=lambda: got.append(self.q.get()))
        consumer.start()
        self.q.put_many([event(7)])
        consumer.join(WAIT)
        self.assertFalse(consumer.is_alive())
        self.assertEqual(got[0].seq, 7)

    def test_close_wakes_a_waiting_consumer_and_discards_the_rest(self):
        got: List[object] = []
        entered = threading.Event()

        def consume() -> None:
            entered.set()
            got.append(self.q.get())
        consumer = threading.Thread(target=consume)
        consumer.start()
        self.assertTrue(entered.wait(WAIT))
        self.assertEqual(self.q.close(), 0)
        consumer.join(WAIT)
        self.assertFalse(consumer.is_alive())
        self.assertEqual(got, [None])

        q = HandlerQueue(4)
        q.put_many([event(1), event(2)])
        q.put(lambda: None)
        self.assertEqual(q.close(), 3)
        self.assertTrue(q.closed)
        self.assertIsNone(q.get())
        self.assertFalse(q.put(lambda: None))
        self.assertEqual(q.put_many([event(3)]), 0)
        self.assertEqual((len(q), q.events), (0, 0))

    def test_capacity_must_be_positive(self):
        with self.assertRaises(ValueError):
            HandlerQueue(0)


if __name__ == "__main__":
    unittest.main()
