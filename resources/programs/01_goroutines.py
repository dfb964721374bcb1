"""Goroutines: three workers run at once; a WaitGroup waits for them all.

Go:
    var wg sync.WaitGroup
    for i := 1; i <= 3; i++ {
        wg.Add(1)
        go func() { defer wg.Done(); work(i) }()
    }
    wg.Wait()

Try: remove wg.wait(). main returns at once, and Go ends the program
without waiting for its goroutines.
"""

from core.runtime import WaitGroup, go, sleep


def worker(n, wg):
    try:
        print(f"worker {n} starts")
        sleep(0.1 * n)  # some work; the longer, the later it ends
        print(f"worker {n} done")
    finally:
        wg.done()  # Go: defer wg.Done()


def main():
    wg = WaitGroup()
    for n in range(1, 4):
        wg.add(1)
        go(worker, n, wg, name=f"worker-{n}")
    wg.wait()
    print("all workers done")


if __name__ == "__main__":
    main()
