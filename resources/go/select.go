// select: one loop waits on several channels and a timeout at once.
//
// Three sources send at different rates. The loop takes whichever value is
// ready; when several are ready it picks one at random. If nothing arrives
// within the timeout, the timer case wins. A source that closes its channel
// is switched off by setting the variable to nil: a nil channel's case is
// never ready, while a closed one would be ready forever.
//
// The timeout is ONE timer for the whole loop, reset on every pass. The
// broken variant writes `case <-time.After(timeout)` inside the loop: every
// pass makes a new timer that stays alive until it fires, even when a
// source won (before Go 1.23 they cannot even be collected until then).
//
//	go run select.go                   # correct: 1 timer in all
//	go run select.go -variant=broken   # BROKEN: one timer per pass
package main

import (
	"flag"
	"fmt"
	"time"
)

// source sends n values, one every `every`, then closes its channel.
func source(name string, n int, every time.Duration) <-chan string {
	out := make(chan string)
	go func() {
		defer close(out) // the sender closes: "no more values"
		for i := 1; i <= n; i++ {
			time.Sleep(every)
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
	variant := flag.String("variant", "correct", "correct or broken")
	flag.Parse()
	broken := *variant == "broken"

	a := source("a", 12, 20*time.Millisecond)
	b := source("b", 6, 45*time.Millisecond)
	c := source("c", 3, 250*time.Millisecond) // slow: the timeout wins in between
	const timeout = 150 * time.Millisecond

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

	// A default case never waits: the select tries and moves on.
	events := make(chan string, 1)
	for _, e := range []string{"first", "second"} {
		select {
		case events <- e:
			fmt.Println("queued", e)
		default:
			fmt.Println("buffer full, dropped", e)
		}
	}
}
