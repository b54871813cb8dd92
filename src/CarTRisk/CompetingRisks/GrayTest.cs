using System.Collections.Immutable;

namespace CarTRisk;

/// <summary>The result of Gray's K-sample test for cumulative incidence.</summary>
/// <param name="Statistic">sᵀ V⁻¹ s for the scores of the first k − 1 groups.</param>
/// <param name="DegreesOfFreedom">k − 1.</param>
/// <param name="PValue">1 − P(χ²_df ≤ Statistic), computed as cuminc does (so below about 1e-15 it is 0).</param>
/// <remarks>When the variance matrix is singular (R's <c>qr</c> rank below k − 1 at tolerance 1e-7, e.g. a group with
/// nobody at risk at any event time, or no event of interest at all) the test carries no information: R reports the
/// sentinel statistic −1 and p = 1; CarTRisk reports NaN for both and sets <see cref="Singular"/>.</remarks>
public sealed record GrayTestResult(double Statistic, int DegreesOfFreedom, double PValue)
{
    /// <summary>Whether the variance was singular (Statistic and PValue are then NaN; R gives −1 and 1).</summary>
    public bool Singular { get; init; }

    /// <summary>The groups, ascending (as text, invariant culture).</summary>
    public System.Collections.Immutable.ImmutableArray<string> Groups { get; init; } = [];

    /// <summary>Records per group.</summary>
    public System.Collections.Immutable.ImmutableArray<int> Counts { get; init; } = [];

    /// <summary>Events of the cause tested per group.</summary>
    public System.Collections.Immutable.ImmutableArray<int> Events { get; init; } = [];

    /// <inheritdoc/>
    public override string ToString() => this.ToTable().ToText();
}

/// <summary>Gray's (1988) test of equality of the cumulative incidence of one cause across k groups.</summary>
/// <example>
/// <code>
/// var gray = GrayTest.Test(durations, causes, products, eventOfInterest: 1);   // = cuminc(t, c, product)$Tests
/// </code>
/// </example>
public static class GrayTest
{
    /// <summary>Gray's test with rho = 0 and no strata, equal to <c>cmprsk::cuminc(durations, causes, groups)$Tests</c>
    /// for the row of <paramref name="eventOfInterest"/>.</summary>
    /// <typeparam name="TGroup">The group label type.</typeparam>
    /// <param name="durations">Follow-up times, finite and ≥ 0.</param>
    /// <param name="causes">0 = censored, 1..k = the event that ended follow-up.</param>
    /// <param name="groups">The group of each record (at least two distinct).</param>
    /// <param name="eventOfInterest">The cause tested; it must occur.</param>
    /// <returns>The statistic, its degrees of freedom (groups − 1) and p-value.</returns>
    /// <remarks>At each time the score of group g adds d_1g − d_1·R_g/R with R_g = n_g(1 − F_g(t−))/S_g(t−) and R = Σ R_g
    /// (the subdistribution risk sets); the variance is Gray's (1988, Ann. Stat. 16:1141, doi:10.1214/aos/1176350951)
    /// asymptotic estimator, computed as in cmprsk.</remarks>
    /// <exception cref="ArgumentException">Empty input, lengths differ, fewer than two groups, or more groups than
    /// <see cref="MaxGroups"/> or a cost (groups³ × distinct event times) above <see cref="MaxWork"/>: Gray's k × k
    /// variance is updated at every event time, so the test refuses rather than run for hours.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad duration or cause (index named), or eventOfInterest &lt; 1.</exception>
    /// <exception cref="ArgumentNullException">A group label is null.</exception>
    public static GrayTestResult Test<TGroup>(ReadOnlySpan<double> durations, ReadOnlySpan<int> causes,
        ReadOnlySpan<TGroup> groups, int eventOfInterest) where TGroup : notnull
    {
        return TestCore(durations, causes, groups, eventOfInterest);
    }

    /// <summary>The most groups the test accepts (its variance update costs groups³ per event time).</summary>
    public const int MaxGroups = 500;

    /// <summary>The most work (groups³ × distinct event times) the test accepts, about a minute on one core.</summary>
    public const double MaxWork = 2e10;

