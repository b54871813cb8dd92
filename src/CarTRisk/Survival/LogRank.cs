using System.Collections.Immutable;

namespace CarTRisk;

/// <summary>The result of a G-rho (log-rank) test.</summary>
/// <typeparam name="TGroup">The group label type.</typeparam>
/// <param name="ChiSquare">The chi-square statistic (O − E)ᵀ V⁻ (O − E).</param>
/// <param name="DegreesOfFreedom">(Groups with expected &gt; 0) − 1.</param>
/// <param name="PValue">P(χ²_df ≥ ChiSquare).</param>
/// <param name="Groups">The groups, ascending (strings ordinal).</param>
/// <param name="Observed">Observed (weighted, for rho ≠ 0) events per group.</param>
/// <param name="Expected">Expected (weighted) events per group under H0.</param>
/// <param name="Variance">The variance matrix of O − E (rows per group).</param>
/// <param name="Count">The number of records per group.</param>
public sealed record LogRankResult<TGroup>(double ChiSquare, int DegreesOfFreedom, double PValue,
    ImmutableArray<TGroup> Groups, ImmutableArray<double> Observed, ImmutableArray<double> Expected,
    ImmutableArray<ImmutableArray<double>> Variance, ImmutableArray<int> Count)
    where TGroup : notnull;

/// <summary>The log-rank test and the Harrington-Fleming G-rho family for k groups, optionally stratified.</summary>
/// <example>
/// <code>
/// var test = LogRank.Test(durations, events, products);   // = survdiff(Surv(t, s) ~ product)
/// Console.WriteLine($"chi2 = {test.ChiSquare:F2}, df = {test.DegreesOfFreedom}, p = {test.PValue:G3}");
/// </code>
/// </example>
public static class LogRank
{
    /// <summary>The G-rho test, equal to <c>survdiff(Surv(durations, events) ~ groups, rho = rho)</c>: at each event
    /// time, with weight w = Ŝ(t−)^rho (pooled Kaplan-Meier), O_g += w·d_g, E_g += w·d·n_g/n and
    /// V_gh += w²·d(n − d)/(n − 1)·(n_g/n)(δ_gh − n_h/n). rho = 0 is the log-rank test, rho = 1 Peto-Peto.</summary>
    /// <typeparam name="TGroup">Group label type.</typeparam>
    /// <param name="durations">Follow-up times, finite and ≥ 0.</param>
    /// <param name="events">Event (true) or censored (false).</param>
    /// <param name="groups">The group of each record.</param>
    /// <param name="rho">The G-rho exponent, finite and ≥ 0.</param>
    /// <returns>The test.</returns>
    /// <exception cref="ArgumentException">Empty input, lengths differ, or fewer than two groups.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad duration (index named) or rho.</exception>
    /// <exception cref="ArgumentNullException">A group label is null.</exception>
    public static LogRankResult<TGroup> Test<TGroup>(ReadOnlySpan<double> durations, ReadOnlySpan<bool> events,
        ReadOnlySpan<TGroup> groups, double rho = 0) where TGroup : notnull
    {
        var strata = new int[durations.Length];
        return Test(durations, events, groups, (ReadOnlySpan<int>)strata, rho);
    }

