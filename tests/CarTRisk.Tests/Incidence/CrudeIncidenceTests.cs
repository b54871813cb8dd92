using System.Globalization;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Incidence;

public sealed class CrudeIncidenceTests
{
    [Fact]
    public void Proportion_RegulatorFigures_MatchBinomTest()
    {
        var ema = CrudeIncidence.Proportion(38, 42_500);
        Assert.Equal(38, ema.Cases);
        Assert.Equal(42_500, ema.CohortSize);
        NumericAssert.Close(38.0 / 42_500, ema.Value, 1e-15);
        NumericAssert.Close(0.0006328061355253416, ema.Interval.Lower, 1e-10);
        NumericAssert.Close(0.0012270418911828104, ema.Interval.Upper, 1e-10);
    }

    [Fact]
    public void Proportion_OtherMethod_UsesIt()
    {
        var w = CrudeIncidence.Proportion(7, 19, BinomialMethod.Wilson);
        Assert.Equal(BinomialInterval.Wilson(7, 19), w.Interval);
        Assert.Equal(BinomialMethod.Wilson, w.Method);
    }

    [Fact]
    public void RateRatio_SharedReference_MatchesPoissonTest()
    {
        foreach (var c in Golden.Json("Reference/binomial_A.json")["rate_ratio"]!.AsArray())
        {
            var r = CrudeIncidence.RateRatio((int)Golden.D(c!["x1"]), Golden.D(c["t1"]), (int)Golden.D(c["x2"]), Golden.D(c["t2"]));
            NumericAssert.Close(Golden.D(c["estimate"]), r.Value, 1e-14);
            NumericAssert.Close(Golden.D(c["lower"]), r.Interval.Lower, 1e-10);
            NumericAssert.Close(Golden.D(c["upper"]), r.Interval.Upper, 1e-10);
            NumericAssert.Close(Golden.D(c["p_value"]), r.PValue, 1e-10);
        }
    }

    [Fact]
    public void RateRatio_MoreCases_MatchPoissonTest()
    {
        foreach (var line in File.ReadLines(Golden.PathOf("Extra/rate_ratio.csv")).Where(l => !l.StartsWith('#')).Skip(1))
        {
            double[] v = line.Split(',').Select(s => s == "Inf" ? double.PositiveInfinity : double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            var r = CrudeIncidence.RateRatio((int)v[0], v[2], (int)v[1], v[3]);
            NumericAssert.Close(v[4], r.Value, 1e-14, 0, $"estimate {line}");
            NumericAssert.Close(v[5], r.Interval.Lower, 1e-10, 0, $"lower {line}");
            NumericAssert.Close(v[6], r.Interval.Upper, 1e-10, 0, $"upper {line}");
            NumericAssert.Close(v[7], r.PValue, 1e-10, 0, $"p {line}");
        }
    }

    [Fact]
    public void Rate_Per100_RescalesValueAndInterval()
    {
        var r = CrudeIncidence.Rate(25, 1480.5);
        var per100 = r.Per(100);
        NumericAssert.Close(r.Value * 100, per100.Value, 1e-15);
        NumericAssert.Close(r.Interval.Upper * 100, per100.Interval.Upper, 1e-15);
        NumericAssert.Close(14.805, per100.PersonTime, 1e-15);
    }

    [Fact]
    public void Rate_BadArguments_Throw()
    {
        Assert.Equal("cases", Assert.Throws<ArgumentOutOfRangeException>(() => CrudeIncidence.Rate(-1, 10)).ParamName);
        Assert.Equal("personTime", Assert.Throws<ArgumentOutOfRangeException>(() => CrudeIncidence.Rate(1, 0)).ParamName);
        Assert.Equal("personTime", Assert.Throws<ArgumentOutOfRangeException>(() => CrudeIncidence.Rate(1, double.NaN)).ParamName);
        Assert.Equal("personTime", Assert.Throws<ArgumentOutOfRangeException>(() => CrudeIncidence.Rate(1, double.PositiveInfinity)).ParamName);
        Assert.Equal("level", Assert.Throws<ArgumentOutOfRangeException>(() => CrudeIncidence.Rate(1, 10, 2)).ParamName);
        Assert.Equal("units", Assert.Throws<ArgumentOutOfRangeException>(() => CrudeIncidence.Rate(1, 10).Per(-1)).ParamName);
    }

    [Fact]
    public void RateRatio_BadArguments_Throw()
    {
        Assert.Equal("cases2", Assert.Throws<ArgumentException>(() => CrudeIncidence.RateRatio(0, 1, 0, 1)).ParamName);
        Assert.Equal("cases1", Assert.Throws<ArgumentOutOfRangeException>(() => CrudeIncidence.RateRatio(-1, 1, 0, 1)).ParamName);
        Assert.Equal("personTime2", Assert.Throws<ArgumentOutOfRangeException>(() => CrudeIncidence.RateRatio(1, 1, 0, -1)).ParamName);
        Assert.Equal("personTime1", Assert.Throws<ArgumentOutOfRangeException>(() => CrudeIncidence.RateRatio(1, double.NaN, 0, 1)).ParamName);
        Assert.Equal("level", Assert.Throws<ArgumentOutOfRangeException>(() => CrudeIncidence.RateRatio(1, 1, 1, 1, double.NaN)).ParamName);
    }

    [Fact]
    public void Proportion_BadArguments_Throw()
    {
        Assert.Equal("cases", Assert.Throws<ArgumentOutOfRangeException>(() => CrudeIncidence.Proportion(5, 4)).ParamName);
        Assert.Equal("cohortSize", Assert.Throws<ArgumentOutOfRangeException>(() => CrudeIncidence.Proportion(0, 0)).ParamName);
    }
}
