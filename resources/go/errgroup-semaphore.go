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
//	go run -race errgroup-semaphore.go
package main

import (
	"context"
	"errors"
	"fmt"
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

func main() {
	const tasks, limit = 10, 3
	var running, peak, completed, cancelled atomic.Int32

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

			work := time.NewTimer(time.Duration(30+10*k) * time.Millisecond)
			defer work.Stop()
			select {
			case <-work.C:
			case <-ctx.Done():
				cancelled.Add(1)
				return ctx.Err()
			}
			if k == 5 {
				return fmt.Errorf("task %d: %w", k, errNotFound)
			}
			completed.Add(1)
			return nil
		})
	}

	err := g.Wait()
	fmt.Println("first error:", err, "| is 404:", errors.Is(err, errNotFound))
	fmt.Printf("completed %d, cancelled %d, failed 1 (of %d); at most %d ran at once\n",
		completed.Load(), cancelled.Load(), tasks, peak.Load())
}
