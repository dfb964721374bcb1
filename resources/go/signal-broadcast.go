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
// The flags are the lesson's parameters, with its defaults:
//
//	go run -race signal-broadcast.go -listeners=5 -period=3s -work-time=600ms -variant=correct
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
	listeners := flag.Int("listeners", 5, "goroutines waiting for the signal")
	period := flag.Duration("period", 3*time.Second, "time between two broadcasts (0: one broadcast)")
	workTime := flag.Duration("work-time", 600*time.Millisecond, "what a woken listener does before it waits for the next signal")
	variant := flag.String("variant", "correct", "correct: broadcast closes the channel; broken: it sends one value")
	flag.Parse()
	b := NewBroadcaster()
	broadcast := b.Broadcast
	if *variant == "broken" {
		broadcast = b.brokenBroadcast
	}

	const rounds = 2
	var woken atomic.Int32
	done := make(chan struct{})
	for i := 1; i <= *listeners; i++ {
		go func(id int) {
			for {
				sig := b.Subscribe()
				select {
				case <-sig: // parked until the close (or, broken, until it wins the one value)
				case <-done:
					return
				}
				woken.Add(1)
				fmt.Printf("  listener %d woke, works for %v\n", id, *workTime)
				time.Sleep(*workTime)
			}
		}(i)
	}
	wait := *period
	if wait <= 0 {
		wait = 100 * time.Millisecond // no automatic period: one broadcast, soon
	}
	for r := 1; r <= rounds; r++ {
		time.Sleep(wait) // every listener holds this round's channel and is parked on it
		woken.Store(0)
		fmt.Printf("broadcast %d!\n", r)
		broadcast()
		time.Sleep(100 * time.Millisecond)
		fmt.Printf("%d of %d listeners woke\n", woken.Load(), *listeners)
		if *period <= 0 {
			break
		}
	}
	close(done)

	// A subscriber that arrives after the broadcast waits for the next one.
	late := b.Subscribe()
	select {
	case <-late:
		fmt.Println("late subscriber woke at once")
	case <-time.After(50 * time.Millisecond):
		fmt.Println("late subscriber waits for the next broadcast")
	}
}
