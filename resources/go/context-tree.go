// Context tree: cancellation flows from a parent to all its descendants.
//
// A request context carries a value (the request id) and has two children:
// a database call with its own short timeout (and a query below it) and a
// cache call that asks for more time than the request has. The db timeout
// ends the db subtree only; cancelling the request ends every context below
// it; nothing ever flows up to a parent. A child's deadline can never
// outlive its parent's. The flags are the lesson's parameters, with its
// defaults:
//
//	go run context-tree.go -request-timeout=4s -db-timeout=1.5s
package main

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"time"
)

type ctxKey string

// step waits for d or for ctx to end, and reports which came first.
func step(ctx context.Context, name string, d time.Duration, wg *sync.WaitGroup) {
	defer wg.Done()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		fmt.Printf("  %-6s finished (request %v)\n", name, ctx.Value(ctxKey("request")))
	case <-ctx.Done():
		fmt.Printf("  %-6s stopped: %v\n", name, ctx.Err())
	}
}

func main() {
	requestTimeout := flag.Duration("request-timeout", 4*time.Second, "deadline of the request: the whole tree ends with it")
	dbTimeout := flag.Duration("db-timeout", 1500*time.Millisecond, "the db call's own timeout (its subtree ends then, the request goes on)")
	flag.Parse()

	root := context.Background() // never cancelled; the top of every tree

	// The request may take requestTimeout in total.
	req, cancelReq := context.WithTimeout(root, *requestTimeout)
	defer cancelReq()
	req = context.WithValue(req, ctxKey("request"), "r-42")

	// The database call gets dbTimeout of its own; the query inherits it.
	db, cancelDB := context.WithTimeout(req, *dbTimeout)
	defer cancelDB()
	query, cancelQuery := context.WithCancel(db)
	defer cancelQuery()
	// The cache call asks for twice the request's time, but the request's deadline still applies.
	cache, cancelCache := context.WithTimeout(req, 2**requestTimeout)
	defer cancelCache()

	reqDeadline, _ := req.Deadline()
	cacheDeadline, _ := cache.Deadline()
	fmt.Println("cache deadline capped by the request:", cacheDeadline.Equal(reqDeadline))

	var wg sync.WaitGroup
	wg.Add(3)
	fmt.Println("round 1: the db step is too slow for its own timeout")
	go step(db, "db", 2**dbTimeout, &wg)
	go step(query, "query", 2**dbTimeout, &wg)
	go step(cache, "cache", 50*time.Millisecond, &wg)
	wg.Wait()
	fmt.Println("  request still alive:", req.Err() == nil)

	fmt.Println("round 2: the client goes away, the whole request is cancelled")
	worker, cancelWorker := context.WithCancel(req)
	defer cancelWorker()
	wg.Add(1)
	go step(worker, "worker", *requestTimeout, &wg)
	time.Sleep(100 * time.Millisecond)
	cancelReq() // ends req and everything derived from it
	wg.Wait()
	fmt.Println("  req:", req.Err(), "| cache:", cache.Err(), "| root:", root.Err())
}
