"""run_main runs a function as Go runs a program: goroutine 1 is ``main``; its end ends
everything (0); an unrecovered panic or a Fatal anywhere, or a global deadlock, prints Go's
text to stderr and ends the program with status 2. Also Fatal and Goexit outside run_main.

Each Go twin below was run with Go 1.23.5 (``go run``); the lines quoted are its stderr
(its stack lines after ``goroutine N [...]:`` name Go files, ours name Python files).
The deadlock watch needs no caller: nothing here polls the runtime.
"""

from __future__ import annotations

import threading

import pytest
from helpers import wait_until

from core.runtime import (
    AtomicInt64,
    Chan,
    Fatal,
    Goexit,
    Mutex,
    Panic,
    Recv,
    Runtime,
    State,
    Ticker,
    Timer,
    WaitGroup,
    after,
    after_func,
    current,
    current_runtime,
    go,
    nil_chan,
    run_main,
    select,
    sleep,
)
from core.runtime.context import background, with_timeout
from core.trace import Kind, Tracer

DEADLOCK = "fatal error: all goroutines are asleep - deadlock!\n\n"


def run(capsys, fn, *args, **kwargs) -> tuple[int, str]:
    """run_main(fn, *args); returns its status and what it printed to stderr."""
    status = run_main(fn, *args, **kwargs)
    return status, capsys.readouterr().err


@pytest.fixture(autouse=True)
def no_thread_left():
    """run_main joins what it started: no thread of a test outlives it by 5 s."""
    before = set(threading.enumerate())
    yield
    wait_until(lambda: not [t for t in threading.enumerate() if t not in before and t.is_alive()])


# -- main's end ------------------------------------------------------------------------


def test_main_returning_exits_0_and_prints_nothing(capsys):
    # func main() { fmt.Println("bye") }              -> exit status 0
    assert run(capsys, lambda: None) == (0, "")


def test_main_is_goroutine_1_named_main_of_a_fresh_current_runtime(capsys):
    seen = []

    def main() -> None:
        g = current()
        seen.append((g.id, g.name, current_runtime()))

    outer = current_runtime()
    assert run(capsys, main) == (0, "")
    gid, name, rt = seen[0]
    assert (gid, name) == (1, "main")
    assert rt is not outer and rt.stopped


def test_main_gets_its_arguments_and_the_speed(capsys):
    seen = []

    def main(a: int, b: int) -> None:
        seen.append((a + b, current_runtime().clock.speed))

    assert run(capsys, main, 2, 3, speed=4.0) == (0, "")
    assert seen == [(5, 4.0)]


def test_when_main_returns_a_parked_goroutine_never_returns_from_its_wait(capsys):
    # func main() { ch := make(chan int); go func() { defer fmt.Println("deferred"); <-ch }() }
    # prints nothing but what main printed: the goroutine ends where it waits.
    after_wait = []
    gs = []

    def worker(ch: Chan) -> None:
        ch.recv()
        after_wait.append("returned")

    def main() -> None:
        ch = Chan()
        gs.append(go(worker, ch))
        wait_until(lambda: gs[0].state is State.BLOCKED_RECV)

    assert run(capsys, main) == (0, "")
    assert after_wait == []
    assert not gs[0].alive


def test_when_main_returns_a_running_goroutine_never_returns_from_its_next_operation(capsys):
    # A goroutine busy with operations that never block (atomic adds) ends at the next one.
    ops = []
    box = []

    def spinner() -> None:
        n = box[0]
        while True:
            n.add(1)
            ops.append(1)  # after an add that returned

    def main() -> None:
        box.append(AtomicInt64(0))
        g = go(spinner)
        box.append(g)
        wait_until(lambda: box[0].load() > 10)

    assert run(capsys, main) == (0, "")
    g = box[1]
    assert not g.alive and g.state is State.DONE and g.goexited
    assert len(ops) == box[0].load()  # the add after main's end never returned


# -- panics ----------------------------------------------------------------------------


def test_panic_in_main_prints_go_text_and_exits_2(capsys):
    # func main() { panic("boom") }
    #   panic: boom
    #
    #   goroutine 1 [running]:
    #   main.main()
    def main() -> None:
        raise Panic("boom")

    status, err = run(capsys, main)
    assert status == 2
    assert err.startswith("panic: boom\n\ngoroutine 1 [running]:\n")
    assert "test_run_main.test_panic_in_main_prints_go_text_and_exits_2.<locals>.main()" in err


