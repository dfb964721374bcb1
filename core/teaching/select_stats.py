"""Select explained: for each select site, its cases and how often each won.

A *site* is one ``select`` statement of one goroutine, recognised by the
shape of its cases: the same goroutine, the same number of cases, and case
kinds that agree ("recv", "send"; a "nil" case, Go's never-ready nil
channel, agrees with any kind, since a loop may set a channel to nil). The
channels may change between calls (a caller that makes a new result
channel per call is still one site); the site shows the latest ones.

Every ``SELECT`` event is counted in exactly one site: a pick (``wins``)
or the default (``default_taken``), and each case in its ready set
(``ready``). A select that found nothing ready parked (``GO_BLOCK``
"select", which lists only its channel ids); the ``SELECT`` event of its
wake-up carries the picked index, a ready set of that one case and the
case shape. Traces without that shape (older recordings) are still
counted: such an event goes to the site whose channels match, else to the
goroutine's latest site with as many channels, else to a new site, which
then knows only the cases that won (index, channel, direction) and, when
a winner is the i-th listed channel at index i, the channels before it;
other cases show as ``kind == "?"``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from core.trace import Kind, TraceEvent

__all__ = ["SelectCase", "SelectSite", "SelectStats"]

_UNKNOWN = "?"


@dataclass
class SelectCase:
    """One case of a select site: its kind and (latest) channel."""

    kind: str  # "recv", "send", "nil" (a nil channel: never ready) or "?" (not seen yet)
    chan: int = 0
    chan_name: str = ""

    def describe(self) -> str:
        if self.kind == "nil":
            return "nil channel (never ready)"
        if self.kind == _UNKNOWN and not self.chan:
            return "a case not seen yet"
        name = self.chan_name or f"channel {self.chan}"
        if self.kind == "recv":
            return f"<-{name}"
        if self.kind == "send":
            return f"{name} <-"
        return f"case on {name}"


@dataclass
class SelectSite:
    """The counts of one select statement of one goroutine (see the module docstring)."""

    g: int
    goroutine_name: str
    cases: list[SelectCase]
    wins: list[int]  # wins[i]: times case i was picked
    ready: list[int]  # ready[i]: times case i was ready when the select ran
    default_taken: int = 0
    total: int = 0  # SELECT events counted here (= sum(wins) + default_taken)
    last_pick: int | None = None  # -1: the default
    last_ready: tuple[int, ...] = ()
    last_t: float = 0.0
    parked: bool = False  # waiting now: no case was ready and there is no default
    # True once a SELECT event gave every case (kind and channel, nil cases included).
    # Until then only the cases that won are placed: a parked select's GO_BLOCK lists
    # its channels but neither the nil cases nor the directions.
    shape_known: bool = False
    signature: tuple[int, ...] = ()  # the channels of its latest call, in case order

    @property
    def has_default(self) -> bool:
        """True once the default was taken (the trace does not say otherwise)."""
        return self.default_taken > 0

    def histogram(self) -> list[tuple[str, int]]:
        """(case description, wins) per case, then ("default", n) if it was ever taken."""
        out = [(c.describe(), n) for c, n in zip(self.cases, self.wins)]
        if self.default_taken:
            out.append(("default", self.default_taken))
        return out

    def _grow(self, n: int) -> None:
        while len(self.cases) < n:
            self.cases.append(SelectCase(_UNKNOWN))
            self.wins.append(0)
            self.ready.append(0)


@dataclass
class SelectStats:
    """Select sites built from trace events, incrementally (:meth:`apply`).

    Not thread-safe: one reader feeds it batches in trace order.
    """

    sites: list[SelectSite] = field(default_factory=list)
    chan_names: dict[int, str] = field(default_factory=dict)
    goroutine_names: dict[int, str] = field(default_factory=dict)
    events_counted: int = 0  # SELECT events counted in some site
    _parked: dict[int, SelectSite] = field(default_factory=dict, repr=False)

    def apply(self, events: Iterable[TraceEvent]) -> None:
        """Count *events* (new ones, in trace order)."""
        for ev in events:
            kind = ev.kind
            if kind is Kind.SELECT:
                p = ev.payload
                site = self._site_for_shape(ev.g, tuple(tuple(c) for c in p.cases))
                self._parked.pop(ev.g, None)
                self._count(site, p.picked, tuple(p.ready), ev.t)
            elif kind is Kind.CHAN_MAKE:
                self.chan_names[ev.obj] = ev.obj_name
            elif kind is Kind.GO_CREATE:
                self.goroutine_names[ev.obj] = ev.obj_name
            elif kind is Kind.GO_BLOCK:
                p = ev.payload
                if p.state == "blocked_select":
                    site = self._site_for_shape(ev.g, tuple(tuple(c) for c in p.cases))
                    site.parked = True
                    self._parked[ev.g] = site
            elif kind is Kind.CHAN_HANDOFF:
                p = ev.payload
                self._woken(p.woken, p.case, ev.t)
            elif kind is Kind.CHAN_RECV:
                p = ev.payload
                if p.sender:
                    self._woken(p.sender, p.case, ev.t)
            elif kind is Kind.CHAN_CLOSE:
                for g, case in ev.payload.woken:
                    self._woken(g, case, ev.t)

    def sites_of(self, g: int) -> list[SelectSite]:
        return [s for s in self.sites if s.g == g]

    # -- events -------------------------------------------------------------

    def _woken(self, g: int, case: int, t: float) -> None:
        """A parked select of *g* completed on *case* (the channel event that woke it says so)."""
        if case < 0:
            return
        site = self._parked.pop(g, None)
        if site is not None:
            self._count(site, case, (case,), t)

    def _count(self, site: SelectSite, picked: int, ready: tuple, t: float) -> None:
        site.parked = False
        site._grow(max([picked + 1, *(i + 1 for i in ready)]))
        site.total += 1
        if picked < 0:
            site.default_taken += 1
        else:
            site.wins[picked] += 1
        for i in ready:
            site.ready[i] += 1
        site.last_pick = picked
        site.last_ready = tuple(ready)
        site.last_t = t
        self.events_counted += 1

    def _site_for_shape(self, g: int, shape: tuple) -> SelectSite:
        kinds = [k for k, _ in shape]
        chans = tuple(ch for k, ch in shape if k != "nil")
        site = None
        for s in reversed(self.sites):  # the most recent site the shape fits
            if s.g != g:
                continue
            if s.shape_known and _compatible([c.kind for c in s.cases], kinds):
                site = s
                break
            if not s.shape_known and _fits_learned(s, kinds, chans):
                site = s
                break
        if site is None:
            site = self._new_site(g, chans)
        site._grow(len(shape))
        for case, (kind, ch) in zip(site.cases, shape):
            case.kind = kind
            case.chan = ch
            case.chan_name = self.chan_names.get(ch, "") if ch else ""
        site.shape_known = True
        site.signature = chans
        return site

    def _match_signature(self, g: int, chans: tuple[int, ...]) -> SelectSite | None:
        """The site of *g* whose channel cases are *chans*, else the latest with as many."""
        fallback = None
        for s in reversed(self.sites):
            if s.g != g:
                continue
            if s.signature == chans:
                return s
            if fallback is None and len(s.signature) == len(chans):
                fallback = s
        return fallback

    def _renew_channels(self, site: SelectSite, chans: tuple[int, ...]) -> None:
        """A site whose shape is known takes the channels of its latest call."""
        site.signature = chans
        if not site.shape_known:
            return
        slots = [c for c in site.cases if c.kind != "nil"]
        if len(slots) == len(chans):
            for case, ch in zip(slots, chans):
                case.chan = ch
                case.chan_name = self.chan_names.get(ch, "")

    def _new_site(self, g: int, chans: tuple[int, ...]) -> SelectSite:
        site = SelectSite(
            g=g,
            goroutine_name=self.goroutine_names.get(g, f"goroutine {g}"),
            cases=[],
            wins=[],
            ready=[],
            signature=chans,
        )
        self.sites.append(site)
        return site


def _compatible(a: list[str], b: list[str]) -> bool:
    """Same number of cases, and each pair of kinds equal or one of them nil or unknown."""
    if len(a) != len(b):
        return False
    wild = ("nil", _UNKNOWN)
    return all(x == y or x in wild or y in wild for x, y in zip(a, b))


def _fits_learned(site: SelectSite, kinds: list[str], chans: tuple[int, ...]) -> bool:
    """Whether a full shape agrees with what a site learned from its wake-ups alone."""
    if len(site.signature) != len(chans) or len(site.cases) > len(kinds):
        return False
    return all(c.kind in (_UNKNOWN, k) or k == "nil" for c, k in zip(site.cases, kinds))
