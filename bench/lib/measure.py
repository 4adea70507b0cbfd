#!/usr/bin/python3
"""Run one command once; print its wall time, CPU time and peak RSS as JSON.

getrusage(RUSAGE_CHILDREN) after the child exits gives the child's peak resident set and CPU
time (user + system, all its threads and waited-for children), which node cannot report for a
child process. The wall time is measured around the child alone.
usage: measure.py CWD -- CMD ARGS...
"""
import json, resource, subprocess, sys, time

cwd = sys.argv[1]
cmd = sys.argv[sys.argv.index("--") + 1:]
t0 = time.perf_counter()
p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "maxrss_kb": ru.ru_maxrss,
                  "exit": p.returncode, "stderr": p.stderr.decode("utf-8", "replace")[-2000:]}))
