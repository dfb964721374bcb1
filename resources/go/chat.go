// Chat: a room where one slow reader cannot slow anybody else down.
//
// Every member has an inbox, a buffered channel. Join, Post and Leave hold
// the room's mutex only briefly: each line is offered to every inbox with a
// non-blocking send, so the room never waits for a member to read. A member
// whose inbox is full misses the line (counted as dropped) while the others
// chat on. Leave removes the inbox and closes it under the same lock, so no
// line is ever sent to a closed inbox.
//
//	go run -race chat.go
package main

import (
	"errors"
	"fmt"
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
	room := NewRoom(4)
	var wg sync.WaitGroup
	read := func(user string, inbox <-chan string, delay time.Duration) {
		defer wg.Done()
		n := 0
		for range inbox { // ends when Leave closes the inbox
			n++
			time.Sleep(delay)
		}
		fmt.Printf("%-5s read %2d lines\n", user, n)
	}

	readers := []struct {
		name  string
		delay time.Duration
	}{{"alice", 0}, {"bob", 0}, {"sam", 60 * time.Millisecond}} // sam reads slowly
	for _, u := range readers {
		inbox, err := room.Join(u.name)
		if err != nil {
			fmt.Println(err)
			continue
		}
		wg.Add(1)
		go read(u.name, inbox, u.delay)
	}
	if _, err := room.Join("bob"); err != nil {
		fmt.Println("a second bob:", err)
	}

	for i := 1; i <= 10; i++ { // alice and bob chat briskly
		_ = room.Post("alice", fmt.Sprintf("line %d", i))
		_ = room.Post("bob", fmt.Sprintf("reply %d", i))
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Println("a stranger posts:", room.Post("carol", "hi?"))

	time.Sleep(100 * time.Millisecond)
	for _, user := range []string{"sam", "bob", "alice"} {
		fmt.Printf("%-5s leaves, having missed %d lines\n", user, room.Leave(user))
	}
	wg.Wait()
}
