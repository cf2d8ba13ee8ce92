#!/usr/bin/env python3
"""Writes the hand-made seed inputs of the host, wasi and tier fuzz targets
into corpus/<target> (as seed-*.bin), in the record formats that
wat/host.wat and wat/wasi.wat define and the input format of fuzz_tier.c.
Run from anywhere:

    python3 tests/fuzz/seeds/make_seeds.py

The seeds are committed; rerun this only after changing it or the formats.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "corpus")

# ---------------------------------------------------------------- host

# Every process() resets the guest heap to 4096, so the message always
# lands there: absolute pointers into it are stable.
MSG = 4096
A_MSG, C_MSG, D_MSG, CHAIN = 0x80, 0x40, 0x20, 0x10


def rec(op, a=0, b=0, c=0, d=0):
    return struct.pack("<BIIII", op, a & 0xFFFFFFFF, b & 0xFFFFFFFF,
                       c & 0xFFFFFFFF, d & 0xFFFFFFFF)


def host_seed(records, tail=b""):
    """records: list of (op, a, b, c, d), where a/c/d may be ("tail", k):
    the offset of byte k of tail within the message."""
    base = 17 * len(records)
    out = b""
    for r in records:
        args = [base + x[1] if isinstance(x, tuple) else x for x in r[1:]]
        out += rec(r[0], *args)
    return out + tail


HOST = {
    "echo": host_seed([(3 | CHAIN,)]),
    "get-meta": host_seed([(1 | A_MSG | CHAIN, ("tail", 0), 8)], b"greeting"),
    "get-meta-nul-key": host_seed([(1 | A_MSG | CHAIN, ("tail", 0), 3)], b"k\0\xff"),
    "get-meta-missing": host_seed([(1 | A_MSG | CHAIN, ("tail", 0), 4)], b"none"),
    "set-meta": host_seed([(2 | A_MSG | C_MSG, ("tail", 0), 3, ("tail", 3), 5)], b"keyvalue"),
    "set-meta-empty": host_seed([(2 | A_MSG | C_MSG, ("tail", 0), 0, ("tail", 0), 0)], b""),
    "set-bytes-tail": host_seed([(0 | A_MSG, ("tail", 0), 6)], b"output"),
    "set-bytes-oob": host_seed([(0, 0xFFFFFFFF, 1)]),
    "set-bytes-wrap": host_seed([(0, 0xFFFFFFF0, 0x20)]),
    "set-bytes-end": host_seed([(0, 65536, 0), (0, 65535, 1), (0, 65536, 1)]),
    "malloc-bad-ptr": host_seed([(5, 0xFFFFFFF0, 1), (3 | CHAIN,)]),
    "malloc-zero": host_seed([(5, 0, 2), (1 | A_MSG | CHAIN, ("tail", 0), 8)], b"greeting"),
    "malloc-overlap": host_seed([(5, MSG, 1), (3 | CHAIN,)]),
    "malloc-reenters": host_seed([(6, 1), (3 | CHAIN,)]),
    "free-reenters": host_seed([(6, 2), (1 | A_MSG | CHAIN, ("tail", 0), 8)], b"greeting"),
    "malloc-traps": host_seed([(6, 4), (3,)]),
    "trap-after-changes": host_seed([(0 | A_MSG, ("tail", 0), 3),
                                     (2 | A_MSG | C_MSG, ("tail", 0), 1, ("tail", 1), 2),
                                     (8,)], b"abc"),
    "exit-zero": host_seed([(0 | A_MSG, ("tail", 0), 3), (10, 0)], b"abc"),
    "fd-write": host_seed([(11 | C_MSG | D_MSG, 1, 1, ("tail", 0), ("tail", 8))],
                          struct.pack("<II", MSG + 17 + 12, 6) + b"\0\0\0\0hello\n"),
    "fd-write-bad-iov": host_seed([(11, 1, 3, 0xFFFFFFF8, 0)]),
    "grow-and-set": host_seed([(4, 3), (0, 0, 4 * 65536)]),
    "copy-over-records": host_seed([(7 | A_MSG | C_MSG, 17, 17, ("tail", 0)), (8,)],
                                   rec(3 | CHAIN)),
    "store-oob": host_seed([(9, 0xFFFFFFFE, 7)]),
}

# ---------------------------------------------------------------- wasi

P1 = ["args_get", "args_sizes_get", "environ_get", "environ_sizes_get",
      "clock_res_get", "clock_time_get", "fd_advise", "fd_allocate", "fd_close",
      "fd_datasync", "fd_fdstat_get", "fd_fdstat_set_flags", "fd_fdstat_set_rights",
      "fd_filestat_get", "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread",
      "fd_prestat_get", "fd_prestat_dir_name", "fd_pwrite", "fd_read", "fd_readdir",
      "fd_renumber", "fd_seek", "fd_sync", "fd_tell", "fd_write",
      "path_create_directory", "path_filestat_get", "path_filestat_set_times",
      "path_link", "path_open", "path_readlink", "path_remove_directory",
      "path_rename", "path_symlink", "path_unlink_file", "poll_oneoff", "proc_exit",
      "proc_raise", "sched_yield", "random_get", "sock_accept", "sock_recv",
      "sock_send", "sock_shutdown"]
SIGS = {
    "clock_time_get": "iIi", "fd_advise": "iIIi", "fd_allocate": "iII",
    "fd_close": "i", "fd_datasync": "i", "fd_fdstat_set_rights": "iII",
    "fd_filestat_set_size": "iI", "fd_filestat_set_times": "iIIi", "fd_pread": "iiiIi",
    "fd_prestat_dir_name": "iii", "fd_pwrite": "iiiIi", "fd_read": "iiii",
    "fd_readdir": "iiiIi", "fd_seek": "iIii", "fd_sync": "i", "fd_write": "iiii",
    "path_create_directory": "iii", "path_filestat_get": "iiiii",
    "path_filestat_set_times": "iiiiIIi", "path_link": "iiiiiii",
    "path_open": "iiiiiIIii", "path_readlink": "iiiiii", "path_remove_directory": "iii",
    "path_rename": "iiiiii", "path_symlink": "iiiii", "path_unlink_file": "iii",
    "poll_oneoff": "iiii", "proc_exit": "i", "proc_raise": "i", "sched_yield": "",
    "sock_accept": "iii", "sock_recv": "iiiiii", "sock_send": "iiiii",
}
P0 = ["fd_filestat_get", "fd_seek", "path_filestat_get", "poll_oneoff"]
SELECT = {n: i for i, n in enumerate(P1)}
SELECT.update({"unstable_" + n: len(P1) + i for i, n in enumerate(P0)})

DATA = 2048     # strings and structures the records point at
SCRATCH = 16384  # where results go
RIGHTS = (1 << 30) - 1


class Wasi:
    def __init__(self):
        self.recs = b""
        self.data = b""

    def put(self, blob):
        """Places blob in the data area; returns its address."""
        addr = DATA + len(self.data)
        self.data += blob + b"\0" * (-len(blob) % 8)
        return addr

    def s(self, text):
        """A string: returns (ptr, len)."""
        b = text.encode()
        return self.put(b), len(b)

    def call(self, name, *args):
        sig = SIGS.get(name.replace("unstable_", ""), "ii")
        assert len(sig) == len(args), name
        self.recs += bytes([SELECT[name]])
        for kind, v in zip(sig, args):
            self.recs += struct.pack("<I" if kind == "i" else "<Q",
                                     v & (0xFFFFFFFF if kind == "i" else 0xFFFFFFFFFFFFFFFF))

    def open(self, path, oflags=0, fdflags=0, lookup=1, out=SCRATCH, rights=RIGHTS):
        p, n = self.s(path)
        self.call("path_open", 3, lookup, p, n, oflags, rights, rights, fdflags, out)

    def bytes(self):
        self.call("proc_exit", 0)
        assert len(self.recs) <= DATA, len(self.recs)
        return self.recs + b"\0" * (DATA - len(self.recs)) + self.data


def iov(w, buf, n, count=1):
    return w.put(struct.pack("<II", buf, n) * count)


def wasi_seeds():
    seeds = {}

    w = Wasi()
    w.call("fd_prestat_get", 3, SCRATCH)
    w.call("fd_prestat_dir_name", 3, SCRATCH + 16, 8)
    w.call("fd_fdstat_get", 3, SCRATCH + 32)
    w.call("fd_filestat_get", 3, SCRATCH + 64)
    w.call("unstable_fd_filestat_get", 3, SCRATCH + 128)
    w.call("fd_prestat_get", 4, SCRATCH)
    seeds["prestat"] = w.bytes()

    w = Wasi()
    w.open("a.txt")   # fd 4
    w.call("fd_read", 4, iov(w, SCRATCH + 256, 64), 1, SCRATCH + 8)
    w.call("fd_seek", 4, 2, 0, SCRATCH + 16)
    w.call("unstable_fd_seek", 4, -1, 1, SCRATCH + 24)
    w.call("fd_tell", 4, SCRATCH + 32)
    w.call("fd_pread", 4, iov(w, SCRATCH + 512, 8, 3), 3, 5, SCRATCH + 40)
    w.call("fd_advise", 4, 0, 100, 2)
    w.call("fd_filestat_get", 4, SCRATCH + 64)
    w.call("fd_renumber", 4, 0)
    w.call("fd_read", 0, iov(w, SCRATCH + 256, 64), 1, SCRATCH + 8)
    w.call("fd_close", 0)
    w.call("fd_close", 0)
    seeds["open-read"] = w.bytes()

    w = Wasi()
    w.open("new.txt", oflags=1 | 8, fdflags=1)   # creat|trunc, append
    w.call("fd_write", 4, iov(w, DATA, 32, 2), 2, SCRATCH + 8)
    w.call("fd_pwrite", 4, iov(w, DATA, 16), 1, 1 << 40, SCRATCH + 16)
    w.call("fd_allocate", 4, 0, 4096)
    w.call("fd_filestat_set_size", 4, 3)
    w.call("fd_filestat_set_times", 4, 1, 2, 0xF)
    w.call("fd_fdstat_set_flags", 4, 0)
    w.call("fd_fdstat_set_rights", 4, 2, 0)
    w.call("fd_write", 4, iov(w, DATA, 4), 1, SCRATCH + 24)
    w.call("fd_sync", 4)
    w.call("fd_datasync", 4)
    seeds["create-write"] = w.bytes()

    for tag, path in [("dotdot", "../outside/secret.txt"), ("link-dir", "up/secret.txt"),
                      ("link-file", "up-file"), ("link-abs", "abs"),
                      ("absolute", "/sandbox/a.txt"), ("deep", "dir/deep"),
                      ("loop", "loop"), ("inside", "in-dots"),
                      ("dots", "dir/../../sandbox/a.txt"), ("nul", "a.txt\0x"),
                      ("slashes", "dir//b.txt/"), ("empty", "")]:
        w = Wasi()
        w.open(path, oflags=1)
        w.call("fd_read", 4, iov(w, SCRATCH + 256, 128), 1, SCRATCH + 8)
        w.open(path, lookup=0, oflags=8)
        w.call("path_filestat_get", 3, 1, *w.s(path), SCRATCH + 64)
        w.call("unstable_path_filestat_get", 3, 0, *w.s(path), SCRATCH + 128)
        seeds["escape-" + tag] = w.bytes()

    w = Wasi()
    w.call("path_create_directory", 3, *w.s("newdir"))
    w.call("path_create_directory", 3, *w.s("up/newdir"))
    w.call("path_symlink", *w.s("../outside"), 3, *w.s("esc"))
    w.open("esc/secret.txt", oflags=1 | 8)
    w.call("path_rename", 3, *w.s("a.txt"), 3, *w.s("up/stolen"))
    w.call("path_rename", 3, *w.s("up-file"), 3, *w.s("moved"))
    w.call("path_link", 3, 0, *w.s("a.txt"), 3, *w.s("up/linked"))
    w.call("path_link", 3, 1, *w.s("up-file"), 3, *w.s("hard"))
    w.call("path_unlink_file", 3, *w.s("up/secret.txt"))
    w.call("path_unlink_file", 3, *w.s("in"))
    w.call("path_remove_directory", 3, *w.s("dir/.."))
    w.call("path_remove_directory", 3, *w.s("newdir"))
    w.call("path_filestat_set_times", 3, 1, *w.s("up/secret.txt"), 1, 2, 5)
    seeds["change-tree"] = w.bytes()

    w = Wasi()
    w.call("fd_readdir", 3, SCRATCH, 512, 0, SCRATCH + 600)
    w.call("fd_readdir", 3, SCRATCH, 30, 2, SCRATCH + 600)
    w.call("path_readlink", 3, *w.s("up"), SCRATCH + 1024, 64, SCRATCH + 1100)
    w.call("path_readlink", 3, *w.s("abs"), SCRATCH + 1024, 4, SCRATCH + 1100)
    w.open("dir", oflags=2, rights=(1 << 14) | (1 << 13) | (1 << 21))
    w.call("fd_readdir", 4, SCRATCH + 2048, 4096, 0, SCRATCH + 600)
    seeds["list"] = w.bytes()

    w = Wasi()
    out = w.put(b"stdout!\n")
    w.call("fd_write", 1, iov(w, out, 8), 1, SCRATCH)
    w.call("fd_write", 1, iov(w, out, 3), 1, SCRATCH)     # refused: 3 mod 7
    w.call("fd_write", 2, iov(w, out, 8), 1, SCRATCH)
    w.call("fd_read", 0, iov(w, SCRATCH + 64, 10), 1, SCRATCH)
    w.call("fd_write", 1, iov(w, 0xFFFFFFF0, 0x20), 1, SCRATCH)
    w.call("fd_write", 1, SCRATCH, 0xFFFFFFFF, SCRATCH)
    seeds["stdio"] = w.bytes()

    w = Wasi()
    sub = (struct.pack("<QB7xIIQQH6x", 1, 0, 1, 0, 1000, 0, 0) +          # clock, 1 us
           struct.pack("<QB7xI28x", 2, 1, 0) +                             # fd_read 0
           struct.pack("<QB7xI28x", 3, 2, 1))                              # fd_write 1
    w.call("poll_oneoff", w.put(sub), SCRATCH, 3, SCRATCH + 200)
    sub0 = struct.pack("<QB7xQIIQQH6x", 1, 0, 0, 1, 0, 5000, 0, 0)        # snapshot 0
    w.call("unstable_poll_oneoff", w.put(sub0), SCRATCH, 1, SCRATCH + 200)
    w.call("poll_oneoff", 0, SCRATCH, 0, SCRATCH + 200)
    w.call("poll_oneoff", 0, 0, 0x10000, 0)
    seeds["poll"] = w.bytes()

    w = Wasi()
    w.call("args_sizes_get", SCRATCH, SCRATCH + 4)
    w.call("args_get", SCRATCH + 16, SCRATCH + 64)
    w.call("environ_sizes_get", SCRATCH, SCRATCH + 4)
    w.call("environ_get", SCRATCH + 128, SCRATCH + 256)
    w.call("args_get", 65532, 65534)
    w.call("clock_res_get", 1, SCRATCH)
    w.call("clock_time_get", 0, 1, SCRATCH + 8)
    w.call("clock_time_get", 9, 1, SCRATCH + 8)
    w.call("random_get", SCRATCH, 64)
    w.call("random_get", 65535, 2)
    w.call("sched_yield")
    w.call("proc_raise", 6)
    w.call("sock_accept", 3, 0, SCRATCH)
    w.call("sock_recv", 3, SCRATCH, 1, 0, SCRATCH + 8, SCRATCH + 12)
    w.call("sock_send", 3, SCRATCH, 1, 0, SCRATCH + 8)
    w.call("sock_shutdown", 3, 3)
    seeds["misc"] = w.bytes()
    return seeds


def write(target, seeds):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    for name, blob in seeds.items():
        with open(os.path.join(d, "seed-%s.bin" % name), "wb") as f:
            f.write(blob)


# ---------------------------------------------------------------- tier

def tier_arg(kind, value=0, wide=False):
    """One value of fuzz_tier.c's argument stream: kind 0 zero, 1 edge value
    number `value`, 2 small signed `value`, 3 raw bits."""
    if kind == 0:
        return b"\0"
    if kind == 1:
        return bytes([1, value & 0xFF])
    if kind == 2:
        return bytes([2, value & 0xFF])
    return bytes([3]) + struct.pack("<Q" if wide else "<I",
                                    value & (2**64 - 1 if wide else 0xFFFFFFFF))


def tier_input(argv, module):
    assert len(argv) < 256
    return bytes([len(argv)]) + argv + module


def tier_seeds():
    import random
    seeds = {}
    # Choices for the generator: a first byte other than 0xff, then any
    # bytes; the same pseudo-random bytes each run.
    rng = random.Random(8)
    for i, n in enumerate((40, 120, 300, 600, 1200, 2000)):
        argv = bytes(rng.randrange(256) for _ in range(48))
        seeds["gen-%d" % i] = tier_input(argv, b"\0" + bytes(rng.randrange(256)
                                                            for _ in range(n)))
    # The same with v128 values and the SIMD instructions (an odd first
    # byte); the arguments cover v128 parameters too.
    rng = random.Random(128)
    for i, n in enumerate((60, 200, 500, 1000, 1600, 2400)):
        argv = bytes(rng.randrange(256) for _ in range(96))
        seeds["simd-%d" % i] = tier_input(argv, b"\1" + bytes(rng.randrange(256)
                                                              for _ in range(n)))
    # wasi-libc's bodies: memcpy, memmove, memset(d, s_or_c, n), twice round.
    def raw(x):
        return tier_arg(3, x)
    cases = {
        "libc-overlap": [(1, 0, 40), (0, 1, 40), (3, 7, 255),
                         (16, 0, 100), (0, 16, 100), (8, 0xAB, 33)],
        "libc-edges": [(65530, 0, 16), (0, 65530, 16), (65535, 1, 1),
                       (65536, 0, 0), (0, 0, 65536), (65520, 0x5A, 17)],
        "libc-aligned": [(64, 0, 64), (128, 64, 64), (0, 0x77, 256),
                         (256, 4, 1000), (4, 256, 1000), (0xFFFFFFFF, 1, 2)],
    }
    for name, calls in cases.items():
        argv = b"".join(raw(x) for call in calls for x in call)
        seeds[name] = tier_input(argv, b"\xff")
    return seeds


write("host", HOST)
write("wasi", wasi_seeds())
write("tier", tier_seeds())
