// errgroup and a semaphore: at most N tasks at once, stop all at the first error.
//
// Every task runs in a Group made by WithContext. A buffered channel is the
// semaphore: a task sends into it to take a slot (waiting while `limit`
// tasks work) and receives from it to give the slot back. When a task
// fails, the group's context is cancelled: tasks that are working or still
// waiting for a slot see ctx.Done() and stop early, and Wait returns that
// first error.
//
// Real code imports golang.org/x/sync/errgroup (whose Group.SetLimit can
// also do the limiting). To stay one file with only the standard library,
// this program writes the same small Group itself: a WaitGroup to wait, a
// sync.Once to keep the first error, and a context to cancel the others.
//
// Three rounds run; each task fails with failure-probability percent at
// the end of its work. The flags are the lesson's parameters, with its
// defaults:
//
//	go run -race errgroup-semaphore.go -tasks=10 -limit=3 -failure-probability=5 -task-time=600ms
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"
)

type Group struct {
	wg      sync.WaitGroup
	errOnce sync.Once
	err     error // set once inside errOnce; read after wg.Wait
	cancel  context.CancelFunc
}

// WithContext returns a Group and a context that is cancelled when a task
// fails or when Wait returns.
func WithContext(ctx context.Context) (*Group, context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	return &Group{cancel: cancel}, ctx
}

// Go runs task in a new goroutine.
func (g *Group) Go(task func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := task(); err != nil {
			g.errOnce.Do(func() {
				g.err = err
				g.cancel() // tell every other task to stop
			})
		}
	}()
}

// Wait blocks until every task has returned, then returns the first error.
func (g *Group) Wait() error {
	g.wg.Wait()
	g.cancel()
	return g.err
}

var errNotFound = errors.New("404 not found")

// raisePeak sets peak to n if n is larger, without a lock.
func raisePeak(peak *atomic.Int32, n int32) {
	for {
		p := peak.Load()
		if n <= p || peak.CompareAndSwap(p, n) {
			return
		}
	}
}

// round runs tasks tasks, at most limit at once, and reports how they ended.
func round(n, tasks, limit, failPercent int, taskTime time.Duration, rng *rand.Rand) {
	var running, peak, completed, cancelled, failed atomic.Int32
	costs, fails := make([]time.Duration, tasks+1), make([]bool, tasks+1)
	for k := 1; k <= tasks; k++ { // drawn up front: rand.Rand is not safe for concurrent use
		costs[k] = time.Duration((0.5 + rng.Float64()) * float64(taskTime))
		fails[k] = rng.Intn(100) < failPercent
	}

	g, ctx := WithContext(context.Background())
	sem := make(chan struct{}, limit)
	for k := 1; k <= tasks; k++ {
		k := k // each goroutine gets its own copy (needed before Go 1.22)
		g.Go(func() error {
			select {
			case sem <- struct{}{}: // take a slot
			case <-ctx.Done(): // the group failed while we waited
				cancelled.Add(1)
				return ctx.Err()
			}
			defer func() { <-sem }() // give the slot back

			raisePeak(&peak, running.Add(1))
			defer running.Add(-1) // runs before the slot is given back

			work := time.NewTimer(costs[k])
			defer work.Stop()
			select {
			case <-work.C:
			case <-ctx.Done():
				cancelled.Add(1)
				return ctx.Err()
			}
			if fails[k] {
				failed.Add(1)
				return fmt.Errorf("task %d: %w", k, errNotFound)
			}
			completed.Add(1)
			return nil
		})
	}

	err := g.Wait()
	fmt.Printf("round %d: first error: %v | is 404: %v\n", n, err, errors.Is(err, errNotFound))
	fmt.Printf("  completed %d, cancelled %d, failed %d (of %d); at most %d ran at once\n",
		completed.Load(), cancelled.Load(), failed.Load(), tasks, peak.Load())
}

func main() {
	tasks := flag.Int("tasks", 10, "tasks started in each round")
	limit := flag.Int("limit", 3, "tasks allowed to work at the same time (semaphore slots)")
	failPercent := flag.Int("failure-probability", 5, "chance that a task fails at the end of its work, in percent")
	taskTime := flag.Duration("task-time", 600*time.Millisecond, "average time a task works")
	flag.Parse()

	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	for n := 1; n <= 3; n++ {
		round(n, *tasks, *limit, *failPercent, *taskTime, rng)
	}
}
