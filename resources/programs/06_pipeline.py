"""A pipeline: generate -> square -> print, each stage a goroutine, joined by channels.

Go:
    func gen(nums ...int) <-chan int { out := make(chan int); go func() {
        for _, n := range nums { out <- n }; close(out) }(); return out }
    func sq(in <-chan int) <-chan int { ... for n := range in { out <- n * n } ... }

Each stage closes the channel it owns when it is done; the next stage's range ends.
"""

from core.runtime import Chan, go


def gen(*nums):
    out = Chan(name="numbers")

    def run():
        for n in nums:
            out.send(n)
        out.close()

    go(run, name="gen")
    return out


def square(inp):
    out = Chan(name="squares")

    def run():
        for n in inp:
            out.send(n * n)
        out.close()

    go(run, name="square")
    return out


def main():
    for v in square(gen(1, 2, 3, 4, 5)):
        print(v)


if __name__ == "__main__":
    main()
