using CarTRisk.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CarTRisk.Tests.Common;

public sealed class EventTableTests
{
    private static Arbitrary<(double[] T, int[] C)> Data() =>
        (from n in Gen.Choose(2, 80)
         from t in Gen.ArrayOf(Gen.Choose(0, 40).Select(x => x / 4.0), n)   // quarter days: sort path half the time
         from c in Gen.ArrayOf(Gen.Choose(0, 2), n)
         select (t, c)).Where(d => d.c.Contains(1)).ToArbitrary();

    [Property(MaxTest = 200)]
    public Property FromCountsOfGroupBy_EqualsRowLevel()
    {
        return Prop.ForAll(Data(), d =>
        {
            var groups = d.T.Zip(d.C).GroupBy(x => x).ToArray();
            var table = EventTable.FromCounts(groups.Select(g => g.Key.First).ToArray(), groups.Select(g => g.Key.Second).ToArray(),
                groups.Select(g => (double)g.Count()).ToArray());
            var a = CumulativeIncidence.Estimate(table, 1);
            var b = CumulativeIncidence.Estimate(d.T, d.C, 1);
            var kmA = KaplanMeier.Estimate(table);
            var kmB = KaplanMeier.Estimate(d.T, d.C.Select(x => x != 0).ToArray());
            return a.Time.SequenceEqual(b.Time) && a.Estimate.SequenceEqual(b.Estimate) && a.Variance.SequenceEqual(b.Variance)
                && kmA.Survival.SequenceEqual(kmB.Survival) && kmA.Upper.SequenceEqual(kmB.Upper);
        });
    }

    [Property(MaxTest = 200)]
    public Property Merge_OfShards_EqualsPooled()
    {
        return Prop.ForAll(Data(), d =>
        {
            int half = d.T.Length / 2;
            var merged = EventTable.Merge(EventTable.FromRecords(d.T.AsSpan(0, half), d.C.AsSpan(0, half)), EventTable.FromRecords(d.T.AsSpan(half), d.C.AsSpan(half)));
            var pooled = EventTable.FromRecords(d.T, d.C);
            return merged.Time.SequenceEqual(pooled.Time) && merged.AtRisk.SequenceEqual(pooled.AtRisk)
                && merged.Censored.SequenceEqual(pooled.Censored) && merged.Events.SequenceEqual(pooled.Events);
        });
    }

    [Fact]
    public void FromCounts_Golden_MatchesCuminc()
    {
        var (t, c, _) = Golden.Csv("Reference/cmprsk_synth_A.csv");
        var rows = t.Zip(c).GroupBy(x => x).ToArray();
        var table = EventTable.FromCounts(rows.Select(g => g.Key.First).ToArray(), rows.Select(g => g.Key.Second).ToArray(), rows.Select(g => (double)g.Count()).ToArray());
        var cif = CumulativeIncidence.Estimate(table, 1);
        NumericAssert.Close(0.11851071485526307, cif.At(365).Estimate, 1e-12);
        NumericAssert.Close(0.0004635163435861724, cif.At(365).Variance, 1e-10);
    }

    [Fact]
    public void BadInput_Throws()
    {
        Assert.Equal("counts", Assert.Throws<ArgumentOutOfRangeException>(() => EventTable.FromCounts([1.0], [1], [-1])).ParamName);
        Assert.Equal("counts", Assert.Throws<ArgumentException>(() => EventTable.FromCounts([1.0], [1], [0])).ParamName);
        Assert.Equal("causes", Assert.Throws<ArgumentOutOfRangeException>(() => EventTable.FromCounts([1.0], [-2], [1])).ParamName);
        Assert.Equal("times", Assert.Throws<ArgumentOutOfRangeException>(() => EventTable.FromCounts([double.NaN], [1], [1])).ParamName);
        Assert.Equal("durations", Assert.Throws<ArgumentOutOfRangeException>(() => EventTable.FromRecords([1.0, -3], [1, 0])).ParamName);
        Assert.Equal("causes", Assert.Throws<ArgumentOutOfRangeException>(() => EventTable.FromRecords([1.0, 3], [1, -1])).ParamName);
        var delayed = KaplanMeier.Estimate([0.0], [2.0], [true]);
        Assert.NotNull(delayed);
        Assert.Throws<ArgumentNullException>(() => EventTable.Merge(null!, EventTable.FromRecords([1.0], [1])));
        Assert.Equal("cause", Assert.Throws<ArgumentOutOfRangeException>(() => EventTable.FromRecords([1.0], [1]).EventsOf(0)).ParamName);
        // A cause that never occurs has a defined all-zero column and an all-zero curve (issue 9).
        Assert.Equal([0.0], EventTable.FromRecords([1.0], [1]).EventsOf(2).ToArray());
        var none = CumulativeIncidence.Estimate(EventTable.FromRecords([1.0], [1]), 2);
        Assert.Equal([0.0], none.Estimate.ToArray());
        Assert.Equal([0.0], none.Variance.ToArray());
    }
}
