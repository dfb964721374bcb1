// Parallel processing with a WaitGroup: a team of workers, results in order.
//
// A fixed number of worker goroutines range over a jobs channel that
// carries item indices. Each worker writes its result into the slot of the
// item it took, so no two goroutines ever write the same memory and no lock
// is needed. wg.Wait() returns when every worker has returned, that is,
// once the jobs channel was closed and drained. A straggler holds up the
// whole batch: Wait waits for the slowest item.
//
// When an item fails, the loop stops handing out work (a `failed` channel
// is closed once, and the send of the next index selects on it), the
// workers finish what they hold, and the first error is returned after
// Wait: no goroutine is left behind. The flags are the lesson's
// parameters, with its defaults:
//
//	go run -race parallel-waitgroup.go -items=12 -workers=3 -work-time=300ms
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"sync"
	"time"
)

// process applies fn to every item with `workers` goroutines and returns
// the results in input order, or the first error once every worker ended.
func process(items []int, workers int, fn func(int) (int, error)) ([]int, error) {
	results := make([]int, len(items))
	jobs := make(chan int) // item indices

	var (
		errOnce  sync.Once
		firstErr error                 // written once, inside errOnce; read after wg.Wait
		failed   = make(chan struct{}) // closed with the first error
	)

	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1) // before the go statement, never inside the goroutine
		go func() {
			defer wg.Done()
			for i := range jobs { // ends when jobs is closed and drained
				v, err := fn(items[i])
				if err != nil {
					errOnce.Do(func() { firstErr = err; close(failed) })
					continue
				}
				results[i] = v // slot i belongs to this worker alone
			}
		}()
	}

feed:
	for i := range items {
		select {
		case jobs <- i:
		case <-failed:
			break feed // an item failed: hand out nothing more
		}
	}
	close(jobs) // no more work: each worker's range loop ends
	wg.Wait()   // after this, every write to results and firstErr is visible here
	return results, firstErr
}

func main() {
	nItems := flag.Int("items", 12, "items in the batch")
	workers := flag.Int("workers", 3, "most calls of the work function running at once")
	workTime := flag.Duration("work-time", 300*time.Millisecond, "time one item takes on average (each varies by +-50%)")
	flag.Parse()

	var mu sync.Mutex
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	cost := func() time.Duration { // guarded: rand.Rand is not safe for concurrent use
		mu.Lock()
		defer mu.Unlock()
		return time.Duration((0.5 + rng.Float64()) * float64(*workTime))
	}
	square := func(x int) (int, error) {
		time.Sleep(cost())
		return x * x, nil
	}

	items := make([]int, *nItems)
	for i := range items {
		items[i] = i + 1
	}
	start := time.Now()
	out, err := process(items, *workers, square)
	fmt.Println("results:", out, "error:", err)
	fmt.Println("took", time.Since(start).Round(10*time.Millisecond), "(the slowest item sets the pace)")

	var calls sync.Map
	failOnThree := func(x int) (int, error) {
		calls.Store(x, true)
		time.Sleep(cost())
		if x == 3 {
			return 0, fmt.Errorf("item %d: bad input", x)
		}
		return x * x, nil
	}
	_, err = process(items, *workers, failOnThree)
	started := 0
	calls.Range(func(_, _ any) bool { started++; return true })
	fmt.Printf("with a failing item: %v (%d of %d items were started)\n", err, started, len(items))
}
