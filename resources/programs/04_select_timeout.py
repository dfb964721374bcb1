"""select with a timeout: wait for a result, but not for ever.

Go:
    select {
    case r := <-result:
        fmt.Println(r)
    case <-time.After(100 * time.Millisecond):
        fmt.Println("timed out")
    }

Try: make slow_answer sleep less than the timeout.
"""

from core.runtime import Chan, Recv, after, go, select, sleep


def slow_answer(result, delay):
    sleep(delay)
    result.send(f"answer after {delay} s")


def ask(delay):
    result = Chan(1, name="result")  # buffered: the late sender does not leak
    go(slow_answer, result, delay, name="answer")
    i, value, _ = select(Recv(result), Recv(after(0.1)))
    if i == 0:
        print(value)
    else:
        print(f"timed out waiting {delay} s")


def main():
    ask(0.02)
    ask(0.3)


if __name__ == "__main__":
    main()
