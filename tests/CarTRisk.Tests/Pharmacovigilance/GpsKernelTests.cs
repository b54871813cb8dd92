using CarTRisk.Tests.Support;
using CarTRisk.Kernels;

namespace CarTRisk.Tests.Pharmacovigilance;

/// <summary>The GPS likelihood kernel: its vector path against its scalar twin, the merged (N, E) rows against the
/// unmerged pairs, and the value against the negative-binomial mixture written out pair by pair.</summary>
public sealed class GpsKernelTests
{
    private static (double[] N, double[] E) Data(Random rng, int m)
    {
        var n = new double[m];
        var e = new double[m];
        for (int i = 0; i < m; i++)
        {
            // expected counts from 1e-4 to 1e3, many repeated (as margins' products repeat in FAERS), N up to a few hundred
            e[i] = rng.NextDouble() < 0.3 ? Math.Round(Math.Exp((rng.NextDouble() * 4) - 2), 1) + 0.1 : Math.Exp((rng.NextDouble() * 16) - 9);
            n[i] = 1 + Math.Floor(-Math.Log(rng.NextDouble()) * (1 + (2 * Math.Min(e[i], 100))));
        }

        return (n, e);
    }

    private static double[] Theta(Random rng) => rng.Next(4) switch
    {
        0 => [1e-6 + (rng.NextDouble() * 1e-4), Math.Exp((rng.NextDouble() * 4) - 2), 1e4 * rng.NextDouble(), 1e4 * rng.NextDouble(), 1e-6],
        1 => [Math.Exp((rng.NextDouble() * 10) - 5), Math.Exp((rng.NextDouble() * 10) - 5), 9999, 9000, 1 - 1e-6],
        _ => [Math.Exp((rng.NextDouble() * 6) - 3), Math.Exp((rng.NextDouble() * 6) - 3), Math.Exp((rng.NextDouble() * 6) - 2),
            Math.Exp((rng.NextDouble() * 6) - 2), 0.02 + (0.96 * rng.NextDouble())],
    };

    [Fact]
    public void VectorPath_EqualsTheScalarTwin_InEveryMode()
    {
        var rng = new Random(2501);
        for (int set = 0; set < 60; set++)
        {
            var (n, e) = Data(rng, 1 + rng.Next(set < 10 ? 20 : 3000));
            if (n.Length < 5)
            {
                continue;
            }

            var vector = new GpsLikelihood(n, e);
            var scalar = new GpsLikelihood(n, e) { Vector = false };
            var th = Theta(rng);
            var u = GpsLikelihood.ToU(th);
            var gv = new double[5];
            var gs = new double[5];
            double fv = vector.EvaluateU(u, gv), fs = scalar.EvaluateU(u, gs);
            Assert.True(double.IsFinite(fs), $"set {set}: {fs}");
            NumericAssert.Close(fs, fv, 1e-13, 0, $"set {set} log-likelihood");
            Assert.Equal(fs, scalar.LogLikelihood(th), 1e-9 * Math.Abs(fs));
            double gScale = gs.Max(Math.Abs);
            for (int j = 0; j < 5; j++)
            {
                NumericAssert.Close(gs[j], gv[j], 0, 1e-12 * Math.Max(1, gScale), $"set {set} gradient {j}");
            }

            var hv = vector.HessianU(u);
            var hs = scalar.HessianU(u);
            double hScale = hs.Max(Math.Abs);
            for (int k = 0; k < 25; k++)
            {
                NumericAssert.Close(hs[k], hv[k], 0, 1e-12 * Math.Max(1, hScale), $"set {set} Hessian {k}");
            }
        }
    }

    [Fact]
    public void MergedRows_GiveTheLikelihoodOfEveryPair()
    {
        var rng = new Random(2502);
        for (int set = 0; set < 20; set++)
        {
            var (n, e) = Data(rng, 50 + rng.Next(500));
            var like = new GpsLikelihood(n, e);
            Assert.True(like.Rows < n.Length, "the data have repeated (N, E)");
            var th = Theta(rng);
            double expected = 0;
            for (int i = 0; i < n.Length; i++)
            {
                // log[P f1(n) / (1 − f1(0)) + (1 − P) f2(n) / (1 − f2(0))], each f a negative binomial written out
                double f1 = Math.Exp(GpsModel.LogNb(n[i], e[i], th[0], th[1])), z1 = Math.Exp(GpsModel.LogNb(0, e[i], th[0], th[1]));
                double f2 = Math.Exp(GpsModel.LogNb(n[i], e[i], th[2], th[3])), z2 = Math.Exp(GpsModel.LogNb(0, e[i], th[2], th[3]));
                expected += Math.Log((th[4] * f1 / (1 - z1)) + ((1 - th[4]) * f2 / (1 - z2)));
            }

            double actual = like.LogLikelihood(th);
            if (double.IsFinite(expected))
            {
                NumericAssert.Close(expected, actual, 1e-9, 0, $"set {set}");
            }
        }
    }

    [Fact]
    public void Pairs_AreSortedMergedAndRunByN()
    {
        var pairs = new GpsPairs([3, 1, 1, 3, 1, 2], [0.5, 0.2, 0.2, 0.5, 0.1, 7]);
        Assert.Equal([1, 1, 2, 3], pairs.N);
        Assert.Equal([0.1, 0.2, 7, 0.5], pairs.E);
        Assert.Equal([1, 2, 1, 2], pairs.W);
        Assert.Equal([1, 2, 3], pairs.DistinctN);
        Assert.Equal([0, 2, 3, 4], pairs.RunStart);
        Assert.Equal(6, pairs.Count);
        NumericAssert.Close((3 * Math.Log(0.5)) - Math.Log(6), pairs.C[3], 1e-14, 0, "N log E - log N!");
    }
}
