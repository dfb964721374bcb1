// Parallel processing with channels: a goroutine per item, results by channel.
//
// Every item gets its own goroutine. A buffered channel used as a semaphore
// lets at most `workers` of them work at once. Each goroutine sends
// (index, value, error) on a results channel with room for every item, and
// the collector receives exactly len(items) messages, putting each value
// back in its slot. Results arrive in completion order; the index restores
// input order. Counting the receives is the wait: no WaitGroup needed.
//
// The broken variant uses an unbuffered results channel and returns at the
// first error. The goroutines that have not sent yet block on their send
// forever: leaked goroutines.
//
// The flags are the lesson's parameters, with its defaults:
//
//	go run -race parallel-channels.go -variant=correct -items=12 -workers=3 -work-time=300ms
//	go run parallel-channels.go -variant=broken       # BROKEN: goroutines leak
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"runtime"
	"sync"
	"time"
)

type result struct {
	i   int
	val int
	err error
}

func process(items []int, workers int, fn func(int) (int, error)) ([]int, error) {
	sem := make(chan struct{}, workers)
	results := make(chan result, len(items)) // room for all: no sender ever waits
	for i, item := range items {
		go func(i, item int) {
			sem <- struct{}{} // take a slot; waits while `workers` are busy
			v, err := fn(item)
			<-sem
			results <- result{i, v, err}
		}(i, item)
	}

	out := make([]int, len(items))
	var first error
	for range items { // receive every result, even after an error
		r := <-results
		if r.err != nil && first == nil {
			first = r.err
		}
		out[r.i] = r.val
	}
	return out, first
}

// brokenProcess is THE PITFALL: unbuffered results and an early return.
func brokenProcess(items []int, workers int, fn func(int) (int, error)) ([]int, error) {
	sem := make(chan struct{}, workers)
	results := make(chan result) // unbuffered: each send waits for the collector
	for i, item := range items {
		go func(i, item int) {
			sem <- struct{}{}
			v, err := fn(item)
			<-sem
			results <- result{i, v, err} // blocks forever once the collector left
		}(i, item)
	}
	out := make([]int, len(items))
	for range items {
		r := <-results
		if r.err != nil {
			return nil, r.err // nobody receives the other results now
		}
		out[r.i] = r.val
	}
	return out, nil
}

func main() {
	variant := flag.String("variant", "correct", "correct: a results channel with room for every item; broken: unbuffered, and the collector returns at the first error")
	nItems := flag.Int("items", 12, "items in the batch")
	workers := flag.Int("workers", 3, "most calls of the work function running at once")
	workTime := flag.Duration("work-time", 300*time.Millisecond, "time one item takes on average (each varies by +-50%)")
	flag.Parse()
	run := process
	if *variant == "broken" {
		run = brokenProcess
	}

	var mu sync.Mutex
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	work := func(x int) (int, error) {
		mu.Lock() // rand.Rand is not safe for concurrent use
		d := time.Duration((0.5 + rng.Float64()) * float64(*workTime))
		mu.Unlock()
		time.Sleep(d)
		if x == 3 {
			return 0, fmt.Errorf("item %d failed", x)
		}
		return x * x, nil
	}
	var good, withBad []int
	for i := 1; i <= *nItems; i++ {
		if i != 3 {
			good = append(good, i)
		}
		withBad = append(withBad, i)
	}

	before := runtime.NumGoroutine()
	out, err := run(good, *workers, work)
	fmt.Println("all good:", out, err)

	out, err = run(withBad, *workers, work)
	fmt.Println("one fails:", out, err)

	time.Sleep(*workTime * 2) // every goroutine has had time to finish
	fmt.Println("goroutines left behind:", runtime.NumGoroutine()-before)
}