    private static GrayTestResult TestCore<TGroup>(ReadOnlySpan<double> durations, ReadOnlySpan<int> causes,
        ReadOnlySpan<TGroup> groups, int eventOfInterest) where TGroup : notnull
    {
        CumulativeIncidence.Validate(durations, causes, eventOfInterest, 0.95);
        Guard.FiniteNonNegative(durations, nameof(durations));
        Guard.SameLength(durations.Length, nameof(durations), groups.Length, nameof(groups));
        var (levels, group) = LogRank.Encode(groups, nameof(groups));
        if (levels.Length < 2)
        {
            throw new ArgumentException($"groups has {levels.Length} distinct value(s); the test needs at least two.", nameof(groups));
        }

        int n = durations.Length, ng = levels.Length, ng1 = ng - 1;
        if (ng > MaxGroups)
        {
            throw new ArgumentException($"groups has {ng} distinct values; Gray's test accepts at most {MaxGroups} (its k x k variance is updated at every event time).", nameof(groups));
        }

        var keys = durations.ToArray();
        var order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        Array.Sort(keys, order);
        double eventTimes = 0;
        for (int i = 0; i < n; i++)
        {
            if (causes[order[i]] != 0 && (i == 0 || keys[i] != keys[i - 1] || causes[order[i - 1]] == 0))
            {
                eventTimes++;
            }
        }

        if ((double)ng * ng * ng * eventTimes > MaxWork)
        {
            throw new ArgumentException($"groups has {ng} distinct values over {eventTimes} event times; Gray's test refuses work above {MaxWork:0e0} (groups^3 x event times). Combine groups or test pairs.", nameof(groups));
        }
        // kind: 0 censored, 1 cause of interest, 2 any other cause
        var kind = new int[n];
        for (int i = 0; i < n; i++)
        {
            int c = causes[order[i]];
            kind[i] = c == 0 ? 0 : c == eventOfInterest ? 1 : 2;
        }

        var atRisk = new double[ng];
        foreach (int g in group)
        {
            atRisk[g]++;
        }

        var cifBefore = new double[ng];
        var cifAfter = new double[ng];
        var survBefore = Enumerable.Repeat(1.0, ng).ToArray();
        var survAfter = Enumerable.Repeat(1.0, ng).ToArray();
        var score = new double[ng1];
        var v = new double[ng1, ng1];
        var v2 = new double[ng1, ng];
        var v3 = new double[ng];
        var a = new double[ng, ng];
        var cc = new double[ng, ng];
        var d1 = new double[ng];
        var d2 = new double[ng];
        double fBefore = 0;
        int lo = 0;
        while (lo < n)
        {
            int hi = lo;
            while (hi + 1 < n && keys[hi + 1] == keys[lo])
            {
                hi++;
            }

            Array.Clear(d1);
            Array.Clear(d2);
            for (int i = lo; i <= hi; i++)
            {
                int g = group[order[i]];
                if (kind[i] == 1)
                {
                    d1[g]++;
                }
                else if (kind[i] == 2)
                {
                    d2[g]++;
                }
            }

            double nd1 = d1.Sum(), nd2 = d2.Sum();
            double f = fBefore;
            if (nd1 > 0 || nd2 > 0)
            {
                double tr = 0, tq = 0;
                for (int g = 0; g < ng; g++)
                {
                    if (atRisk[g] <= 0)
                    {
                        continue;
                    }

                    survAfter[g] = survBefore[g] * (atRisk[g] - d1[g] - d2[g]) / atRisk[g];
                    cifAfter[g] = cifBefore[g] + (survBefore[g] * d1[g] / atRisk[g]);
                    tr += atRisk[g] / survBefore[g];
                    tq += atRisk[g] * (1 - cifBefore[g]) / survBefore[g];
                }

                f = fBefore + (nd1 / tr);
                const double fb = 1; // (1 - F(t-))^rho with rho = 0
                Array.Clear(a);
                for (int i = 0; i < ng; i++)
                {
                    if (atRisk[i] <= 0)
                    {
                        continue;
                    }

                    double t1 = atRisk[i] / survBefore[i];
                    a[i, i] = fb * t1 * (1 - (t1 / tr));
                    cc[i, i] += a[i, i] * nd1 / (tr * (1 - fBefore));
                    for (int j = i + 1; j < ng; j++)
                    {
                        if (atRisk[j] <= 0)
                        {
                            continue;
                        }

                        a[i, j] = a[j, i] = -fb * t1 * atRisk[j] / (survBefore[j] * tr);
                        cc[i, j] += a[i, j] * nd1 / (tr * (1 - fBefore));
                        cc[j, i] = cc[i, j];
                    }
                }

                for (int i = 0; i < ng1; i++)
                {
                    if (atRisk[i] > 0)
                    {
                        score[i] += fb * (d1[i] - (nd1 * atRisk[i] * (1 - cifBefore[i]) / (survBefore[i] * tq)));
                    }
                }

                if (nd1 > 0)
                {
                    for (int k = 0; k < ng; k++)
                    {
                        if (atRisk[k] <= 0)
                        {
                            continue;
                        }

                        double t4 = survAfter[k] > 0 ? 1 - ((1 - f) / survAfter[k]) : 1;
                        double t5 = nd1 > 1 ? 1 - ((nd1 - 1) / ((tr * survBefore[k]) - 1)) : 1;
                        double t3 = t5 * survBefore[k] * nd1 / (tr * atRisk[k]);
                        v3[k] += t4 * t4 * t3;
                        for (int i = 0; i < ng1; i++)
                        {
                            double t1 = a[i, k] - (t4 * cc[i, k]);
                            v2[i, k] += t1 * t4 * t3;
                            for (int j = 0; j <= i; j++)
                            {
                                v[i, j] += t1 * (a[j, k] - (t4 * cc[j, k])) * t3;
                            }
                        }
                    }
                }

                if (nd2 > 0)
                {
                    for (int k = 0; k < ng; k++)
                    {
                        if (survAfter[k] <= 0 || d2[k] <= 0)
                        {
                            continue;
                        }

                        double t4 = (1 - f) / survAfter[k];
                        double t5 = d2[k] > 1 ? 1 - ((d2[k] - 1) / (atRisk[k] - 1)) : 1;
                        double t3 = t5 * survBefore[k] * survBefore[k] * d2[k] / (atRisk[k] * atRisk[k]);
                        v3[k] += t4 * t4 * t3;
                        for (int i = 0; i < ng1; i++)
                        {
                            double t1 = t4 * cc[i, k];
                            v2[i, k] -= t1 * t4 * t3;
                            for (int j = 0; j <= i; j++)
                            {
                                v[i, j] += t1 * t4 * cc[j, k] * t3;
                            }
                        }
                    }
                }
            }

            for (int i = lo; i <= hi; i++)
            {
                atRisk[group[order[i]]]--;
            }

            fBefore = f;
            Array.Copy(cifAfter, cifBefore, ng);
            Array.Copy(survAfter, survBefore, ng);
            lo = hi + 1;
        }

        var vs = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(ng1, ng1);
        for (int i = 0; i < ng1; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double value = v[i, j];
                for (int k = 0; k < ng; k++)
                {
                    value += (cc[i, k] * cc[j, k] * v3[k]) + (cc[i, k] * v2[j, k]) + (cc[j, k] * v2[i, k]);
                }

                vs[i, j] = vs[j, i] = value;
            }
        }

        var s = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfArray(score);
        var names = levels.Select(l => Convert.ToString(l, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToImmutableArray();
        var counts = new int[ng];
        var events = new int[ng];
        for (int i = 0; i < n; i++)
        {
            counts[group[i]]++;
            events[group[i]] += causes[i] == eventOfInterest ? 1 : 0;
        }

        if (!Numerics.RankCheck.FullRank(vs))
        {
            return new GrayTestResult(double.NaN, ng1, double.NaN) { Singular = true, Groups = names, Counts = [.. counts], Events = [.. events] };
        }

        double statistic = vs.Solve(s).DotProduct(s);
        if (!double.IsFinite(statistic))
        {
            return new GrayTestResult(double.NaN, ng1, double.NaN) { Singular = true, Groups = names, Counts = [.. counts], Events = [.. events] };
        }

        // cuminc reports 1 - pchisq(stat, df), not the upper tail: for tiny p the two differ past the 7th digit,
        // and matching R is the contract, so the same complement is taken here.
        double p = 1 - Numerics.Distributions.GammaTail(ng1 / 2.0, Math.Max(0, statistic) / 2, upper: false);
        return new GrayTestResult(statistic, ng1, p) { Groups = names, Counts = [.. counts], Events = [.. events] };
    }
}
