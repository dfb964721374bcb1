// Pipeline: stages joined by channels, fan-out to workers, fan-in, cancellation.
//
// generate -> square -> work (N workers, fan-out) -> merge (fan-in) -> sink.
// Each stage is a goroutine that closes its output when its input is
// exhausted, so the end of the data flows down the pipe. Every send also
// selects on ctx.Done(), so when the sink stops early and cancels, each
// stage returns instead of blocking forever on a send nobody will receive.
// A pipeline runs at the pace of its slowest stage; fanning that stage out
// to several workers raises the pace (the order of the items is lost).
// The flags are the lesson's parameters, with its defaults:
//
//	go run -race pipeline.go -workers=3 -stage-delay=200ms -items-per-s=10
package main

import (
	"context"
	"flag"
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

// generate emits 1..n, one every interval.
func generate(ctx context.Context, n int, interval time.Duration) <-chan int {
	out := make(chan int)
	go func() {
		defer close(out)
		for i := 1; i <= n; i++ {
			time.Sleep(interval)
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

// Pipe is the shape of one pipeline: its workers, their delay, its input rate.
type Pipe struct {
	Workers    int
	StageDelay time.Duration // the slow work, per item, in a worker
	Interval   time.Duration // between two items of the generator
}

// build starts the whole pipeline on 1..n and returns its last channel.
func (p Pipe) build(ctx context.Context, n int) <-chan int {
	squares := stage(ctx, generate(ctx, n, p.Interval), func(v int) int { return v * v })
	outs := make([]<-chan int, p.Workers)
	for w := range outs { // fan-out: the workers share one input channel
		outs[w] = stage(ctx, squares, func(v int) int {
			time.Sleep(p.StageDelay) // the slow work
			return v
		})
	}
	return merge(ctx, outs...)
}

func main() {
	workers := flag.Int("workers", 3, "worker goroutines the slow stage fans out to")
	stageDelay := flag.Duration("stage-delay", 200*time.Millisecond, "time a worker spends on one item")
	itemsPerS := flag.Float64("items-per-s", 10, "items the generator emits per second")
	flag.Parse()
	p := Pipe{*workers, *stageDelay, time.Duration(float64(time.Second) / *itemsPerS)}

	before := runtime.NumGoroutine()

	// Run 1: the data runs out; the closes ripple down the pipe.
	sum := 0
	start := time.Now()
	for v := range p.build(context.Background(), 30) {
		sum += v
	}
	took := time.Since(start)
	fmt.Printf("sum of squares 1..30 = %d in %v (%d workers): %.1f items/s\n",
		sum, took.Round(10*time.Millisecond), *workers, 30/took.Seconds())

	// Run 2: take 5 results from an endless-looking stream, then cancel.
	ctx, cancel := context.WithCancel(context.Background())
	results := p.build(ctx, 1_000_000)
	for i := 0; i < 5; i++ {
		fmt.Println("got", <-results)
	}
	cancel() // every stage sees ctx.Done() and returns

	time.Sleep(p.StageDelay + p.Interval + 100*time.Millisecond) // let them unwind
	fmt.Println("goroutines left running:", runtime.NumGoroutine()-before)
}
