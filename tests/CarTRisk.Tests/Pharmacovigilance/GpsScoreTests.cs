using CarTRisk.Numerics;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Pharmacovigilance;

/// <summary>The batch scorer against the per-pair calls, and the posterior quantile against an independent bisection of
/// the mixture's distribution function.</summary>
public sealed class GpsScoreTests
{
    /// <summary>The p-quantile by 200 bisections on log x of q·P(a1, r1 x) + (1 − q)·P(a2, r2 x) (or its upper tail).</summary>
    private static double Bisect(GpsModel m, double n, double e, double p)
    {
        double q = m.Qn(n, e);
        double a1 = m.Alpha1 + n, r1 = m.Beta1 + e, a2 = m.Alpha2 + n, r2 = m.Beta2 + e;
        bool lower = p < 0.5;
        double Tail(double x) => (q * Distributions.GammaTail(a1, r1 * x, !lower)) + ((1 - q) * Distributions.GammaTail(a2, r2 * x, !lower));
        double lo = Math.Log(1e-300), hi = Math.Log(1e300), target = lower ? p : 1 - p;
        for (int i = 0; i < 200; i++)
        {
            double mid = (lo + hi) / 2;
            bool below = lower ? Tail(Math.Exp(mid)) < target : Tail(Math.Exp(mid)) > target;
            (lo, hi) = below ? (mid, hi) : (lo, mid);
        }

        return Math.Exp((lo + hi) / 2);
    }

    [Fact]
    public void Quantile_EqualsBisection_AcrossShapesAndWeights()
    {
        var rng = new Random(2503);
        for (int set = 0; set < 40; set++)
        {
            var m = GpsModel.From(Math.Exp((rng.NextDouble() * 8) - 5), Math.Exp((rng.NextDouble() * 8) - 5), Math.Exp((rng.NextDouble() * 8) - 3),
                Math.Exp((rng.NextDouble() * 8) - 3), 0.01 + (0.98 * rng.NextDouble()));
            for (int k = 0; k < 10; k++)
            {
                double n = rng.Next(4) == 0 ? rng.Next(2000) : rng.Next(6);
                double e = Math.Exp((rng.NextDouble() * 14) - 8);
                foreach (double p in new[] { 0.05, 0.95, 0.5, 0.001 })
                {
                    NumericAssert.Close(Bisect(m, n, e, p), m.Quantile(n, e, p), 1e-12, 0, $"set {set}: {m}, n {n}, e {e}, p {p}");
                }
            }
        }
    }

    [Fact]
    public void Score_EqualsThePerPairCalls()
    {
        var rng = new Random(2504);
        var m = GpsModel.From(0.204, 0.058, 1.415, 1.838, 0.097);
        int count = 20_000;
        var n = new double[count];
        var e = new double[count];
        for (int i = 0; i < count; i++)
        {
            n[i] = rng.Next(10) == 0 ? rng.Next(500) : rng.Next(4);
            e[i] = Math.Round(Math.Exp((rng.NextDouble() * 10) - 6), 3) + 1e-3;
        }

        var s = m.Score(n, e);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(m.Qn(n[i], e[i]), s.Qn[i]);
            Assert.Equal(m.Ebgm(n[i], e[i]), s.Ebgm[i]);
            // the batch starts from interpolated quantiles (tables per n): the same root to the solver's accuracy
            NumericAssert.Close(m.Quantile(n[i], e[i], 0.05), s.Eb05[i], 1e-12, 0, $"EB05 of pair {i}");
            NumericAssert.Close(m.Quantile(n[i], e[i], 0.95), s.Eb95[i], 1e-12, 0, $"EB95 of pair {i}");
            if (i % 100 == 0)
            {
                NumericAssert.Close(Bisect(m, n[i], e[i], 0.05), s.Eb05[i], 1e-12, 0, $"EB05 of pair {i} by bisection");
                NumericAssert.Close(Bisect(m, n[i], e[i], 0.95), s.Eb95[i], 1e-12, 0, $"EB95 of pair {i} by bisection");
            }
        }

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => m.Score([1, 2, -1], [1, 1, 1]));
        Assert.Contains("observed[2]", ex.Message);
        ex = Assert.Throws<ArgumentOutOfRangeException>(() => m.Score([1, 2, 1], [1, double.NaN, 1]));
        Assert.Contains("expected[1]", ex.Message);
        Assert.Throws<ArgumentException>(() => m.Score([1, 2], [1]));
        Assert.Empty(m.Score([], []).Ebgm);
    }
}
