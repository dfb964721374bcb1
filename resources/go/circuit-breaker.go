// Circuit breaker: stop calling a service that keeps failing.
//
// Closed: calls go through; failures in a row are counted, a success resets
// the count. After `threshold` failures in a row the breaker opens: calls
// fail at once with ErrOpen, sparing the sick service and the caller's
// time. After `openTimeout` it turns half-open: up to `halfOpenMax` trial
// calls go through; a success closes it, a failure opens it again.
// (github.com/sony/gobreaker is a complete implementation.)
//
//	go run -race circuit-breaker.go
package main

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

var ErrOpen = errors.New("circuit open: not calling")

type State int

const (
	Closed State = iota
	HalfOpen
	Open
)

func (s State) String() string {
	return [...]string{"closed", "half-open", "open"}[s]
}

type Breaker struct {
	mu          sync.Mutex
	state       State // guarded by mu, like every field below
	failures    int   // failures in a row, while closed
	trials      int   // trial calls in flight, while half-open
	openedAt    time.Time
	threshold   int
	openTimeout time.Duration
	halfOpenMax int
}

func NewBreaker(threshold int, openTimeout time.Duration, halfOpenMax int) *Breaker {
	return &Breaker{threshold: threshold, openTimeout: openTimeout, halfOpenMax: halfOpenMax}
}

// setState changes state and resets the counters. Caller holds mu.
func (b *Breaker) setState(s State) {
	if s != b.state {
		fmt.Printf("    breaker: %v -> %v\n", b.state, s)
	}
	b.state, b.failures, b.trials = s, 0, 0
	if s == Open {
		b.openedAt = time.Now()
	}
}

// Call runs op unless the breaker refuses. The lock is not held while op
// runs: a slow call must not stop other callers from being turned away.
func (b *Breaker) Call(op func() error) error {
	b.mu.Lock()
	if b.state == Open && time.Since(b.openedAt) >= b.openTimeout {
		b.setState(HalfOpen)
	}
	if b.state == Open || (b.state == HalfOpen && b.trials >= b.halfOpenMax) {
		b.mu.Unlock()
		return ErrOpen
	}
	if b.state == HalfOpen {
		b.trials++
	}
	b.mu.Unlock()

	err := op()

	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case err == nil && b.state == HalfOpen:
		b.setState(Closed) // the trial worked
	case err == nil:
		b.failures = 0
	case b.state == HalfOpen:
		b.setState(Open) // the trial failed: wait another openTimeout
	case b.state == Closed:
		b.failures++
		if b.failures >= b.threshold {
			b.setState(Open)
		}
	}
	return err
}

func main() {
	var mu sync.Mutex
	down := true // the downstream is in an outage at first
	service := func() error {
		mu.Lock()
		defer mu.Unlock()
		if down {
			return errors.New("500 internal error")
		}
		return nil
	}

	b := NewBreaker(3, 200*time.Millisecond, 1)
	for i := 1; i <= 16; i++ {
		if i == 11 {
			mu.Lock()
			down = false
			mu.Unlock()
			fmt.Println("-- the service recovers --")
		}
		fmt.Printf("call %2d: %v\n", i, b.Call(service))
		time.Sleep(40 * time.Millisecond)
	}
}
