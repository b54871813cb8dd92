using System.Numerics;
using CarTRisk.Kernels;

namespace CarTRisk.Tests.Kernels;

/// <summary>The two-cause g-formula walk (state in registers) against its any-cause twin, bit for bit, and the any-cause
/// walk against a plain scalar loop of the formulas for one lane.</summary>
public sealed class GFormulaKernelTests
{
    [Theory]
    [InlineData(0, 1, 1)]
    [InlineData(1, 1, 1)]
    [InlineData(0, 2, 8)]
    [InlineData(1, 3, 8)]
    [InlineData(0, 4, 5)]
    public void AdvanceTwo_EqualsAdvanceAny_BitForBit(int interest, int seed, int block)
    {
        var rng = new Random(seed);
        int K = 50 + rng.Next(200);
        int W = Vector<double>.Count;
        var lambda = Enumerable.Range(0, 2 * K).Select(_ => rng.NextDouble() < 0.3 ? 0 : rng.NextDouble() * 0.02).ToArray();
        var r = Enumerable.Range(0, 2 * block).Select(_ => Lanes(rng, W)).ToArray();
        var sumsA = new Vector<double>[2 * K];
        var sumsB = new Vector<double>[2 * K];
        var gA = new Vector<double>[2 * block];
        var gB = new Vector<double>[2 * block];
        var sA = Enumerable.Repeat(Vector<double>.One, block).ToArray();
        var sB = Enumerable.Repeat(Vector<double>.One, block).ToArray();
        var fA = new Vector<double>[block];
        var fB = new Vector<double>[block];
        int done = 0;
        foreach (int stop in new[] { K / 3, K / 3, (2 * K) / 3, K })
        {
            GFormulaKernel.AdvanceTwo(sA, fA, gA, r, interest, lambda, sumsA, K, done, stop);
            GFormulaKernel.AdvanceAny(sB, fB, gB, r, interest, lambda, sumsB, K, done, stop);
            done = stop;
            Assert.Equal(sB, sA);
            Assert.Equal(fB, fA);
            Assert.Equal(gB, gA);
        }

        Assert.Equal(sumsB, sumsA);
    }

    /// <summary>Every lane of every vector of a block follows the scalar formulas; the grid sums add the block's lanes.</summary>
    [Fact]
    public void AdvanceAny_EqualsScalarFormulas()
    {
        var rng = new Random(9);
        int K = 120, nc = 3, interest = 1, W = Vector<double>.Count, block = 3;
        var lambda = Enumerable.Range(0, nc * K).Select(_ => rng.NextDouble() * 0.01).ToArray();
        var r = Enumerable.Range(0, nc * block).Select(_ => Lanes(rng, W)).ToArray();
        var sums = new Vector<double>[nc * K];
        var g = new Vector<double>[nc * block];
        var s = Enumerable.Repeat(Vector<double>.One, block).ToArray();
        var f = new Vector<double>[block];
        GFormulaKernel.AdvanceAny(s, f, g, r, interest, lambda, sums, K, 0, K);
        var pp = new double[nc * K];
        for (int b = 0; b < block; b++)
        {
            for (int q = 0; q < W; q++)
            {
                double ss = 1, ff = 0;
                var gg = new double[nc];
                for (int u = 0; u < K; u++)
                {
                    double prev = ss, h = 1;
                    for (int c = 0; c < nc; c++)
                    {
                        h -= r[(c * block) + b][q] * lambda[(c * K) + u];
                    }

                    ff += prev * r[(interest * block) + b][q] * lambda[(interest * K) + u];
                    ss = prev * h;
                    for (int c = 0; c < nc; c++)
                    {
                        gg[c] += ff * lambda[(c * K) + u];
                        pp[(c * K) + u] += r[(c * block) + b][q] * (c == interest ? ff + prev : ff);
                    }
                }

                Assert.Equal(ss, s[b][q]);
                Assert.Equal(ff, f[b][q]);
                for (int c = 0; c < nc; c++)
                {
                    Assert.Equal(gg[c], g[(c * block) + b][q]);
                }
            }
        }

        for (int i = 0; i < nc * K; i++)
        {
            double lanesSum = 0;
            for (int q = 0; q < W; q++)
            {
                lanesSum += sums[i][q];
            }

            NumericAssertClose(pp[i], lanesSum);
        }
    }

    [Fact]
    public void AdvanceTwo_RefusesOtherShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => GFormulaKernel.AdvanceTwo(new Vector<double>[1], new Vector<double>[1], new Vector<double>[3], new Vector<double>[3], 0, new double[30], new Vector<double>[30], 10, 0, 10));
        Assert.Contains("two causes", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => GFormulaKernel.AdvanceTwo(new Vector<double>[1], new Vector<double>[1], new Vector<double>[2], new Vector<double>[2], 0, new double[20], new Vector<double>[20], 10, 0, 11));
    }

    // the grid sums add the block's vectors before the lanes: a different order than the scalar sum, so within rounding
    private static void NumericAssertClose(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-14 * Math.Abs(expected), $"{expected:R} vs {actual:R}");

    private static Vector<double> Lanes(Random rng, int w) => new([.. Enumerable.Range(0, w).Select(_ => Math.Exp(rng.NextDouble() * 2 - 1))]);
}
