"""A counter shared by four goroutines, kept right by a Mutex.

Go:
    mu.Lock()
    count++
    mu.Unlock()

Try: take the lock away (and add a sleep(0) between reading and writing
count): some increments are lost.
"""

from core.runtime import Mutex, WaitGroup

count = 0
mu = Mutex()


def increment(times):
    global count
    for _ in range(times):
        with mu:  # Go: mu.Lock(); defer mu.Unlock()
            value = count
            count = value + 1


def main():
    wg = WaitGroup()
    for _ in range(4):
        wg.go(increment, 25)
    wg.wait()
    print(f"count = {count} (expected 100)")


if __name__ == "__main__":
    main()
