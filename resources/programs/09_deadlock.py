"""A deadlock: the producer forgot to close the channel.

main ranges over results, waiting for more for ever; the producer has
ended. Every goroutine is asleep, and Go says:
    fatal error: all goroutines are asleep - deadlock!
(exit status 2). Try: add results.close() at the end of producer.
"""

from core.runtime import Chan, go


def producer(results):
    for i in range(3):
        results.send(i)
    # results.close()   <- the missing line


def main():
    results = Chan(name="results")
    go(producer, results, name="producer")
    for r in results:
        print(f"got {r}")
    print("never printed")


if __name__ == "__main__":
    main()
