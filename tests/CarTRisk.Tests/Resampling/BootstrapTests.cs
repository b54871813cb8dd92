using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Resampling;

public sealed class BootstrapTests
{
    private static EventTable Golden3() { var (t, c, _) = Golden.Csv("Reference/cmprsk_synth_A.csv"); return EventTable.FromRecords(t, c); }

    private static double Risk365(EventTable t) => CumulativeIncidence.Estimate(t, 1).At(365).Estimate;

    [Fact]
    public void Interval_SameSeed_Deterministic_DifferentSeed_Differs()
    {
        var table = Golden3();
        var a = Bootstrap.Interval(table, Risk365, 200, seed: 7);
        var b = Bootstrap.Interval(table, Risk365, 200, seed: 7);
        var c = Bootstrap.Interval(table, Risk365, 200, seed: 8);
        Assert.Equal(a.Replicates.ToArray(), b.Replicates.ToArray());
        Assert.NotEqual(a.Replicates.ToArray(), c.Replicates.ToArray());
        Assert.Equal(CumulativeIncidence.Estimate(table, 1).At(365).Estimate, a.Estimate);
    }

    [Fact]
    public void ReplicateSeed_IsSplitMix64_SameInEveryProcess()
    {
        // Reference values from a Python transcription of SplitMix64 over (seed << 32 | replicate): the replicate
        // streams must not depend on the process (HashCode.Combine, used at first, is randomised per process).
        Assert.Equal(608795752, Bootstrap.ReplicateSeed(7, 3));
        Assert.Equal(670440636, Bootstrap.ReplicateSeed(2026, 0));
    }

    [Fact]
    public void Interval_StdErr_CloseToAnalyticVariance()
    {
        // The bootstrap SE of the 1-year CIF should be near sqrt(cuminc's variance) (0.0215); a loose sanity bound.
        var r = Bootstrap.Interval(Golden3(), Risk365, 400, seed: 3);
        Assert.InRange(r.StdErr, 0.6 * Math.Sqrt(0.0004635163435861724), 1.4 * Math.Sqrt(0.0004635163435861724));
        Assert.True(r.Interval.Lower < r.Estimate && r.Estimate < r.Interval.Upper);
        var narrow = Bootstrap.Interval(Golden3(), Risk365, 400, seed: 3, level: 0.8);
        Assert.True(r.Interval.Lower <= narrow.Interval.Lower && narrow.Interval.Upper <= r.Interval.Upper);
    }

    [Fact]
    public void Difference_OfIdenticalGroups_CentredNearZero()
    {
        var t = Golden3();
        var d = Bootstrap.Difference(t, t, Risk365, 300, seed: 11);
        Assert.Equal(0, d.Estimate);
        Assert.True(d.Interval.Lower < 0 && d.Interval.Upper > 0);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(4)]
    [InlineData(37)]
    [InlineData(5000)]
    public void Poisson_MeanAndVariance_MatchParameter(double mean)
    {
        var rng = new Random(5);
        var draws = Enumerable.Range(0, 40_000).Select(_ => Bootstrap.Poisson(rng, mean)).ToArray();
        double m = draws.Average(), v = draws.Sum(x => (x - m) * (x - m)) / (draws.Length - 1);
        double se = Math.Sqrt(mean / draws.Length);
        Assert.InRange(m, mean - (5 * se), mean + (5 * se));
        Assert.InRange(v / mean, 0.95, 1.05);
        Assert.All(draws, x => Assert.True(x >= 0 && x == Math.Floor(x)));
    }

    [Fact]
    public void BadArguments_Throw()
    {
        var t = Golden3();
        Assert.Equal("replicates", Assert.Throws<ArgumentOutOfRangeException>(() => Bootstrap.Interval(t, Risk365, 1)).ParamName);
        Assert.Throws<ArgumentNullException>(() => Bootstrap.Interval(t, null!));
        Assert.Equal("level", Assert.Throws<ArgumentOutOfRangeException>(() => Bootstrap.Interval(t, Risk365, 10, level: 0)).ParamName);
        // A statistic that cannot be estimated on most resamples is an error, not a silently thin interval.
        Assert.Throws<InvalidOperationException>(() => Bootstrap.Interval(t, _ => double.NaN, 20));
        // A resample without a case is scored (risk 0), not dropped: dropping it biased the interval upwards (issue 9).
        var rare = EventTable.FromCounts([1.0, 2.0], [1, 0], [0.2, 500]);   // P(no event drawn) = e^-0.2 = 82 %
        var b = Bootstrap.Interval(rare, x => CumulativeIncidence.Estimate(x, 1).At(5).Estimate, 200);
        Assert.Equal(0, b.Failed);
        Assert.Equal(0.0, b.Interval.Lower);
        Assert.True(b.Replicates.Count(v => v == 0) > 140);
    }
}
