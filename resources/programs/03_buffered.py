"""A buffered channel: the sender runs ahead until the buffer is full.

Go:
    jobs := make(chan int, 3)

Watch the channel's slots fill: the producer is fast, the consumer slow.
Try: make the capacity 0, then 10, and compare who waits.
"""

from core.runtime import Chan, go, sleep


def producer(jobs):
    for i in range(1, 9):
        jobs.send(i)
        print(f"queued {i} (buffer holds {len(jobs)} of {jobs.cap})")
    jobs.close()


def main():
    jobs = Chan(3, name="jobs")
    go(producer, jobs, name="producer")
    for job in jobs:
        sleep(0.05)  # the slow consumer
        print(f"consumed {job}")


if __name__ == "__main__":
    main()
