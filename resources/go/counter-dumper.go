// Counter dumper: a background goroutine reports the counters on a ticker.
//
// The dumper wakes every interval, takes a snapshot under the lock (short)
// and reports it outside the lock (slow I/O must not block the writers).
// It selects on the ticker AND on ctx.Done(), so cancelling its context
// makes it return, and it stops its ticker on the way out.
//
// The broken variant is the common `for range ticker.C`: it never looks at
// the context, so cancel() changes nothing. The goroutine and its ticker
// keep running until the program exits: a leak.
//
// The flags are the lesson's parameters, with its defaults:
//
//	go run -race counter-dumper.go -variant=correct -interval=1s -clients=3 -rate=5
//	go run counter-dumper.go -variant=broken        # BROKEN: it keeps dumping
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand"
	"runtime"
	"sync"
	"time"
)

type UserCounters struct {
	mu sync.Mutex
	m  map[string]int // guarded by mu
}

func (c *UserCounters) Inc(user string) {
	c.mu.Lock()
	c.m[user]++
	c.mu.Unlock()
}

func (c *UserCounters) Snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.m))
	for k, v := range c.m {
		out[k] = v
	}
	return out
}

// dump calls report with a snapshot every interval until ctx ends.
func dump(ctx context.Context, c *UserCounters, interval time.Duration, report func(map[string]int)) {
	t := time.NewTicker(interval)
	defer t.Stop() // a ticker keeps firing until it is stopped
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			report(c.Snapshot())
		}
	}
}

// brokenDump is THE PITFALL: Stop never closes t.C, so this loop never
// ends, and the ctx it was given is never read.
func brokenDump(_ context.Context, c *UserCounters, interval time.Duration, report func(map[string]int)) {
	t := time.NewTicker(interval)
	for range t.C {
		report(c.Snapshot())
	}
}

func main() {
	variant := flag.String("variant", "correct", "correct: select on the ticker and ctx.Done(); broken: for range ticker.C")
	interval := flag.Duration("interval", time.Second, "time between two dumps")
	clients := flag.Int("clients", 3, "client goroutines counting requests")
	rate := flag.Float64("rate", 5, "requests each client counts per second")
	flag.Parse()
	dumper := dump
	if *variant == "broken" {
		dumper = brokenDump
	}

	c := &UserCounters{m: make(map[string]int)}
	ctx, cancel := context.WithCancel(context.Background())
	before := runtime.NumGoroutine()

	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		dumper(ctx, c, *interval, func(s map[string]int) {
			fmt.Printf("dump: alice=%d bob=%d\n", s["alice"], s["bob"])
		})
	}()

	// Traffic for three intervals: each client counts about rate requests a
	// second; alice is twice as busy as bob.
	users := []string{"alice", "alice", "bob"}
	period := float64(time.Second) / *rate
	var wg sync.WaitGroup
	for g := 0; g < *clients; g++ {
		wg.Add(1)
		rng := rand.New(rand.NewSource(time.Now().UnixNano() + int64(g)))
		go func() {
			defer wg.Done()
			end := time.Now().Add(3**interval + *interval/2)
			for time.Now().Before(end) {
				time.Sleep(time.Duration((0.5 + rng.Float64()) * period))
				c.Inc(users[rng.Intn(len(users))])
			}
		}()
	}
	wg.Wait()

	fmt.Println("main: cancel()")
	cancel()
	select {
	case <-stopped:
		fmt.Println("dumper returned")
	case <-time.After(*interval + 100*time.Millisecond):
		fmt.Println("BROKEN: the dumper is still running after cancel()")
	}
	fmt.Println("goroutines left behind:", runtime.NumGoroutine()-before)
}
