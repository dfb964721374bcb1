// Resource keeper: one goroutine owns the map; everyone else sends it requests.
//
// "Do not communicate by sharing memory; share memory by communicating."
// The keeper is the only goroutine that ever touches the map, so there is
// no lock. Callers send a request and wait for the reply, with a timeout
// in case the keeper is busy or gone. Stop closes quit; after that every
// call fails fast instead of hanging.
//
// The broken variant's inc is a bare send and receive: no timeout, no quit.
// Once the keeper is stopped nobody receives the request, and every caller
// blocks on its send forever.
//
// For its second second the keeper turns slow (slow-delay per request,
// longer than the callers' timeout): their calls time out instead of
// hanging. The flags are the lesson's parameters, with its defaults:
//
//	go run -race resource-keeper.go -variant=correct -clients=4 -rate=4 -timeout=100ms -slow-delay=300ms
//	go run resource-keeper.go -variant=broken       # BROKEN: callers stuck for good
package main

import (
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

var (
	ErrNoAnswer = errors.New("keeper did not answer in time")
	ErrStopped  = errors.New("keeper is stopped")
)

type incReq struct {
	user  string
	reply chan int // buffered(1): the keeper never waits on a caller that gave up
}

type Keeper struct {
	inc      chan incReq
	snapshot chan chan map[string]int
	quit     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
	delay    atomic.Int64 // how long the keeper takes per request (a slow keeper), in ns
}

func NewKeeper() *Keeper {
	k := &Keeper{
		inc:      make(chan incReq),
		snapshot: make(chan chan map[string]int),
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	go k.loop()
	return k
}

// loop owns counts: no other goroutine can reach it.
func (k *Keeper) loop() {
	defer close(k.done)
	counts := make(map[string]int)
	for {
		select {
		case r := <-k.inc:
			time.Sleep(time.Duration(k.delay.Load())) // 0 unless the keeper is slow
			counts[r.user]++
			r.reply <- counts[r.user]
		case reply := <-k.snapshot:
			cp := make(map[string]int, len(counts))
			for u, n := range counts {
				cp[u] = n
			}
			reply <- cp
		case <-k.quit:
			return
		}
	}
}

// Inc adds one for user and returns the new count. It returns ErrStopped at
// once when the keeper is stopped, and ErrNoAnswer when the keeper does not
// take the request and answer within timeout.
func (k *Keeper) Inc(user string, timeout time.Duration) (int, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	r := incReq{user: user, reply: make(chan int, 1)}
	select {
	case k.inc <- r:
	case <-k.quit:
		return 0, ErrStopped
	case <-t.C:
		return 0, ErrNoAnswer
	}
	select {
	case n := <-r.reply:
		return n, nil
	case <-t.C:
		return 0, ErrNoAnswer
	}
}

// brokenInc is THE PITFALL: it trusts the keeper to be there, and fast.
func (k *Keeper) brokenInc(user string) int {
	r := incReq{user: user, reply: make(chan int, 1)}
	k.inc <- r // blocks forever once the keeper has returned
	return <-r.reply
}

func (k *Keeper) GetAll() map[string]int {
	reply := make(chan map[string]int, 1)
	select {
	case k.snapshot <- reply:
		return <-reply
	case <-k.quit:
		return nil
	}
}

// Stop ends the keeper; safe to call more than once.
func (k *Keeper) Stop() {
	k.stopOnce.Do(func() { close(k.quit) })
	<-k.done
}

func main() {
	variant := flag.String("variant", "correct", "correct: inc selects on the request, quit and one timer; broken: a bare send and receive with no timeout")
	clients := flag.Int("clients", 4, "client goroutines asking the keeper to count")
	rate := flag.Float64("rate", 4, "increments each client asks for per second")
	timeout := flag.Duration("timeout", 100*time.Millisecond, "how long inc waits for the keeper before it gives up")
	slowDelay := flag.Duration("slow-delay", 300*time.Millisecond, "how long the slow keeper takes per request")
	flag.Parse()

	k := NewKeeper()
	var wg sync.WaitGroup
	var ok, timedOut atomic.Int64
	period := float64(time.Second) / *rate
	end := time.Now().Add(2 * time.Second)
	for g := 0; g < *clients; g++ {
		wg.Add(1)
		rng := rand.New(rand.NewSource(time.Now().UnixNano() + int64(g)))
		go func(g int) {
			defer wg.Done()
			user := []string{"alice", "bob"}[g%2]
			for time.Now().Before(end) {
				time.Sleep(time.Duration((0.5 + rng.Float64()) * period))
				if _, err := k.Inc(user, *timeout); err != nil {
					timedOut.Add(1)
				} else {
					ok.Add(1)
				}
			}
		}(g)
	}
	time.Sleep(time.Second)
	fmt.Printf("first second: %d increments, %d timed out\n", ok.Load(), timedOut.Load())
	k.delay.Store(int64(*slowDelay)) // the keeper turns slow
	wg.Wait()
	fmt.Printf("after a slow second: %d increments, %d timed out (none hung)\n", ok.Load(), timedOut.Load())
	k.delay.Store(0)
	fmt.Println("counts:", k.GetAll())

	k.Stop()
	if *variant == "broken" {
		before := runtime.NumGoroutine()
		for i := 0; i < 3; i++ {
			go k.brokenInc("alice")
		}
		time.Sleep(200 * time.Millisecond)
		fmt.Println("BROKEN: callers blocked forever on their send:", runtime.NumGoroutine()-before)
		return
	}
	_, err := k.Inc("alice", *timeout)
	fmt.Println("after stop:", err)
}
