"""context.WithTimeout: a worker stops when its context's deadline passes.

Go:
    ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
    defer cancel()
    for { select { case <-ctx.Done(): return; case <-tick.C: work() } }
"""

from core.runtime import Recv, Ticker, context, go, select


def worker(ctx, done):
    tick = Ticker(0.05)
    n = 0
    while True:
        i, _, _ = select(Recv(ctx.done()), Recv(tick.c))
        if i == 0:
            tick.stop()
            print(f"worker stops after {n} ticks: {ctx.err()}")
            done.close()
            return
        n += 1


def main():
    from core.runtime import Chan

    ctx, cancel = context.with_timeout(context.background(), 0.2)
    done = Chan(name="done")
    go(worker, ctx, done, name="worker")
    done.recv()
    cancel()


if __name__ == "__main__":
    main()
