// Buffered channel: a small queue between a producer and a slower consumer.
//
// make(chan int, capacity) holds up to capacity values. The producer runs
// ahead until the buffer is full, then each send waits for the consumer to
// free a slot. The buffer smooths bursts; it does not make the consumer
// faster. The flags are the lesson's parameters, with its defaults:
//
//	go run buffered-channel.go -capacity=4 -producer-interval=150ms -consumer-delay=200ms
package main

import (
	"flag"
	"fmt"
	"time"
)

func main() {
	capacity := flag.Int("capacity", 4, "how many values the channel holds (0 makes it unbuffered)")
	producerInterval := flag.Duration("producer-interval", 150*time.Millisecond, "time the producer spends making each value before it sends it")
	consumerDelay := flag.Duration("consumer-delay", 200*time.Millisecond, "time the consumer spends on each value before it receives the next")
	flag.Parse()

	start := time.Now()
	since := func() string { return fmt.Sprintf("%4dms", time.Since(start).Milliseconds()) }

	ch := make(chan int, *capacity)
	done := make(chan struct{})

	go func() {
		defer close(done)
		for v := range ch {
			fmt.Printf("%s  consumer got %d (len %d/%d)\n", since(), v, len(ch), cap(ch))
			time.Sleep(*consumerDelay)
		}
	}()

	for i := 1; i <= 12; i++ {
		time.Sleep(*producerInterval) // making the value
		ch <- i                       // returns at once while there is room, blocks when full
		fmt.Printf("%s  producer put %d (len %d/%d)\n", since(), i, len(ch), cap(ch))
	}
	close(ch) // values already in the buffer are still delivered
	fmt.Printf("%s  producer closed the channel\n", since())
	<-done
}
