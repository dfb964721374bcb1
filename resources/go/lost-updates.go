// Lost updates: goroutines add to three shared counters, as the lesson does.
//
// Every goroutine increments the three counters the same number of times:
// a bare count++ (read, a gap, write: THE PITFALL), the same under a
// sync.Mutex, and one atomic add. The mutex and atomic totals come out
// exact; the bare counter falls short, because an increment made in the
// gap between another goroutine's read and write is overwritten. The flags
// are the lesson's parameters, with its defaults:
//
//	go run lost-updates.go -goroutines=4 -increments=20 -rate=5 -gap=10ms
//	go run -race lost-updates.go            # the race detector names the bare counter's lines
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"
)

// BadCounter is THE PITFALL, kept for the demo: n++ is a read, an add and
// a write, and nothing stops two goroutines from reading the same old
// value. It is a data race; `go run -race` reports it. The gap between the
// read and the write (as the lesson's stage shows it) makes the loss show
// on any machine.
type BadCounter struct {
	n   int
	gap time.Duration
}

func (c *BadCounter) Inc() {
	v := c.n // read
	time.Sleep(c.gap)
	c.n = v + 1 // write: overwrites any increment made since the read
}

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

func main() {
	goroutines := flag.Int("goroutines", 4, "goroutines that increment the counters together")
	increments := flag.Int("increments", 20, "increments each goroutine makes on each counter")
	rate := flag.Float64("rate", 5, "increments each goroutine makes per second")
	gap := flag.Duration("gap", 10*time.Millisecond, "time the bare counter spends between reading the count and writing it back")
	flag.Parse()

	bad := &BadCounter{gap: *gap}
	var safe MutexCounter
	var atom AtomicCounter
	period := time.Duration(float64(time.Second) / *rate)

	var wg sync.WaitGroup
	for g := 0; g < *goroutines; g++ {
		wg.Add(1)
		rng := rand.New(rand.NewSource(time.Now().UnixNano() + int64(g)))
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(rng.Float64() * float64(period))) // not all in step
			for i := 0; i < *increments; i++ {
				time.Sleep(time.Duration((0.5 + rng.Float64()) * float64(period)))
				bad.Inc()
				safe.Inc()
				atom.Inc()
			}
		}()
	}
	wg.Wait()

	want := *goroutines * *increments
	fmt.Printf("expected       = %d\n", want)
	fmt.Printf("mutex counter  = %d\n", safe.Value())
	fmt.Printf("atomic counter = %d\n", atom.Value())
	fmt.Printf("bare counter   = %d (lost %d)\n", bad.n, want-bad.n)
}
