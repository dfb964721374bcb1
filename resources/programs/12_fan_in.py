"""Fan-in: two producers, one channel each, merged by select into one stream.

Go:
    for {
        select {
        case m := <-a: fmt.Println(m)
        case m := <-b: fmt.Println(m)
        }
    }
A closed channel is set to nil (None here) so select stops choosing it.
"""

from core.runtime import Chan, Recv, go, select, sleep


def producer(name, ch, n, pause):
    for i in range(n):
        sleep(pause)
        ch.send(f"{name}-{i}")
    ch.close()


def main():
    a, b = Chan(name="a"), Chan(name="b")
    go(producer, "a", a, 4, 0.03, name="producer-a")
    go(producer, "b", b, 3, 0.05, name="producer-b")
    while a is not None or b is not None:
        i, msg, ok = select(Recv(a), Recv(b))
        if not ok:  # that channel is closed: stop selecting it
            if i == 0:
                a = None
            else:
                b = None
            continue
        print(msg)


if __name__ == "__main__":
    main()
