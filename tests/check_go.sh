#!/usr/bin/env bash
# Check the Go version of every lesson: resources/go/<scenario-id>.go.
#
#   tests/check_go.sh          gofmt -l prints nothing, go vet passes on each program
#   tests/check_go.sh --run    also build each program and run it once (timeout 20 s each):
#                              it must exit 0 by itself
#   tests/check_go.sh --race   like --run, with the race detector (needs cgo and a C compiler)
#
# Each file is its own `package main`, so they cannot be vetted as one package.
# The script copies each file to <tmp>/<id>/main.go inside a throwaway module
# (no dependencies, GOPROXY=off: nothing is downloaded) and vets them all with
# one `go vet ./...`. Messages name the original file.
# Exits non-zero on any failure. Without `go` on PATH it prints why and exits 0,
# so it is a no-op on a machine without Go (CI installs Debian's golang-go).
set -euo pipefail

mode=check
case "${1:-}" in
    "") ;;
    --run) mode=run ;;
    --race) mode=race ;;
    *) echo "usage: $0 [--run|--race]" >&2; exit 64 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# CHECK_GO_SRC points the script at another folder (the tests use it to prove it fails).
src="${CHECK_GO_SRC:-$root/resources/go}"

if ! command -v go >/dev/null 2>&1; then
    echo "check_go: 'go' is not on PATH: Go checks skipped (apt-get install -y golang-go)"
    exit 0
fi

shopt -s nullglob
files=("$src"/*.go)
if [ "${#files[@]}" -eq 0 ]; then
    echo "check_go: no Go files in $src" >&2
    exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# A self-contained module: no network, no workspace, no toolchain switch,
# whatever the caller's environment says.
export GO111MODULE=on GOFLAGS=-mod=mod GOWORK=off GOPROXY=off GOTOOLCHAIN=local
if [ -z "${GOCACHE:-}" ] && [ -z "${HOME:-}" ] && [ -z "${XDG_CACHE_HOME:-}" ]; then
    export GOCACHE="$tmp/gocache"
fi

status=0
echo "check_go: $(go version); ${#files[@]} programs in $src"

unformatted="$(gofmt -l "${files[@]}")"
if [ -n "$unformatted" ]; then
    echo "check_go: gofmt -l lists files that are not gofmt-formatted:" >&2
    echo "$unformatted" >&2
    status=1
fi

mod="$tmp/mod"
mkdir -p "$mod"
printf 'module goroutinelab/examples\n\ngo 1.19\n' >"$mod/go.mod"
for f in "${files[@]}"; do
    id="$(basename "$f" .go)"
    mkdir -p "$mod/$id"
    cp "$f" "$mod/$id/main.go"
done

# Map "./<id>/main.go:12:3" (or an absolute path) back to "resources/go/<id>.go:12:3".
rename_paths() {
    sed -E "s#(\\./|$mod/)?([A-Za-z0-9_.-]+)/main\\.go#resources/go/\\2.go#g"
}

vet_rc=0
(cd "$mod" && go vet ./...) >"$tmp/vet.out" 2>&1 || vet_rc=$?
if [ "$vet_rc" -ne 0 ] || [ -s "$tmp/vet.out" ]; then
    echo "check_go: go vet failed (status $vet_rc):" >&2
    rename_paths <"$tmp/vet.out" >&2
    status=1
fi

if [ "$mode" != check ] && [ "$status" -eq 0 ]; then
    race=()
    [ "$mode" = race ] && race=(-race)
    mkdir -p "$tmp/bin"
    for f in "${files[@]}"; do
        id="$(basename "$f" .go)"
        if ! (cd "$mod" && go build "${race[@]}" -o "$tmp/bin/$id" "./$id") >"$tmp/build.out" 2>&1; then
            echo "check_go: $id does not build:" >&2
            rename_paths <"$tmp/build.out" >&2
            status=1
            continue
        fi
        start_ms=$(($(date +%s%N) / 1000000))
        rc=0
        timeout 20 "$tmp/bin/$id" >"$tmp/run.out" 2>&1 || rc=$?
        took_ms=$(($(date +%s%N) / 1000000 - start_ms))
        if [ "$rc" -eq 0 ]; then
            echo "check_go: ran $id: ok in ${took_ms} ms"
        else
            echo "check_go: $id exited with status $rc (124: still running after 20 s):" >&2
            tail -20 "$tmp/run.out" >&2
            status=1
        fi
    done
fi

if [ "$status" -eq 0 ]; then
    echo "check_go: ok ($mode: gofmt -l, go vet$([ "$mode" = check ] || echo ", build and run"))"
else
    echo "check_go: FAILED" >&2
fi
exit "$status"
