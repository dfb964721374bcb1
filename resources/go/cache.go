// Cache: a TTL cache with a janitor, and one load per missing key.
//
// Hits take only a read lock, so many readers proceed side by side.
// Entries expire after a TTL; a janitor goroutine on a ticker removes the
// expired ones (it stops with its context). On a miss, GetOrLoad lets the
// first caller run the slow loader; callers that miss the same key
// meanwhile wait for that one load and share its result ("singleflight"),
// so a popular key that expires costs the backend one query, not N.
//
// The broken variant is naive cache-aside (get, load on a miss, set): a
// stampede of callers on one missing key sends every one of them to the
// backend.
//
// The flags are the lesson's parameters, with its defaults:
//
//	go run -race cache.go -variant=correct -clients=6 -ttl=2s -keys=12 -loader-delay=300ms -janitor-interval=500ms
//	go run cache.go -variant=broken         # BROKEN: one load per caller
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"
)

type entry struct {
	val     string
	expires time.Time
}

// call is one load in progress; done is closed once val and err are set.
type call struct {
	done chan struct{}
	val  string
	err  error
}

type Cache struct {
	mu    sync.RWMutex
	items map[string]entry // guarded by mu
	ttl   time.Duration

	callsMu sync.Mutex
	calls   map[string]*call // loads in progress; guarded by callsMu
}

func NewCache(ttl time.Duration) *Cache {
	return &Cache{items: make(map[string]entry), calls: make(map[string]*call), ttl: ttl}
}

// Get returns a fresh value; an expired entry counts as missing.
func (c *Cache) Get(key string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.items[key]
	if !ok || time.Now().After(e.expires) {
		return "", false
	}
	return e.val, true
}

func (c *Cache) Set(key, val string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items[key] = entry{val, time.Now().Add(c.ttl)}
}

// GetOrLoad returns the cached value, or loads it: at most one load per key
// at a time, whatever the number of callers.
func (c *Cache) GetOrLoad(key string, load func(string) (string, error)) (string, error) {
	if v, ok := c.Get(key); ok {
		return v, nil
	}
	c.callsMu.Lock()
	if cl, ok := c.calls[key]; ok { // someone is loading it: wait for them
		c.callsMu.Unlock()
		<-cl.done
		return cl.val, cl.err
	}
	cl := &call{done: make(chan struct{})}
	c.calls[key] = cl
	c.callsMu.Unlock() // never hold a lock during the slow load

	cl.val, cl.err = load(key)
	if cl.err == nil {
		c.Set(key, cl.val)
	}
	c.callsMu.Lock()
	delete(c.calls, key)
	c.callsMu.Unlock()
	close(cl.done) // wakes every caller waiting for this key
	return cl.val, cl.err
}

// brokenGetOrLoad is THE PITFALL: between the miss and the Set, every other
// caller that misses the same key loads it too.
func (c *Cache) brokenGetOrLoad(key string, load func(string) (string, error)) (string, error) {
	if v, ok := c.Get(key); ok {
		return v, nil
	}
	v, err := load(key)
	if err == nil {
		c.Set(key, v)
	}
	return v, err
}

// Janitor removes expired entries every interval until ctx ends. Without
// it, an expired entry stays in memory until the key is written again.
func (c *Cache) Janitor(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			c.mu.Lock()
			for k, e := range c.items {
				if now.After(e.expires) {
					delete(c.items, k) // deleting while ranging is allowed in Go
				}
			}
			c.mu.Unlock()
		}
	}
}

func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.items)
}

func main() {
	variant := flag.String("variant", "correct", "correct: GetOrLoad shares one load per key (singleflight); broken: every client that misses loads the key itself")
	clients := flag.Int("clients", 6, "client goroutines reading keys")
	ttl := flag.Duration("ttl", 2*time.Second, "how long a loaded value stays fresh")
	nKeys := flag.Int("keys", 12, "different keys the clients read; the first quarter are hot and get 80% of the reads")
	loaderDelay := flag.Duration("loader-delay", 300*time.Millisecond, "how long the slow loader takes for one key")
	janitorInterval := flag.Duration("janitor-interval", 500*time.Millisecond, "time between two janitor sweeps")
	flag.Parse()

	var loads atomic.Int64
	slowDB := func(key string) (string, error) {
		loads.Add(1)
		time.Sleep(*loaderDelay)
		return "profile of " + key, nil
	}

	c := NewCache(*ttl)
	getOrLoad := c.GetOrLoad
	if *variant == "broken" {
		getOrLoad = c.brokenGetOrLoad
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.Janitor(ctx, *janitorInterval)

	stampede := func(label string) {
		start := make(chan struct{}) // closed to release every caller at once
		var wg sync.WaitGroup
		for i := 0; i < *clients; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if _, err := getOrLoad("key-1", slowDB); err != nil {
					fmt.Println(err)
				}
			}()
		}
		before := loads.Load()
		close(start)
		wg.Wait()
		fmt.Printf("%d callers, key %-8s %2d loads of key-1\n", *clients, label+":", loads.Load()-before)
	}

	stampede("missing")
	stampede("cached")
	time.Sleep(*ttl + 2**janitorInterval) // the entry expires; the janitor evicts it
	fmt.Println("entries after the janitor's sweep:", c.Len())
	stampede("expired")

	// Everyday traffic: each client reads 20 keys, the hot quarter 80% of the time.
	hot := (*nKeys + 3) / 4
	before, reads := loads.Load(), 0
	var wg sync.WaitGroup
	for g := 0; g < *clients; g++ {
		wg.Add(1)
		reads += 20
		rng := rand.New(rand.NewSource(time.Now().UnixNano() + int64(g)))
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				k := 1 + rng.Intn(hot) // a hot key
				if rng.Float64() >= 0.8 && *nKeys > hot {
					k = hot + 1 + rng.Intn(*nKeys-hot) // a cold one
				}
				if _, err := getOrLoad(fmt.Sprintf("key-%d", k), slowDB); err != nil {
					fmt.Println(err)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	fmt.Printf("%d reads of %d keys: %d loads\n", reads, *nKeys, loads.Load()-before)
}
