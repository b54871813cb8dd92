using System.Globalization;
using CarTRisk.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CarTRisk.Tests.Intervals;

public sealed class BinomialIntervalTests
{
    // Root-found quantiles (beta inverse): STYLE.md §9 tolerance rel 1e-10.
    private const double Rel = 1e-10;

    public static TheoryData<int> ReferenceCases()
    {
        var data = new TheoryData<int>();
        int count = Golden.Json("Reference/binomial_A.json")["binomial"]!.AsArray().Count;
        for (int i = 0; i < count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void AllMethods_SharedReference_MatchR(int index)
    {
        var c = Golden.Json("Reference/binomial_A.json")["binomial"]![index]!;
        int x = (int)Golden.D(c["x"]), n = (int)Golden.D(c["n"]);

        Check(c["clopper_pearson"]!, BinomialInterval.ClopperPearson(x, n), $"CP {x}/{n}");
        Check(c["wilson_prop_test"]!, BinomialInterval.Wilson(x, n), $"Wilson {x}/{n}");
        Check(c["jeffreys"]!, BinomialInterval.Jeffreys(x, n), $"Jeffreys {x}/{n}");
        Check(c["agresti_coull"]!, BinomialInterval.AgrestiCoull(x, n), $"AC {x}/{n}");
    }

    private static void Check(System.Text.Json.Nodes.JsonNode expected, ConfidenceInterval actual, string what)
    {
        NumericAssert.Close(Golden.D(expected["lower"]), actual.Lower, Rel, 0, what + " lower");
        NumericAssert.Close(Golden.D(expected["upper"]), actual.Upper, Rel, 0, what + " upper");
    }

    public static TheoryData<string> ExtremeCases()
    {
        var data = new TheoryData<string>();
        foreach (var line in File.ReadLines(Golden.PathOf("Extra/binomial_extreme.csv")).Where(l => !l.StartsWith('#')).Skip(1))
        {
            data.Add(line);
        }

        return data;
    }

    /// <summary>x = 0, x = n, n = 10^9, n = 2^31 − 1 and level 0.999999, from Golden/generate.R.</summary>
    [Theory]
    [MemberData(nameof(ExtremeCases))]
    public void AllMethods_ExtremeInputs_MatchR(string line)
    {
        var f = line.Split(',');
        int x = (int)double.Parse(f[0], CultureInfo.InvariantCulture);
        int n = (int)double.Parse(f[1], CultureInfo.InvariantCulture);
        double level = double.Parse(f[2], CultureInfo.InvariantCulture);
        double[] v = f[3..].Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();

        var cp = BinomialInterval.ClopperPearson(x, n, level);
        NumericAssert.Close(v[0], cp.Lower, Rel, 0, $"CP lower {x}/{n} @{level}");
        NumericAssert.Close(v[1], cp.Upper, Rel, 0, $"CP upper {x}/{n} @{level}");
        var w = BinomialInterval.Wilson(x, n, level);
        // Wilson is closed form apart from qnorm: rel 1e-12 would be STYLE's closed-form tolerance, but R itself
        // rounds differently inside sqrt at n = 1e9 (p(1-p)/n ~ 1e-19 beside z²/4n²); 1e-10 holds with margin.
        NumericAssert.Close(v[2], w.Lower, Rel, 1e-300, $"Wilson lower {x}/{n} @{level}");
        NumericAssert.Close(v[3], w.Upper, Rel, 0, $"Wilson upper {x}/{n} @{level}");
        var j = BinomialInterval.Jeffreys(x, n, level);
        NumericAssert.Close(v[4], j.Lower, Rel, 0, $"Jeffreys lower {x}/{n} @{level}");
        NumericAssert.Close(v[5], j.Upper, Rel, 0, $"Jeffreys upper {x}/{n} @{level}");
    }

    /// <summary>
    /// Jeffreys needs the incomplete beta at half-integer shapes, where Clopper-Pearson's exact binomial sums do not
    /// apply. With one shape huge (n = 10^9) and a far tail of 5·10^-7, both continued fractions lose digits; the far
    /// tail is computed by quadrature of a positive integrand instead (Distributions.BetaUpperTailQuadrature).
    /// Regression test: this value was off by 4e-9 before that path existed.
    /// </summary>
    [Fact]
    public void Jeffreys_HugeNTinyTail_MatchesR_Issue2() =>
        NumericAssert.Close(2.5271056658421093E-08, BinomialInterval.Jeffreys(5, 1_000_000_000, 0.999999).Upper, Rel);

    [Fact]
    public void ClopperPearson_Edges_ClosedForms()
    {
        // x = 0: upper = 1 - (alpha/2)^(1/n); x = n: lower = (alpha/2)^(1/n).
        var zero = BinomialInterval.ClopperPearson(0, 10);
        Assert.Equal(0, zero.Lower);
        NumericAssert.Close(1 - Math.Pow(0.025, 0.1), zero.Upper, 1e-14);
        var all = BinomialInterval.ClopperPearson(10, 10);
        Assert.Equal(1, all.Upper);
        NumericAssert.Close(Math.Pow(0.025, 0.1), all.Lower, 1e-14);
    }

    [Fact]
    public void ClopperPearson_OneOfTwo_HandCalculation()
    {
        // x = 1, n = 2: lower solves 1 - (1-p)^2 = a, i.e. p = 1 - sqrt(1 - a); upper by symmetry.
        var ci = BinomialInterval.ClopperPearson(1, 2, 0.9);
        NumericAssert.Close(1 - Math.Sqrt(0.95), ci.Lower, 1e-13);
        NumericAssert.Close(Math.Sqrt(0.95), ci.Upper, 1e-13);
    }

    [Fact]
    public void AgrestiCoull_Unclipped_MatchesFormula()
    {
        const double z = 1.959963984540054;
        var ci = BinomialInterval.AgrestiCoull(7, 19);
        double nt = 19 + (z * z), pt = (7 + (z * z / 2)) / nt, h = z * Math.Sqrt(pt * (1 - pt) / nt);
        NumericAssert.Close(pt - h, ci.Lower, 1e-12);
        NumericAssert.Close(pt + h, ci.Upper, 1e-12);
    }

    [Theory]
    [InlineData(-1, 10, 0.95, "successes")]
    [InlineData(11, 10, 0.95, "successes")]
    [InlineData(0, 0, 0.95, "trials")]
    [InlineData(0, -3, 0.95, "trials")]
    [InlineData(1, 10, 1.0, "level")]
    [InlineData(1, 10, 0.0, "level")]
    [InlineData(1, 10, double.NaN, "level")]
    public void AllMethods_BadArguments_ThrowNamingTheArgument(int x, int n, double level, string param)
    {
        foreach (BinomialMethod m in Enum.GetValues<BinomialMethod>())
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => BinomialInterval.Compute(m, x, n, level));
            Assert.Equal(param, e.ParamName);
            Assert.Contains(param, e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Compute_UndefinedMethod_Throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => BinomialInterval.Compute((BinomialMethod)42, 1, 2));
        Assert.Equal("method", e.ParamName);
    }

    private static Arbitrary<(int X, int N)> Counts() =>
        (from n in Gen.Choose(1, 5000)
         from x in Gen.Choose(0, n)
         select (x, n)).ToArbitrary();

    private static readonly BinomialMethod[] Methods = Enum.GetValues<BinomialMethod>();

    [Property(MaxTest = 200)]
    public Property AllMethods_Bounds_ContainEstimateAndNest()
    {
        return Prop.ForAll(Counts(), c =>
        {
            foreach (var m in Methods)
            {
                var ci95 = BinomialInterval.Compute(m, c.X, c.N, 0.95);
                var ci90 = BinomialInterval.Compute(m, c.X, c.N, 0.90);
                double p = (double)c.X / c.N;
                if (!(0 <= ci95.Lower && ci95.Lower <= p && p <= ci95.Upper && ci95.Upper <= 1))
                {
                    return false;
                }

                if (!(ci95.Lower <= ci90.Lower && ci90.Upper <= ci95.Upper))
                {
                    return false;
                }
            }

            return true;
        });
    }

    [Property(MaxTest = 200)]
    public Property ClopperPearsonAndWilson_SymmetricInXAndNMinusX()
    {
        return Prop.ForAll(Counts(), c =>
        {
            var a = BinomialInterval.ClopperPearson(c.X, c.N);
            var b = BinomialInterval.ClopperPearson(c.N - c.X, c.N);
            var wa = BinomialInterval.Wilson(c.X, c.N);
            var wb = BinomialInterval.Wilson(c.N - c.X, c.N);
            return Math.Abs(a.Lower - (1 - b.Upper)) < 1e-12 && Math.Abs(a.Upper - (1 - b.Lower)) < 1e-12
                && Math.Abs(wa.Lower - (1 - wb.Upper)) < 1e-12 && Math.Abs(wa.Upper - (1 - wb.Lower)) < 1e-12;
        });
    }

    [Property(MaxTest = 200)]
    public Property ClopperPearson_MonotoneInX()
    {
        return Prop.ForAll(Counts(), c =>
        {
            if (c.X == c.N)
            {
                return true;
            }

            var a = BinomialInterval.ClopperPearson(c.X, c.N);
            var b = BinomialInterval.ClopperPearson(c.X + 1, c.N);
            return a.Lower < b.Lower && a.Upper < b.Upper;
        });
    }
}
