using System.Numerics;
using CarTRisk.Kernels;

namespace CarTRisk.Tests.Kernels;

/// <summary>The two-cause g-formula walk (state in registers) against its any-cause twin, bit for bit, and the any-cause
/// walk against a plain scalar loop of the formulas for one lane.</summary>
public sealed class GFormulaKernelTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(0, 2)]
    [InlineData(1, 3)]
    [InlineData(0, 4)]
    public void AdvanceTwo_EqualsAdvanceAny_BitForBit(int interest, int seed)
    {
        var rng = new Random(seed);
        int K = 50 + rng.Next(200);
        int W = Vector<double>.Count;
        var lambda = Enumerable.Range(0, 2 * K).Select(_ => rng.NextDouble() < 0.3 ? 0 : rng.NextDouble() * 0.02).ToArray();
        var r = new[] { Lanes(rng, W), Lanes(rng, W) };
        var sumsA = new Vector<double>[2 * K];
        var sumsB = new Vector<double>[2 * K];
        var gA = new Vector<double>[2];
        var gB = new Vector<double>[2];
        var sA = Vector<double>.One;
        var sB = Vector<double>.One;
        var fA = Vector<double>.Zero;
        var fB = Vector<double>.Zero;
        int done = 0;
        foreach (int stop in new[] { K / 3, K / 3, (2 * K) / 3, K })
        {
            GFormulaKernel.AdvanceTwo(ref sA, ref fA, gA, r, interest, lambda, sumsA, K, done, stop);
            GFormulaKernel.AdvanceAny(ref sB, ref fB, gB, r, interest, lambda, sumsB, K, done, stop);
            done = stop;
            Assert.Equal(sB, sA);
            Assert.Equal(fB, fA);
            Assert.Equal(gB, gA);
        }

        Assert.Equal(sumsB, sumsA);
    }

    [Fact]
    public void AdvanceAny_EqualsScalarFormulas()
    {
        var rng = new Random(9);
        int K = 120, nc = 3, interest = 1, W = Vector<double>.Count;
        var lambda = Enumerable.Range(0, nc * K).Select(_ => rng.NextDouble() * 0.01).ToArray();
        var r = Enumerable.Range(0, nc).Select(_ => Lanes(rng, W)).ToArray();
        var sums = new Vector<double>[nc * K];
        var g = new Vector<double>[nc];
        var s = Vector<double>.One;
        var f = Vector<double>.Zero;
        GFormulaKernel.AdvanceAny(ref s, ref f, g, r, interest, lambda, sums, K, 0, K);
        for (int q = 0; q < W; q++)
        {
            double ss = 1, ff = 0;
            var gg = new double[nc];
            var pp = new double[nc * K];
            for (int u = 0; u < K; u++)
            {
                double prev = ss, h = 1;
                for (int c = 0; c < nc; c++)
                {
                    h -= r[c][q] * lambda[(c * K) + u];
                }

                ff += prev * r[interest][q] * lambda[(interest * K) + u];
                ss = prev * h;
                for (int c = 0; c < nc; c++)
                {
                    gg[c] += ff * lambda[(c * K) + u];
                    pp[(c * K) + u] = r[c][q] * (c == interest ? ff + prev : ff);
                }
            }

            Assert.Equal(ss, s[q]);
            Assert.Equal(ff, f[q]);
            for (int c = 0; c < nc; c++)
            {
                Assert.Equal(gg[c], g[c][q]);
            }

            for (int i = 0; i < nc * K; i++)
            {
                Assert.Equal(pp[i], sums[i][q]);
            }
        }
    }

    [Fact]
    public void AdvanceTwo_RefusesOtherShapes()
    {
        var s = Vector<double>.One;
        var f = Vector<double>.Zero;
        var ex = Assert.Throws<ArgumentException>(() => GFormulaKernel.AdvanceTwo(ref s, ref f, new Vector<double>[3], new Vector<double>[3], 0, new double[30], new Vector<double>[30], 10, 0, 10));
        Assert.Contains("two causes", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => GFormulaKernel.AdvanceTwo(ref s, ref f, new Vector<double>[2], new Vector<double>[2], 0, new double[20], new Vector<double>[20], 10, 0, 11));
    }

    private static Vector<double> Lanes(Random rng, int w) => new([.. Enumerable.Range(0, w).Select(_ => Math.Exp(rng.NextDouble() * 2 - 1))]);
}
