// Worker pool: a fixed number of workers drain a bounded job queue.
//
// Submit never blocks: when the queue is full it returns ErrQueueFull, and
// the caller decides (here: retry with exponential backoff). Shutdown stops
// intake, lets the workers finish every accepted job, then closes Results.
// An RWMutex makes "check we are open, then enqueue" one step, so no job is
// ever sent on the closed queue, and every accepted job yields one result.
//
// The broken variant is the textbook pool: Submit sends with no guard and
// Shutdown just closes the queue. A submit that races the shutdown panics
// with "send on closed channel".
//
// The flags are the lesson's parameters, with its defaults:
//
//	go run -race worker-pool.go -workers=3 -queue-size=5 -produce-rate=6 -job-time=400ms -failure-rate=0.1 -max-retries=3 -variant=correct
//	go run worker-pool.go -variant=broken        # BROKEN: panics
package main

import (
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"sync"
	"time"
)

var (
	ErrQueueFull    = errors.New("queue full")
	ErrShuttingDown = errors.New("pool is shutting down")
	ErrTimeout      = errors.New("shutdown timed out")
)

type Job struct{ ID, N int }

type Result struct {
	JobID int
	Out   int
	Err   error
}

type Pool struct {
	mu      sync.RWMutex
	closing bool // guarded by mu; once true, jobs is (or is about to be) closed
	jobs    chan Job
	results chan Result
	wg      sync.WaitGroup
}

func NewPool(workers, queueSize int, handle func(Job) (int, error)) *Pool {
	p := &Pool{
		jobs:    make(chan Job, queueSize),
		results: make(chan Result, queueSize+workers),
	}
	for w := 0; w < workers; w++ {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for job := range p.jobs { // ends when jobs is closed and drained
				out, err := handle(job)
				p.results <- Result{job.ID, out, err}
			}
		}()
	}
	return p
}

func (p *Pool) Results() <-chan Result { return p.results }

// Submit enqueues job without waiting.
func (p *Pool) Submit(job Job) error {
	p.mu.RLock() // many submitters at once; Shutdown waits for them
	defer p.mu.RUnlock()
	if p.closing {
		return ErrShuttingDown
	}
	select {
	case p.jobs <- job:
		return nil
	default:
		return ErrQueueFull
	}
}

// SubmitWithRetry retries on ErrQueueFull, doubling the pause each time.
func (p *Pool) SubmitWithRetry(job Job, retries int, delay, maxDelay time.Duration) error {
	for attempt := 0; ; attempt++ {
		err := p.Submit(job)
		if !errors.Is(err, ErrQueueFull) || attempt == retries {
			return err
		}
		time.Sleep(delay)
		if delay *= 2; delay > maxDelay {
			delay = maxDelay
		}
	}
}

// Shutdown stops intake and waits up to timeout for the accepted jobs.
func (p *Pool) Shutdown(timeout time.Duration) error {
	p.mu.Lock() // waits until no Submit is between its check and its send
	if !p.closing {
		p.closing = true
		close(p.jobs)
	}
	p.mu.Unlock()

	finished := make(chan struct{})
	go func() {
		p.wg.Wait()
		close(p.results)
		close(finished)
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-finished:
		return nil
	case <-t.C:
		return ErrTimeout
	}
}

// brokenPool is THE PITFALL: the textbook version with no intake guard.
type brokenPool struct{ jobs chan Job }

func (b *brokenPool) Submit(job Job) { b.jobs <- job } // may run after Shutdown...
func (b *brokenPool) Shutdown()      { close(b.jobs) } // ...and then it panics

func runBroken(queueSize int, jobTime time.Duration) {
	b := &brokenPool{jobs: make(chan Job, queueSize)}
	go func() {
		for job := range b.jobs {
			time.Sleep(jobTime) // a slow worker: the queue fills
			_ = job
		}
	}()
	go func() {
		for i := 0; ; i++ {
			b.Submit(Job{ID: i}) // parked on a full queue when Shutdown closes it
		}
	}()
	time.Sleep(jobTime / 2)
	fmt.Println("BROKEN: closing the queue while a submitter is still sending")
	b.Shutdown()
	time.Sleep(jobTime * 2) // the submitter panics in the meantime
}

func main() {
	workers := flag.Int("workers", 3, "worker goroutines")
	queueSize := flag.Int("queue-size", 5, "jobs that can wait while every worker is busy")
	produceRate := flag.Float64("produce-rate", 6, "jobs the producer submits per second")
	jobTime := flag.Duration("job-time", 400*time.Millisecond, "time a worker spends on one job (random, +-50%)")
	failureRate := flag.Float64("failure-rate", 0.1, "share of jobs whose handler fails")
	maxRetries := flag.Int("max-retries", 3, "retries when the queue is full, waiting 50ms, 100ms, 200ms... (up to 800ms)")
	variant := flag.String("variant", "correct", "correct: intake and shutdown share a lock; broken: the textbook pool whose submit races shutdown")
	flag.Parse()
	if *variant == "broken" {
		runBroken(*queueSize, *jobTime)
		return
	}

	var mu sync.Mutex // rand.Rand is not safe for concurrent use
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	p := NewPool(*workers, *queueSize, func(j Job) (int, error) {
		mu.Lock()
		d := time.Duration((0.5 + rng.Float64()) * float64(*jobTime))
		fail := rng.Float64() < *failureRate
		mu.Unlock()
		time.Sleep(d)
		if fail {
			return 0, fmt.Errorf("job %d: bad input %d", j.ID, j.N)
		}
		return j.N * j.N, nil
	})

	collected := make(chan int)
	go func() {
		n := 0
		for r := range p.Results() { // ends when Shutdown closes results
			if r.Err != nil {
				fmt.Println("error:", r.Err)
			}
			n++
		}
		collected <- n
	}()

	accepted, rejected := 0, 0
	for i := 1; i <= 20; i++ {
		time.Sleep(time.Duration(float64(time.Second) / *produceRate))
		err := p.SubmitWithRetry(Job{ID: i, N: i}, *maxRetries, 50*time.Millisecond, 800*time.Millisecond)
		if err != nil {
			rejected++
			continue
		}
		accepted++
	}
	if err := p.Shutdown(5 * time.Second); err != nil {
		fmt.Println(err)
	}
	fmt.Println("submit after shutdown:", p.Submit(Job{ID: 99}))
	fmt.Printf("accepted %d, rejected %d, results %d\n", accepted, rejected, <-collected)
}
