// Unbuffered channel: a send and a receive meet, like a hand-off.
//
// make(chan int) has no room at all. The producer's send waits until the
// consumer is ready to receive, so the fast producer is held to the pace
// of the slow consumer, and each value moves straight from hand to hand.
//
//	go run unbuffered-channel.go
package main

import (
	"fmt"
	"time"
)

func main() {
	start := time.Now()
	since := func() string { return fmt.Sprintf("%4dms", time.Since(start).Milliseconds()) }

	ch := make(chan int) // capacity 0: a rendezvous, not a queue
	done := make(chan struct{})

	go func() {
		defer close(done)
		for v := range ch { // ends when ch is closed and empty
			fmt.Printf("%s  consumer got %d, now busy for 200ms\n", since(), v)
			time.Sleep(200 * time.Millisecond)
		}
		fmt.Printf("%s  consumer: channel closed, done\n", since())
	}()

	for i := 1; i <= 5; i++ {
		fmt.Printf("%s  producer sends %d ...\n", since(), i)
		ch <- i // blocks until the consumer is at its receive
		fmt.Printf("%s  producer: %d taken\n", since(), i)
	}
	close(ch) // only the sender closes: "no more values"
	<-done
}
