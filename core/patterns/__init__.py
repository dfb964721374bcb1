"""The walkthrough's patterns and the production patterns, built on ``core.runtime`` only.

The names of ``CONTRACT.md`` come first; the production patterns follow.
"""

from core.patterns.backoff import Backoff, retry, sleep_ctx
from core.patterns.batcher import Batcher, BatcherClosed, BatcherStats
from core.patterns.breaker import BreakerState, BreakerStats, CircuitBreaker, CircuitOpen
from core.patterns.broadcast import (
    BroadcastStats,
    MessageBroadcaster,
    SignalBroadcaster,
    SignalStats,
    SubscriberStats,
)
from core.patterns.cache import Cache, CacheStats, LoadAborted
from core.patterns.chat import Chat, ChatClient, ChatStats, MemberStats
from core.patterns.counters import AtomicCounter, BadCounter, SafeCounter
from core.patterns.dumper import CounterDumper, Snapshotter
from core.patterns.errgroup import Group, Semaphore, with_context
from core.patterns.keeper import ResourceKeeper
from core.patterns.parallel import ParallelProcessor
from core.patterns.pipeline import fan_out, generate, merge, stage
from core.patterns.ratelimit import TickerLimiter, TokenBucket
from core.patterns.user_counters import UnsafeUserCounters, UserCounters
from core.patterns.worker_pool import (
    Job,
    PoolStats,
    QueueFull,
    Result,
    ShutdownTimeout,
    ShuttingDown,
    WorkerPool,
    backoff_delays,
)

__all__ = [
    "AtomicCounter",
    "Backoff",
    "BadCounter",
    "Batcher",
    "BatcherClosed",
    "BatcherStats",
    "BreakerState",
    "BreakerStats",
    "BroadcastStats",
    "Cache",
    "CacheStats",
    "Chat",
    "ChatClient",
    "ChatStats",
    "CircuitBreaker",
    "CircuitOpen",
    "CounterDumper",
    "Group",
    "Job",
    "LoadAborted",
    "MemberStats",
    "MessageBroadcaster",
    "ParallelProcessor",
    "PoolStats",
    "QueueFull",
    "ResourceKeeper",
    "Result",
    "SafeCounter",
    "Semaphore",
    "ShutdownTimeout",
    "ShuttingDown",
    "SignalBroadcaster",
    "SignalStats",
    "Snapshotter",
    "SubscriberStats",
    "TickerLimiter",
    "TokenBucket",
    "UnsafeUserCounters",
    "UserCounters",
    "WorkerPool",
    "backoff_delays",
    "fan_out",
    "generate",
    "merge",
    "retry",
    "sleep_ctx",
    "stage",
    "with_context",
]
