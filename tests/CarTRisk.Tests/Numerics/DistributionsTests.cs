using CarTRisk.Numerics;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Numerics;

public sealed class DistributionsTests
{
    /// <summary>In the huge-shape regime the lower tail comes from a positive series and the far upper tail from
    /// quadrature: the two independent computations must add to 1, and agree with each other where neither is tiny.</summary>
    [Theory]
    [InlineData(0.5, 1e9)]
    [InlineData(1.5, 1e9)]
    [InlineData(5.5, 2e7)]
    [InlineData(40.5, 1e8)]
    public void BetaTail_HugeShape_SeriesAndQuadratureAreComplements(double a, double b)
    {
        foreach (double nx in new[] { a + 1.5, a + 4, 2 * a + 10, 3 * a + 40 })
        {
            double x = nx / (a + b);
            double lower = Distributions.BetaTail(a, b, x, upper: false);
            double upper = Distributions.BetaTail(a, b, x, upper: true);
            // Rounding budget: the quadrature adds up to ~8,000 terms (400 panels × 20 nodes), the series ~100, and both
            // share the saddle-point prefactor: a few 1e-14 absolute. Quantiles divide this by n·x, far inside 1e-10.
            NumericAssert.Close(1, lower + upper, 2e-13, 0, $"a={a} b={b} nx={nx}");
        }
    }

    [Fact]
    public void BetaTail_HalfShape_HandCalculation()
    {
        // I_x(1/2, 1/2) = (2/π) asin(sqrt(x)).
        foreach (double x in new[] { 1e-9, 0.01, 0.3, 0.5, 0.9 })
        {
            NumericAssert.Close(2 / Math.PI * Math.Asin(Math.Sqrt(x)), Distributions.BetaTail(0.5, 0.5, x, upper: false), 1e-13);
        }
    }

    [Theory]
    [InlineData(3, 10, 0.2)]
    [InlineData(1, 1_000_000_000, 3e-9)]
    public void BinomialTail_SmallCases_EqualDirectSums(int k, int n, double p)
    {
        double sum = 0;
        for (int i = 0; i <= k; i++)
        {
            sum += Distributions.BinomialProbability(i, n, p);
        }

        NumericAssert.Close(sum, Distributions.BinomialTail(n, p, k, upper: false), 1e-14);
        NumericAssert.Close(1 - sum, Distributions.BinomialTail(n, p, k + 1, upper: true), 1e-12);
    }
}
