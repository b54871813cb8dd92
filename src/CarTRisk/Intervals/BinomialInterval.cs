using CarTRisk.Numerics;

namespace CarTRisk;

/// <summary>The methods of <see cref="BinomialInterval"/>.</summary>
public enum BinomialMethod
{
    /// <summary>Exact Clopper-Pearson interval, as R's <c>binom.test</c>.</summary>
    ClopperPearson,

    /// <summary>Wilson score interval without continuity correction, as R's <c>prop.test(correct = FALSE)</c>.</summary>
    Wilson,

    /// <summary>Jeffreys interval: quantiles of Beta(x + ½, n − x + ½), 0 at x = 0 and 1 at x = n.</summary>
    Jeffreys,

    /// <summary>Agresti-Coull ("add z²/2 successes and failures") interval, clipped to [0, 1].</summary>
    AgrestiCoull,
}

/// <summary>Confidence intervals for a binomial proportion x/n.</summary>
/// <example>
/// <code>
/// var ci = BinomialInterval.ClopperPearson(7, 19);      // transgene found in 7 of 19 tested tumours
/// // ci.Lower = 0.16288587215509964, ci.Upper = 0.6164220766855947 (R: binom.test(7, 19)$conf.int)
/// </code>
/// </example>
public static class BinomialInterval
{
    /// <summary>The exact Clopper-Pearson (1934) interval, equal to R's <c>binom.test(x, n, conf.level = level)$conf.int</c>.</summary>
    /// <param name="successes">x, the number of successes, 0 ≤ x ≤ n.</param>
    /// <param name="trials">n, the number of trials, n ≥ 1.</param>
    /// <param name="level">The confidence level, in (0, 1).</param>
    /// <returns>
    /// With α = (1 − level)/2: lower = qbeta(α; x, n − x + 1), 0 when x = 0; upper = qbeta(1 − α; x + 1, n − x),
    /// 1 when x = n. Closed forms at the edges: x = 0 gives upper = 1 − α^(1/n); x = n gives lower = α^(1/n).
    /// </returns>
    /// <remarks>The beta quantiles are computed by this library (saddle-point density, Lentz continued fraction,
    /// Newton on the log tail), accurate to a few ulps also at n = 10^9 and α = 5·10^-7.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="trials"/> &lt; 1, <paramref name="successes"/> &lt; 0
    /// or &gt; <paramref name="trials"/>, or <paramref name="level"/> is not in (0, 1) (NaN included).</exception>
    public static ConfidenceInterval ClopperPearson(int successes, int trials, double level = 0.95)
    {
        Validate(successes, trials, level);
        double alpha = (1 - level) / 2;
        // Closed forms where a shape is 1: Beta(x, 1) has CDF u^x and Beta(1, b) has 1 − (1 − u)^b, so the four edge
        // quantiles are exact powers (the iterative solve was 1-4 ulps off at x = n − 1).
        double lower = successes == 0 ? 0
            : successes == trials ? Math.Exp(Math.Log(alpha) / trials)
            : successes == 1 ? -Numerics.Elementary.ExpM1(Numerics.Elementary.Log1P(-alpha) / trials)
            : Distributions.BetaQuantile(successes, trials - successes + 1, alpha, upper: false);
        double upper = successes == trials ? 1
            : successes == 0 ? -Numerics.Elementary.ExpM1(Math.Log(alpha) / trials)
            : successes == trials - 1 ? Math.Exp(Numerics.Elementary.Log1P(-alpha) / trials)
            : Distributions.BetaQuantile(successes + 1, trials - successes, alpha, upper: true);
        return new ConfidenceInterval(lower, upper);
    }

