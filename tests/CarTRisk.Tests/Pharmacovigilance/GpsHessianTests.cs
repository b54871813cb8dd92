using CarTRisk.Numerics;

namespace CarTRisk.Tests.Pharmacovigilance;

/// <summary>The GPS fit's analytic Hessian against differences of its analytic gradient, and the trigamma function
/// behind it against closed forms.</summary>
public sealed class GpsHessianTests
{
    [Theory]
    [InlineData(1.0, 1.6449340668482264)]            // π²/6
    [InlineData(0.5, 4.934802200544679)]             // π²/2
    [InlineData(2.0, 0.6449340668482264)]            // π²/6 − 1
    [InlineData(0.25, 17.197329154507113)]           // π² + 8G (G Catalan's constant)
    [InlineData(100.0, 0.010050166663333571)]        // R: trigamma(100)
    [InlineData(1e-6, 1000000000001.6449)]           // 1/x² + π²/6 − 2ζ(3)x
    public void Trigamma_ClosedForms(double x, double expected)
    {
        Assert.Equal(expected, Distributions.Trigamma(x), expected * 1e-14);
    }

    /// <summary>Central differences of the analytic gradient (error O(h²), h = 1e-5).</summary>
    private static double[] Central(GpsLikelihood like, double[] u)
    {
        var h = new double[25];
        for (int j = 0; j < 5; j++)
        {
            var up = (double[])u.Clone();
            var dn = (double[])u.Clone();
            up[j] += 1e-5;
            dn[j] -= 1e-5;
            var gu = new double[5];
            var gd = new double[5];
            like.EvaluateU(up, gu);
            like.EvaluateU(dn, gd);
            for (int k = 0; k < 5; k++)
            {
                h[(k * 5) + j] = (gu[k] - gd[k]) / 2e-5;
            }
        }

        return h;
    }

    [Fact]
    public void AnalyticHessian_EqualsDifferencesOfTheGradient()
    {
        var rng = new Random(25);
        for (int set = 0; set < 20; set++)
        {
            int m = 30 + rng.Next(400);
            var n = new double[m];
            var e = new double[m];
            for (int i = 0; i < m; i++)
            {
                e[i] = Math.Exp((rng.NextDouble() * 6) - 4);
                n[i] = 1 + Math.Floor(-Math.Log(rng.NextDouble()) * (1 + (3 * e[i])));
            }

            var like = new GpsLikelihood(n, e);
            double[] theta = [Math.Exp((rng.NextDouble() * 4) - 3), Math.Exp((rng.NextDouble() * 4) - 3), Math.Exp((rng.NextDouble() * 5) - 1),
                Math.Exp((rng.NextDouble() * 5) - 1), 0.05 + (0.9 * rng.NextDouble())];
            var u = GpsLikelihood.ToU(theta);
            var analytic = like.HessianU(u);
            var numeric = Central(like, u);
            double scale = analytic.Max(Math.Abs);
            for (int k = 0; k < 25; k++)
            {
                Assert.True(Math.Abs(analytic[k] - numeric[k]) <= 1e-6 * scale, $"set {set} entry {k}: {analytic[k]:R} vs {numeric[k]:R}");
                Assert.Equal(analytic[((k % 5) * 5) + (k / 5)], analytic[k]);
            }
        }
    }
}
