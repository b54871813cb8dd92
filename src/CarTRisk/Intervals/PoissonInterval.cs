using CarTRisk.Numerics;

namespace CarTRisk;

/// <summary>Exact confidence intervals for a Poisson count.</summary>
/// <example>
/// <code>
/// var ci = PoissonInterval.Exact(38);   // (26.89..., 52.15...) on the count scale
/// </code>
/// </example>
public static class PoissonInterval
{
    /// <summary>The exact (Garwood 1936) interval for the mean of a Poisson count, on the count scale, equal to
    /// R's <c>poisson.test(x, conf.level = level)$conf.int</c>.</summary>
    /// <param name="count">The observed count x ≥ 0.</param>
    /// <param name="level">The confidence level, in (0, 1).</param>
    /// <returns>With α = (1 − level)/2: lower = qgamma(α; x) (0 when x = 0), upper = qgamma(1 − α; x + 1);
    /// equivalently χ²_{2x, α}/2 and χ²_{2x+2, 1−α}/2. At x = 0 the upper limit is −log α.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> &lt; 0 or <paramref name="level"/> not in (0, 1).</exception>
    public static ConfidenceInterval Exact(int count, double level = 0.95)
    {
        Guard.NonNegative(count);
        Guard.Level(level);
        double alpha = (1 - level) / 2;
        double lower = count == 0 ? 0 : Distributions.GammaQuantile(count, alpha, upper: false);
        double upper = count == 0 ? -Math.Log(alpha) : Distributions.GammaQuantile(count + 1.0, alpha, upper: true);
        return new ConfidenceInterval(lower, upper);
    }
}
