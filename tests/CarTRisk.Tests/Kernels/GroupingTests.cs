using CarTRisk.Kernels;

namespace CarTRisk.Tests.Kernels;

/// <summary>The counting-sort grouping equals a stable sort of the items by key, with and without a visiting order.</summary>
public sealed class GroupingTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(50, 3)]
    [InlineData(1000, 7)]
    [InlineData(1000, 1000)]
    public void Scatter_EqualsAStableSortByKey(int n, int groups)
    {
        var rng = new Random(n + groups);
        var keys = Enumerable.Range(0, n).Select(_ => rng.Next(groups)).ToArray();
        var starts = Grouping.Starts(keys, groups);
        Assert.Equal(groups + 1, starts.Length);
        Assert.Equal(n, starts[^1]);
        for (int g = 0; g < groups; g++)
        {
            Assert.Equal(keys.Count(k => k == g), starts[g + 1] - starts[g]);
        }

        Assert.Equal(Enumerable.Range(0, n).OrderBy(i => keys[i]).ToArray(), Grouping.Scatter(keys, starts));
        var order = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).ToArray();
        Assert.Equal(order.OrderBy(i => keys[i]).ToArray(), Grouping.Scatter(keys, starts, order));
    }
}
