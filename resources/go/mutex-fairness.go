// Mutex fairness: a hog relocks a mutex in a loop, a waiter needs it too.
//
// This is Go's own sync.TestMutexFairness at a human pace. The broken hog
// sleeps while it holds mu and locks it again the moment it unlocks. A
// waiter woken by the unlock competes with the hog, which is already
// running, and loses. Since Go 1.9 the mutex has an answer: once a waiter
// has waited more than 1 ms, mu switches to starvation mode and Unlock hands
// it straight to the first waiter (FIFO); the hog has to queue. So the
// waiter gets mu after about two of the hog's holds, never more. (The mode
// is inside sync.Mutex and not visible from outside; the lesson shows it.)
//
// The correct hog does its slow work outside the lock and holds mu only to
// update the shared count: the waiter hardly waits at all.
//
// The flags are the lesson's parameters, with its defaults:
//
//	go run mutex-fairness.go -variant=correct -hold=200ms -needs=10 -gap=100ms
//	go run mutex-fairness.go -variant=broken   # the waiter waits about 1.5 holds per lock
package main

import (
	"flag"
	"fmt"
	"sync"
	"time"
)

// The lesson's parameters (set by flags in main).
var (
	broken = false                  // the hog sleeps inside the lock
	hold   = 200 * time.Millisecond // time the hog works per round
	needs  = 10                     // times the waiter needs the lock
	gap    = 100 * time.Millisecond // time the waiter spends between two locks
)

func main() {
	variant := flag.String("variant", "correct", "correct: the hog works outside the lock; broken: the hog sleeps inside it and relocks at once")
	flag.DurationVar(&hold, "hold", hold, "time the hog works per round")
	flag.IntVar(&needs, "needs", needs, "times the waiter needs the lock")
	flag.DurationVar(&gap, "gap", gap, "time the waiter spends between two of its locks")
	flag.Parse()
	broken = *variant == "broken"

	var (
		mu       sync.Mutex
		shared   int // what mu guards
		hogLocks int // guarded by mu
	)
	stop := make(chan struct{})
	hogDone := make(chan struct{})
	go func() { // the hog
		defer close(hogDone)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if broken {
				mu.Lock() // BROKEN: the whole round inside the lock, relocked at once
				hogLocks++
				shared++
				time.Sleep(hold)
				mu.Unlock()
			} else {
				time.Sleep(hold) // the slow work, outside the lock
				mu.Lock()
				hogLocks++
				shared++
				mu.Unlock()
			}
		}
	}()

	start := time.Now()
	var longest time.Duration
	for i := 1; i <= needs; i++ { // the waiter
		time.Sleep(gap)
		t0 := time.Now()
		mu.Lock()
		waited := time.Since(t0)
		shared++
		mu.Unlock()
		if waited > longest {
			longest = waited
		}
		fmt.Printf("waiter: lock %d after a wait of %v\n", i, waited.Round(time.Millisecond))
	}
	took := time.Since(start)
	close(stop)
	<-hogDone

	mu.Lock()
	defer mu.Unlock()
	fmt.Printf("waiter: %d locks in %v, longest wait %v\n",
		needs, took.Round(10*time.Millisecond), longest.Round(time.Millisecond))
	fmt.Printf("hog: %d locks meanwhile; shared = %d\n", hogLocks, shared)
}
