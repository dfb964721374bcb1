"""A panic: send on a closed channel.

A goroutine closes the channel while another still sends. Go panics:
    panic: send on closed channel
and the whole program ends (exit status 2). Only the sender should close.
"""

from core.runtime import Chan, go, sleep


def closer(ch):
    sleep(0.05)
    ch.close()  # wrong goroutine: the sender still sends


def main():
    ch = Chan(1, name="ch")
    go(closer, ch, name="closer")
    for i in range(10):
        ch.send(i)
        print(f"sent {i}")
        ch.recv()
        sleep(0.02)


if __name__ == "__main__":
    main()
