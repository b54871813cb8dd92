using CarTRisk.Numerics;

namespace CarTRisk;

/// <summary>A proportion cases/cohortSize with its confidence interval.</summary>
/// <param name="Cases">The number of cases (x).</param>
/// <param name="CohortSize">The number of patients (n).</param>
/// <param name="Value">x/n.</param>
/// <param name="Interval">The confidence interval of x/n.</param>
/// <param name="Method">The interval method.</param>
/// <param name="Level">The confidence level.</param>
public sealed record ProportionEstimate(int Cases, int CohortSize, double Value, ConfidenceInterval Interval,
    BinomialMethod Method, double Level)
{
    /// <summary>"x/n = p (level CI lo to hi)" through the default disclosure policy (x, n or n − x of 1-10 suppress
    /// the counts and the percentage).</summary>
    /// <returns>The text.</returns>
    public override string ToString() => ToString(DisclosurePolicy.Default);

    /// <summary>The estimate as text under a disclosure policy.</summary>
    /// <param name="policy">The policy.</param>
    /// <returns>The text.</returns>
    public string ToString(DisclosurePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var c = System.Globalization.CultureInfo.InvariantCulture;
        bool hide = policy.Suppresses(Cases) || policy.Suppresses(CohortSize) || policy.Suppresses(CohortSize - Cases);
        string x = hide ? policy.Marker : policy.FormatCount(Cases);
        string n = hide && !policy.Suppresses(CohortSize) && policy.Suppresses(Cases) ? CohortSize.ToString(c) : hide ? policy.Marker : policy.FormatCount(CohortSize);
        return hide
            ? $"{x}/{n} = {policy.Marker}"
            : string.Create(c, $"{Cases}/{CohortSize} = {Value * 100:0.00} % ({Level * 100:0.####}% CI {Interval.Lower * 100:0.00} % to {Interval.Upper * 100:0.00} %, {Method})");
    }
}

/// <summary>An incidence rate: cases per one unit of person-time, with its exact Poisson interval.</summary>
/// <param name="Cases">The number of cases (x).</param>
/// <param name="PersonTime">The person-time T, in the caller's unit.</param>
/// <param name="Value">x/T.</param>
/// <param name="Interval">The exact interval, = <c>poisson.test(x, T)$conf.int</c>.</param>
/// <param name="Level">The confidence level.</param>
public sealed record RateEstimate(int Cases, double PersonTime, double Value, ConfidenceInterval Interval, double Level)
{
    /// <summary>"x events / T = rate (CI)" through the default disclosure policy (x of 1-10 suppresses the rate).</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var policy = DisclosurePolicy.Default;
        var c = System.Globalization.CultureInfo.InvariantCulture;
        return policy.Suppresses(Cases)
            ? string.Create(c, $"{policy.Marker} events / {PersonTime:0.##} = {policy.Marker}")
            : string.Create(c, $"{Cases} events / {PersonTime:0.##} = {Value:G6} ({Level * 100:0.####}% CI {Interval.Lower:G6} to {Interval.Upper:G6})");
    }

    /// <summary>The same rate expressed per <paramref name="units"/> units of person-time (e.g. per 100 person-years).</summary>
    /// <param name="units">The multiplier, finite and &gt; 0.</param>
    /// <returns>A rate whose <see cref="Value"/> and <see cref="Interval"/> are multiplied by <paramref name="units"/>
    /// and whose <see cref="PersonTime"/> is divided by it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="units"/> is not finite and &gt; 0.</exception>
    public RateEstimate Per(double units)
    {
        Guard.PositiveFinite(units);
        return this with
        {
            PersonTime = PersonTime / units,
            Value = Value * units,
            Interval = new ConfidenceInterval(Interval.Lower * units, Interval.Upper * units),
        };
    }
}

