using CarTRisk.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CarTRisk.Tests.Survival;

public sealed class KaplanMeierTests
{
    [Fact]
    public void Estimate_CensorTiedWithDeath_CensorCountsAtRisk()
    {
        // Unsorted, with a death and a censoring tied at 3 and two deaths tied at 5.
        double[] t = [5, 3, 1, 3, 5, 8, 2];
        bool[] e = [true, false, true, true, true, false, false];
        var km = KaplanMeier.Estimate(t, e);
        Assert.Equal([1.0, 2, 3, 5, 8], km.Time.ToArray());
        Assert.Equal([7.0, 6, 5, 3, 1], km.AtRisk.ToArray());
        NumericAssert.Close([6.0 / 7, 6.0 / 7, 6.0 / 7 * 4 / 5, 6.0 / 7 * 4 / 5 * 1 / 3, 6.0 / 7 * 4 / 5 * 1 / 3], km.Survival, 1e-15);
        double g = (1.0 / (7 * 6)) + (1.0 / (5 * 4)) + (2.0 / (3 * 1));
        NumericAssert.Close(Math.Sqrt(g), km.StdErrLog[3], 1e-15);
        Assert.Equal(3, km.At(4).AtRisk);          // follow-up >= 4: the two at 5 and the one at 8
        Assert.Equal(1, km.At(0.5).Survival);
        Assert.True(km.At(9).BeyondFollowUp);
        Assert.Equal(0, km.At(9).AtRisk);
    }

    [Fact]
    public void Median_FlatAtHalf_MidpointRule()
    {
        // S drops to exactly 0.5 at t = 2 and stays until t = 6: median = (2 + 6)/2 = 4.
        var km = KaplanMeier.Estimate([1, 2, 3, 6], [false, true, false, true]);
        Assert.Equal(new[] { 1.0, 2, 3, 6 }, km.Time);
        // n = 4: t=1 censor; t=2 death n=3 -> 2/3; ... use a cleaner curve:
        var flat = KaplanMeier.Estimate([2, 2, 6, 6], [true, true, true, true]);
        Assert.Equal(0.5, flat.Survival[0]);
        Assert.Equal(4, flat.Median.Value);
        // Flat at 0.5 to the end of the curve: midpoint with the last time.
        var end = KaplanMeier.Estimate([2, 2, 6, 6], [true, true, false, false]);
        Assert.Equal(4, end.Median.Value);
    }

    [Fact]
    public void Estimate_EdgeCases_Defined()
    {
        var one = KaplanMeier.Estimate([3.0], [true]);
        Assert.Equal(0, one.Survival[0]);
        Assert.True(double.IsNaN(one.Lower[0]) && double.IsNaN(one.Upper[0]));   // R: NA bounds when S = 0
        var censored = KaplanMeier.Estimate([1.0, 2, 3], [false, false, false]);
        Assert.All(censored.Survival, s => Assert.Equal(1, s));
        Assert.Null(censored.Median.Value);
        var allAtOnce = KaplanMeier.Estimate([4.0, 4, 4], [true, true, true]);
        Assert.Equal(0, Assert.Single(allAtOnce.Survival));
        Assert.Equal(4, allAtOnce.Median.Value);
    }

