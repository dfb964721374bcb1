// Batching: group items and flush when the batch is full or has waited long enough.
//
// A batcher goroutine reads items from a channel. It flushes when the batch
// reaches maxSize (throughput under load) or when the oldest item has waited
// maxWait (latency when traffic is light), and flushes what is left when
// the input channel is closed. One timer is armed per batch, not per item.
//
// Producers add items at producer-rate for two seconds (faster than
// max-items per max-wait, batches flush full; slower, the timer flushes
// them), then slow to a trickle that the timer flushes. The flags are the lesson's
// parameters, with its defaults:
//
//	go run -race batching.go -max-items=8 -max-wait=500ms -producer-rate=10 -producers=2
package main

import (
	"flag"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// batcher sends batches of items on the returned channel, which it closes
// after the last flush.
func batcher(in <-chan int, maxSize int, maxWait time.Duration) <-chan []int {
	out := make(chan []int)
	go func() {
		defer close(out)
		var batch []int
		var timeout <-chan time.Time // nil while the batch is empty: never fires
		var timer *time.Timer
		flush := func(why string) {
			fmt.Printf("flush (%s): %v\n", why, batch)
			out <- batch
			batch = nil // a new slice: the receiver owns the old one
			if timer != nil {
				timer.Stop()
			}
			timeout = nil
		}
		for {
			select {
			case v, ok := <-in:
				if !ok {
					if len(batch) > 0 {
						flush("input closed")
					}
					return
				}
				if len(batch) == 0 { // first item: start the clock
					timer = time.NewTimer(maxWait)
					timeout = timer.C
				}
				batch = append(batch, v)
				if len(batch) == maxSize {
					flush("full")
				}
			case <-timeout:
				flush("waited long enough")
			}
		}
	}()
	return out
}

func main() {
	maxItems := flag.Int("max-items", 8, "items that make a full batch (flushed at once)")
	maxWait := flag.Duration("max-wait", 500*time.Millisecond, "longest time the first item of a batch waits for its flush")
	producerRate := flag.Float64("producer-rate", 10, "items all producers add per second")
	producers := flag.Int("producers", 2, "producer goroutines")
	flag.Parse()

	in := make(chan int)
	batches := batcher(in, *maxItems, *maxWait)

	done := make(chan struct{})
	go func() {
		defer close(done)
		n := 0
		for b := range batches {
			n++
			_ = b // one bulk insert instead of len(b) single ones
		}
		fmt.Println("batches written:", n)
	}()

	var next atomic.Int64
	var wg sync.WaitGroup
	produce := func(rate float64, d time.Duration) {
		period := time.Duration(float64(time.Second) * float64(*producers) / rate)
		for p := 0; p < *producers; p++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for end := time.Now().Add(d); time.Now().Before(end); {
					time.Sleep(period)
					in <- int(next.Add(1))
				}
			}()
		}
		wg.Wait()
	}
	produce(*producerRate, 2*time.Second) // the lesson's traffic
	fmt.Println("-- traffic slows to a trickle --")
	produce(float64(*maxItems)/4/maxWait.Seconds(), 3**maxWait) // light: the timer flushes
	close(in)
	<-done
}
