# Sourced by every benchmark script (bench/run.sh, advisories/, outdated/, update/): wait for a
# quiet machine before a timed group, and record the load either way.
#
# Timings taken while something else compiles are worthless: wait_for_quiet waits (up to
# $quiet_wait seconds, default 900; 0 measures at once) until no compiler runs and the 1-minute
# load is at most 1.0. record_load appends "GROUP: <the /proc/loadavg line>" to a file, the
# format the report scripts read.

wait_for_quiet() {
    local waited=0 limit="${quiet_wait:-900}"
    while pgrep -x rustc >/dev/null || pgrep -x cargo >/dev/null \
        || awk '{ exit !($1 > 1.0) }' /proc/loadavg; do
        if [[ $waited == 0 ]]; then
            echo "== waiting for a quiet machine (compilers running or load > 1.0; at most ${limit} s)"
        fi
        if ((waited >= limit)); then
            echo "== still busy; measuring anyway (load is recorded)"
            return
        fi
        sleep 15
        waited=$((waited + 15))
    done
}

record_load() { # file, group
    echo "$2: $(cat /proc/loadavg)" >> "$1"
}
