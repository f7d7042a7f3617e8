#!/usr/bin/env bats
# The Lmod modulefile: make install puts dsq/<version>.lua under the install
# prefix's modulefiles directory, and Debian's Lmod loads it: dsq on PATH,
# its man pages on MANPATH, bash completion in place; unloading takes them
# away.  Without Lmod this is skipped with the reason, except under CI=true,
# where that is a failure.
load helper
setup() { setup_dsq; }

LMOD_INIT=/usr/share/lmod/lmod/init/bash

lmod_require() {
    if [ ! -r "$LMOD_INIT" ] || ! command -v man >/dev/null; then
        if [ "${CI:-}" = true ]; then
            echo "CI: Lmod ($LMOD_INIT) or man is not installed (apt-get install lmod man-db)" >&2
            return 1
        fi
        skip "Lmod or man is not installed (apt-get install lmod man-db)"
    fi
}

# A clean bash with Lmod initialised, the prefix's modulefiles used: runs
# the script $1 (with $PREFIX set) and prints what it prints.
in_lmod() {
    env -i HOME="$BATS_TEST_TMPDIR" PATH=/usr/bin:/bin TERM=dumb PREFIX="$PREFIX" \
        bash --noprofile --norc -c "source $LMOD_INIT && module use \"\$PREFIX/share/modulefiles\" && $1" 2>&1
}

@test "make install writes an Lmod modulefile for its prefix; module load dsq gives dsq, its man pages, completion" {
    lmod_require
    PREFIX="$BATS_TEST_TMPDIR/prefix with space"
    # The build tree's own make (not the one running the tests: no jobserver).
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$DSQ_BUILDDIR" install prefix="$PREFIX" \
        > install.log 2>&1 || { cat install.log; false; }
    version=$("$DSQ_BUILDDIR/dsq" --version | awk '{ print $2 }')
    [ -n "$version" ]
    [ -f "$PREFIX/share/modulefiles/dsq/$version.lua" ]
    grep -qF "prepend_path(\"PATH\", [==[$PREFIX/bin]==])" "$PREFIX/share/modulefiles/dsq/$version.lua"

    run in_lmod 'module avail dsq; command -v dsq || echo "no dsq before load"'
    [[ "$output" == *"dsq/$version"* ]]
    [[ "$output" == *"no dsq before load"* ]]

    run in_lmod 'module load dsq && command -v dsq && dsq --version && dsq-autopsy --help | head -1 &&
                 man -w dsq && man -w dsq-records && complete -p dsq dsq-autopsy && module list'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "$PREFIX/bin/dsq" ]
    [ "${lines[1]}" = "dsq $version" ]
    [[ "${lines[2]}" == "Usage: dsq"* ]]
    [ "${lines[3]}" = "$PREFIX/share/man/man1/dsq.1" ]
    [ "${lines[4]}" = "$PREFIX/share/man/man5/dsq-records.5" ]
    [ "${lines[5]}" = "complete -F _dsq dsq" ]
    [ "${lines[6]}" = "complete -F _dsq dsq-autopsy" ]
    [[ "$output" == *"dsq/$version"* ]]

    # The installed dsq runs a job file (with the installed template: the
    # binary was configured for another prefix than this one).
    run in_lmod 'module load dsq && cd "$HOME" && printf "echo hi\n" > j.txt &&
                 export DSQ_DATADIR="$PREFIX/share/dsq" &&
                 dsq --job-file j.txt --dry-run --status-dir runs > /dev/null && dsq report --status-dir runs --json'
    [ "$status" -eq 0 ]
    [ "$(jq -r '.states.ok' <<<"${lines[-1]}")" = 1 ]

    run in_lmod 'module load dsq && module unload dsq; command -v dsq || echo gone;
                 complete -p dsq 2>/dev/null || echo "no completion"; echo "PATH=$PATH"'
    [[ "$output" == *gone* ]]
    [[ "$output" == *"no completion"* ]]
    [[ "$output" != *"$PREFIX"* ]]

    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$DSQ_BUILDDIR" uninstall prefix="$PREFIX" \
        > uninstall.log 2>&1 || { cat uninstall.log; false; }
    [ ! -e "$PREFIX/share/modulefiles/dsq/$version.lua" ]
}
