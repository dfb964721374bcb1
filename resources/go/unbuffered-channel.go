// Unbuffered channel: a send and a receive meet, like a hand-off.
//
// make(chan int) has no room at all. The producer's send waits until the
// consumer is ready to receive, so whichever side is slower sets the pace,
// and each value moves straight from hand to hand. The flags are the
// lesson's parameters, with its defaults:
//
//	go run unbuffered-channel.go -send-interval=300ms -receive-delay=150ms
package main

import (
	"flag"
	"fmt"
	"time"
)

func main() {
	sendInterval := flag.Duration("send-interval", 300*time.Millisecond, "time the sender spends preparing each value before it sends it")
	receiveDelay := flag.Duration("receive-delay", 150*time.Millisecond, "time the receiver spends on each value before it receives the next")
	flag.Parse()

	start := time.Now()
	since := func() string { return fmt.Sprintf("%4dms", time.Since(start).Milliseconds()) }

	ch := make(chan int) // capacity 0: a rendezvous, not a queue
	done := make(chan struct{})

	go func() {
		defer close(done)
		for v := range ch { // ends when ch is closed and empty
			fmt.Printf("%s  receiver got %d, now busy for %v\n", since(), v, *receiveDelay)
			time.Sleep(*receiveDelay)
		}
		fmt.Printf("%s  receiver: channel closed, done\n", since())
	}()

	for i := 1; i <= 5; i++ {
		time.Sleep(*sendInterval) // preparing the value
		fmt.Printf("%s  sender sends %d ...\n", since(), i)
		ch <- i // blocks until the receiver is at its receive
		fmt.Printf("%s  sender: %d taken\n", since(), i)
	}
	close(ch) // only the sender closes: "no more values"
	<-done
}
