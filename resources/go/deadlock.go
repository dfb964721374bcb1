// Deadlock: every goroutine waits for another one, and nobody can move.
//
// Three classic ways to get there, each with its fix:
//
//	forgotten-unlock        an early return skips mu.Unlock(); the next Lock waits
//	                        forever. Fix: defer mu.Unlock() right after Lock.
//	everyone-waiting        one goroutine locks A then B, another B then A; each
//	                        holds what the other needs. Fix: one global lock order.
//	receive-without-sender  main receives from a channel nobody will ever send on.
//	                        Fix: start the sender (or do not wait for it).
//
// When every goroutine is blocked, Go's runtime stops the program with
// "fatal error: all goroutines are asleep - deadlock!" and lists where each
// goroutine waits. It only sees a *global* deadlock: if any goroutine still
// runs (a server's listener, a ticker loop), the stuck ones hang silently.
//
// The flags are the lesson's parameters, with its defaults:
//
//	go run deadlock.go -variant=correct -mistake=forgotten-unlock   # the fixed code
//	go run deadlock.go -mistake=all                                # every fixed story
//	go run deadlock.go -variant=broken -mistake=forgotten-unlock
//	go run deadlock.go -variant=broken -mistake=everyone-waiting
//	go run deadlock.go -variant=broken -mistake=receive-without-sender
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sync"
	"time"
)

var errRefused = errors.New("refused")

// work holds mu while it works; defer unlocks on every return path.
func work(mu *sync.Mutex, fail bool) error {
	mu.Lock()
	defer mu.Unlock() // runs on every return, and on a panic
	time.Sleep(20 * time.Millisecond)
	if fail {
		return errRefused
	}
	return nil
}

// brokenWork is THE PITFALL: the unlock is written at the end by hand, and
// the early return skips it.
func brokenWork(mu *sync.Mutex, fail bool) error {
	mu.Lock()
	time.Sleep(20 * time.Millisecond)
	if fail {
		return errRefused // mu stays locked for good
	}
	mu.Unlock()
	return nil
}

// forgottenUnlock: worker 1 fails while holding the lock; worker 2 needs it next.
func forgottenUnlock(broken bool) {
	do := work
	if broken {
		do = brokenWork
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for id, fail := range []bool{true, false} {
		wg.Add(1)
		go func(id int, fail bool) {
			defer wg.Done()
			time.Sleep(time.Duration(id) * 5 * time.Millisecond) // worker 1 goes first
			fmt.Printf("worker %d: %v\n", id+1, do(&mu, fail))
		}(id, fail)
	}
	wg.Wait()
}

// everyoneWaiting: two transfers take the same two locks.
func everyoneWaiting(broken bool) {
	var a, b sync.Mutex
	var wg sync.WaitGroup
	transfer := func(name string, first, second *sync.Mutex) {
		defer wg.Done()
		first.Lock()
		defer first.Unlock()
		time.Sleep(20 * time.Millisecond) // wide enough for the other to take its first lock
		second.Lock()
		defer second.Unlock()
		fmt.Println(name, "holds both locks")
	}
	wg.Add(2)
	go transfer("worker 1", &a, &b)
	if broken {
		go transfer("worker 2", &b, &a) // BROKEN: the opposite order
	} else {
		go transfer("worker 2", &a, &b) // one global order: A, then B
	}
	wg.Wait()
}

// receiveWithoutSender: main waits for a result nobody produces.
func receiveWithoutSender(broken bool) {
	results := make(chan int)
	if !broken {
		go func() {
			time.Sleep(20 * time.Millisecond)
			results <- 42
		}()
	}
	// BROKEN variant: the producer was never started, so this waits forever.
	fmt.Println("result:", <-results)
}

func main() {
	variant := flag.String("variant", "correct", "correct: the fixed code; broken: the mistake, which deadlocks")
	mistake := flag.String("mistake", "forgotten-unlock",
		"forgotten-unlock, everyone-waiting, receive-without-sender, or all")
	flag.Parse()

	stories := []struct {
		name string
		run  func(broken bool)
	}{
		{"forgotten-unlock", forgottenUnlock},
		{"everyone-waiting", everyoneWaiting},
		{"receive-without-sender", receiveWithoutSender},
	}
	ran := false
	for _, s := range stories {
		if *mistake != "all" && *mistake != s.name {
			continue
		}
		ran = true
		fmt.Printf("-- %s (%s)\n", s.name, *variant)
		s.run(*variant == "broken")
	}
	if !ran {
		fmt.Fprintln(os.Stderr, "unknown -mistake:", *mistake)
		os.Exit(2)
	}
}