def test_panic_in_another_goroutine_ends_the_program(capsys):
    # func main() { go func() { panic("boom in g") }(); time.Sleep(time.Second) }
    #   panic: boom in g
    #
    #   goroutine 17 [running]:
    after_sleep = []

    def boom() -> None:
        raise Panic("boom in g")

    def main() -> None:
        go(boom)
        sleep(3600)
        after_sleep.append(1)

    status, err = run(capsys, main)
    assert status == 2
    assert err.startswith("panic: boom in g\n\ngoroutine 2 [running]:\n")
    assert "goroutine 1" not in err  # a panic shows the panicking goroutine only
    assert after_sleep == []


def test_an_exception_that_is_not_a_panic_prints_its_type_name(capsys):
    status, err = run(capsys, lambda: 1 // 0)
    assert status == 2
    assert err.startswith("panic: ZeroDivisionError: integer division or modulo by zero\n\n")


def test_go_runtime_panic_text_is_printed_as_is(capsys):
    # func main() { ch := make(chan int); close(ch); close(ch) }  ->  panic: close of closed channel
    def main() -> None:
        ch = Chan()
        ch.close()
        ch.close()

    status, err = run(capsys, main)
    assert (status, err.splitlines()[0]) == (2, "panic: close of closed channel")


def test_a_recovered_panic_is_no_crash(capsys):
    def main() -> None:
        try:
            raise Panic("boom")
        except Panic:
            pass  # Go: recover()

    assert run(capsys, main) == (0, "")


# -- fatal errors ----------------------------------------------------------------------


def test_unlock_of_unlocked_mutex_is_a_fatal_error(capsys):
    # func main() { var mu sync.Mutex; mu.Unlock() }
    #   fatal error: sync: unlock of unlocked mutex
    #
    #   goroutine 1 [running]:
    status, err = run(capsys, lambda: Mutex().unlock())
    assert status == 2
    assert err.startswith("fatal error: sync: unlock of unlocked mutex\n\ngoroutine 1 [running]:\n")


def test_a_fatal_error_cannot_be_caught_as_an_exception(capsys):
    caught = []

    def main() -> None:
        try:
            raise Fatal("it is over")
        except Exception:  # Go: recover() cannot stop a fatal error
            caught.append(1)

    status, err = run(capsys, main)
    assert (status, caught) == (2, [])
    assert err.startswith("fatal error: it is over\n\ngoroutine 1 [running]:\n")


def test_a_fatal_error_shows_every_goroutine_the_crashing_one_first(capsys):
    # func main() { var mu sync.Mutex; go func() { mu.Unlock() }(); time.Sleep(time.Second) }
    #   fatal error: sync: unlock of unlocked mutex
    #
    #   goroutine 17 [running]:
    #   ...
    #   goroutine 1 [sleep]:
    def unlock_once_main_sleeps(main_g, mu: Mutex) -> None:
        wait_until(lambda: main_g.state is State.SLEEPING)
        mu.unlock()

    def main() -> None:
        go(unlock_once_main_sleeps, current(), Mutex())
        sleep(3600)

    status, err = run(capsys, main)
    assert status == 2
    assert err.startswith("fatal error: sync: unlock of unlocked mutex\n\ngoroutine 2 [running]:\n")
    assert "\n\ngoroutine 1 [sleep]:\n" in err


# -- deadlocks -------------------------------------------------------------------------


def test_send_with_no_receiver_is_a_deadlock(capsys):
    # func main() { ch := make(chan int); ch <- 1 }
    #   fatal error: all goroutines are asleep - deadlock!
    #
    #   goroutine 1 [chan send]:
    #   main.main()
    def main() -> None:
        Chan().send(1)

    status, err = run(capsys, main)
    assert status == 2
    assert err.startswith(DEADLOCK + "goroutine 1 [chan send]:\n")
    assert "test_send_with_no_receiver_is_a_deadlock.<locals>.main()" in err


def test_a_deadlock_shows_each_goroutine_in_go_words(capsys):
    # func main() {
    #     var mu sync.Mutex; var wg sync.WaitGroup; mu.Lock()
    #     go func() { mu.Lock() }(); go func() { select {} }()
    #     go func() { var n chan int; <-n }(); go func() { <-make(chan int) }()
    #     wg.Add(1); wg.Wait()
    # }
    #   goroutine 1 [semacquire]:            (Go 1.23's word for a WaitGroup's wait)
    #   goroutine 6 [sync.Mutex.Lock]:
    #   goroutine 7 [select (no cases)]:
    #   goroutine 8 [chan receive (nil chan)]:
    def main() -> None:
        mu, wg = Mutex(), WaitGroup()
        mu.lock()
        go(mu.lock)
        go(select)
        go(nil_chan.recv)
        go(Chan().recv)
        go(nil_chan.send, 1)
        go(select, Recv(Chan()), Recv(None))
        wg.add(1)
        wg.wait()

    status, err = run(capsys, main)
    assert status == 2
    assert err.startswith(DEADLOCK + "goroutine 1 [semacquire]:\n")
    blocks = [line for line in err.splitlines() if line.startswith("goroutine ")]
    assert blocks == [
        "goroutine 1 [semacquire]:",
        "goroutine 2 [sync.Mutex.Lock]:",
        "goroutine 3 [select (no cases)]:",
        "goroutine 4 [chan receive (nil chan)]:",
        "goroutine 5 [chan receive]:",
        "goroutine 6 [chan send (nil chan)]:",
        "goroutine 7 [select]:",
    ]
    assert "\n\ngoroutine 7 [select]:\n" in err  # a blank line between goroutines


def test_a_deadlock_is_traced_and_stored(capsys):
    tracer = Tracer(capacity=10_000)
    box = []

    def main() -> None:
        box.append(current_runtime())
        Chan(name="never").recv()

    status, err = run(capsys, main, tracer=tracer)
    assert status == 2 and err.startswith(DEADLOCK)
    rt = box[0]
    assert rt.deadlock is not None and rt.deadlock.text.startswith(DEADLOCK)
    traced = [e for e in tracer.events() if e.kind is Kind.DEADLOCK]
    assert len(traced) == 1 and traced[0].payload.goroutines[0].obj_name == "never"
    created = next(e for e in tracer.events() if e.kind is Kind.GO_CREATE)
    assert (created.obj, created.obj_name) == (1, "main")


def test_main_calling_goexit_with_nothing_left_is_a_deadlock(capsys):
    # func main() { go func(){}(); runtime.Goexit() }
    #   fatal error: no goroutines (main called runtime.Goexit) - deadlock!
    def main() -> None:
        go(lambda: None)
        raise Goexit

    status, err = run(capsys, main)
    assert (status, err) == (
        2,
        "fatal error: no goroutines (main called runtime.Goexit) - deadlock!\n",
    )


def test_after_main_calls_goexit_the_others_run_on(capsys):
    # func main() { go func() { time.Sleep(200 * time.Millisecond); fmt.Println("slept") }()
    #               runtime.Goexit() }
    #   slept
    #   fatal error: no goroutines (main called runtime.Goexit) - deadlock!
    ran = []

    def later() -> None:
        sleep(0.05)
        ran.append("slept")

    def main() -> None:
        go(later)
        raise Goexit

    status, err = run(capsys, main)
    assert (status, ran) == (2, ["slept"])
    assert err.startswith("fatal error: no goroutines (main called runtime.Goexit)")


def test_after_main_calls_goexit_stuck_goroutines_are_a_deadlock(capsys):
    # func main() { ch := make(chan int); go func() { <-ch }(); runtime.Goexit() }
    #   fatal error: all goroutines are asleep - deadlock!
    #
    #   goroutine 5 [chan receive]:
    def main() -> None:
        go(Chan().recv)
        raise Goexit

    status, err = run(capsys, main)
    assert status == 2
    assert err == DEADLOCK + "goroutine 2 [chan receive]:\n"


# -- what can still wake someone (Go 1.23) -----------------------------------------------


def test_a_ticker_nobody_waits_on_does_not_delay_the_verdict(capsys):
    # func main() { t := time.NewTicker(time.Hour); _ = t; <-make(chan int) }
    #   fatal error: all goroutines are asleep - deadlock!
    #
    #   goroutine 1 [chan receive]:
    def main() -> None:
        Ticker(0.001)  # ticks all along, into a channel nobody reads
        Timer(3600.0)
        Chan().recv()

    status, err = run(capsys, main)
    assert status == 2
    assert err.startswith(DEADLOCK + "goroutine 1 [chan receive]:\n")


def test_a_timer_its_goroutine_waits_on_wakes_it(capsys):
    assert run(capsys, lambda: after(0.05).recv()) == (0, "")


def test_a_select_on_a_timer_channel_waits_for_it(capsys):
    assert run(capsys, lambda: select(Recv(Chan()), Recv(after(0.05)))) == (0, "")


def test_a_sleeping_goroutine_delays_the_verdict(capsys):
    # func main() { ch := make(chan int); go func() { time.Sleep(100*time.Millisecond); ch <- 1 }()
    #               fmt.Println(<-ch) }    -> 1, exit status 0
    def main() -> None:
        ch = Chan()
        go(lambda: (sleep(0.05), ch.send(1)))
        assert ch.recv() == (1, True)

    assert run(capsys, main) == (0, "")


def test_a_pending_after_func_delays_the_verdict(capsys):
    # func main() { ch := make(chan int); time.AfterFunc(100*time.Millisecond, func() { ch <- 1 })
    #               fmt.Println(<-ch) }    -> 1, exit status 0
    def main() -> None:
        ch = Chan()
        after_func(0.05, lambda: ch.send(1))
        assert ch.recv() == (1, True)

    assert run(capsys, main) == (0, "")


def test_a_pending_context_deadline_delays_the_verdict(capsys):
    # func main() { ctx, c := context.WithTimeout(context.Background(), 100*time.Millisecond)
    #               defer c(); ch := make(chan int); go func() { <-ctx.Done(); ch <- 1 }()
    #               fmt.Println(<-ch) }    -> 1, exit status 0
    def main() -> None:
        ctx, cancel = with_timeout(background(), 0.05)
        ch = Chan()
        go(lambda: (ctx.done().recv(), ch.send(1)))
        assert ch.recv() == (1, True)
        cancel()

    assert run(capsys, main) == (0, "")


def test_after_an_after_func_ran_a_deadlock_is_found(capsys):
    # func main() { time.AfterFunc(200*time.Millisecond, func() { fmt.Println("af ran") })
    #               <-make(chan int) }
    #   af ran
    #   fatal error: all goroutines are asleep - deadlock!
    ran = []

    def main() -> None:
        after_func(0.02, lambda: ran.append("af ran"))
        Chan().recv()

    status, err = run(capsys, main)
    assert (status, ran) == (2, ["af ran"])
    assert err.startswith(DEADLOCK + "goroutine 1 [chan receive]:\n")


# -- Fatal and Goexit outside run_main ---------------------------------------------------


def test_fatal_in_a_goroutine_is_its_crash(traced_rt, tracer):
    def body() -> None:
        try:
            raise Fatal("sync: unlock of unlocked mutex")
        except Exception:  # never: Fatal is no Exception
            pass

    g = go(body)
    assert g.join(5)
    assert g.state is State.PANICKED and isinstance(g.panic, Fatal)
    assert traced_rt.panics == [(g, g.panic)]
    crash = [e for e in tracer.events() if e.kind is Kind.GO_PANIC]
    assert [(e.g, e.value, e.payload.fatal) for e in crash] == [
        (g.id, "sync: unlock of unlocked mutex", True)
    ]


def test_a_panic_is_traced_not_fatal(traced_rt, tracer):
    ch = Chan()
    ch.close()
    g = go(ch.close)
    assert g.join(5)
    crash = [e for e in tracer.events() if e.kind is Kind.GO_PANIC]
    assert [(e.value, e.payload.fatal) for e in crash] == [("close of closed channel", False)]


def test_goexit_ends_its_goroutine_quietly_after_its_finally_blocks(traced_rt, tracer):
    # go func() { defer wg.Done(); runtime.Goexit(); println("never") }()
    steps = []
    wg = WaitGroup()

    def body() -> None:
        try:
            try:
                raise Goexit
            except Exception:  # Goexit is no Exception: user code cannot swallow it
                steps.append("swallowed")
            steps.append("never")
        finally:
            steps.append("finally")
            wg.done()

    wg.add(1)
    g = go(body)
    wg.wait()
    assert g.join(5)
    assert steps == ["finally"]
    assert g.state is State.DONE and g.goexited and g.panic is None
    assert traced_rt.panics == []
    assert not [e for e in tracer.events() if e.kind is Kind.GO_PANIC]


def test_a_plain_runtime_never_ends_a_deadlocked_program_itself(rt):
    """Lessons deadlock on purpose and poll check_deadlock: only run_main ends a program."""
    ch = Chan()
    g = go(ch.recv)
    wait_until(lambda: g.state is State.BLOCKED_RECV)
    assert rt.check_deadlock() is not None
    assert g.alive and not rt.stopped
    ch.send(1)
    assert g.join(5)


def test_check_deadlock_ignores_a_ticker_nobody_waits_on(rt):
    tk = Ticker(3600.0)
    g = go(Chan().recv)
    wait_until(lambda: g.state is State.BLOCKED_RECV)
    assert rt.check_deadlock() is not None
    tk.stop()
    assert len(rt.stop(0.2).leaked) == 1


def test_run_main_leaves_the_caller_runtime_current(capsys):
    outer = Runtime(name="outer")
    with outer.active():
        assert run(capsys, lambda: None) == (0, "")
        assert current_runtime() is outer
    outer.stop(1.0)