    [Fact]
    public void Estimate_BadInput_ThrowsNamingIndex()
    {
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() => KaplanMeier.Estimate([1.0, double.NaN], [true, true]));
        Assert.Equal("durations", e1.ParamName);
        Assert.Contains("durations[1] is NaN", e1.Message, StringComparison.Ordinal);
        Assert.Contains("durations[0]", Assert.Throws<ArgumentOutOfRangeException>(() => KaplanMeier.Estimate([-1.0], [true])).Message, StringComparison.Ordinal);
        Assert.Equal("durations", Assert.Throws<ArgumentOutOfRangeException>(() => KaplanMeier.Estimate([double.PositiveInfinity], [true])).ParamName);
        Assert.Equal("durations", Assert.Throws<ArgumentException>(() => KaplanMeier.Estimate([], [])).ParamName);
        Assert.Equal("events", Assert.Throws<ArgumentException>(() => KaplanMeier.Estimate([1.0], [true, false])).ParamName);
        Assert.Equal("options.Level", Assert.Throws<ArgumentOutOfRangeException>(() => KaplanMeier.Estimate([1.0], [true], KaplanMeierOptions.Default with { Level = double.NaN })).ParamName);
        Assert.Equal("entryTimes", Assert.Throws<ArgumentException>(() => KaplanMeier.Estimate([2.0], [2.0], [true])).ParamName);
        Assert.Equal("probability", Assert.Throws<ArgumentOutOfRangeException>(() => KaplanMeier.Estimate([1.0], [true]).Quantile(1)).ParamName);
    }

    private static Arbitrary<(double[] T, bool[] E)> Data() =>
        (from n in Gen.Choose(1, 60)
         from t in Gen.ArrayOf(Gen.Choose(0, 30).Select(x => (double)x), n)
         from e in Gen.ArrayOf(Gen.Elements(true, false), n)
         select (t, e)).ToArbitrary();

    [Property(MaxTest = 200)]
    public Property Estimate_Monotone_Bounded_PermutationInvariant_Nested()
    {
        return Prop.ForAll(Data(), d =>
        {
            var km = KaplanMeier.Estimate(d.T, d.E);
            var rev = KaplanMeier.Estimate(d.T.Reverse().ToArray(), d.E.Reverse().ToArray());
            var ci90 = KaplanMeier.Estimate(d.T, d.E, KaplanMeierOptions.Default with { Level = 0.9 });
            var na = NelsonAalen.Estimate(d.T, d.E);
            for (int i = 0; i < km.Time.Length; i++)
            {
                double s = km.Survival[i];
                if (s < 0 || s > 1 || (i > 0 && s > km.Survival[i - 1]) || s != rev.Survival[i])
                {
                    return false;
                }

                if (!double.IsNaN(km.Lower[i]) && !(km.Lower[i] <= s && s <= km.Upper[i]
                    && km.Lower[i] <= ci90.Lower[i] && ci90.Upper[i] <= km.Upper[i]))
                {
                    return false;
                }

                if (Math.Exp(-na.CumulativeHazard[i]) < s - 1e-15)
                {
                    return false;
                }
            }

            return true;
        });
    }

    [Property(MaxTest = 100)]
    public Property Estimate_NoCensoring_OneMinusKmIsEmpiricalCdf()
    {
        return Prop.ForAll(Data(), d =>
        {
            var e = d.E.Select(_ => true).ToArray();
            var km = KaplanMeier.Estimate(d.T, e);
            return km.Time.Select((t, i) => Math.Abs(1 - km.Survival[i] - ((double)d.T.Count(x => x <= t) / d.T.Length)) < 1e-12).All(b => b);
        });
    }

    [Property(MaxTest = 100)]
    public Property LogRank_InvariantToRelabelling()
    {
        return Prop.ForAll(Data(), d =>
        {
            var g = d.T.Select((_, i) => i % 3 == 0 ? "a" : "b").ToArray();
            if (g.Distinct().Count() < 2)
            {
                return true;
            }

            var a = LogRank.Test(d.T, d.E, g);
            var b = LogRank.Test(d.T, d.E, g.Select(x => x == "a" ? "z" : "y").ToArray());
            return (double.IsNaN(a.ChiSquare) && double.IsNaN(b.ChiSquare)) || Math.Abs(a.ChiSquare - b.ChiSquare) < 1e-9 * Math.Max(1, a.ChiSquare);
        });
    }

    /// <summary>Shifting every time by 0.25 keeps the order but moves the data off the integer counting path onto
    /// the sort path: every estimate must be identical.</summary>
    [Property(MaxTest = 100)]
    public Property SortPath_EqualsCountingPath()
    {
        return Prop.ForAll(Data(), d =>
        {
            var shifted = d.T.Select(x => x + 0.25).ToArray();
            var g = d.T.Select((_, i) => i % 3 == 0 ? "a" : i % 3 == 1 ? "b" : "c").ToArray();
            var strata = d.T.Select((_, i) => i % 2).ToArray();
            var a = KaplanMeier.Estimate(d.T, d.E);
            var b = KaplanMeier.Estimate(shifted, d.E);
            bool km = a.Survival.SequenceEqual(b.Survival) && a.AtRisk.SequenceEqual(b.AtRisk) && a.Lower.SequenceEqual(b.Lower);
            if (g.Distinct().Count() < 2)
            {
                return km;
            }

            var la = LogRank.Test(d.T, d.E, g, strata, 1);
            var lb = LogRank.Test(shifted, d.E, g, strata, 1);
            return km && la.Expected.SequenceEqual(lb.Expected) && la.Observed.SequenceEqual(lb.Observed)
                && (la.ChiSquare.Equals(lb.ChiSquare));
        });
    }
}
