using CarTRisk.Kernels;

namespace CarTRisk.Tests.Kernels;

public sealed class RadixOrderTests
{
    /// <summary>The radix permutation equals a stable comparison sort (LINQ OrderBy is stable) in both directions, for
    /// spread, tied, integer-day, wide-magnitude and signed keys (with −0.0), whole numbers beyond the counting range and
    /// whole numbers with a −0.0 (both by the radix passes), at every length 0..300 and at 100,000; tied and integer-day
    /// keys take the counting sort.</summary>
    [Fact]
    public void Order_EqualsStableSort()
    {
        foreach (int n in Enumerable.Range(0, 301).Append(100_000))
        {
            for (int shape = 0; shape < 6; shape++)
            {
                var rng = new Random((n * 4) + shape);
                var keys = Enumerable.Range(0, n).Select(_ => shape switch
                {
                    0 => rng.NextDouble() * 1000,
                    1 => (double)rng.Next(5),
                    2 => Math.Ceiling(rng.NextDouble() * 3650),
                    3 => rng.Next(6) switch { 0 => -0.0, 1 => 0.0, 2 => -rng.NextDouble() * 1e300, 3 => rng.NextDouble() * 1e-300, _ => (rng.NextDouble() - 0.5) * 10 },
                    4 => (double)rng.Next(10_000_000),
                    _ => rng.Next(50) == 0 ? -0.0 : rng.Next(100),
                }).ToArray();
                var up = RadixOrder.Order(keys, descending: false);
                var down = RadixOrder.Order(keys, descending: true);
                Assert.Equal(Enumerable.Range(0, n).OrderBy(i => keys[i]).ThenBy(i => BitConverter.DoubleToInt64Bits(keys[i]) < 0 ? 0 : 1), up);
                Assert.Equal(Enumerable.Range(0, n).OrderByDescending(i => keys[i]).ThenByDescending(i => BitConverter.DoubleToInt64Bits(keys[i]) < 0 ? 0 : 1), down);
            }
        }
    }

    /// <summary>The in-place sort of non-negative longs equals Array.Sort for small, wide and tied keys.</summary>
    [Fact]
    public void Sort_EqualsArraySort()
    {
        foreach (int n in Enumerable.Range(0, 100).Append(100_000))
        {
            for (int shape = 0; shape < 3; shape++)
            {
                var rng = new Random((n * 3) + shape);
                var keys = Enumerable.Range(0, n).Select(_ => shape switch
                {
                    0 => rng.NextInt64(1L << 26),
                    1 => (long)rng.Next(4),
                    _ => rng.NextInt64(long.MaxValue),
                }).ToArray();
                var expected = (long[])keys.Clone();
                Array.Sort(expected);
                RadixOrder.Sort(keys);
                Assert.Equal(expected, keys);
            }
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => RadixOrder.Sort(new long[] { 3, -1 }));
    }
}
