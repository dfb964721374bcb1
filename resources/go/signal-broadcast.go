// Signal broadcast: closing a channel wakes every goroutine waiting on it.
//
// A receive from a closed channel returns at once, for every receiver, now
// and later. So close is a broadcast: one close(ch) wakes all the waiting
// listeners in the same instant. The Broadcaster hands out the current
// signal channel; Broadcast closes it and puts a fresh one in its place, so
// listeners that subscribe afterwards wait for the next signal.
//
// The broken variant "broadcasts" by sending one value instead. A send is
// received by exactly one goroutine: one listener wakes, the others go on
// waiting.
//
//	go run -race signal-broadcast.go                 # correct: 5 of 5 wake
//	go run signal-broadcast.go -variant=broken       # BROKEN: 1 of 5 wakes
package main

import (
	"flag"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

type Broadcaster struct {
	mu sync.Mutex
	ch chan struct{} // this round's signal; guarded by mu
}

func NewBroadcaster() *Broadcaster {
	return &Broadcaster{ch: make(chan struct{})}
}

// Subscribe returns the channel that the next Broadcast will close.
func (b *Broadcaster) Subscribe() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ch
}

// Broadcast wakes every current subscriber. Closing and replacing the
// channel under one lock means no channel is ever closed twice.
func (b *Broadcaster) Broadcast() {
	b.mu.Lock()
	defer b.mu.Unlock()
	close(b.ch)
	b.ch = make(chan struct{})
}

// brokenBroadcast is THE PITFALL: a send is taken by one receiver only.
func (b *Broadcaster) brokenBroadcast() {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case b.ch <- struct{}{}: // one listener gets it
	default: // nobody waiting: the signal is lost
	}
}

func main() {
	variant := flag.String("variant", "correct", "correct or broken")
	flag.Parse()
	b := NewBroadcaster()
	broadcast := b.Broadcast
	if *variant == "broken" {
		broadcast = b.brokenBroadcast
	}

	const listeners = 5
	var ready sync.WaitGroup
	var woken atomic.Int32
	for i := 1; i <= listeners; i++ {
		ready.Add(1)
		go func(id int) {
			sig := b.Subscribe()
			ready.Done()
			<-sig // parked until the close (or, broken, until it wins the one value)
			woken.Add(1)
			fmt.Printf("listener %d woke\n", id)
		}(i)
	}
	ready.Wait()                      // every listener holds this round's channel...
	time.Sleep(20 * time.Millisecond) // ...and is parked on it

	fmt.Println("broadcast!")
	broadcast()
	time.Sleep(100 * time.Millisecond)
	fmt.Printf("%d of %d listeners woke\n", woken.Load(), listeners)

	// A subscriber that arrives after the broadcast waits for the next one.
	late := b.Subscribe()
	select {
	case <-late:
		fmt.Println("late subscriber woke at once")
	case <-time.After(50 * time.Millisecond):
		fmt.Println("late subscriber waits for the next broadcast")
	}
}
