// A panic ends the program: a worker pool whose job panics.
//
// A producer sends a batch of jobs to a crew of workers; main collects the
// results. One job panics. In Go an unrecovered panic in ANY goroutine ends
// the whole program: the other goroutines stop where they are, no deferred
// call of theirs runs, Go prints "panic: ..." and the panicking goroutine's
// stack, and the process exits with status 2. main cannot catch it: recover
// only works in the goroutine that panics, in a deferred function.
//
// The correct workers run each job in safeProcess, whose deferred recover
// turns the panic into an error result; the worker takes the next job.
//
// The flags are the lesson's parameters, with its defaults:
//
//	go run panic-ends-program.go -variant=correct -workers=3 -jobs=12 -poison-job=6 -job-time=300ms
//	go run panic-ends-program.go -variant=broken   # BROKEN: panic: job 6: bad input, exit status 2
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"sync"
	"time"
)

// The lesson's parameters (set by flags in main).
var (
	workers   = 3                      // worker goroutines
	jobs      = 12                     // jobs in the batch
	poisonJob = 6                      // the job that panics (0: none)
	jobTime   = 300 * time.Millisecond // time a worker spends on one job (±50 %)
)

type Job struct {
	ID       int
	Poisoned bool
}

type Result struct {
	ID    int
	Value int
	Err   error
}

// process does a job; a poisoned one panics, as a bug in a handler does.
func process(j Job) Result {
	time.Sleep(time.Duration(float64(jobTime) * (0.5 + rand.Float64())))
	if j.Poisoned {
		panic(fmt.Sprintf("job %d: bad input", j.ID))
	}
	return Result{ID: j.ID, Value: j.ID * j.ID}
}

// safeProcess is process under a deferred recover: a panic becomes an error.
func safeProcess(j Job) (r Result) {
	defer func() {
		if p := recover(); p != nil {
			r = Result{ID: j.ID, Err: fmt.Errorf("panic: %v", p)}
		}
	}()
	return process(j)
}

func main() {
	variant := flag.String("variant", "correct", "correct: each job runs under a deferred recover; broken: no recover, the first panic ends the program")
	flag.IntVar(&workers, "workers", workers, "worker goroutines")
	flag.IntVar(&jobs, "jobs", jobs, "jobs in the batch")
	flag.IntVar(&poisonJob, "poison-job", poisonJob, "the job that panics (0: none)")
	flag.DurationVar(&jobTime, "job-time", jobTime, "time a worker spends on one job")
	flag.Parse()
	broken := *variant == "broken"

	jobsCh := make(chan Job)
	results := make(chan Result)
	var wg sync.WaitGroup
	for w := 1; w <= workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobsCh {
				if broken {
					results <- process(j) // BROKEN: a panic here ends the whole program
				} else {
					results <- safeProcess(j)
				}
			}
		}()
	}
	go func() {
		for k := 1; k <= jobs; k++ {
			jobsCh <- Job{ID: k, Poisoned: k == poisonJob}
		}
		close(jobsCh)
	}()
	go func() { wg.Wait(); close(results) }()

	done, failed := 0, 0
	for r := range results {
		if r.Err != nil {
			failed++
			fmt.Printf("job %d: %v: recovered into an error; the worker goes on\n", r.ID, r.Err)
			continue
		}
		done++
		fmt.Printf("job %d done: %d\n", r.ID, r.Value)
	}
	fmt.Printf("batch: %d jobs done, %d recovered into an error\n", done, failed)
}
