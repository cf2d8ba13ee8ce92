#!/usr/bin/env python3
"""Writes a large WASI module for the start-up benchmark (bench/startup.sh).

    bench/gen_module.py OUT.wasm SIZE_MB [--seed N]

The module is about SIZE_MB megabytes: 85% code in functions of ~700
bytes each (a 30 MB module has ~36,000, like a large C++ program built for
WASI), a table and an element segment naming all of them, a "name"
section and a ".debug_info" custom section of 12% of the size. Its _start, as its first
instruction, reads the realtime clock (clock_time_get) into memory, then
prints "version 1.0\\n" followed by those 8 clock bytes (little endian, in
nanoseconds) on stdout, calls a few of the generated functions, and
returns. The benchmark subtracts its own clock reading taken just before
starting the process to get the time to the guest's first instruction.
"""
import random
import struct
import sys


def uleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def sleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def vec(items):
    return uleb(len(items)) + b"".join(items)


def name(s):
    b = s.encode()
    return uleb(len(b)) + b


def section(sid, payload):
    return bytes([sid]) + uleb(len(payload)) + payload


I32, I64 = 0x7F, 0x7E
FUNC_BASE = 3          # two imports, then _start
SEGMENT_BYTES = 60     # about what one segment() produces


def segment(rng, findex):
    """One stretch of ordinary code: a loop, arithmetic, a load, a call."""
    c1 = rng.randrange(-(1 << 20), 1 << 20)
    c2 = rng.randrange(1, 31)
    off = rng.randrange(0, 4096) & ~3
    b = bytearray()
    b += b"\x20\x00\x20\x01\x6a\x21\x02"                     # l2 = l0 + l1
    b += b"\x02\x40\x03\x40"                                 # block loop
    b += b"\x20\x02\x41" + sleb(c1) + b"\x6c\x20\x00\x73\x21\x02"  # l2 = l2*c1 ^ l0
    b += b"\x20\x04\x20\x02\xad\x7c\x21\x04"                 # l4 += (i64)l2
    b += b"\x20\x02\x41" + sleb(c2) + b"\x76\x20\x01\x49\x0d\x01"  # br_if 1 (l2>>c2 < l1)
    b += b"\x20\x01\x41\x01\x6b\x22\x01\x0d\x00"             # l1--; br_if 0
    b += b"\x0b\x0b"                                         # end end
    b += b"\x20\x02\x41\xff\xff\x03\x71\x28\x02" + uleb(off)       # load((l2 & 0xffff) + off)
    b += b"\x20\x02\x6a\x21\x02"                         # l2 += it
    if findex > FUNC_BASE:
        callee = rng.randrange(FUNC_BASE, findex)
        b += b"\x20\x02\x45\x04\x40"                         # if l2 == 0
        b += b"\x20\x00\x41\x03\x10" + uleb(callee) + b"\x21\x02\x0b"
    return bytes(b)


def body(rng, findex, nseg):
    locals_ = vec([uleb(2) + bytes([I32]), uleb(1) + bytes([I64])])
    code = b"".join(segment(rng, findex) for _ in range(nseg))
    code += b"\x20\x02\x20\x04\xa7\x6a\x0b"                  # l2 + (i32)l4
    b = locals_ + code
    return uleb(len(b)) + b


def start_body(nfuncs):
    b = bytearray(b"\x00")                                   # no locals
    # clock_time_get(realtime, precision 0, &mem[44]): the first instruction.
    b += b"\x41\x00\x42\x00\x41\x2c\x10\x01\x1a"
    # fd_write(1, iov at 16 = {32, 20}, 1, &mem[24])
    b += b"\x41\x01\x41\x10\x41\x01\x41\x18\x10\x00\x1a"
    # Call the first and the last generated function (through the table).
    b += b"\x41\x07\x41\x02\x10" + uleb(FUNC_BASE) + b"\x1a"
    b += b"\x41\x07\x41\x02\x41" + sleb(nfuncs - 1) + b"\x11\x03\x00\x1a"
    b += b"\x0b"
    return uleb(len(b)) + bytes(b)


def module(size_mb, seed):
    rng = random.Random(seed)
    nseg = 9
    # Bodies are generated until the code takes 85% of the size; the name
    # and .debug_info sections take most of the rest.
    budget = int(size_mb * 1e6 * 0.85)
    bodies = []
    used = 0
    while used < budget or len(bodies) < 16:
        b = body(rng, FUNC_BASE + len(bodies), nseg)
        bodies.append(b)
        used += len(b)
    nfuncs = len(bodies)

    types = vec([
        b"\x60" + vec([bytes([I32])] * 4) + vec([bytes([I32])]),        # 0 fd_write
        b"\x60" + vec([bytes([I32]), bytes([I64]), bytes([I32])]) + vec([bytes([I32])]),  # 1 clock
        b"\x60" + vec([]) + vec([]),                                      # 2 _start
        b"\x60" + vec([bytes([I32])] * 2) + vec([bytes([I32])]),        # 3 generated
    ])
    imports = vec([
        name("wasi_snapshot_preview1") + name("fd_write") + b"\x00" + uleb(0),
        name("wasi_snapshot_preview1") + name("clock_time_get") + b"\x00" + uleb(1),
    ])
    funcs = vec([uleb(2)] + [uleb(3)] * nfuncs)
    table = vec([b"\x70\x01" + uleb(nfuncs) + uleb(nfuncs)])
    memory = vec([b"\x00" + uleb(2)])
    exports = vec([name("memory") + b"\x02\x00", name("_start") + b"\x00" + uleb(2)])
    elem = vec([b"\x00\x41\x00\x0b" + vec([uleb(FUNC_BASE + i) for i in range(nfuncs)])])
    code = vec([start_body(nfuncs)] + bodies)
    # The iov {32, 20} at 16 covers "version 1.0\n" at 32 and the clock
    # bytes that _start stores at 44.
    data = vec([
        b"\x00\x41\x10\x0b" + vec([bytes([x]) for x in struct.pack("<II", 32, 20)]),
        b"\x00\x41\x20\x0b" + vec([bytes([x]) for x in b"version 1.0\n"]),
    ])
    names = vec([uleb(FUNC_BASE + i) + name("generated_function_%d" % i) for i in range(nfuncs)])
    name_payload = name("name") + b"\x01" + uleb(len(names)) + names
    debug = name(".debug_info") + bytes(int(size_mb * 1e6 * 0.12))

    out = b"\x00asm\x01\x00\x00\x00"
    out += section(1, types) + section(2, imports) + section(3, funcs)
    out += section(4, table) + section(5, memory) + section(7, exports)
    out += section(9, elem) + section(10, code) + section(11, data)
    out += section(0, name_payload) + section(0, debug)
    return out, nfuncs


def main():
    args = sys.argv[1:]
    seed = 1
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2:
        sys.stderr.write(__doc__)
        sys.exit(2)
    data, nfuncs = module(float(args[1]), seed)
    with open(args[0], "wb") as f:
        f.write(data)
    print("%s: %d bytes, %d functions" % (args[0], len(data), nfuncs))


if __name__ == "__main__":
    main()
