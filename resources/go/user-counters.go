// User counters: requests counted per user by many goroutines at once.
//
// The map is guarded by a sync.RWMutex and holds one atomic counter per
// user. Counting a known user takes only the read lock (shared with every
// other counter) and one atomic add. A new user takes the write lock once,
// and checks again under it: another goroutine may have added the same
// user between our RUnlock and our Lock.
//
// The broken variant counts in a plain map with no lock at all. It loses
// counts, and Go's runtime often stops it with
// "fatal error: concurrent map writes" (a crash that recover cannot catch).
//
// The flags are the lesson's parameters, with its defaults:
//
//	go run -race user-counters.go -variant=correct -clients=4 -users=3 -rate=5
//	go run user-counters.go -variant=broken        # BROKEN: lost counts or a fatal error
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// perClient is how many requests each client counts before the program ends.
const perClient = 20

type UserCounters struct {
	mu       sync.RWMutex
	counters map[string]*atomic.Int64 // guarded by mu; entries are never removed
}

func NewUserCounters() *UserCounters {
	return &UserCounters{counters: make(map[string]*atomic.Int64)}
}

func (c *UserCounters) Inc(user string) {
	c.mu.RLock()
	n, ok := c.counters[user]
	c.mu.RUnlock()
	if !ok {
		c.mu.Lock()
		if n, ok = c.counters[user]; !ok { // check again: we did not hold the lock
			n = new(atomic.Int64)
			c.counters[user] = n
		}
		c.mu.Unlock()
	}
	n.Add(1) // no lock needed: the counter itself is atomic
}

func (c *UserCounters) Get(user string) int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if n, ok := c.counters[user]; ok {
		return n.Load()
	}
	return 0
}

// GetAll returns a snapshot; changing it does not change the counters.
func (c *UserCounters) GetAll() map[string]int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make(map[string]int64, len(c.counters))
	for user, n := range c.counters {
		out[user] = n.Load()
	}
	return out
}

// brokenCounters is THE PITFALL: a plain map shared with no lock.
type brokenCounters struct{ m map[string]int64 }

// Inc is b.m[user]++ written out in its steps, with a gap between the read
// and the write (as the stage shows it) so that lost counts show on any machine.
func (b *brokenCounters) Inc(user string) {
	n := b.m[user]                    // read
	time.Sleep(30 * time.Millisecond) // another client may read the same n now
	b.m[user] = n + 1                 // write: a data race on the map
}

func (b *brokenCounters) GetAll() map[string]int64 { return b.m }

type counter interface {
	Inc(user string)
	GetAll() map[string]int64
}

func main() {
	variant := flag.String("variant", "correct", "correct: RWMutex + atomic counters; broken: a plain map with no lock")
	clients := flag.Int("clients", 4, "client goroutines counting requests")
	nUsers := flag.Int("users", 3, "distinct users the clients count")
	rate := flag.Float64("rate", 5, "requests each client counts per second")
	flag.Parse()

	var c counter = NewUserCounters()
	if *variant == "broken" {
		c = &brokenCounters{m: make(map[string]int64)}
	}

	names := []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"}
	users := make([]string, *nUsers)
	for i := range users {
		users[i] = names[i%len(names)]
		if i >= len(names) {
			users[i] += fmt.Sprint(i / len(names))
		}
	}
	period := float64(time.Second) / *rate
	var wg sync.WaitGroup
	for g := 0; g < *clients; g++ {
		wg.Add(1)
		rng := rand.New(rand.NewSource(time.Now().UnixNano() + int64(g)))
		go func() {
			defer wg.Done()
			for i := 0; i < perClient; i++ {
				time.Sleep(time.Duration((0.5 + rng.Float64()) * period)) // about rate a second
				c.Inc(users[rng.Intn(len(users))])
			}
		}()
	}
	wg.Wait()

	snap := c.GetAll()
	seen := make([]string, 0, len(snap))
	for user := range snap {
		seen = append(seen, user)
	}
	sort.Strings(seen) // map iteration order is random in Go
	var total int64
	for _, user := range seen {
		fmt.Printf("%-6s %d\n", user, snap[user])
		total += snap[user]
	}
	fmt.Printf("total  %d (want %d)\n", total, *clients*perClient)
	if *variant == "broken" {
		fmt.Printf("BROKEN: %d counts lost\n", *clients*perClient-int(total))
	}
}
