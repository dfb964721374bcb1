// Retry with exponential backoff and jitter.
//
// A flaky call is tried up to `attempts` times. Between two tries the
// caller waits Base, Base*Factor, Base*Factor^2 ... capped at Max, and each
// delay is shortened by a random share (Jitter) so that callers who failed
// together do not all come back at the same instant. The wait is a select
// on ctx.Done() and a timer, so a caller that gives up stops at once.
// There is no standard package; this is the usual shape (compare
// github.com/cenkalti/backoff or k8s.io/apimachinery/pkg/util/wait).
// The flags are the lesson's parameters, with its defaults:
//
//	go run retry-backoff.go -failure-rate=30 -base-delay=50ms -max-delay=1s -jitter=0.5 -attempts=5 -callers=3
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

type Backoff struct {
	Base   time.Duration
	Factor float64
	Max    time.Duration
	Jitter float64 // 0: exact delays; 1: anywhere from 0 to the delay
}

// Delay is the pause before retry n+1 (n from 0).
func (b Backoff) Delay(n int) time.Duration {
	d := float64(b.Base)
	for i := 0; i < n && d < float64(b.Max); i++ {
		d *= b.Factor
	}
	if d > float64(b.Max) {
		d = float64(b.Max)
	}
	return time.Duration(d * (1 - b.Jitter*rand.Float64()))
}

// Retry calls op until it succeeds, attempts run out, or ctx ends.
func Retry(ctx context.Context, attempts int, b Backoff, op func() error) error {
	var err error
	for i := 0; i < attempts; i++ {
		if err = op(); err == nil {
			return nil
		}
		if i == attempts-1 {
			break
		}
		d := b.Delay(i)
		fmt.Printf("  attempt %d failed (%v), next try in %v\n", i+1, err, d.Round(time.Millisecond))
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("gave up after %d attempts: %w", i+1, ctx.Err())
		}
	}
	return fmt.Errorf("%d attempts failed, last: %w", attempts, err)
}

var errUnavailable = errors.New("service unavailable")

// flaky fails its first `failures` calls.
func flaky(failures int) func() error {
	calls := 0
	return func() error {
		calls++
		if calls <= failures {
			return errUnavailable
		}
		return nil
	}
}

// downstream fails failureRate percent of its calls, at random.
func downstream(failureRate int, seed int64) func() error {
	var mu sync.Mutex
	rng := rand.New(rand.NewSource(seed))
	return func() error {
		mu.Lock()
		defer mu.Unlock()
		if rng.Intn(100) < failureRate {
			return errUnavailable
		}
		return nil
	}
}

func main() {
	failureRate := flag.Int("failure-rate", 30, "share of calls the downstream fails, in percent")
	baseDelay := flag.Duration("base-delay", 50*time.Millisecond, "delay before the first retry")
	maxDelay := flag.Duration("max-delay", time.Second, "longest delay between two attempts")
	jitter := flag.Float64("jitter", 0.5, "random share taken off each delay (0: none, 1: full jitter)")
	attempts := flag.Int("attempts", 5, "attempts before a caller gives up")
	callers := flag.Int("callers", 3, "caller goroutines")
	flag.Parse()

	ctx := context.Background()
	b := Backoff{Base: *baseDelay, Factor: 2, Max: *maxDelay, Jitter: *jitter}

	fmt.Printf("%d callers, 3 operations each, against a service that fails %d%% of calls:\n", *callers, *failureRate)
	call := downstream(*failureRate, time.Now().UnixNano())
	var ok, gaveUp atomic.Int64
	var wg sync.WaitGroup
	for c := 0; c < *callers; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for op := 0; op < 3; op++ {
				if err := Retry(ctx, *attempts, b, call); err != nil {
					gaveUp.Add(1)
				} else {
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	fmt.Printf("  %d operations succeeded, %d gave up\n", ok.Load(), gaveUp.Load())

	fmt.Println("the service stays down (an outage):")
	err := Retry(ctx, *attempts, b, flaky(1_000_000))
	fmt.Println("  result:", err, "| unavailable?", errors.Is(err, errUnavailable))

	fmt.Printf("the caller gives up after %v:\n", 2**baseDelay)
	short, cancel := context.WithTimeout(ctx, 2**baseDelay)
	defer cancel()
	err = Retry(short, 10, b, flaky(1_000_000))
	fmt.Println("  result:", err, "| deadline?", errors.Is(err, context.DeadlineExceeded))
}
