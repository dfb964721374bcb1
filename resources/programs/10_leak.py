"""A goroutine leak: nobody ever receives the slow answer.

main asks two servers and takes the first answer. The other server's
send on an unbuffered channel waits for ever: it is blocked while the
program goes on (Go does not call this a deadlock: main still runs).
Try: give the channel a buffer of 2, and the loser finishes its send.
"""

from core.runtime import Chan, go, sleep


def server(name, delay, answers):
    sleep(delay)
    answers.send(f"{name} answered")  # the slower one waits here for ever
    print(f"{name} is done")


def main():
    answers = Chan(name="answers")
    go(server, "fast", 0.05, answers, name="fast-server")
    go(server, "slow", 0.1, answers, name="slow-server")
    print(answers.recv()[0])
    sleep(0.4)  # main goes on working; watch slow-server stay blocked
    print("main ends; slow-server never finished")


if __name__ == "__main__":
    main()
