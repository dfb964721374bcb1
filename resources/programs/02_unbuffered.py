"""An unbuffered channel: every send waits for a receiver (a rendezvous).

Go:
    ch := make(chan string)
    go func() { for _, w := range words { ch <- w }; close(ch) }()
    for w := range ch { fmt.Println(w) }

Try: remove ch.close(). The range in main never ends: all goroutines
are asleep, and Go calls it a deadlock.
"""

from core.runtime import Chan, go, sleep


def sender(ch):
    for word in ["ping", "pong", "ping", "pong"]:
        print(f"sending {word}")
        ch.send(word)  # waits here until main takes it
    ch.close()


def main():
    ch = Chan(name="words")
    go(sender, ch, name="sender")
    for word in ch:  # Go: for word := range ch
        print(f"received {word}")
        sleep(0.05)


if __name__ == "__main__":
    main()
