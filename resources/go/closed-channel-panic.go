// Closed channel: only the sending side closes, once, after the last send.
//
// Two producers send 4 and 6 values into one jobs channel; one consumer
// ranges over it. The correct program has a closer goroutine that waits
// for every producer (a WaitGroup) and then closes the channel, exactly
// once; the consumer never closes anything. To stop early, the consumer
// closes a separate quit channel that the producers watch.
//
// The broken program lets each producer close the channel when *it* is done
// ("I'm done") while the other one still sends, and the consumer closes it
// again "to be tidy" once its range loop ends. Whichever comes first
// panics: "send on closed channel" (the busy producer) or "close of closed
// channel" (the consumer). A panic in any goroutine ends the whole program.
//
// Receiving from a closed channel is fine: buffered values first, then the
// zero value with ok == false, at once, forever.
//
// The flags are the lesson's parameters, with its defaults:
//
//	go run closed-channel-panic.go -variant=correct -capacity=2 -producer-interval=150ms
//	go run closed-channel-panic.go -variant=broken   # BROKEN: panic, exit status 2
package main

import (
	"flag"
	"fmt"
	"sync"
	"time"
)

// The lesson's parameters (set by flags in main).
var (
	capacity         = 2                      // capacity of the jobs channel
	producerInterval = 150 * time.Millisecond // time each producer takes to make one value
)

// produce sends n values, unless quit is closed first.
func produce(id, n int, jobs chan<- string, quit <-chan struct{}) {
	for i := 1; i <= n; i++ {
		time.Sleep(producerInterval)
		select {
		case jobs <- fmt.Sprintf("p%d-%d", id, i):
		case <-quit:
			return // asked to stop: the closer will close jobs
		}
	}
}

func correct(stopAfter int) {
	jobs := make(chan string, capacity)
	quit := make(chan struct{})
	var producers sync.WaitGroup
	for id, n := range []int{4, 6} {
		producers.Add(1)
		go func(id, n int) {
			defer producers.Done()
			produce(id, n, jobs, quit)
		}(id+1, n)
	}
	go func() {
		producers.Wait() // every send is over...
		close(jobs)      // ...so this is safe, and it happens exactly once
	}()

	got := 0
	var quitOnce sync.Once
	for range jobs { // ends once jobs is closed and drained
		got++
		if got == stopAfter {
			quitOnce.Do(func() { close(quit) }) // stop early: signal, do not close jobs
		}
	}
	fmt.Println("received", got, "values; jobs closed once, by the closer")

	v, ok := <-jobs
	fmt.Printf("receive after close: %q, ok=%v (no panic)\n", v, ok)
}

// broken is THE PITFALL: every goroutine closes the channel when it is done.
func broken() {
	jobs := make(chan string, capacity)
	for id, n := range []int{4, 6} {
		go func(id, n int) {
			for i := 1; i <= n; i++ {
				time.Sleep(producerInterval)
				jobs <- fmt.Sprintf("p%d-%d", id, i) // panics once the other closed jobs
			}
			close(jobs) // BROKEN: "I'm done", but the other producer is not
		}(id+1, n)
	}
	for v := range jobs {
		fmt.Println("got", v)
	}
	close(jobs) // BROKEN: "to be tidy", but it is already closed
}

func main() {
	variant := flag.String("variant", "correct", "correct: a closer closes once after every producer is done; broken: each producer closes, and the receiver closes too")
	flag.IntVar(&capacity, "capacity", capacity, "capacity of the jobs channel")
	flag.DurationVar(&producerInterval, "producer-interval", producerInterval, "time each producer takes to make one value")
	flag.Parse()
	if *variant == "broken" {
		broken()
		return
	}
	correct(0)
	correct(5) // the consumer stops early after 5 values
}
