// Batching: group items and flush when the batch is full or has waited long enough.
//
// A batcher goroutine reads items from a channel. It flushes when the batch
// reaches maxSize (throughput under load) or when the oldest item has waited
// maxWait (latency when traffic is light), and flushes what is left when
// the input channel is closed. One timer is armed per batch, not per item.
//
//	go run -race batching.go
package main

import (
	"fmt"
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
	in := make(chan int)
	batches := batcher(in, 4, 100*time.Millisecond)

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

	for i := 1; i <= 9; i++ { // a busy spell: batches fill up
		in <- i
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(150 * time.Millisecond) // a lull: the timer flushes item 9 alone
	for i := 10; i <= 12; i++ {        // a trickle, then the input ends
		in <- i
		time.Sleep(30 * time.Millisecond)
	}
	close(in)
	<-done
}
