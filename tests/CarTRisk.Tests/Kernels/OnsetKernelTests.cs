namespace CarTRisk.Tests.Kernels;

/// <summary>The onset likelihood's vector evaluation (sums over events first, censored records after) against its
/// scalar twin, record by record from the formulas: every family, every length from 1 to 300, with censoring, at points
/// near and far from the maximum. ℓ agrees to rounding (its bound is ≥ Σ|ℓᵢ|), the score and the Hessian to 1e-10 of their scale.</summary>
public sealed class OnsetKernelTests
{
    [Theory]
    [InlineData(OnsetFamily.Exponential)]
    [InlineData(OnsetFamily.Weibull)]
    [InlineData(OnsetFamily.LogNormal)]
    [InlineData(OnsetFamily.LogLogistic)]
    public void Evaluate_MatchesScalarTwin(OnsetFamily family)
    {
        for (int n = 1; n <= 300; n += n < 20 ? 1 : 17)
        {
            var rng = new Random(n);
            var t = new double[n];
            var e = new bool[n];
            for (int i = 0; i < n; i++)
            {
                t[i] = rng.Next(3) == 0 ? Math.Ceiling(rng.NextDouble() * 400) : Math.Exp(rng.NextDouble() * 9) / 10;
                e[i] = rng.NextDouble() < 0.6;
            }

            var data = OnsetData.Prepare(t, e);
            foreach (var (mu, tau) in new[] { (3.0, 0.0), (5.5, -1.2), (0.5, 1.3), (9.0, -3.0) })
            {
                var v = OnsetLikelihood.Evaluate(data, family, mu, tau);
                var s = OnsetLikelihood.EvaluateScalar(t, e, family, mu, tau);
                Assert.True(v.LAbs >= s.LAbs * (1 - 1e-12), $"{family} n={n}: bound {v.LAbs} below Σ|l| {s.LAbs}");
                Assert.True(Math.Abs(v.L - s.L) <= 1e-13 * s.LAbs, $"{family} n={n} ({mu}, {tau}): l {v.L:R} vs {s.L:R}");
                double uScale = 1 + (Math.Abs(s.H[0]) + Math.Abs(s.H[3])) * 10;
                for (int k = 0; k < 2; k++)
                {
                    Assert.True(Math.Abs(v.U[k] - s.U[k]) <= 1e-10 * uScale, $"{family} n={n} U[{k}] {v.U[k]:R} vs {s.U[k]:R}");
                }

                for (int k = 0; k < 4; k++)
                {
                    Assert.True(Math.Abs(v.H[k] - s.H[k]) <= 1e-10 * (1 + Math.Abs(s.H[k]) + Math.Abs(s.H[0]) + Math.Abs(s.H[3])), $"{family} n={n} H[{k}] {v.H[k]:R} vs {s.H[k]:R}");
                }
            }
        }
    }
}
