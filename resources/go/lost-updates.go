// Lost updates: eight goroutines add to one shared counter.
//
// The correct program protects the counter twice over, once with a
// sync.Mutex and once with sync/atomic, and both totals come out exact.
// The broken variant does a bare n++ from every goroutine: the read and
// the write of different goroutines interleave and increments vanish.
//
//	go run lost-updates.go                   # correct: both totals exact
//	go run lost-updates.go -variant=broken   # BROKEN: the total falls short
//	go run -race lost-updates.go -variant=broken   # the race detector names the line
package main

import (
	"flag"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

const (
	workers   = 8
	perWorker = 100_000
	want      = workers * perWorker
)

// MutexCounter serialises every increment behind a lock.
type MutexCounter struct {
	mu sync.Mutex
	n  int
}

func (c *MutexCounter) Inc() {
	c.mu.Lock()
	c.n++ // read, add and write happen while no one else holds mu
	c.mu.Unlock()
}

func (c *MutexCounter) Value() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// AtomicCounter makes the read-modify-write one indivisible CPU instruction.
type AtomicCounter struct {
	n atomic.Int64
}

func (c *AtomicCounter) Inc()         { c.n.Add(1) }
func (c *AtomicCounter) Value() int64 { return c.n.Load() }

// hammer runs inc from `workers` goroutines, perWorker times each, and
// returns once every goroutine has finished. They all start together.
func hammer(inc func()) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; i < perWorker; i++ {
				inc()
			}
		}()
	}
	close(start) // release every goroutine at once
	wg.Wait()
}

// brokenCount is THE PITFALL, kept for the demo: n++ is a read, an add
// and a write, and nothing stops two goroutines from reading the same old
// value. It is a data race; `go run -race` reports it.
//
// The increment is written out in its three steps, with runtime.Gosched()
// between the read and the write (as the stage does), so the loss shows on
// any machine, even one with a single free core. A bare n++ loses updates
// too, only less often.
func brokenCount() int {
	n := 0
	hammer(func() {
		v := n            // read
		runtime.Gosched() // let another goroutine run in the gap
		n = v + 1         // write: overwrites any increment made since the read
	})
	return n
}

func main() {
	variant := flag.String("variant", "correct", "correct or broken")
	flag.Parse()

	if *variant == "broken" {
		got := brokenCount()
		fmt.Printf("BROKEN: unprotected counter = %d, want %d, lost %d\n", got, want, want-got)
		return
	}

	var m MutexCounter
	hammer(m.Inc)
	fmt.Printf("mutex counter  = %d (want %d)\n", m.Value(), want)

	var a AtomicCounter
	hammer(a.Inc)
	fmt.Printf("atomic counter = %d (want %d)\n", a.Value(), want)
}
