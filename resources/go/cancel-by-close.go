// Cancel by close: one close(done) stops every worker at once.
//
// A receive from a closed channel never blocks, so closing a channel is a
// signal that every listener hears, however many there are, now or later.
// Each worker selects between its work and <-done, and returns when done
// is closed. A WaitGroup lets main wait until they have all really stopped.
// The flags are the lesson's parameters, with its defaults:
//
//	go run cancel-by-close.go -workers=4 -work-time=300ms
package main

import (
	"flag"
	"fmt"
	"sync"
	"time"
)

// worker does one unit of work (workTime) at a time and checks done between units.
func worker(id int, workTime time.Duration, done <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	jobs := 0
	for {
		select {
		case <-done:
			fmt.Printf("worker %d: stop signal seen after %d units of work\n", id, jobs)
			return
		default:
		}
		time.Sleep(workTime) // one unit of work
		jobs++
	}
}

func main() {
	workers := flag.Int("workers", 4, "how many workers start")
	workTime := flag.Duration("work-time", 300*time.Millisecond, "time one unit of work takes; each worker checks done between units")
	flag.Parse()

	done := make(chan struct{}) // carries no values: only its closing matters
	var wg sync.WaitGroup
	for id := 1; id <= *workers; id++ {
		wg.Add(1)
		go worker(id, *workTime, done, &wg)
	}

	time.Sleep(time.Second)
	fmt.Println("main: closing done")
	close(done) // a broadcast: every receiver wakes, not just one
	wg.Wait()
	fmt.Println("main: all workers returned")

	// A worker started after the close sees it on its first select.
	wg.Add(1)
	go worker(*workers+1, *workTime, done, &wg)
	wg.Wait()
	// close(done) again here would panic: "close of closed channel".
}
