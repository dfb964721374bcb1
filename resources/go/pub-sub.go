// Pub-sub: a publisher fans messages out without ever waiting for a subscriber.
//
// Each subscriber has its own buffered channel. Publish offers every message
// to every channel with a non-blocking send: a subscriber whose buffer is
// full misses that message, so a slow reader cannot stall the publisher or
// the other subscribers. Publish and Unsubscribe hold the same lock while
// they send and close, so no channel is ever sent on after it was closed,
// and none is closed twice.
//
// The broken variant is the textbook broadcaster: Publish copies the list
// under the lock and sends outside it; Unsubscribe closes the channel. An
// Unsubscribe between the copy and the send makes the publisher send on a
// closed channel: "panic: send on closed channel".
//
//	go run -race pub-sub.go                   # correct
//	go run pub-sub.go -variant=broken         # BROKEN: panics
package main

import (
	"flag"
	"fmt"
	"sync"
	"time"
)

type PubSub struct {
	mu     sync.Mutex
	nextID int
	subs   map[int]chan string // guarded by mu
	buffer int
}

func NewPubSub(buffer int) *PubSub {
	return &PubSub{subs: make(map[int]chan string), buffer: buffer}
}

func (p *PubSub) Subscribe() (int, <-chan string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nextID++
	ch := make(chan string, p.buffer)
	p.subs[p.nextID] = ch
	return p.nextID, ch
}

// Unsubscribe removes and closes the subscriber's channel; a second call
// for the same id does nothing.
func (p *PubSub) Unsubscribe(id int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ch, ok := p.subs[id]; ok {
		delete(p.subs, id)
		close(ch)
	}
}

// Publish returns how many subscribers got msg; full ones are skipped.
// The sends never block, so holding the lock during them is cheap.
func (p *PubSub) Publish(msg string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	delivered := 0
	for _, ch := range p.subs {
		select {
		case ch <- msg:
			delivered++
		default: // this subscriber is behind: drop rather than wait
		}
	}
	return delivered
}

// brokenPublish is THE PITFALL: it sends to a copy of the list, outside the
// lock. A channel closed by Unsubscribe after the copy is still in it.
func (p *PubSub) brokenPublish(msg string) int {
	p.mu.Lock()
	subs := make([]chan string, 0, len(p.subs))
	for _, ch := range p.subs {
		subs = append(subs, ch)
	}
	p.mu.Unlock()

	time.Sleep(5 * time.Millisecond) // any delay here widens the window
	delivered := 0
	for _, ch := range subs {
		select {
		case ch <- msg: // panics if ch was closed after the copy
			delivered++
		default:
		}
	}
	return delivered
}

func main() {
	variant := flag.String("variant", "correct", "correct or broken")
	flag.Parse()
	p := NewPubSub(4)
	publish := p.Publish
	if *variant == "broken" {
		publish = p.brokenPublish
	}

	var wg sync.WaitGroup
	reader := func(name string, ch <-chan string, delay time.Duration) {
		defer wg.Done()
		got := 0
		for range ch { // ends when Unsubscribe closes ch
			got++
			time.Sleep(delay)
		}
		fmt.Printf("%s subscriber received %d messages\n", name, got)
	}
	slowID, slow := p.Subscribe()
	fastID, fast := p.Subscribe()
	wg.Add(2)
	go reader("slow", slow, 50*time.Millisecond)
	go reader("fast", fast, 0)

	done := make(chan struct{})
	go func() { // the publisher: 40 messages, one every 10ms
		defer close(done)
		for i := 1; i <= 40; i++ {
			publish(fmt.Sprintf("msg-%d", i))
			time.Sleep(10 * time.Millisecond)
		}
	}()

	// Visitors come and go while the publisher runs (they never read: a full
	// inbox just makes them miss messages).
	for i := 0; i < 20; i++ {
		id, _ := p.Subscribe()
		time.Sleep(7 * time.Millisecond)
		p.Unsubscribe(id)
		p.Unsubscribe(id) // harmless: already gone
	}
	<-done
	p.Unsubscribe(fastID)
	p.Unsubscribe(slowID)
	wg.Wait()
}
