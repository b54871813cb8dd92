using CarTRisk.Numerics;

namespace CarTRisk;

/// <summary>A ratio with its interval.</summary>
/// <param name="Value">The ratio (0, +∞ or NaN where a zero cell makes it so; see <see cref="Estimable"/>).</param>
/// <param name="Interval">The interval; (0, +∞) where a zero cell leaves it undefined.</param>
public readonly record struct RatioEstimate(double Value, ConfidenceInterval Interval)
{
    /// <summary>Whether every cell the estimate needs was positive (else it is not estimable: tables print "not
    /// estimable" rather than an infinity or NaN).</summary>
    public bool Estimable => double.IsFinite(Value) && Value > 0 && double.IsFinite(Interval.Upper);
}

/// <summary>The information component with its interval (Norén et al. 2013).</summary>
/// <param name="Value">log2((a + 0.5)/(E + 0.5)).</param>
/// <param name="Lower">log2 of the (1 − level)/2 gamma quantile (IC025 at level 0.95).</param>
/// <param name="Upper">log2 of the (1 + level)/2 gamma quantile.</param>
/// <param name="Expected">E = (a + b)(a + c)/N.</param>
public readonly record struct InformationComponent(double Value, double Lower, double Upper, double Expected);

/// <summary>
/// Disproportionality analysis of spontaneous reports. 2×2 counts: a = reports with the drug and the event, b = the
/// drug and other events, c = other drugs and the event, d = other drugs and other events.
/// </summary>
public static partial class Disproportionality
{
    private static void Check(long a, long b, long c, long d, double level)
    {
        if (a < 0 || b < 0 || c < 0 || d < 0)
        {
            throw new ArgumentOutOfRangeException(a < 0 ? nameof(a) : b < 0 ? nameof(b) : c < 0 ? nameof(c) : nameof(d),
                "the 2x2 counts must be >= 0.");
        }

        Guard.Level(level);
    }

    /// <summary>The reporting odds ratio (a·d)/(b·c) with Woolf's interval exp(ln ROR ∓ z √(1/a + 1/b + 1/c + 1/d)).</summary>
    /// <param name="a">Drug and event.</param>
    /// <param name="b">Drug, other events.</param>
    /// <param name="c">Other drugs, event.</param>
    /// <param name="d">Other drugs, other events.</param>
    /// <param name="level">The confidence level.</param>
    /// <returns>The estimate. With a zero cell the value is IEEE's (0, +∞ or NaN), the interval (0, +∞), and
    /// <see cref="RatioEstimate.Estimable"/> is false (no correction is applied unless asked for: see the overload with
    /// <c>continuityCorrection</c>).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative count or a bad level.</exception>
    public static RatioEstimate ReportingOddsRatio(long a, long b, long c, long d, double level = 0.95) =>
        ReportingOddsRatio(a, b, c, d, level, 0);

    /// <summary>The reporting odds ratio with an opt-in continuity correction added to every cell when any is 0 (0.5 is
    /// Haldane-Anscombe).</summary>
    /// <param name="a">Drug and event.</param>
    /// <param name="b">Drug, other events.</param>
    /// <param name="c">Other drugs, event.</param>
    /// <param name="d">Other drugs, other events.</param>
    /// <param name="level">The confidence level.</param>
    /// <param name="continuityCorrection">Added to each cell when a cell is 0 (≥ 0; 0 = none).</param>
    /// <returns>The estimate.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative count or correction, or a bad level.</exception>
    public static RatioEstimate ReportingOddsRatio(long a, long b, long c, long d, double level, double continuityCorrection)
    {
        Check(a, b, c, d, level);
        Guard.FiniteNonNegative(continuityCorrection);
        return Ror(a, b, c, d, Distributions.NormalQuantile((1 + level) / 2), continuityCorrection);
    }

    /// <summary>The ROR given z = Φ⁻¹((1 + level)/2) (the screen computes z once for all pairs).</summary>
    internal static RatioEstimate Ror(long a, long b, long c, long d, double z, double continuityCorrection = 0)
    {
        double k = (a == 0 || b == 0 || c == 0 || d == 0) ? continuityCorrection : 0;
        double A = a + k, B = b + k, C = c + k, D = d + k;
        double ror = A * D / (B * C);
        if (A == 0 || B == 0 || C == 0 || D == 0)
        {
            return new RatioEstimate(ror, new ConfidenceInterval(0, double.PositiveInfinity));
        }

        double se = Math.Sqrt((1 / A) + (1 / B) + (1 / C) + (1 / D));
        double log = Math.Log(A) + Math.Log(D) - Math.Log(B) - Math.Log(C);
        return new RatioEstimate(ror, new ConfidenceInterval(Math.Exp(log - (z * se)), Math.Exp(log + (z * se))));
    }

