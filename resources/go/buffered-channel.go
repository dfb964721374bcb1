// Buffered channel: a small queue between a fast producer and a slow consumer.
//
// make(chan int, 3) holds up to three values. The producer runs ahead
// until the buffer is full, then each send waits for the consumer to free
// a slot. The buffer smooths bursts; it does not make the consumer faster.
//
//	go run buffered-channel.go
package main

import (
	"fmt"
	"time"
)

func main() {
	start := time.Now()
	since := func() string { return fmt.Sprintf("%4dms", time.Since(start).Milliseconds()) }

	ch := make(chan int, 3)
	done := make(chan struct{})

	go func() {
		defer close(done)
		time.Sleep(300 * time.Millisecond) // a late, slow consumer
		for v := range ch {
			fmt.Printf("%s  consumer got %d (len %d/%d)\n", since(), v, len(ch), cap(ch))
			time.Sleep(150 * time.Millisecond)
		}
	}()

	for i := 1; i <= 8; i++ {
		ch <- i // returns at once while there is room, blocks when full
		fmt.Printf("%s  producer put %d (len %d/%d)\n", since(), i, len(ch), cap(ch))
	}
	close(ch) // values already in the buffer are still delivered
	fmt.Printf("%s  producer closed the channel\n", since())
	<-done
}
