// Chat: a room where one slow reader cannot slow anybody else down.
//
// Every member has an inbox, a buffered channel. Join, Post and Leave hold
// the room's mutex only briefly: each line is offered to every inbox with a
// non-blocking send, so the room never waits for a member to read. A member
// whose inbox is full misses the line (counted as dropped) while the others
// chat on. Leave removes the inbox and closes it under the same lock, so no
// line is ever sent to a closed inbox.
//
// The members talk for a few seconds while sam, the slow reader, takes
// slow-delay per line. The flags are the lesson's parameters, with its
// defaults:
//
//	go run -race chat.go -members=3 -talk-interval=2s -inbox=4 -slow-delay=2s
package main

import (
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"sync"
	"time"
)

var (
	ErrNameTaken = errors.New("name already taken")
	ErrNotJoined = errors.New("not in the chat")
)

type member struct {
	inbox   chan string
	dropped int // lines missed because the inbox was full
}

type Room struct {
	mu      sync.Mutex
	members map[string]*member // guarded by mu
	buffer  int
}

func NewRoom(buffer int) *Room {
	return &Room{members: make(map[string]*member), buffer: buffer}
}

// say offers line to every inbox without waiting. Caller holds mu, which
// also gives every member the lines in the same order.
func (r *Room) say(line string) {
	for _, m := range r.members {
		select {
		case m.inbox <- line:
		default:
			m.dropped++ // this member is behind: skip, never wait
		}
	}
}

// Join adds user and returns its inbox; the joiner sees its own join line.
func (r *Room) Join(user string) (<-chan string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, taken := r.members[user]; taken {
		return nil, ErrNameTaken
	}
	m := &member{inbox: make(chan string, r.buffer)}
	r.members[user] = m
	r.say(user + " joined the chat")
	return m.inbox, nil
}

func (r *Room) Post(user, text string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.members[user]; !ok {
		return ErrNotJoined
	}
	r.say(user + ": " + text) // text stays plain: never interpreted as markup
	return nil
}

// Leave closes user's inbox (its reader's range loop ends) and tells the rest.
func (r *Room) Leave(user string) (dropped int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.members[user]
	if !ok {
		return 0
	}
	delete(r.members, user)
	close(m.inbox) // removed first, so say can never send to it
	r.say(user + " left the chat")
	return m.dropped
}

func main() {
	members := flag.Int("members", 3, "simulated members who chat (the slow reader comes on top)")
	talkInterval := flag.Duration("talk-interval", 2*time.Second, "average time between two lines of one member (random, +-50%)")
	inboxSize := flag.Int("inbox", 4, "lines a member's inbox holds before it misses lines")
	slowDelay := flag.Duration("slow-delay", 2*time.Second, "time sam, the slow member, takes per line")
	flag.Parse()

	room := NewRoom(*inboxSize)
	var wg sync.WaitGroup
	closing := make(chan struct{}) // closed when the room empties: nobody reads slowly any more
	read := func(user string, inbox <-chan string, delay time.Duration) {
		defer wg.Done()
		n := 0
		for range inbox { // ends when Leave closes the inbox
			n++
			select {
			case <-time.After(delay):
			case <-closing:
			}
		}
		fmt.Printf("%-5s read %2d lines\n", user, n)
	}

	names := []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"}
	var talkers []string
	for i := 0; i < *members; i++ {
		talkers = append(talkers, names[i%len(names)]+fmt.Sprint(i/len(names) + 1)[1:])
	}
	for _, user := range append(talkers, "sam") {
		inbox, err := room.Join(user)
		if err != nil {
			fmt.Println(err)
			continue
		}
		delay := time.Duration(0)
		if user == "sam" {
			delay = *slowDelay // sam reads slowly
		}
		wg.Add(1)
		go read(user, inbox, delay)
	}
	if _, err := room.Join(talkers[0]); err != nil {
		fmt.Printf("a second %s: %v\n", talkers[0], err)
	}

	// Each member posts a line about every talk-interval, for three intervals.
	var talk sync.WaitGroup
	end := time.Now().Add(3 * *talkInterval)
	for k, user := range talkers {
		talk.Add(1)
		rng := rand.New(rand.NewSource(time.Now().UnixNano() + int64(k)))
		go func(user string) {
			defer talk.Done()
			for i := 1; ; i++ {
				time.Sleep(time.Duration((0.5 + rng.Float64()) * float64(*talkInterval)))
				if time.Now().After(end) {
					return
				}
				_ = room.Post(user, fmt.Sprintf("line %d", i))
			}
		}(user)
	}
	talk.Wait()
	fmt.Println("a stranger posts:", room.Post("stranger", "hi?"))

	close(closing)
	for _, user := range append([]string{"sam"}, talkers...) {
		fmt.Printf("%-5s leaves, having missed %d lines\n", user, room.Leave(user))
	}
	wg.Wait()
}
