// Pipeline: stages joined by channels, fan-out to workers, fan-in, cancellation.
//
// generate -> square -> work (3 workers, fan-out) -> merge (fan-in) -> sink.
// Each stage is a goroutine that closes its output when its input is
// exhausted, so the end of the data flows down the pipe. Every send also
// selects on ctx.Done(), so when the sink stops early and cancels, each
// stage returns instead of blocking forever on a send nobody will receive.
// A pipeline runs at the pace of its slowest stage; fanning that stage out
// to several workers raises the pace (the order of the items is lost).
//
//	go run -race pipeline.go
package main

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// send delivers v on out unless ctx ends first; it reports whether it did.
func send(ctx context.Context, out chan<- int, v int) bool {
	select {
	case out <- v:
		return true
	case <-ctx.Done():
		return false
	}
}

func generate(ctx context.Context, n int) <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		for i := 1; i <= n; i++ {
			if !send(ctx, out, i) {
				return
			}
		}
	}()
	return out
}

// stage runs fn on every value of in, in one goroutine.
func stage(ctx context.Context, in <-chan int, fn func(int) int) <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		for v := range in {
			if !send(ctx, out, fn(v)) {
				return
			}
		}
	}()
	return out
}

// merge forwards every value of every input to one output, and closes it
// once all the inputs are closed.
func merge(ctx context.Context, ins ...<-chan int) <-chan int {
	out := make(chan int)
	var wg sync.WaitGroup
	for _, in := range ins {
		wg.Add(1)
		go func(in <-chan int) {
			defer wg.Done()
			for v := range in {
				if !send(ctx, out, v) {
					return
				}
			}
		}(in)
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}

// build starts the whole pipeline and returns its last channel.
func build(ctx context.Context, n, workers int) <-chan int {
	squares := stage(ctx, generate(ctx, n), func(v int) int { return v * v })
	outs := make([]<-chan int, workers)
	for w := range outs { // fan-out: the workers share one input channel
		outs[w] = stage(ctx, squares, func(v int) int {
			time.Sleep(20 * time.Millisecond) // the slow work
			return v
		})
	}
	return merge(ctx, outs...)
}

func main() {
	before := runtime.NumGoroutine()

	// Run 1: the data runs out; the closes ripple down the pipe.
	sum := 0
	start := time.Now()
	for v := range build(context.Background(), 30, 3) {
		sum += v
	}
	fmt.Printf("sum of squares 1..30 = %d in %v (3 workers)\n",
		sum, time.Since(start).Round(10*time.Millisecond))

	// Run 2: take 5 results from an endless-looking stream, then cancel.
	ctx, cancel := context.WithCancel(context.Background())
	results := build(ctx, 1_000_000, 3)
	for i := 0; i < 5; i++ {
		fmt.Println("got", <-results)
	}
	cancel() // every stage sees ctx.Done() and returns

	time.Sleep(100 * time.Millisecond) // let them unwind
	fmt.Println("goroutines left running:", runtime.NumGoroutine()-before)
}
