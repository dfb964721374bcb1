// Cancel by timeout: stop waiting for a slow call, and let it stop too.
//
// context.WithTimeout gives the call a deadline. The caller selects on the
// result and on ctx.Done(); whichever comes first wins. The worker also
// watches ctx, so it gives up instead of running on, and its result channel
// has room for one value, so a late send never blocks.
//
// The broken variant uses an unbuffered result channel and a worker that
// ignores ctx: after the timeout nobody will ever receive, and each call
// leaves a goroutine stuck on its send for good (a goroutine leak).
//
// The flags are the lesson's parameters, with its defaults:
//
//	go run cancel-by-timeout.go -operation-time=500ms -timeout=500ms -variant=correct
//	go run cancel-by-timeout.go -variant=broken   # BROKEN: goroutines leak
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"runtime"
	"time"
)

// slowQuery pretends to be a call that takes `cost`; it gives up early
// when ctx ends.
func slowQuery(ctx context.Context, cost time.Duration) (string, error) {
	work := time.NewTimer(cost) // stands in for the real work
	defer work.Stop()
	select {
	case <-work.C:
		return "rows", nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

type result struct {
	val string
	err error
}

// queryWithTimeout returns the answer, or context.DeadlineExceeded when the
// call takes longer than limit.
func queryWithTimeout(limit, cost time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel() // always release the context's timer

	out := make(chan result, 1) // room for the answer even if no one waits
	go func() {
		v, err := slowQuery(ctx, cost)
		out <- result{v, err} // never blocks: the buffer has a free slot
	}()

	select {
	case r := <-out:
		return r.val, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// brokenQueryWithTimeout is THE PITFALL: the worker ignores ctx and sends on
// an unbuffered channel. When the caller times out and leaves, that send
// blocks forever and the goroutine is never freed.
func brokenQueryWithTimeout(limit, cost time.Duration) (string, error) {
	out := make(chan string) // no buffer: the send needs a receiver
	go func() {
		time.Sleep(cost) // does not watch any cancellation
		out <- "rows"    // after a timeout, nobody is left to receive
	}()
	select {
	case v := <-out:
		return v, nil
	case <-time.After(limit):
		return "", context.DeadlineExceeded
	}
}

func main() {
	operationTime := flag.Duration("operation-time", 500*time.Millisecond, "average time one query takes (each call varies from half to one and a half)")
	timeout := flag.Duration("timeout", 500*time.Millisecond, "how long the caller waits for the result before it gives up")
	variant := flag.String("variant", "correct", "correct: WithTimeout, a query that watches ctx, a result channel of capacity 1; broken: unbuffered, and a query that ignores cancellation")
	flag.Parse()
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))

	query := queryWithTimeout
	if *variant == "broken" {
		query = brokenQueryWithTimeout
	}
	before := runtime.NumGoroutine()
	for i := 1; i <= 6; i++ {
		cost := time.Duration((0.5 + rng.Float64()) * float64(*operationTime)).Round(time.Millisecond)
		v, err := query(*timeout, cost)
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			fmt.Printf("call %d (%v): timed out\n", i, cost)
		case err != nil:
			fmt.Printf("call %d: %v\n", i, err)
		default:
			fmt.Printf("call %d (%v): %s\n", i, cost, v)
		}
	}
	time.Sleep(*operationTime * 2) // give every late worker time to finish
	leaked := runtime.NumGoroutine() - before
	if *variant == "broken" {
		fmt.Printf("BROKEN: %d goroutines are still blocked on their send\n", leaked)
	} else {
		fmt.Printf("goroutines left behind: %d\n", leaked)
	}
}
