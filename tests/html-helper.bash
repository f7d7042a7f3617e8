# A real browser for the tests that look at `dsq report --html`: Debian's
# chromium, headless, with a throwaway profile, every run bounded by timeout.
# It dumps the DOM after the page has loaded, takes screenshots (kept under
# tests/artifacts/ of the build tree), and catches what the page must never
# do: make a network request (its net log), log to the console (a message, an
# error, a refused load: --enable-logging), or hold a loading element.
#
# Without chromium these tests are skipped with the reason, except under
# CI=true, where that is a failure.

BROWSER_TIMEOUT=${BROWSER_TIMEOUT:-120}

browser_require() {
    BROWSER=$(command -v chromium || command -v chromium-browser || true)
    if [ -z "$BROWSER" ]; then
        if [ "${CI:-}" = true ]; then
            echo "CI: chromium is not installed (apt-get install chromium)" >&2
            return 1
        fi
        skip "chromium is not installed (apt-get install chromium)"
    fi
    ARTIFACTS="${DSQ_BUILDDIR:?}/tests/artifacts"
    mkdir -p "$ARTIFACTS"
}

# The flags of every run: no sandbox (CI runs as root), a fresh profile, and
# none of the browser's own background traffic, so that whatever the net log
# holds beyond "not an origin" requests is the page's.
browser_run() {
    local profile
    profile=$(mktemp -d "$BATS_TEST_TMPDIR/chromium.XXXXXX")
    timeout -k 10 "$BROWSER_TIMEOUT" "$BROWSER" --headless --no-sandbox --disable-gpu \
        --user-data-dir="$profile" --no-first-run --no-default-browser-check \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-default-apps --disable-extensions --hide-scrollbars "$@"
}

# browser_load FILE NAME: load FILE (a path) and write NAME.dom (the DOM once
# loaded), NAME.log (the browser's log, console messages included) and
# NAME.net (its net log) in the current directory.
browser_load() {
    local url rc=0
    url="file://$(realpath "$1")"
    browser_run --enable-logging=stderr --v=0 --log-net-log="$PWD/$2.net" \
        --dump-dom "$url" > "$2.dom" 2> "$2.log" || rc=$?
    if [ "$rc" -ne 0 ] || [ ! -s "$2.dom" ]; then
        echo "chromium exited $rc on $url; its log:" >&2
        tail -20 "$2.log" >&2
        return 1
    fi
}

# browser_screenshot FILE PNG [WIDTH,HEIGHT]: a screenshot of FILE into PNG.
browser_screenshot() {
    local url rc=0
    url="file://$(realpath "$1")"
    browser_run --window-size="${3:-1280,1600}" --screenshot="$2" "$url" \
        > /dev/null 2> "$2.log" || rc=$?
    [ "$rc" -eq 0 ] || { echo "chromium exited $rc; its log:" >&2; tail -20 "$2.log" >&2; return 1; }
    # A PNG of some substance.
    [ "$(head -c 8 "$2" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
        { echo "$2 is not a PNG" >&2; return 1; }
    [ "$(stat -c %s "$2")" -gt 10000 ] || { echo "$2 is nearly empty" >&2; return 1; }
    rm -f "$2.log"
}

# page_quiet NAME: the page loaded as NAME (browser_load) logged nothing to
# the console, made no request, and holds no element that loads or runs
# anything.  Says which and fails otherwise.
page_quiet() {
    local bad=0 reqs
    if grep -F 'CONSOLE' "$1.log" >&2; then
        echo "page_quiet: the page logged to the console (above)" >&2
        bad=1
    fi
    # Requests a page makes have an origin (a file page's is "null"); the
    # browser's own say "not an origin".  A net log jq cannot read fails.
    reqs=$(jq -r '[.events[] | (.params // {}) | select(has("initiator") and
                     .initiator != "not an origin") | .url] | unique | .[]' "$1.net") || {
        echo "page_quiet: the net log $1.net does not parse" >&2
        return 1
    }
    if [ -n "$reqs" ]; then
        printf 'page_quiet: the page made requests:\n%s\n' "$reqs" >&2
        bad=1
    fi
    # Tags only: the text of the page (a command line) may say anything.
    if grep -o '<[^>]*>' "$1.dom" | grep -Ei \
        '^<(script|img|image|link|iframe|frame|object|embed|use|foreignobject|audio|video|source|form|base|style[^>]*src)[ >/]|[ "](src|href|xlink:href|srcset|action|on[a-z]+)=|url\(|http-equiv="refresh"' \
        >&2; then
        echo "page_quiet: the DOM holds elements or attributes that load or run something (above)" >&2
        bad=1
    fi
    return "$bad"
}

# dom_count NAME PATTERN: how many times the fixed string PATTERN occurs in
# NAME.dom.
dom_count() {
    grep -oF -- "$2" "$1.dom" | wc -l
}
