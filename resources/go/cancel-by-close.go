// Cancel by close: one close(done) stops every worker at once.
//
// A receive from a closed channel never blocks, so closing a channel is a
// signal that every listener hears, however many there are, now or later.
// Each worker selects between its work and <-done, and returns when done
// is closed. A WaitGroup lets main wait until they have all really stopped.
//
//	go run cancel-by-close.go
package main

import (
	"fmt"
	"sync"
	"time"
)

func worker(id int, done <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	tick := time.NewTicker(time.Duration(40+20*id) * time.Millisecond)
	defer tick.Stop()
	jobs := 0
	for {
		select {
		case <-done:
			fmt.Printf("worker %d: stop signal seen after %d jobs\n", id, jobs)
			return
		case <-tick.C:
			jobs++ // one unit of work
		}
	}
}

func main() {
	done := make(chan struct{}) // carries no values: only its closing matters
	var wg sync.WaitGroup
	for id := 1; id <= 4; id++ {
		wg.Add(1)
		go worker(id, done, &wg)
	}

	time.Sleep(500 * time.Millisecond)
	fmt.Println("main: closing done")
	close(done) // a broadcast: every receiver wakes, not just one
	wg.Wait()
	fmt.Println("main: all workers returned")

	// A worker started after the close sees it on its first select.
	wg.Add(1)
	go worker(5, done, &wg)
	wg.Wait()
	// close(done) again here would panic: "close of closed channel".
}
