using System.Diagnostics;

namespace CarTRisk.Tests.Trust;

/// <summary>Issue 9: extreme codes, many groups and huge counts end in a result or a clear error, never a crash,
/// a hang or a gigabyte.</summary>
public class ResourceBoundsTests
{
    [Fact]
    public void CumulativeIncidence_HugeCauseCodes_CostDistinctCodes()
    {
        var cif = CumulativeIncidence.Estimate([0.0, 1, 2, 3, 4, 5], [1, int.MaxValue, 2, 1, 0, 0], 1);
        Assert.Equal([1, 2, int.MaxValue], cif.CauseCodes.ToArray());
        // Same as the dense recoding 1, 3, 2.
        var dense = CumulativeIncidence.Estimate([0.0, 1, 2, 3, 4, 5], [1, 3, 2, 1, 0, 0], 1);
        Assert.Equal(dense.Estimate.ToArray(), cif.Estimate.ToArray());
        Assert.Equal(dense.Variance.ToArray(), cif.Variance.ToArray());
        Assert.Equal(dense.EstimateByCause[2].ToArray(), cif.EstimateByCause[2].ToArray());

        var big = CumulativeIncidence.Estimate([0.0, 2, 65536], [1, 0, 65536], 65536);
        Assert.Equal([1, 65536], big.CauseCodes.ToArray());
        Assert.Equal(2.0 / 3, big.Estimate[^1], 15);   // (1 − 1/3) · 1

        long before = GC.GetAllocatedBytesForCurrentThread();
        var stray = CumulativeIncidence.Estimate(Enumerable.Range(0, 1000).Select(i => (double)i).ToArray(),
            Enumerable.Range(0, 1000).Select(i => i == 7 ? 99_999 : i % 3).ToArray(), 99_999);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 10_000_000);
        var recoded = CumulativeIncidence.Estimate(Enumerable.Range(0, 1000).Select(i => (double)i).ToArray(),
            Enumerable.Range(0, 1000).Select(i => i == 7 ? 3 : i % 3).ToArray(), 3);
        Assert.Equal(recoded.Estimate.ToArray(), stray.Estimate.ToArray());
    }

    [Fact]
    public void CumulativeIncidence_CauseWithoutEvent_IsAllZeroWithZeroVariance()
    {
        var cif = CumulativeIncidence.Estimate([1.0, 2, 3], [2, 0, 2], 1);
        Assert.All(cif.Estimate, v => Assert.Equal(0.0, v));
        Assert.All(cif.Variance, v => Assert.Equal(0.0, v));
        var far = CumulativeIncidence.Estimate([1.0, 2, 3], [2, 0, 2], 1_000_000);
        Assert.All(far.Estimate, v => Assert.Equal(0.0, v));
        Assert.Equal([2, 1_000_000], far.CauseCodes.ToArray());
    }

    [Fact]
    public void EventTable_SparseCodes_MergeAndCountsAgree()
    {
        var a = EventTable.FromRecords([1.0, 2, 3], [5_000_000, 0, 2]);
        var b = EventTable.FromCounts([2.0, 4.0], [int.MaxValue, 2], [1, 2]);
        var m = EventTable.Merge(a, b);
        Assert.Equal([2, 5_000_000, int.MaxValue], m.CauseCodes.ToArray());
        Assert.Equal([1.0, 0, 0, 0], m.EventsOf(5_000_000).ToArray());
        Assert.Equal([0.0, 1, 0, 0], m.EventsOf(int.MaxValue).ToArray());
        Assert.Equal([0.0, 0, 1, 2], m.EventsOf(2).ToArray());
        Assert.Equal([0.0, 0, 0, 0], m.EventsOf(3).ToArray());
        Assert.Equal([6.0, 5, 3, 2], m.AtRisk.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => EventTable.FromCounts([1.0, 2], [1, 0], [1e308, 1e308]));
    }

    [Fact]
    public void LogRank_ManyGroups_EqualsNaiveAccumulation()
    {
        var rng = new Random(11);
        for (int rep = 0; rep < 30; rep++)
        {
            int n = rng.Next(2, 300), k = rng.Next(2, 40);
            bool integer = rep % 2 == 0;
            var t = Enumerable.Range(0, n).Select(_ => integer ? rng.Next(0, 30) : Math.Round(rng.NextDouble() * 5, 1)).ToArray();
            var e = Enumerable.Range(0, n).Select(_ => rng.NextDouble() < 0.6).ToArray();
            var g = Enumerable.Range(0, n).Select(_ => rng.Next(0, k)).ToArray();
            double rho = rep % 3 == 0 ? 1 : 0;
            var fast = LogRank.Test(t, e, g, rho);
            var (o, ex, v) = Naive(t, e, g, fast.Groups.ToArray(), rho);
            for (int i = 0; i < o.Length; i++)
            {
                Assert.Equal(o[i], fast.Observed[i], 1e-10);
                Assert.Equal(ex[i], fast.Expected[i], 1e-9);
                for (int j = 0; j < o.Length; j++)
                {
                    Assert.Equal(v[i, j], fast.Variance[i][j], 1e-9);
                }
            }
        }
    }

    [Fact]
    public void LogRank_ThousandGroups_FinishesInBoundedTimeAndMemory()
    {
        int n = 100_000;
        var rng = new Random(3);
        var t = Enumerable.Range(0, n).Select(_ => (double)rng.Next(0, 200_000)).ToArray();
        var e = Enumerable.Range(0, n).Select(_ => rng.NextDouble() < 0.5).ToArray();
        var g = Enumerable.Range(0, n).Select(i => i % 1000).ToArray();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        var r = LogRank.Test(t, e, g);
        Assert.Equal(999, r.DegreesOfFreedom);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 400_000_000);
        var many = Enumerable.Range(0, 5000).Select(i => i % 2001).ToArray();
        var tt = Enumerable.Range(0, 5000).Select(i => (double)i).ToArray();
        Assert.Equal("groups", Assert.Throws<ArgumentException>(() => LogRank.Test(tt, tt.Select(_ => true).ToArray(), many)).ParamName);
    }

    [Fact]
    public void LogRank_NoEvents_DfZeroPOne()
    {
        var r = LogRank.Test([1.0, 2, 3], [false, false, false], ["a", "b", "a"]);
        Assert.Equal(0, r.DegreesOfFreedom);
        Assert.Equal(0.0, r.ChiSquare);
        Assert.Equal(1.0, r.PValue);
    }

    private static (double[] O, double[] E, double[,] V) Naive(double[] t, bool[] e, int[] g, int[] levels, double rho)
    {
        int k = levels.Length;
        var idx = g.Select(x => Array.IndexOf(levels, x)).ToArray();
        var o = new double[k];
        var ex = new double[k];
        var v = new double[k, k];
        double km = 1;
        foreach (double time in t.Distinct().Order())
        {
            var a = new double[k];
            var d = new double[k];
            for (int i = 0; i < t.Length; i++)
            {
                if (t[i] >= time)
                {
                    a[idx[i]]++;
                }

                if (t[i] == time && e[i])
                {
                    d[idx[i]]++;
                }
            }

            double n = a.Sum(), dd = d.Sum();
            if (dd == 0)
            {
                continue;
            }

            double w = Math.Pow(km, rho);
            for (int i = 0; i < k; i++)
            {
                o[i] += w * d[i];
                ex[i] += w * dd * a[i] / n;
                for (int j = 0; j < k && n > 1; j++)
                {
                    v[i, j] += w * w * dd * (n - dd) / (n - 1) * (a[i] / n) * ((i == j ? 1 : 0) - (a[j] / n));
                }
            }

            km *= (n - dd) / n;
        }

        return (o, ex, v);
    }
}
