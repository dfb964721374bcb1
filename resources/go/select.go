// select: one loop waits on several channels and a timeout at once.
//
// Three sources send at different rates, with random gaps. The loop takes
// whichever value is ready; when several are ready it picks one at random.
// If nothing arrives within the timeout, the timer case wins. A source that
// closes its channel is switched off by setting the variable to nil: a nil
// channel's case is never ready, while a closed one would be ready forever.
// With -use-default the select gets a default case: it never waits, the
// loop polls (and does other work) instead, and the timeout can never win.
//
// The timeout is ONE timer for the whole loop, reset on every pass. The
// broken variant writes `case <-time.After(timeout)` inside the loop: every
// pass makes a new timer that stays alive until it fires, even when a
// source won (before Go 1.23 they cannot even be collected until then).
// The flags are the lesson's parameters, with its defaults:
//
//	go run select.go -rate-a=3 -rate-b=1.5 -rate-c=0.5 -timeout=500ms -use-default=false -variant=correct
//	go run select.go -variant=broken   # BROKEN: one timer per pass
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"time"
)

// sendFor is how long each source sends before it closes its channel.
const sendFor = 4 * time.Second

// source sends about rate values a second (each gap random, from half to one
// and a half of the mean) for sendFor, then closes its channel.
func source(name string, rate float64, seed int64) <-chan string {
	out := make(chan string)
	go func() {
		defer close(out) // the sender closes: "no more values"
		rng := rand.New(rand.NewSource(seed))
		mean := float64(time.Second) / rate
		end := time.Now().Add(sendFor)
		for i := 1; ; i++ {
			time.Sleep(time.Duration((0.5 + rng.Float64()) * mean))
			if time.Now().After(end) {
				return
			}
			out <- fmt.Sprintf("%s%d", name, i)
		}
	}()
	return out
}

// resetTimer makes t fire after d. Before Go 1.23 a timer that fired but
// was not received keeps its value in t.C, so stop it and drain it first.
func resetTimer(t *time.Timer, d time.Duration) {
	if !t.Stop() {
		select {
		case <-t.C:
		default:
		}
	}
	t.Reset(d)
}

func main() {
	rateA := flag.Float64("rate-a", 3, "average rate at which source a sends (values/s)")
	rateB := flag.Float64("rate-b", 1.5, "average rate at which source b sends (values/s)")
	rateC := flag.Float64("rate-c", 0.5, "average rate at which source c sends (values/s)")
	timeoutFlag := flag.Duration("timeout", 500*time.Millisecond, "how long one pass waits for any source before the timeout case wins")
	useDefault := flag.Bool("use-default", false, "give the select a default case: it never waits, the loop polls instead")
	variant := flag.String("variant", "correct", "correct: one timer reset on each pass; broken: time.After on each pass")
	flag.Parse()
	broken := *variant == "broken"
	timeout := *timeoutFlag

	seed := time.Now().UnixNano()
	a := source("a", *rateA, seed)
	b := source("b", *rateB, seed+1)
	c := source("c", *rateC, seed+2) // slow: the timeout wins in between

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	timersMade := 1

	wins := map[string]int{}
	for a != nil || b != nil || c != nil {
		var expired <-chan time.Time
		if broken {
			expired = time.After(timeout) // BROKEN: a new timer on every pass
			timersMade++
		} else {
			resetTimer(timer, timeout)
			expired = timer.C
		}

		if *useDefault {
			select {
			case v, ok := <-a:
				if !ok {
					a = nil
				} else {
					wins["a"]++
					_ = v
				}
			case v, ok := <-b:
				if !ok {
					b = nil
				} else {
					wins["b"]++
					_ = v
				}
			case v, ok := <-c:
				if !ok {
					c = nil
				} else {
					wins["c"]++
				}
				_ = v
			case <-expired: // never wins: the loop never waits that long
				wins["timeout"]++
			default: // nothing ready: do other work, then poll again
				wins["default"]++
				time.Sleep(50 * time.Millisecond)
			}
			continue
		}

		select {
		case v, ok := <-a:
			if !ok {
				a = nil // closed: never pick this case again
				continue
			}
			wins["a"]++
			_ = v
		case v, ok := <-b:
			if !ok {
				b = nil
				continue
			}
			wins["b"]++
			_ = v
		case v, ok := <-c:
			if !ok {
				c = nil
				continue
			}
			wins["c"]++
			fmt.Println("rare value from c:", v)
		case <-expired:
			wins["timeout"]++
		}
	}
	fmt.Println("cases won:", wins)
	fmt.Println("timers made:", timersMade)

	// When both cases are ready, select picks one uniformly at random.
	x, y := make(chan int, 1), make(chan int, 1)
	picked := map[string]int{}
	for i := 0; i < 1000; i++ {
		x <- 1
		y <- 1
		select {
		case <-x:
			picked["x"]++
			<-y
		case <-y:
			picked["y"]++
			<-x
		}
	}
	fmt.Println("both ready 1000 times, picked:", picked)
}
