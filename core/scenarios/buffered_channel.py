"""Lesson "buffered-channel": a buffer lets the sender run ahead, up to its capacity."""

from __future__ import annotations

from core.runtime import Chan
from core.scenarios._base import Action, Metric, Param
from core.scenarios._channel_lesson import ChannelLesson
from core.scenarios._pacing import try_send

__all__ = ["BufferedChannel"]


class BufferedChannel(ChannelLesson):
    """A producer and a consumer with a buffer between them.

    The producer runs ahead until the buffer is full, then each send waits
    for the consumer to free a slot. The buffer absorbs bursts; it does not
    make the consumer any faster.
    """

    id = "buffered-channel"
    title = "Buffered channel: a queue between producer and consumer"
    chapter = "Messages"
    summary = (
        "make(chan int, n) holds up to n values: the producer only waits when the "
        "buffer is full. Send a burst, slow the consumer, watch the queue depth."
    )
    params = (
        Param(
            "capacity",
            int,
            4,
            "How many values the channel holds (0 makes it unbuffered).",
            minimum=0,
            maximum=32,
            unit="values",
        ),
        Param(
            "producer_interval",
            float,
            0.15,
            "Time the producer spends making each value before it sends it.",
            minimum=0.02,
            maximum=2.0,
            unit="s",
        ),
        Param(
            "consumer_delay",
            float,
            0.2,
            "Time the consumer spends on each value before it receives the next.",
            minimum=0.0,
            maximum=2.0,
            unit="s",
        ),
    )
    actions = (
        Action("burst", "Burst", "The producer sends 10 values as fast as the channel takes them."),
        Action(
            "slow-consumer",
            "Slow consumer",
            "The consumer takes three producer intervals per value: the buffer fills up.",
        ),
        Action(
            "fast-consumer",
            "Fast consumer",
            "The consumer takes a third of a producer interval per value: the buffer drains.",
        ),
        Action(
            "close",
            "Close",
            "The producer closes the channel: the consumer drains the buffer, then sees ok=false.",
        ),
    )
    metrics = (
        Metric(
            "queue_depth",
            "values",
            "Values waiting in the channel's buffer: len(ch).",
            label="queue depth",
        ),
        Metric(
            "sent_per_s",
            "values/s",
            "Values the producer put into the channel during the last runtime second.",
            label="sent per second",
        ),
        Metric(
            "received_per_s",
            "values/s",
            "Values the consumer took from the channel during the last runtime second.",
            label="received per second",
        ),
        Metric(
            "producer_blocked",
            "%",
            "Share of the last sampling period the producer spent blocked in ch <- v "
            "(the buffer was full).",
            label="producer blocked",
        ),
    )
    source_modules = ("core.scenarios._channel_lesson", "core.scenarios.buffered_channel")

    _interval_param = "producer_interval"
    _delay_param = "consumer_delay"
    _sender_name = "producer"
    _receiver_name = "consumer"

    def _capacity(self) -> int:
        return self["capacity"]

    def _burst_size(self) -> int:
        return 10

    def _intro(self) -> str:
        cap = self["capacity"]
        if cap == 0:
            return "ch := make(chan int, 0): capacity 0 is unbuffered, every send waits."
        return (
            f"ch := make(chan int, {cap}): the producer runs ahead until {cap} values "
            "wait in the buffer, then each send waits for a free slot."
        )

    def _sample(self, ch: Chan, blocked_share: float) -> None:
        self.record("queue_depth", len(ch))
        self.record("sent_per_s", self._sent.rate())
        self.record("received_per_s", self._received.rate())
        self.record("producer_blocked", blocked_share)

    def on_burst(self) -> None:
        """Ask the producer for 10 values in a row (dropped if a burst is already queued)."""
        if try_send(self._more):
            self.note(
                f"Burst: 10 values at once. The buffer takes {self['capacity']}; "
                "after that each send waits for the consumer."
            )
        else:
            self.note("A burst is already waiting for the producer.")

    def on_slow_consumer(self) -> None:
        self._set_delay(
            3 * self["producer_interval"],
            "the buffer fills up, then the producer waits for every free slot.",
        )

    def on_fast_consumer(self) -> None:
        self._set_delay(
            self["producer_interval"] / 3,
            "the buffer drains and stays nearly empty.",
        )
