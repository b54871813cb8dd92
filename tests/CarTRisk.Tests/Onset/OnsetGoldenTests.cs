using System.Globalization;
using CarTRisk.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CarTRisk.Tests.Onset;

/// <summary>survreg golden values (Golden/Round2/onset.expected.json, R 4.2.2, survival 3.5-3, rel.tolerance 1e-12).</summary>
public sealed class OnsetGoldenTests
{
    private static (double[] Days, bool[] Events) OnsetA()
    {
        var rows = File.ReadAllLines(Golden.PathOf("Round2/onset_A.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
        return (rows.Select(r => double.Parse(r[1], CultureInfo.InvariantCulture)).ToArray(), rows.Select(r => r[2] == "1").ToArray());
    }

    public static TheoryData<string> Families() => ["Exponential", "Weibull", "LogNormal", "LogLogistic"];

    [Theory]
    [MemberData(nameof(Families))]
    public void Fit_EqualsSurvreg(string family)
    {
        var f = Golden.Json("Round2/onset.expected.json")["fits"]!.AsArray().First(x => (string)x!["family"]! == family)!;
        var (days, events) = OnsetA();
        var fit = OnsetDistribution.Fit(days, events, Enum.Parse<OnsetFamily>(family));
        double tol = family == "Exponential" ? 1e-10 : 1e-8;
        NumericAssert.Close(Golden.D(f["intercept"]), fit.Intercept, tol, 0, "intercept");
        NumericAssert.Close(Golden.D(f["log_scale"]), fit.LogScale, tol, 1e-14, "log scale");
        int dim = (int)f["var_dim"]!;
        for (int i = 0; i < dim * dim; i++)
        {
            NumericAssert.Close(Golden.D(f["var"]![i]), fit.Variance[i], tol, 0, $"var[{i}]");
        }

        NumericAssert.Close(Golden.D(f["loglik"]), fit.LogLikelihood, tol, 0, "loglik");
        NumericAssert.Close(Golden.D(f["aic"]), fit.Aic, tol, 0, "aic");
        var q = f["quantiles"]!;
        for (int i = 0; i < q["p"]!.AsArray().Count; i++)
        {
            var est = fit.Quantile(Golden.D(q["p"]![i]));
            NumericAssert.Close(Golden.D(q["value"]![i]), est.Value!.Value, tol, 0, "quantile");
            NumericAssert.Close(Golden.D(q["lower"]![i]), est.Lower!.Value, tol, 0, "quantile lower");
            NumericAssert.Close(Golden.D(q["upper"]![i]), est.Upper!.Value, tol, 0, "quantile upper");
        }

        var s = f["survival"]!;
        for (int i = 0; i < s["t"]!.AsArray().Count; i++)
        {
            NumericAssert.Close(Golden.D(s["s"]![i]), fit.Survival(Golden.D(s["t"]![i])), tol, 0, "S(t)");
        }
    }

    [Fact]
    public void ShapeTest_EqualsR()
    {
        foreach (var st in Golden.Json("Round2/onset.expected.json")["shape_tests"]!.AsArray())
        {
            var days = st!["days"]!.AsArray().Select(Golden.D).ToArray();
            var w = OnsetDistribution.ShapeTest(days);
            NumericAssert.Close(Golden.D(st["shape"]), w.Shape, 1e-8, 0, "shape");
            NumericAssert.Close(Golden.D(st["lower"]), w.ShapeInterval.Lower, 1e-8, 0, "lower");
            NumericAssert.Close(Golden.D(st["upper"]), w.ShapeInterval.Upper, 1e-8, 0, "upper");
            NumericAssert.Close(Golden.D(st["weibull_scale"]), w.Scale, 1e-8, 0, "scale");
            Assert.Equal((string)st["classification"]!, w.Classification.ToString());
        }
    }

    [Fact]
    public void Exponential_ClosedForm_AndEdges()
    {
        // 3 events, 2 censored: mu = log(sum t / d), var = 1/d, loglik = d log(d / sum t) - d.
        double[] t = [2, 5, 7, 10, 20];
        bool[] e = [true, false, true, true, false];
        var fit = OnsetDistribution.Fit(t, e, OnsetFamily.Exponential);
        Assert.Equal(Math.Log(44.0 / 3), fit.Intercept, 14);
        Assert.Equal(1.0 / 3, fit.Variance[0], 15);
        Assert.Equal((3 * Math.Log(3 / 44.0)) - 3, fit.LogLikelihood, 12);
        Assert.Equal(Math.Exp(-10 * 3 / 44.0), fit.Survival(10), 14);
        Assert.Throws<ArgumentException>(() => OnsetDistribution.Fit([1.0, 2], [false, false], OnsetFamily.Weibull));
        Assert.Throws<ArgumentOutOfRangeException>(() => OnsetDistribution.Fit([0.0, 2], [true, true], OnsetFamily.Weibull));
        Assert.Throws<ArgumentException>(() => OnsetDistribution.ShapeTest([5.0, 5.0]));
        var single = OnsetDistribution.Fit([3.0, 9.0], [true, false], OnsetFamily.Exponential);
        Assert.Equal(Math.Log(12.0), single.Intercept, 14);
    }

    [Property(MaxTest = 40)]
    public Property ScaleInvariance_TimesTimesC_ShiftsTheIntercept()
    {
        var gen = from n in Gen.Choose(8, 40)
                  from t in Gen.ArrayOf(Gen.Choose(1, 500).Select(v => (double)v), n)
                  from e in Gen.ArrayOf(Gen.Elements(true, true, false), n)
                  from c in Gen.Elements(0.5, 2.0, 30.4375, 365.25)
                  from fam in Gen.Elements(OnsetFamily.Weibull, OnsetFamily.LogNormal, OnsetFamily.LogLogistic, OnsetFamily.Exponential)
                  select (t, e, c, fam);
        return Prop.ForAll(gen.ToArbitrary(), d =>
        {
            if (d.t.Where((_, i) => d.e[i]).Distinct().Count() < 3)
            {
                return true;
            }

            var a = OnsetDistribution.Fit(d.t, d.e, d.fam);
            var b = OnsetDistribution.Fit(d.t.Select(v => v * d.c).ToArray(), d.e, d.fam);
            return Math.Abs(b.Intercept - a.Intercept - Math.Log(d.c)) < 1e-7 && Math.Abs(b.LogScale - a.LogScale) < 1e-7;
        });
    }
}