    /// <summary>The stratified G-rho test, = <c>survdiff(Surv(t, s) ~ groups + strata(strata), rho = rho)</c>:
    /// O, E and V are summed over strata, each computed within its stratum (with the stratum's own KM for rho).</summary>
    /// <typeparam name="TGroup">Group label type.</typeparam>
    /// <typeparam name="TStratum">Stratum label type.</typeparam>
    /// <param name="durations">Follow-up times, finite and ≥ 0.</param>
    /// <param name="events">Event (true) or censored (false).</param>
    /// <param name="groups">The group of each record.</param>
    /// <param name="strata">The stratum of each record.</param>
    /// <param name="rho">The G-rho exponent, finite and ≥ 0.</param>
    /// <returns>The test.</returns>
    /// <exception cref="ArgumentException">Empty input, lengths differ, or fewer than two groups.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad duration (index named) or rho.</exception>
    /// <exception cref="ArgumentNullException">A group or stratum label is null.</exception>
    public static LogRankResult<TGroup> Test<TGroup, TStratum>(ReadOnlySpan<double> durations, ReadOnlySpan<bool> events,
        ReadOnlySpan<TGroup> groups, ReadOnlySpan<TStratum> strata, double rho = 0)
        where TGroup : notnull where TStratum : notnull
    {
        Guard.NotEmpty(durations.Length, nameof(durations));
        Guard.SameLength(durations.Length, nameof(durations), events.Length, nameof(events));
        Guard.SameLength(durations.Length, nameof(durations), groups.Length, nameof(groups));
        Guard.SameLength(durations.Length, nameof(durations), strata.Length, nameof(strata));
        Guard.FiniteNonNegative(durations, nameof(durations));
        Guard.FiniteNonNegative(rho);
        var levels = Levels(groups, nameof(groups));
        if (levels.Length < 2)
        {
            throw new ArgumentException($"groups has {levels.Length} distinct value(s); the test needs at least two.", nameof(groups));
        }

        var stratumLevels = Levels(strata, nameof(strata));
        var groupIndex = Index(groups, levels);
        var stratumIndex = Index(strata, stratumLevels);
        int k = levels.Length;
        var observed = new double[k];
        var expected = new double[k];
        var variance = new double[k, k];
        var counts = new int[k];
        foreach (int g in groupIndex)
        {
            counts[g]++;
        }

        for (int s = 0; s < stratumLevels.Length; s++)
        {
            int stratum = s;
            var rows = Enumerable.Range(0, stratumIndex.Length).Where(i => stratumIndex[i] == stratum).ToArray();
            Accumulate(durations, events, groupIndex, rows, k, rho, observed, expected, variance);
        }

        // survdiff: keep groups with expected > 0, drop the first of them, solve.
        var keep = Enumerable.Range(0, k).Where(g => expected[g] > 0).ToArray();
        int df = keep.Length - 1;
        double chi = 0;
        if (df > 0)
        {
            var idx = keep.Skip(1).ToArray();
            var v = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(idx.Length, idx.Length, (r, c) => variance[idx[r], idx[c]]);
            var diff = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(idx.Length, r => observed[idx[r]] - expected[idx[r]]);
            chi = v.Solve(diff).DotProduct(diff);
        }

        double p = df > 0 ? Numerics.Distributions.GammaTail(df / 2.0, chi / 2, upper: true) : double.NaN;
        var varRows = Enumerable.Range(0, k)
            .Select(r => Enumerable.Range(0, k).Select(c => variance[r, c]).ToImmutableArray()).ToImmutableArray();
        return new LogRankResult<TGroup>(chi, df, p, levels.ToImmutableArray(), observed.ToImmutableArray(),
            expected.ToImmutableArray(), varRows, counts.ToImmutableArray());
    }

    private static void Accumulate(ReadOnlySpan<double> durations, ReadOnlySpan<bool> events, int[] group, int[] rows,
        int k, double rho, double[] observed, double[] expected, double[,] variance)
    {
        var keys = new double[rows.Length];
        for (int r = 0; r < rows.Length; r++)
        {
            keys[r] = durations[rows[r]];
        }

        var order = (int[])rows.Clone();
        Array.Sort(keys, order);
        var atRisk = new double[k];
        foreach (int i in order)
        {
            atRisk[group[i]]++;
        }

        var deaths = new double[k];
        double km = 1;
        int pos = 0;
        while (pos < order.Length)
        {
            double t = durations[order[pos]];
            int end = pos;
            Array.Clear(deaths);
            while (end < order.Length && durations[order[end]] == t)
            {
                if (events[order[end]])
                {
                    deaths[group[order[end]]]++;
                }

                end++;
            }

            double n = atRisk.Sum(), d = deaths.Sum();
            if (d > 0)
            {
                double w = rho == 0 ? 1 : Math.Pow(km, rho);
                for (int g = 0; g < k; g++)
                {
                    observed[g] += w * deaths[g];
                    expected[g] += w * d * atRisk[g] / n;
                }

                if (n > 1)
                {
                    double factor = w * w * d * (n - d) / (n - 1);
                    for (int g = 0; g < k; g++)
                    {
                        for (int h = 0; h < k; h++)
                        {
                            variance[g, h] += factor * (atRisk[g] / n) * ((g == h ? 1 : 0) - (atRisk[h] / n));
                        }
                    }
                }

                km *= (n - d) / n;
            }

            for (int j = pos; j < end; j++)
            {
                atRisk[group[order[j]]]--;
            }

            pos = end;
        }
    }

    internal static T[] Levels<T>(ReadOnlySpan<T> values, string paramName) where T : notnull
    {
        var set = new HashSet<T>();
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] is null)
            {
                throw new ArgumentNullException(paramName, $"{paramName}[{i}] is null.");
            }

            set.Add(values[i]);
        }

        var levels = set.ToArray();
        if (typeof(T) == typeof(string))
        {
            Array.Sort((string[])(object)levels, StringComparer.Ordinal);
        }
        else
        {
            Array.Sort(levels);
        }

        return levels;
    }

    internal static int[] Index<T>(ReadOnlySpan<T> values, T[] levels) where T : notnull
    {
        var map = new Dictionary<T, int>();
        for (int i = 0; i < levels.Length; i++)
        {
            map[levels[i]] = i;
        }

        var index = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            index[i] = map[values[i]];
        }

        return index;
    }
}
