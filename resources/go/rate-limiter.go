// Rate limiter: a token bucket.
//
// The bucket earns `rate` tokens per second and saves at most `burst`.
// Each request spends one token; with none left it is rejected (HTTP 429 in
// a web server). No goroutine adds the tokens: on every call the bucket
// works out what it earned since it last looked, from the clock, under a
// mutex. That is how golang.org/x/time/rate does it too
// (rate.NewLimiter(10, 5), lim.Allow(), lim.Wait(ctx)). The flags are the
// lesson's parameters, with its defaults:
//
//	go run -race rate-limiter.go -rate=10 -burst=5 -clients=4 -demand=5
package main

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

type TokenBucket struct {
	mu     sync.Mutex
	rate   float64   // tokens per second; guarded by mu, like the fields below
	burst  float64   // most tokens saved
	tokens float64   // saved now, as of `last`
	last   time.Time // when tokens was last brought up to date
}

func NewTokenBucket(rate float64, burst int) *TokenBucket {
	return &TokenBucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: time.Now()}
}

// refill adds what was earned since last. Caller holds mu.
func (b *TokenBucket) refill(now time.Time) {
	b.tokens += now.Sub(b.last).Seconds() * b.rate
	if b.tokens > b.burst {
		b.tokens = b.burst // a full bucket earns nothing more
	}
	b.last = now
}

// Allow spends a token if there is one. It never waits.
func (b *TokenBucket) Allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(time.Now())
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Wait blocks until a token is available or ctx ends.
func (b *TokenBucket) Wait(ctx context.Context) error {
	for {
		b.mu.Lock()
		b.refill(time.Now())
		if b.tokens >= 1 {
			b.tokens--
			b.mu.Unlock()
			return nil
		}
		wait := time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
		b.mu.Unlock() // never sleep holding the lock

		t := time.NewTimer(wait)
		select {
		case <-t.C: // look again: another caller may have taken it
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// SetRate changes the rate from now on; tokens earned so far are kept.
func (b *TokenBucket) SetRate(rate float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(time.Now())
	b.rate = rate
}

// clients send requests at demand per second each, for d; returns the
// counts of allowed and rejected requests.
func clients(b *TokenBucket, n int, demand float64, d time.Duration) (int64, int64) {
	var allowed, rejected atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(time.Duration(float64(time.Second) / demand))
			defer tick.Stop()
			stop := time.NewTimer(d)
			defer stop.Stop()
			for {
				select {
				case <-stop.C:
					return
				case <-tick.C:
					if b.Allow() {
						allowed.Add(1)
					} else {
						rejected.Add(1)
					}
				}
			}
		}()
	}
	wg.Wait()
	return allowed.Load(), rejected.Load()
}

func main() {
	rate := flag.Float64("rate", 10, "tokens the bucket earns per second")
	burst := flag.Int("burst", 5, "most tokens the bucket saves up (the largest burst let through)")
	nClients := flag.Int("clients", 4, "client goroutines sending requests")
	demand := flag.Float64("demand", 5, "requests each client sends per second")
	flag.Parse()

	b := NewTokenBucket(*rate, *burst)

	ok := 0
	for i := 0; i < 30; i++ { // a burst of 30 at once
		if b.Allow() {
			ok++
		}
	}
	fmt.Printf("burst of 30: %d allowed (the saved tokens), %d rejected\n", ok, 30-ok)

	asked := float64(*nClients) * *demand
	a, r := clients(b, *nClients, *demand, time.Second)
	fmt.Printf("1 s at %g req/s, rate %g/s: %d allowed, %d rejected\n", asked, *rate, a, r)

	b.SetRate(*rate * 4)
	a, r = clients(b, *nClients, *demand, time.Second)
	fmt.Printf("1 s at %g req/s, rate %g/s: %d allowed, %d rejected\n", asked, *rate*4, a, r)

	start := time.Now()
	b.SetRate(*rate * 2)
	for i := 0; i < 10; i++ { // a patient caller queues instead of being rejected
		if err := b.Wait(context.Background()); err != nil {
			fmt.Println(err)
		}
	}
	fmt.Printf("10 waits at %g/s took %v\n", *rate*2, time.Since(start).Round(10*time.Millisecond))
}
