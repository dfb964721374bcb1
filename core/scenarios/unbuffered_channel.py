"""Lesson "unbuffered-channel": a sender and a receiver meet at the channel (the rendezvous)."""

from __future__ import annotations

from core.runtime import Chan
from core.scenarios._base import Action, Metric, Param
from core.scenarios._channel_lesson import ChannelLesson
from core.scenarios._pacing import try_send

__all__ = ["UnbufferedChannel"]


class UnbufferedChannel(ChannelLesson):
    """A sender and a receiver meet at an unbuffered channel (the rendezvous).

    A send waits until the receiver is at its receive, and the receive waits
    for a sender: whichever comes first waits for the other, and the value
    moves straight from hand to hand.
    """

    id = "unbuffered-channel"
    title = "Unbuffered channel: the rendezvous"
    chapter = "Messages"
    summary = (
        "make(chan int) has no room: each send waits until the receiver takes the "
        "value. Slow the receiver and watch the sender wait at the channel."
    )
    params = (
        Param(
            "send_interval",
            float,
            0.3,
            "Time the sender spends preparing each value before it sends it.",
            minimum=0.05,
            maximum=3.0,
            unit="s",
        ),
        Param(
            "receive_delay",
            float,
            0.15,
            "Time the receiver spends on each value before it receives the next.",
            minimum=0.0,
            maximum=3.0,
            unit="s",
        ),
    )
    actions = (
        Action("send-now", "Send now", "The sender sends one value at once, without waiting."),
        Action(
            "slow-receiver",
            "Slow receiver",
            "The receiver takes three send intervals per value: the sender waits at ch <- v.",
        ),
        Action(
            "fast-receiver",
            "Fast receiver",
            "The receiver handles each value at once: now the receiver waits for the sender.",
        ),
        Action(
            "close",
            "Close",
            "The sender closes the channel: the receiver gets ok=false and its range loop ends.",
        ),
    )
    metrics = (
        Metric(
            "sends_per_s",
            "sends/s",
            "Values handed from the sender to the receiver during the last runtime second.",
            label="sends per second",
        ),
        Metric(
            "sender_blocked",
            "%",
            "Share of the last sampling period the sender spent blocked in ch <- v.",
            label="sender blocked",
        ),
        Metric(
            "send_wait",
            "ms",
            "How long the latest send waited for the receiver to arrive.",
            label="latest send wait",
        ),
    )
    source_modules = ("core.scenarios._channel_lesson", "core.scenarios.unbuffered_channel")

    _interval_param = "send_interval"
    _delay_param = "receive_delay"
    _sender_name = "sender"
    _receiver_name = "receiver"

    def _intro(self) -> str:
        return (
            "ch := make(chan int): no buffer. Each send waits for the receiver, "
            "each receive waits for a sender; the value goes from hand to hand."
        )

    def _sample(self, ch: Chan, blocked_share: float) -> None:
        self.record("sends_per_s", self._sent.rate())
        self.record("sender_blocked", blocked_share)
        self.record("send_wait", self._last_wait * 1000.0)

    def on_send_now(self) -> None:
        """Ask the sender for one value at once (dropped if a request is already queued)."""
        if not try_send(self._more):
            self.note("A send-now request is already waiting for the sender.")

    def on_slow_receiver(self) -> None:
        self._set_delay(
            3 * self["send_interval"],
            "slower than the sender, so the sender now waits at ch <- v.",
        )

    def on_fast_receiver(self) -> None:
        self._set_delay(0.0, "always ready, so now the receiver waits at <-ch for the sender.")
