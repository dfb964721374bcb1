// Circuit breaker: stop calling a service that keeps failing.
//
// Closed: calls go through; failures in a row are counted, a success resets
// the count. After `threshold` failures in a row the breaker opens: calls
// fail at once with ErrOpen, sparing the sick service and the caller's
// time. After `openTimeout` it turns half-open: up to `halfOpenMax` trial
// calls go through; a success closes it, a failure opens it again.
// (github.com/sony/gobreaker is a complete implementation.)
//
// The downstream is in an outage for its first second, then fails only
// failure-rate percent of calls. The flags are the lesson's parameters,
// with its defaults:
//
//	go run -race circuit-breaker.go -failure-rate=10 -failure-threshold=5 -open-timeout=1s -half-open-max=1 -callers=3
package main

import (
	"errors"
	"flag"
	"fmt"
	"math/rand"
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
	failureRate := flag.Int("failure-rate", 10, "share of calls the downstream fails when it is up, in percent")
	threshold := flag.Int("failure-threshold", 5, "failures in a row that open the breaker")
	openTimeout := flag.Duration("open-timeout", time.Second, "how long the breaker stays open before a trial call")
	halfOpenMax := flag.Int("half-open-max", 1, "trial calls let through while half-open")
	callers := flag.Int("callers", 3, "caller goroutines")
	flag.Parse()

	var mu sync.Mutex // guards rng and the outage's end
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	upAt := time.Now().Add(time.Second) // the downstream is in an outage at first
	service := func() error {
		time.Sleep(20 * time.Millisecond) // the call's own time
		mu.Lock()
		defer mu.Unlock()
		if time.Now().Before(upAt) || rng.Intn(100) < *failureRate {
			return errors.New("500 internal error")
		}
		return nil
	}

	b := NewBreaker(*threshold, *openTimeout, *halfOpenMax)
	counts := map[string]int{}
	var wg sync.WaitGroup
	end := time.Now().Add(3*time.Second + 2**openTimeout)
	for c := 0; c < *callers; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				err := b.Call(service)
				mu.Lock()
				switch {
				case err == nil:
					counts["ok"]++
				case errors.Is(err, ErrOpen):
					counts["refused by the open breaker"]++
				default:
					counts["failed"]++
				}
				mu.Unlock()
				time.Sleep(100 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	fmt.Println("calls:", counts)
}