/// <summary>The ratio of two incidence rates with its exact conditional interval and two-sided p-value.</summary>
/// <param name="Value">(x1/T1)/(x2/T2); +∞ when x2 = 0.</param>
/// <param name="Interval">The exact conditional interval (from Clopper-Pearson on x1 of x1 + x2).</param>
/// <param name="PValue">The exact two-sided p-value of H0: ratio = 1, as <c>poisson.test(c(x1, x2), c(T1, T2))$p.value</c>.</param>
/// <param name="Level">The confidence level.</param>
public sealed record RateRatioEstimate(double Value, ConfidenceInterval Interval, double PValue, double Level);

/// <summary>Crude (cumulative) incidence proportions, incidence rates and rate ratios.</summary>
/// <example>
/// <code>
/// var p = CrudeIncidence.Proportion(25, 724);                 // 3.45 % (2.25 %, 5.06 %)
/// var r = CrudeIncidence.Rate(25, 1480.2).Per(100);           // per 100 person-years
/// var rr = CrudeIncidence.RateRatio(10, 1000, 20, 1500);      // 0.75, p = 0.577
/// </code>
/// </example>
public static class CrudeIncidence
{
    /// <summary>The crude incidence proportion cases/cohortSize with its confidence interval.</summary>
    /// <param name="cases">The number of cases x, 0 ≤ x ≤ n.</param>
    /// <param name="cohortSize">The number of patients n ≥ 1.</param>
    /// <param name="method">The interval method; Clopper-Pearson (R's <c>binom.test</c>) by default.</param>
    /// <param name="level">The confidence level, in (0, 1).</param>
    /// <returns>The estimate x/n with its interval.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cohortSize"/> &lt; 1, <paramref name="cases"/> &lt; 0 or
    /// &gt; <paramref name="cohortSize"/>, <paramref name="level"/> not in (0, 1), or an undefined <paramref name="method"/>.</exception>
    public static ProportionEstimate Proportion(int cases, int cohortSize,
        BinomialMethod method = BinomialMethod.ClopperPearson, double level = 0.95)
    {
        Guard.Positive(cohortSize);
        Guard.NonNegative(cases);
        Guard.AtMost(cases, cohortSize, nameof(cases), nameof(cohortSize));
        Guard.Level(level);
        var interval = BinomialInterval.Compute(method, cases, cohortSize, level);
        return new ProportionEstimate(cases, cohortSize, (double)cases / cohortSize, interval, method, level);
    }

    /// <summary>The incidence rate cases/personTime with the exact Poisson interval, equal to
    /// R's <c>poisson.test(x, T, conf.level = level)</c>: estimate x/T, interval
    /// (qgamma(α; x)/T, qgamma(1 − α; x + 1)/T) with α = (1 − level)/2.</summary>
    /// <param name="cases">The number of cases x ≥ 0.</param>
    /// <param name="personTime">The person-time T, finite and &gt; 0, in any unit (the rate is per one unit).</param>
    /// <param name="level">The confidence level, in (0, 1).</param>
    /// <returns>The rate with its interval; use <see cref="RateEstimate.Per"/> to rescale.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cases"/> &lt; 0, <paramref name="personTime"/> not finite
    /// and &gt; 0, or <paramref name="level"/> not in (0, 1).</exception>
    public static RateEstimate Rate(int cases, double personTime, double level = 0.95)
    {
        Guard.NonNegative(cases);
        Guard.PositiveFinite(personTime);
        var count = PoissonInterval.Exact(cases, level);
        return new RateEstimate(cases, personTime, cases / personTime,
            new ConfidenceInterval(count.Lower / personTime, count.Upper / personTime), level);
    }

