using System.Globalization;
using CarTRisk.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CarTRisk.Tests.Intervals;

public sealed class PoissonIntervalTests
{
    [Fact]
    public void Rate_SharedReference_MatchesPoissonTest()
    {
        foreach (var c in Golden.Json("Reference/binomial_A.json")["poisson"]!.AsArray())
        {
            int x = (int)Golden.D(c!["x"]);
            double t = Golden.D(c["person_time"]);
            var r = CrudeIncidence.Rate(x, t);
            NumericAssert.Close(Golden.D(c["rate"]), r.Value, 1e-15, 0, "rate");
            NumericAssert.Close(Golden.D(c["lower"]), r.Interval.Lower, 1e-10, 0, $"lower x={x}");
            NumericAssert.Close(Golden.D(c["upper"]), r.Interval.Upper, 1e-10, 0, $"upper x={x}");
        }
    }

    public static TheoryData<string> ExtremeCases()
    {
        var data = new TheoryData<string>();
        foreach (var line in File.ReadLines(Golden.PathOf("Extra/poisson_extreme.csv")).Where(l => !l.StartsWith('#')).Skip(1))
        {
            data.Add(line);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ExtremeCases))]
    public void Rate_ExtremeInputs_MatchPoissonTest(string line)
    {
        double[] v = line.Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var r = CrudeIncidence.Rate((int)v[0], v[1], v[2]);
        NumericAssert.Close(v[3], r.Interval.Lower, 1e-10, 0, $"lower {line}");
        NumericAssert.Close(v[4], r.Interval.Upper, 1e-10, 0, $"upper {line}");
    }

    [Fact]
    public void Exact_ZeroCount_UpperIsMinusLogAlpha()
    {
        var ci = PoissonInterval.Exact(0, 0.95);
        Assert.Equal(0, ci.Lower);
        NumericAssert.Close(-Math.Log(0.025), ci.Upper, 1e-15);
    }

    [Fact]
    public void Exact_CountOne_HandCalculation()
    {
        // x = 1: lower solves 1 - e^-m = a, m = -log(1 - a); upper solves e^-m (1 + m) = a.
        var ci = PoissonInterval.Exact(1, 0.95);
        NumericAssert.Close(-Math.Log(1 - 0.025), ci.Lower, 1e-13);
        double m = ci.Upper;
        NumericAssert.Close(0.025, Math.Exp(-m) * (1 + m), 1e-13);
    }

    [Theory]
    [InlineData(-1, 0.95, "count")]
    [InlineData(3, 1.5, "level")]
    [InlineData(3, double.NaN, "level")]
    public void Exact_BadArguments_Throw(int x, double level, string param)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => PoissonInterval.Exact(x, level));
        Assert.Equal(param, e.ParamName);
    }

    [Property(MaxTest = 200)]
    public Property Exact_MonotoneInCountAndNested()
    {
        return Prop.ForAll(Gen.Choose(0, 100_000).ToArbitrary(), x =>
        {
            var a = PoissonInterval.Exact(x);
            var b = PoissonInterval.Exact(x + 1);
            var narrow = PoissonInterval.Exact(x, 0.9);
            return a.Lower < b.Lower && a.Upper < b.Upper && a.Lower <= x && x <= a.Upper
                && a.Lower <= narrow.Lower && narrow.Upper <= a.Upper;
        });
    }
}
