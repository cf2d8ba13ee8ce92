#!/usr/bin/env python3
"""Start-up of `wasmpipe exec` on large modules (run by bench/startup.sh).

For each module it runs, interleaved, RUNS times each:
  load     startup_load lazy FILE: reading the file, then wp_module_compile
           with lazy translation (decoding and validating everything, no
           translation): the "read + validate" baseline
  load-e   startup_load eager FILE: the same with every function translated
  exec     wasmpipe exec FILE
  exec-e   wasmpipe exec --eager FILE
  ref      REF exec FILE, when --ref names another wasmpipe binary
With --tiers, also:
  load-j   startup_load jit FILE: wp_module_compile on tier auto and
           wp_module_wait_tier (the whole module through LLVM); (its
           compile_ms - load's) / MB of code section is the JIT's compile rate
  exec-i   wasmpipe exec --tier interp FILE
  exec-j   wasmpipe exec --tier jit FILE
  exec-a   wasmpipe exec --tier auto FILE
(`exec` and `exec-e` run on the default tier, auto, unless WASMPIPE_TIER
says otherwise.)
and reports medians: for exec runs the time from just before the process
is started to the guest's first instruction (the module's _start reads the
realtime clock first and prints it, see gen_module.py) and to the exit
of the process, and the process's peak RSS; for load runs the read and
compile times and the RSS after compile and instantiation. Ratios are
against the same run's read + validate median.
"""
import argparse
import os
import statistics
import struct
import subprocess
import time


def run_exec(argv):
    t0 = time.time_ns()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate()
    t1 = time.time_ns()
    if p.returncode != 0 or len(out) < 20 or not out.startswith(b"version 1.0\n"):
        raise SystemExit("%s failed (%d): %s" % (" ".join(argv), p.returncode,
                                                 err.decode(errors="replace").strip()))
    (first,) = struct.unpack("<Q", out[12:20])
    return {"first_ms": (first - t0) / 1e6, "exit_ms": (t1 - t0) / 1e6}


def run_exec_rss(argv):
    """Peak RSS of one run, through wait4 (not timed)."""
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, ru = os.wait4(p.pid, 0)
    p.returncode = 0
    return ru.ru_maxrss


def run_load(tool, mode, path):
    out = subprocess.run([tool, mode, path], check=True, capture_output=True, text=True).stdout
    return {k: float(v) for k, v in (kv.split("=") for kv in out.split())}


def code_section_bytes(path):
    """Size of the code section's contents (section id 10)."""
    data = open(path, "rb").read()
    pos = 8
    while pos < len(data):
        sid = data[pos]
        pos += 1
        size = shift = 0
        while True:
            b = data[pos]
            pos += 1
            size |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        if sid == 10:
            return size
        pos += size
    return 0


def med(rows, key):
    return statistics.median(r[key] for r in rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wasmpipe", required=True)
    ap.add_argument("--load", required=True, help="the startup_load binary")
    ap.add_argument("--ref", help="another wasmpipe binary, run as `REF exec FILE`")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tiers", action="store_true", help="add the tier runners")
    ap.add_argument("modules", nargs="+")
    a = ap.parse_args()

    print("%-10s %6s | %-7s %9s %9s %9s %9s | %s" % (
        "module", "MB", "runner", "read ms", "comp ms", "first ms", "exit ms",
        "RSS MB / ratio first:(read+validate), exit:(read+validate)"))
    for path in a.modules:
        size = os.path.getsize(path) / 1e6
        runners = {
            "load": lambda: run_load(a.load, "lazy", path),
            "load-e": lambda: run_load(a.load, "eager", path),
            "exec": lambda: run_exec([a.wasmpipe, "exec", path]),
            "exec-e": lambda: run_exec([a.wasmpipe, "exec", "--eager", path]),
        }
        if a.ref:
            runners["ref"] = lambda: run_exec([a.ref, "exec", path])
        argvs = {"exec": [a.wasmpipe, "exec", path],
                 "exec-e": [a.wasmpipe, "exec", "--eager", path],
                 "ref": [a.ref or "", "exec", path]}
        if a.tiers:
            runners["load-j"] = lambda: run_load(a.load, "jit", path)
            for k, t in (("exec-i", "interp"), ("exec-j", "jit"), ("exec-a", "auto")):
                argvs[k] = [a.wasmpipe, "exec", "--tier", t, path]
                runners[k] = (lambda v: lambda: run_exec(v))(argvs[k])
        rows = {k: [] for k in runners}
        for _ in range(a.runs):
            for k, f in runners.items():
                rows[k].append(f())
        base = med(rows["load"], "read_ms") + med(rows["load"], "compile_ms")
        name = os.path.basename(path)
        for k in runners:
            r = rows[k]
            if k.startswith("load"):
                print("%-10s %6.1f | %-7s %9.1f %9.1f %9s %9s | %.1f (cpu %.0f ms)" % (
                    name, size, k, med(r, "read_ms"), med(r, "compile_ms"), "-", "-",
                    med(r, "rss_kb") / 1024, med(r, "compile_cpu_ms")))
            else:
                rss = run_exec_rss(argvs[k]) / 1024
                print("%-10s %6.1f | %-7s %9s %9s %9.1f %9.1f | %.1f / %.2fx, %.2fx" % (
                    name, size, k, "-", "-", med(r, "first_ms"), med(r, "exit_ms"), rss,
                    med(r, "first_ms") / base, med(r, "exit_ms") / base))
        print("%-10s read + validate (median load read_ms + compile_ms): %.1f ms" % (name, base))
        if a.tiers:
            code_mb = code_section_bytes(path) / 1e6
            jit_ms = med(rows["load-j"], "compile_ms") - med(rows["load"], "compile_ms")
            jit_cpu = med(rows["load-j"], "compile_cpu_ms") - med(rows["load"], "compile_cpu_ms")
            print("%-10s JIT compile: %.1f MB of code section, %.0f ms (cpu %.0f ms) beyond "
                  "validation: %.0f ms/MB (cpu %.0f ms/MB)" % (
                      name, code_mb, jit_ms, jit_cpu, jit_ms / code_mb, jit_cpu / code_mb))


if __name__ == "__main__":
    main()
