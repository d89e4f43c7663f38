"""Dev-only: a Python port of native/core/random.hpp (xoshiro256** seeded by splitmix64, our uniform,
bounded-integer, Box–Muller normal and subset sampling), so reference scripts can draw exactly the
subsamples, landmarks and start vectors that nnsim draws for a given seed."""
import math

M64 = (1 << 64) - 1


def _rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M64


class Random:
    def __init__(self, seed):
        x = seed & M64
        self.state = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & M64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
            self.state.append(z ^ (z >> 31))
        self.spare = None

    def next(self):
        s = self.state
        result = (_rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 45)
        return result

    def uniform(self):
        return (self.next() >> 11) * 2.0 ** -53

    def below(self, bound):
        if bound <= 1:
            return 0
        limit = ((1 << 64) - bound) % bound
        while True:
            r = self.next()
            if r >= limit:
                return r % bound

    def normal(self):
        if self.spare is not None:
            v, self.spare = self.spare, None
            return v
        u = 0.0
        while u <= 0.0:
            u = self.uniform()
        v = self.uniform()
        radius = math.sqrt(-2.0 * math.log(u))
        self.spare = radius * math.sin(2.0 * math.pi * v)
        return radius * math.cos(2.0 * math.pi * v)

    def sample(self, n, count):
        items = list(range(n))
        count = min(count, n)
        for i in range(count):
            j = i + self.below(n - i)
            items[i], items[j] = items[j], items[i]
        return sorted(items[:count])


# Index streams of inference (native/core/inference.cpp): one generator per permutation, resample or
# grouping, seeded from (seed, index) alone.
def _mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def stream_seed(seed, index):
    return _mix(_mix((seed + 0x9E3779B97F4A7C15) & M64) ^ ((index * 0xD1342543DE82EF95 + 0x632BE59BD9B4E019) & M64))


def row_permutation(seed, index, n):
    random = Random(stream_seed(seed, index))
    out = list(range(n))
    for i in range(n, 1, -1):
        j = random.below(i)
        out[i - 1], out[j] = out[j], out[i - 1]
    return out


def random_groups(seed, n, groups):
    order = row_permutation(seed, 0, n)
    group = [0] * n
    for position, row in enumerate(order):
        group[row] = position % groups
    return group


def cross_validation_folds(seed, n, folds):
    return random_groups(seed, n, folds)
def sample_rows(n, count, seed, labels=None):
    """nnsim's sampleRows (native/core/random.hpp): a subset of `count` of n rows, stratified by label."""
    rng = Random(seed)
    if labels is None or count >= n:
        return rng.sample(n, count)
    members = {}
    for i, label in enumerate(labels):
        members.setdefault(int(label), []).append(i)
    classes = sorted(members)
    quota = [count * len(members[c]) // n for c in classes]
    leftover = count - sum(quota)
    by_remainder = sorted(range(len(classes)), key=lambda p: -((count * len(members[classes[p]])) % n))
    for p in by_remainder[:leftover]:
        quota[p] += 1
    out = []
    for p, c in enumerate(classes):
        out.extend(members[c][k] for k in rng.sample(len(members[c]), quota[p]))
    return sorted(out)
