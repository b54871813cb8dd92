using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CarTRisk.Tests.Pharmacovigilance;

public sealed class ShrinkerPropertyTests
{
    [Fact]
    public void HandCalculation_OneTable()
    {
        // a = 20, b = 80, c = 100, d = 9800: ROR = 20*9800/(80*100) = 24.5; PRR = (20/100)/(100/9900) = 19.8;
        // E = 100*120/10000 = 1.2, IC = log2(20.5/1.7).
        var ror = Disproportionality.ReportingOddsRatio(20, 80, 100, 9800);
        Assert.Equal(24.5, ror.Value, 12);
        double se = Math.Sqrt((1 / 20.0) + (1 / 80.0) + (1 / 100.0) + (1 / 9800.0));
        Assert.Equal(24.5 * Math.Exp(-1.959963984540054 * se), ror.Interval.Lower, 10);
        Assert.Equal(19.8, Disproportionality.ProportionalReportingRatio(20, 80, 100, 9800).Value, 12);
        var ic = Disproportionality.Ic(20, 80, 100, 9800);
        Assert.Equal(1.2, ic.Expected, 14);
        Assert.Equal(Math.Log2(20.5 / 1.7), ic.Value, 14);
        // |ad − bc|/N = (196000 − 8000)/10000 = 18.8: Yates = N (|ad − bc| − N/2)² / (r1 r2 c1 c2)
        Assert.Equal(10000 * Math.Pow(188000 - 5000, 2) / (100.0 * 9900 * 120 * 9880), Disproportionality.ChiSquare(20, 80, 100, 9800), 9);
        // zero cells: not estimable unless a correction is asked for
        var zero = Disproportionality.ReportingOddsRatio(0, 10, 5, 100);
        Assert.False(zero.Estimable);
        Assert.Equal(double.PositiveInfinity, zero.Interval.Upper);
        var haldane = Disproportionality.ReportingOddsRatio(0, 10, 5, 100, 0.95, 0.5);
        Assert.True(haldane.Estimable);
        Assert.Equal(0.5 * 100.5 / (10.5 * 5.5), haldane.Value, 14);
        Assert.Equal(0.0, Disproportionality.ChiSquare(1, 10, 10, 100));   // |ad − bc|/N < 0.5: R's cap
    }

