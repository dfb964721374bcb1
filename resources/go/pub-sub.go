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
// The flags are the lesson's parameters, with its defaults:
//
//	go run -race pub-sub.go -subscribers=4 -buffer=4 -publish-rate=8 -slow-delay=500ms -variant=correct
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
	subscribers := flag.Int("subscribers", 4, "subscribers at the start; the first one is slow")
	buffer := flag.Int("buffer", 4, "messages each subscriber's channel holds")
	publishRate := flag.Float64("publish-rate", 8, "messages the publisher sends per second")
	slowDelay := flag.Duration("slow-delay", 500*time.Millisecond, "time the slow subscriber spends on each message")
	variant := flag.String("variant", "correct", "correct: sends and closes under one lock; broken: sends outside the lock")
	flag.Parse()
	p := NewPubSub(*buffer)
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
		fmt.Printf("%s received %d messages\n", name, got)
	}
	var ids []int
	for i := 1; i <= *subscribers; i++ {
		id, ch := p.Subscribe()
		ids = append(ids, id)
		name, delay := fmt.Sprintf("subscriber %d", i), time.Duration(0)
		if i == 1 {
			name, delay = "subscriber 1 (slow)", *slowDelay
		}
		wg.Add(1)
		go reader(name, ch, delay)
	}

	done := make(chan struct{})
	go func() { // the publisher: 40 messages at publish-rate
		defer close(done)
		for i := 1; i <= 40; i++ {
			publish(fmt.Sprintf("msg-%d", i))
			time.Sleep(time.Duration(float64(time.Second) / *publishRate))
		}
	}()

	// Visitors come and go while the publisher runs (they never read: a full
	// inbox just makes them miss messages).
	for running := true; running; {
		id, _ := p.Subscribe()
		time.Sleep(7 * time.Millisecond)
		p.Unsubscribe(id)
		p.Unsubscribe(id) // harmless: already gone
		select {
		case <-done:
			running = false
		default:
		}
	}
	for _, id := range ids {
		p.Unsubscribe(id)
	}
	wg.Wait()
}
