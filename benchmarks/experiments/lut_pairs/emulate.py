"""The LUT pair lookups' index arithmetic (fused_gemm.cuh, kPairs), emulated on the CPU before
the first device run: the fill's word addresses and the lookups' pair indices and addresses,
against direct indexing, for random nibble words and random tables; and the banks one load of
a warp touches. Run: python3 benchmarks/experiments/lut_pairs/emulate.py (prints OK or fails)."""
import random


def byte_perm(a: int, b: int, sel: int) -> int:
    # prmt.b32 default mode (selector nibbles < 8): byte i of the result = byte sel_i of {b:a}
    src = (b << 32) | a
    return sum(((src >> (8 * ((sel >> (4 * i)) & 7))) & 0xFF) << (8 * i) for i in range(4))


def fill(values, K):
    """The kPairs fill: values[r][code] (16-bit), r = 0..15 -> {byte address: word}."""
    half = 256 * K * 32
    shift = {1: 5, 2: 6, 4: 7}[K]
    mem = {}
    for i in range(128):  # items, as in the kernel
        lh, hi, gq, h = i & 1, (i >> 1) & 15, (i >> 5) & 1, i >> 6
        rows = [8 * h + 4 * gq + j for j in range(4)]
        dst = h * half + 16 * gq
        for l in range(8):
            lo = 8 * lh + l
            sel = 0x5432 if l & 1 else 0x5410
            wd = []
            for r in rows:
                v = values[r]
                # comp(v[j], l >> 1): the 32-bit word of codes 8 lh + 2 (l >> 1) and the next
                word = v[8 * lh + 2 * (l >> 1)] | v[8 * lh + 2 * (l >> 1) + 1] << 16
                wd.append(byte_perm(word, v[hi], sel))
            e = lo | hi << 4
            for c in range(K):
                for j in range(4):
                    mem[dst + (e << shift) + 32 * c + 4 * j] = wd[j]
    assert len(mem) == 2 * 256 * K * 8, "every word written once"
    return mem


def lookups(mem, wv, lane, K):
    """The kPairs lookup of word wv by lane (g, t): A registers p = 0..3 and their addresses."""
    half = 256 * K * 32
    shift = {1: 5, 2: 6, 4: 7}[K]
    g, t = lane >> 2, lane & 3
    lane0 = 32 * (t & (K - 1)) + 4 * g
    me, mo = wv & 0x0F0F0F0F, (wv >> 4) & 0x0F0F0F0F
    ce, co = (me | (me >> 12)) & 0xFFFFFFFF, (mo | (mo >> 12)) & 0xFFFFFFFF
    out, addrs = [], []
    for p in range(4):
        e = byte_perm(co if p & 1 else ce, 0, 0x4441 if p & 2 else 0x4440)
        addr = lane0 + (p & 1) * half + (e << shift)
        out.append(mem[addr])
        addrs.append(addr)
    return out, addrs


def main():
    rng = random.Random(0)
    for K in (1, 2, 4):
        worst_wavefronts = []
        for trial in range(200):
            values = [[rng.randrange(1 << 16) for _ in range(16)] for _ in range(16)]
            mem = fill(values, K)
            words = [rng.randrange(1 << 32) for _ in range(32)]  # one word per lane
            per_p = [[] for _ in range(4)]
            for lane in range(32):
                g = lane >> 2
                got, addrs = lookups(mem, words[lane], lane, K)
                for p in range(4):
                    row = g + 8 * (p & 1)
                    lo, hi = (words[lane] >> (4 * p)) & 15, (words[lane] >> (4 * p + 16)) & 15
                    want = values[row][lo] | values[row][hi] << 16
                    assert got[p] == want, (K, lane, p, hex(got[p]), hex(want))
                    per_p[p].append(addrs[p])
            for p in range(4):  # wavefronts of one warp-wide load: distinct words per bank
                banks = {}
                for a in set(per_p[p]):
                    banks.setdefault((a // 4) % 32, set()).add(a)
                worst_wavefronts.append(max(len(s) for s in banks.values()))
        mean = sum(worst_wavefronts) / len(worst_wavefronts)
        print(f"K = {K}: lookups exact; wavefronts per load (random codes) mean {mean:.2f}, "
              f"max {max(worst_wavefronts)}")
        if K == 4:
            assert max(worst_wavefronts) == 1, "per-lane copies: one wavefront"
    print("OK")


if __name__ == "__main__":
    main()