    /// <summary>The Wilson (1927) score interval without continuity correction, equal to
    /// R's <c>prop.test(x, n, conf.level = level, correct = FALSE)$conf.int</c>.</summary>
    /// <param name="successes">x, 0 ≤ x ≤ n.</param>
    /// <param name="trials">n ≥ 1.</param>
    /// <param name="level">The confidence level, in (0, 1).</param>
    /// <returns>With p̂ = x/n, z = Φ⁻¹((1 + level)/2) and c = z²/(2n):
    /// (p̂ + c ∓ z·sqrt(p̂(1 − p̂)/n + c/(2n))) / (1 + 2c); exactly 0 at x = 0 and 1 at x = n, as R.</returns>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="ClopperPearson"/>.</exception>
    public static ConfidenceInterval Wilson(int successes, int trials, double level = 0.95)
    {
        Validate(successes, trials, level);
        double n = trials;
        double p = successes / n;
        double z = Distributions.NormalQuantile((1 + level) / 2);
        double c = z * z / (2 * n);
        double half = z * Math.Sqrt((p * (1 - p) / n) + (c / (2 * n)));
        double lower = successes == 0 ? 0 : (p + c - half) / (1 + (2 * c));
        double upper = successes == trials ? 1 : (p + c + half) / (1 + (2 * c));
        return new ConfidenceInterval(lower, upper);
    }

    /// <summary>The Jeffreys interval: equal-tailed quantiles of the Beta(x + ½, n − x + ½) posterior,
    /// R's <c>qbeta(c(α, 1 − α), x + 0.5, n − x + 0.5)</c> with lower = 0 at x = 0 and upper = 1 at x = n
    /// (Brown, Cai and DasGupta 2001).</summary>
    /// <param name="successes">x, 0 ≤ x ≤ n.</param>
    /// <param name="trials">n ≥ 1.</param>
    /// <param name="level">The confidence level, in (0, 1).</param>
    /// <returns>The interval.</returns>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="ClopperPearson"/>.</exception>
    public static ConfidenceInterval Jeffreys(int successes, int trials, double level = 0.95)
    {
        Validate(successes, trials, level);
        double alpha = (1 - level) / 2;
        double a = successes + 0.5, b = trials - successes + 0.5;
        double lower = successes == 0 ? 0 : Distributions.BetaQuantile(a, b, alpha, upper: false);
        double upper = successes == trials ? 1 : Distributions.BetaQuantile(a, b, alpha, upper: true);
        return new ConfidenceInterval(lower, upper);
    }

    /// <summary>The Agresti-Coull (1998) interval.</summary>
    /// <param name="successes">x, 0 ≤ x ≤ n.</param>
    /// <param name="trials">n ≥ 1.</param>
    /// <param name="level">The confidence level, in (0, 1).</param>
    /// <returns>With ñ = n + z² and p̃ = (x + z²/2)/ñ: p̃ ∓ z·sqrt(p̃(1 − p̃)/ñ), clipped to [0, 1].</returns>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="ClopperPearson"/>.</exception>
    public static ConfidenceInterval AgrestiCoull(int successes, int trials, double level = 0.95)
    {
        Validate(successes, trials, level);
        double z = Distributions.NormalQuantile((1 + level) / 2);
        double nTilde = trials + (z * z);
        double pTilde = (successes + (z * z / 2)) / nTilde;
        double half = z * Math.Sqrt(pTilde * (1 - pTilde) / nTilde);
        return new ConfidenceInterval(Math.Max(0, pTilde - half), Math.Min(1, pTilde + half));
    }

    /// <summary>Dispatches to the method named by <paramref name="method"/>.</summary>
    /// <param name="method">The interval method.</param>
    /// <param name="successes">x, 0 ≤ x ≤ n.</param>
    /// <param name="trials">n ≥ 1.</param>
    /// <param name="level">The confidence level, in (0, 1).</param>
    /// <returns>The interval.</returns>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="ClopperPearson"/>, or an undefined <paramref name="method"/>.</exception>
    public static ConfidenceInterval Compute(BinomialMethod method, int successes, int trials, double level = 0.95) =>
        method switch
        {
            BinomialMethod.ClopperPearson => ClopperPearson(successes, trials, level),
            BinomialMethod.Wilson => Wilson(successes, trials, level),
            BinomialMethod.Jeffreys => Jeffreys(successes, trials, level),
            BinomialMethod.AgrestiCoull => AgrestiCoull(successes, trials, level),
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, $"method is {method}; it must be a defined BinomialMethod."),
        };

    private static void Validate(int successes, int trials, double level)
    {
        Guard.Positive(trials);
        Guard.NonNegative(successes);
        Guard.AtMost(successes, trials, nameof(successes), nameof(trials));
        Guard.Level(level);
    }
}