    [Property(MaxTest = 100)]
    public Property SwappingDrugAndEvent_LeavesRorAndIcUnchanged()
    {
        var gen = from a in Gen.Choose(1, 500) from b in Gen.Choose(1, 5000) from c in Gen.Choose(1, 5000) from d in Gen.Choose(1, 100000) select (a, b, c, d);
        return Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var x = Disproportionality.ReportingOddsRatio(t.a, t.b, t.c, t.d);
            var y = Disproportionality.ReportingOddsRatio(t.a, t.c, t.b, t.d);
            var i1 = Disproportionality.Ic(t.a, t.b, t.c, t.d);
            var i2 = Disproportionality.Ic(t.a, t.c, t.b, t.d);
            return Math.Abs(x.Value - y.Value) <= 1e-12 * x.Value && Math.Abs(x.Interval.Lower - y.Interval.Lower) <= 1e-12 * x.Interval.Lower
                && Math.Abs(i1.Value - i2.Value) < 1e-12;
        });
    }

    [Fact]
    public void Ebgm_ShrinksTowardsOne_AsCountsFall()
    {
        var m = GpsModel.From(0.204, 0.058, 1.415, 1.838, 0.097);
        // the same ratio n/e = 5 with less and less data: EBGM moves from near 5 towards the prior
        double previous = double.PositiveInfinity;
        foreach (double n in new[] { 500.0, 50, 10, 5, 2, 1 })
        {
            double ebgm = m.Ebgm(n, n / 5);
            Assert.True(ebgm < previous);
            Assert.True(ebgm < 5);
            previous = ebgm;
        }

        Assert.True(m.Quantile(10, 2, 0.05) < m.Ebgm(10, 2) && m.Ebgm(10, 2) < m.Quantile(10, 2, 0.95));
    }

    [Fact]
    public void FitGps_RecoversSimulatedHyperparameters_AndBeatsEveryStart()
    {
        // 3,000 pairs simulated from a known mixture (seeded): the fit's likelihood is at least that of the truth and
        // of every starting point, and the estimates are near the truth.
        var rng = new Random(42);
        double[] truth = [0.3, 0.2, 2.5, 2.0, 0.15];
        var n = new List<double>();
        var e = new List<double>();
        while (n.Count < 3000)
        {
            double ei = Math.Exp((rng.NextDouble() * 6) - 3);
            bool first = rng.NextDouble() < truth[4];
            double lambda = Gamma(rng, first ? truth[0] : truth[2]) / (first ? truth[1] : truth[3]);
            double ni = Poisson(rng, lambda * ei);
            if (ni >= 1)
            {
                n.Add(ni);
                e.Add(ei);
            }
        }

        var fit = Disproportionality.FitGps(n.ToArray(), e.ToArray());
        var like = new GpsLikelihood(n.ToArray(), e.ToArray());
        Assert.True(fit.LogLikelihood >= like.LogLikelihood(truth) - 1e-9);
        Assert.Equal(like.LogLikelihood([fit.Alpha1, fit.Beta1, fit.Alpha2, fit.Beta2, fit.P]), fit.LogLikelihood, 9);
        // the analytic gradient the search uses agrees with central differences, and vanishes at the fit
        var th = new[] { fit.Alpha1, fit.Beta1, fit.Alpha2, fit.Beta2, fit.P };
        var g = new double[5];
        like.Evaluate(th, g);
        for (int j = 0; j < 5; j++)
        {
            var tp = (double[])th.Clone();
            var tm = (double[])th.Clone();
            double h = 1e-4 * th[j];   // a central difference's rounding noise is ~ε|ℓ|√n/h: 1e-6·θ left it near 1e-4
            tp[j] += h;
            tm[j] -= h;
            double numeric = (like.LogLikelihood(tp) - like.LogLikelihood(tm)) / (2 * h);
            Assert.True(Math.Abs(numeric - g[j]) <= 1e-4 * Math.Max(1, Math.Abs(numeric)), $"gradient[{j}]: analytic {g[j]}, numeric {numeric}; fit {fit}");
            Assert.True(Math.Abs(g[j] * th[j]) < 1e-3, $"score[{j}] at the fit: {g[j]}");
        }

        // the mixture is symmetric under swapping its components (P <-> 1 - P): compare the component of the truth's P
        Assert.True(Math.Min(Math.Abs(fit.P - truth[4]), Math.Abs(1 - fit.P - truth[4])) < 0.1, $"P {fit.P}, truth {truth[4]}");
        Assert.Throws<ArgumentException>(() => Disproportionality.FitGps([1.0, 0, 0], [1.0, 1, 1]));
    }

    [Fact]
    public void CountPairs_EqualsProcessRawDefinitions()
    {
        // reports r1: (A, x), (A, y), (B, x); r2: (A, x); r3: (B, y); duplicated row in r1 counted once
        string[] id = ["r1", "r1", "r1", "r1", "r2", "r3"];
        string[] drug = ["A", "A", "B", "A", "A", "B"];
        string[] evt = ["x", "y", "x", "x", "x", "y"];
        var p = Disproportionality.CountPairs(id, drug, evt);
        Assert.Equal(["A", "A", "B", "B"], p.Drug.ToArray());
        Assert.Equal(["x", "y", "x", "y"], p.Event.ToArray());
        Assert.Equal([2.0, 1, 1, 1], p.Observed.ToArray());
        // E(A, x) = reports with A (2) * reports with x (2) / reports (3)
        Assert.Equal(4.0 / 3, p.Expected[0], 14);
        var strat = Disproportionality.CountPairs(id, drug, evt, ["s1", "s1", "s1", "s1", "s2", "s2"]);
        // stratum s1 (r1): A 1, x 1, N 1 -> 1; stratum s2 (r2, r3): A 1, x 1, N 2 -> 1/2; E = 1.5
        Assert.Equal(1.5, strat.Expected[0], 14);
        Assert.Throws<ArgumentException>(() => Disproportionality.CountPairs(["r1", "r1"], ["A", "A"], ["x", "y"], ["s1", "s2"]));
    }

    private static double Poisson(Random rng, double mean)
    {
        if (mean > 50)
        {
            return Math.Max(0, Math.Round(mean + (Math.Sqrt(mean) * Normal(rng))));
        }

        double limit = Math.Exp(-mean), product = rng.NextDouble();
        int k = 0;
        while (product > limit)
        {
            k++;
            product *= rng.NextDouble();
        }

        return k;
    }

    private static double Normal(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    private static double Gamma(Random rng, double shape)
    {
        if (shape < 1)
        {
            return Gamma(rng, shape + 1) * Math.Pow(rng.NextDouble(), 1 / shape);
        }

        double d = shape - (1.0 / 3), c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x = Normal(rng), v = 1 + (c * x);
            if (v <= 0)
            {
                continue;
            }

            v = v * v * v;
            double u = rng.NextDouble();
            if (Math.Log(u) < (0.5 * x * x) + d - (d * v) + (d * Math.Log(v)))
            {
                return d * v;
            }
        }
    }
}
