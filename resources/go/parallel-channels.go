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
//	go run -race parallel-channels.go                 # correct
//	go run parallel-channels.go -variant=broken       # BROKEN: goroutines leak
package main

import (
	"flag"
	"fmt"
	"runtime"
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
	variant := flag.String("variant", "correct", "correct or broken")
	flag.Parse()
	run := process
	if *variant == "broken" {
		run = brokenProcess
	}

	work := func(x int) (int, error) {
		time.Sleep(time.Duration(10*(10-x)) * time.Millisecond) // later items finish first
		if x == 8 {
			return 0, fmt.Errorf("item %d failed", x)
		}
		return x * x, nil
	}
	items := []int{1, 2, 3, 4, 5, 6, 7, 9}

	before := runtime.NumGoroutine()
	out, err := run(items, 3, work)
	fmt.Println("all good:", out, err)

	out, err = run(append(items, 8), 3, work)
	fmt.Println("one fails:", out, err)

	time.Sleep(300 * time.Millisecond) // every goroutine has had time to finish
	fmt.Println("goroutines left behind:", runtime.NumGoroutine()-before)
}
