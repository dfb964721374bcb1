// Retry with exponential backoff and jitter.
//
// A flaky call is tried up to `attempts` times. Between two tries the
// caller waits Base, Base*Factor, Base*Factor^2 ... capped at Max, and each
// delay is shortened by a random share (Jitter) so that callers who failed
// together do not all come back at the same instant. The wait is a select
// on ctx.Done() and a timer, so a caller that gives up stops at once.
// There is no standard package; this is the usual shape (compare
// github.com/cenkalti/backoff or k8s.io/apimachinery/pkg/util/wait).
//
//	go run retry-backoff.go
package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
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

func main() {
	ctx := context.Background()
	b := Backoff{Base: 20 * time.Millisecond, Factor: 2, Max: 200 * time.Millisecond, Jitter: 0.5}

	fmt.Println("the service recovers after 3 failures:")
	fmt.Println("  result:", Retry(ctx, 5, b, flaky(3)))

	fmt.Println("the service stays down (an outage):")
	err := Retry(ctx, 5, b, flaky(100))
	fmt.Println("  result:", err, "| unavailable?", errors.Is(err, errUnavailable))

	fmt.Println("the caller gives up after 100ms:")
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	err = Retry(short, 10, b, flaky(100))
	fmt.Println("  result:", err, "| deadline?", errors.Is(err, context.DeadlineExceeded))
}