    /// <summary>The proportional reporting ratio (a/(a+b))/(c/(c+d)) with the interval exp(ln PRR ∓ z √(1/a − 1/(a+b) +
    /// 1/c − 1/(c+d))) (Evans et al. 2001).</summary>
    /// <param name="a">Drug and event.</param>
    /// <param name="b">Drug, other events.</param>
    /// <param name="c">Other drugs, event.</param>
    /// <param name="d">Other drugs, other events.</param>
    /// <param name="level">The confidence level.</param>
    /// <returns>The estimate; with a or c = 0 (or an empty row) not estimable, as for the ROR.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative count or a bad level.</exception>
    public static RatioEstimate ProportionalReportingRatio(long a, long b, long c, long d, double level = 0.95)
    {
        Check(a, b, c, d, level);
        return Prr(a, b, c, d, Distributions.NormalQuantile((1 + level) / 2));
    }

    /// <summary>The PRR given z = Φ⁻¹((1 + level)/2).</summary>
    internal static RatioEstimate Prr(long a, long b, long c, long d, double z)
    {
        double prr = ((double)a / (a + b)) / ((double)c / (c + d));
        if (a == 0 || c == 0)
        {
            return new RatioEstimate(prr, new ConfidenceInterval(0, double.PositiveInfinity));
        }

        double se = Math.Sqrt((1.0 / a) - (1.0 / (a + b)) + (1.0 / c) - (1.0 / (c + d)));
        double log = Math.Log(prr);
        return new RatioEstimate(prr, new ConfidenceInterval(Math.Exp(log - (z * se)), Math.Exp(log + (z * se))));
    }

    /// <summary>Pearson's chi-square with Yates' correction as R computes it,
    /// <c>chisq.test(matrix(c(a, c, b, d), 2), correct = TRUE)$statistic</c>: Σ (|O − E| − min(0.5, |O − E|))² / E over
    /// the four cells (so where |ad − bc|/N &lt; 0.5 the statistic is 0, R's cap, not the uncapped Evans formula).</summary>
    /// <param name="a">Drug and event.</param>
    /// <param name="b">Drug, other events.</param>
    /// <param name="c">Other drugs, event.</param>
    /// <param name="d">Other drugs, other events.</param>
    /// <returns>The statistic; NaN when a row or column is empty (an expected count of 0), as R.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative count.</exception>
    public static double ChiSquare(long a, long b, long c, long d)
    {
        Check(a, b, c, d, 0.95);
        double n = (double)a + b + c + d;
        double r1 = a + b, r2 = c + d, c1 = a + c, c2 = b + d;
        if (r1 == 0 || r2 == 0 || c1 == 0 || c2 == 0)
        {
            return double.NaN;
        }

        // every cell has the same |O − E| = |ad − bc| / N
        double diff = Math.Abs(((double)a * d) - ((double)b * c)) / n;
        double corrected = diff - Math.Min(0.5, diff);
        double sq = corrected * corrected;
        return sq * ((n / (r1 * c1)) + (n / (r1 * c2)) + (n / (r2 * c1)) + (n / (r2 * c2)));
    }

    /// <summary>The information component IC = log2((a + 0.5)/(E + 0.5)), E = (a + b)(a + c)/N, with the limits
    /// log2(qgamma(p, a + 0.5, rate = E + 0.5)) (Norén et al. 2013, Stat Methods Med Res 22:57).</summary>
    /// <param name="a">Drug and event.</param>
    /// <param name="b">Drug, other events.</param>
    /// <param name="c">Other drugs, event.</param>
    /// <param name="d">Other drugs, other events.</param>
    /// <param name="level">The confidence level (0.95 gives IC025 as <see cref="InformationComponent.Lower"/>).</param>
    /// <returns>The IC (defined for every table with N &gt; 0: the +0.5 shrinkage needs no zero-cell rule).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative count or a bad level.</exception>
    /// <exception cref="ArgumentException">N = 0.</exception>
    public static InformationComponent Ic(long a, long b, long c, long d, double level = 0.95)
    {
        Check(a, b, c, d, level);
        double n = (double)a + b + c + d;
        if (n == 0)
        {
            throw new ArgumentException("the 2x2 table is empty (N = 0).", nameof(a));
        }

        var (lower, upper) = IcQuantiles(a, level);
        return Ic(a, b, c, d, lower, upper);
    }

    /// <summary>The gamma(a + 0.5, 1) quantiles at (1 ∓ level)/2: the IC's limits before the rate divides them, which
    /// depend on a alone (the screen computes them once per distinct a).</summary>
    internal static (double Lower, double Upper) IcQuantiles(long a, double level)
    {
        double alpha = (1 - level) / 2;
        return (Distributions.GammaQuantile(a + 0.5, alpha, upper: false), Distributions.GammaQuantile(a + 0.5, alpha, upper: true));
    }

    /// <summary>The IC given <see cref="IcQuantiles"/> of its a.</summary>
    internal static InformationComponent Ic(long a, long b, long c, long d, double lowerQuantile, double upperQuantile)
    {
        double n = (double)a + b + c + d;
        double e = ((double)a + b) * ((double)a + c) / n;
        double shape = a + 0.5, rate = e + 0.5;
        return new InformationComponent(Math.Log2(shape / rate), Math.Log2(lowerQuantile / rate), Math.Log2(upperQuantile / rate), e);
    }
}
