"""A worker pool: three workers share one jobs channel and report on results.

Go:
    for w := 1; w <= 3; w++ { go worker(w, jobs, results) }
    for j := 1; j <= 9; j++ { jobs <- j }
    close(jobs)
    for a := 1; a <= 9; a++ { <-results }
"""

from core.runtime import Chan, go, sleep


def worker(wid, jobs, results):
    for job in jobs:
        sleep(0.03)  # the work
        results.send((wid, job, job * job))


def main():
    jobs = Chan(9, name="jobs")
    results = Chan(9, name="results")
    for wid in range(1, 4):
        go(worker, wid, jobs, results, name=f"worker-{wid}")
    for job in range(1, 10):
        jobs.send(job)
    jobs.close()  # no more jobs: each worker's range ends
    for _ in range(9):
        wid, job, square = results.recv()[0]
        print(f"worker {wid}: {job} squared is {square}")


if __name__ == "__main__":
    main()
