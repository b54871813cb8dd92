using CarTRisk.Kernels;

namespace CarTRisk.Tests.Kernels;

public sealed class BucketSortTests
{
    public static TheoryData<int, int> Cases()
    {
        var data = new TheoryData<int, int>();
        for (int n = 0; n <= 256; n++)
        {
            data.Add(n, n % 4);
        }

        data.Add(100_000, 0);
        data.Add(100_000, 1);
        data.Add(100_000, 2);
        data.Add(100_000, 3);
        return data;
    }

    /// <summary>Keys come out in Array.Sort's order and each (key, item) pair is kept, for spread, heavily tied,
    /// clustered-with-outlier and wide-magnitude inputs (shape 0..3).</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Sort_EqualsArraySort_KeepsPairs(int n, int shape)
    {
        var rng = new Random((n * 4) + shape);
        var keys = Enumerable.Range(0, n).Select(i => shape switch
        {
            0 => rng.NextDouble() * 3650,
            1 => rng.Next(0, 5) + 0.5,
            2 => i == 0 ? 1e12 : rng.NextDouble(),
            _ => rng.NextDouble() * Math.Pow(10, rng.Next(-5, 9)),
        }).ToArray();
        if (n > 2)
        {
            keys[1] = -0.0;
            keys[2] = 0.0;
        }

        var causes = Enumerable.Range(0, n).Select(_ => rng.Next(0, 3)).ToArray();
        var (sortedKeys, items) = BucketSort.Sort(keys, causes, default);
        var expected = keys.Select(k => k == 0 ? 0.0 : k).Zip(causes).OrderBy(p => p.First).ThenBy(p => p.Second).ToArray();
        Assert.Equal(expected.Select(p => p.First).ToArray(), sortedKeys);
        var actualPairs = sortedKeys.Zip(items.Select(b => (int)b)).OrderBy(p => p.First).ThenBy(p => p.Second).ToArray();
        Assert.Equal(expected, actualPairs);
        Assert.All(sortedKeys, k => Assert.False(double.IsNegative(k) && k == 0));
    }
}