    /// <summary>The rate ratio (x1/T1)/(x2/T2) with R's exact conditional test,
    /// <c>poisson.test(c(x1, x2), c(T1, T2), conf.level = level)</c>.</summary>
    /// <param name="cases1">x1 ≥ 0.</param>
    /// <param name="personTime1">T1, finite and &gt; 0.</param>
    /// <param name="cases2">x2 ≥ 0; x1 + x2 ≥ 1.</param>
    /// <param name="personTime2">T2, finite and &gt; 0.</param>
    /// <param name="level">The confidence level, in (0, 1).</param>
    /// <returns>
    /// Conditional on x1 + x2 = N, x1 ~ Bin(N, π) with π = T1·ρ/(T1·ρ + T2). The interval maps the Clopper-Pearson
    /// limits π_L, π_U of x1/N to ρ = π/(1 − π)·T2/T1. The p-value is <c>binom.test(x1, N, T1/(T1 + T2))$p.value</c>:
    /// the sum of P(X = i) over every i with P(X = i) ≤ P(X = x1)·(1 + 10⁻⁷), capped at 1.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">A count &lt; 0, a person-time not finite and &gt; 0, or the level not in (0, 1).</exception>
    /// <exception cref="ArgumentException">Both counts are 0: there is no information on the ratio.</exception>
    public static RateRatioEstimate RateRatio(int cases1, double personTime1, int cases2, double personTime2,
        double level = 0.95)
    {
        Guard.NonNegative(cases1);
        Guard.PositiveFinite(personTime1);
        Guard.NonNegative(cases2);
        Guard.PositiveFinite(personTime2);
        Guard.Level(level);
        long total = (long)cases1 + cases2;
        if (total == 0)
        {
            throw new ArgumentException("cases1 and cases2 are both 0; the rate ratio needs at least one case.", nameof(cases2));
        }

        if (total > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(cases2), cases2, $"cases1 + cases2 = {total} exceeds {int.MaxValue}.");
        }

        int n = (int)total;
        var share = BinomialInterval.ClopperPearson(cases1, n, level);
        double scale = personTime2 / personTime1;
        double lower = share.Lower / (1 - share.Lower) * scale;
        double upper = share.Upper == 1 ? double.PositiveInfinity : share.Upper / (1 - share.Upper) * scale;
        double estimate = cases1 / personTime1 / (cases2 / personTime2);
        double pNull = personTime1 / (personTime1 + personTime2);
        return new RateRatioEstimate(estimate, new ConfidenceInterval(lower, upper), BinomialTestPValue(cases1, n, pNull), level);
    }

    /// <summary>The two-sided exact binomial test p-value of R's <c>binom.test(x, n, p)</c>.</summary>
    internal static double BinomialTestPValue(int x, int n, double p)
    {
        const double relErr = 1 + 1e-7;
        double d = Distributions.BinomialProbability(x, n, p) * relErr;
        double m = n * p;
        double value;
        if (x == m)
        {
            return 1;
        }

        // The pmf rises up to floor(m) and falls from ceil(m) on, so the set {i on the far side : P(i) <= d} is a run
        // at the end and its length is found by bisection: O(log n) probabilities instead of R's loop over n terms.
        if (x < m)
        {
            // first i in [ceil(m), n] with P(i) <= d; y = n - i + 1 terms qualify
            int lo = (int)Math.Ceiling(m), hi = n + 1;
            while (lo < hi)
            {
                int mid = lo + ((hi - lo) / 2);
                if (Distributions.BinomialProbability(mid, n, p) <= d)
                {
                    hi = mid;
                }
                else
                {
                    lo = mid + 1;
                }
            }

            int y = n - lo + 1;
            value = Distributions.BinomialCdf(x, n, p, upper: false) + Distributions.BinomialCdf(n - y, n, p, upper: true);
        }
        else
        {
            // y = the number of i in [0, floor(m)] with P(i) <= d: the first i with P(i) > d
            int lo = 0, hi = (int)Math.Floor(m) + 1;
            while (lo < hi)
            {
                int mid = lo + ((hi - lo) / 2);
                if (Distributions.BinomialProbability(mid, n, p) > d)
                {
                    hi = mid;
                }
                else
                {
                    lo = mid + 1;
                }
            }

            int y = lo;
            value = Distributions.BinomialCdf(y - 1, n, p, upper: false) + Distributions.BinomialCdf(x - 1, n, p, upper: true);
        }

        return Math.Min(1, value);
    }
}
