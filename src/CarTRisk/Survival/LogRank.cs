using System.Collections.Immutable;

namespace CarTRisk;

/// <summary>The result of a G-rho (log-rank) test.</summary>
/// <typeparam name="TGroup">The group label type.</typeparam>
/// <param name="ChiSquare">The chi-square statistic (O − E)ᵀ V⁻¹ (O − E); NaN when V is singular (no information,
/// e.g. every death alone in its risk set), where R's survdiff stops with an error.</param>
/// <param name="DegreesOfFreedom">(Groups with expected &gt; 0) − 1.</param>
/// <param name="PValue">P(χ²_df ≥ ChiSquare); NaN when ChiSquare is NaN or df = 0.</param>
/// <param name="Groups">The groups, ascending (strings ordinal).</param>
/// <param name="Observed">Observed (weighted, for rho ≠ 0) events per group.</param>
/// <param name="Expected">Expected (weighted) events per group under H0.</param>
/// <param name="Variance">The variance matrix of O − E (rows per group).</param>
/// <param name="Count">The number of records per group.</param>
public sealed record LogRankResult<TGroup>(double ChiSquare, int DegreesOfFreedom, double PValue,
    ImmutableArray<TGroup> Groups, ImmutableArray<double> Observed, ImmutableArray<double> Expected,
    ImmutableArray<ImmutableArray<double>> Variance, ImmutableArray<int> Count)
    where TGroup : notnull
{
    /// <summary>The test as a table, through the default disclosure policy.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => this.ToTable().ToText();
}

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
        ReadOnlySpan<TGroup> groups, double rho = 0) where TGroup : notnull => Test(durations, events, groups, rho, timeFix: true);

    /// <inheritdoc cref="Test{TGroup}(ReadOnlySpan{double}, ReadOnlySpan{bool}, ReadOnlySpan{TGroup}, double)"/>
    /// <param name="durations">Follow-up times, finite and ≥ 0.</param>
    /// <param name="events">Event (true) or censored (false).</param>
    /// <param name="groups">The group of each record.</param>
    /// <param name="rho">The G-rho exponent, finite and ≥ 0.</param>
    /// <param name="timeFix">Merge times that differ only by rounding, as survdiff's default <c>timefix = TRUE</c>.</param>
    public static LogRankResult<TGroup> Test<TGroup>(ReadOnlySpan<double> durations, ReadOnlySpan<bool> events,
        ReadOnlySpan<TGroup> groups, double rho, bool timeFix) where TGroup : notnull
    {
        Guard.NotEmpty(durations.Length, nameof(durations));
        Guard.SameLength(durations.Length, nameof(durations), events.Length, nameof(events));
        Guard.SameLength(durations.Length, nameof(durations), groups.Length, nameof(groups));
        Guard.FiniteNonNegative(rho);
        var scan = Guard.Durations(durations, nameof(durations));
        if (timeFix && TimeFix.MayApply(scan) && TimeFix.Apply(durations, default) is { } fix)
        {
            return Core(fix.Exit, events, groups, null, Guard.Durations(fix.Exit, nameof(durations)), rho);
        }

        if (!(scan.AllIntegers && scan.Max <= Kernels.TableKernels.CountingLimit && 2.0 * (scan.Max + 1) <= (0.5 * durations.Length) + 1_000_000))
        {
            return Core(durations, events, groups, null, scan, rho);
        }

        // Integer days, one stratum: encode the labels and count (time, event) per group in the same pass, so no
        // index array is needed; bins are made per group as labels appear.
        int width = (int)scan.Max + 1;
        var firstSeen = new List<TGroup>();
        var map = new Dictionary<TGroup, int>();
        var bins = new List<int[]>();
        var comparer = EqualityComparer<TGroup>.Default;
        TGroup? last = default;
        int lastCode = -1;
        for (int i = 0; i < durations.Length; i++)
        {
            var v = groups[i];
            if (v is null)
            {
                throw new ArgumentNullException(nameof(groups), $"groups[{i}] is null.");
            }

            int code;
            if (lastCode >= 0 && comparer.Equals(v, last!))
            {
                code = lastCode;
            }
            else
            {
                code = Find(firstSeen, v, comparer);
                if (code < 0 && !map.TryGetValue(v, out code))
                {
                    if ((long)(firstSeen.Count + 1) * width * 2 > (4L * durations.Length) + 4_000_000)
                    {
                        return Core(durations, events, groups, null, scan, rho);   // many groups: sort instead
                    }

                    code = firstSeen.Count;
                    map.Add(v, code);
                    firstSeen.Add(v);
                    bins.Add(new int[width * 2]);
                }

                last = v;
                lastCode = code;
            }

            bins[code][((int)durations[i] << 1) | (events[i] ? 1 : 0)]++;
        }

        var (levels, order) = SortLevels(firstSeen);
        CheckGroups(levels.Length, nameof(groups));
        var sortedBins = order.Select(o => bins[o]).ToArray();
        var sums = new Sums(levels.Length);
        for (int g = 0; g < levels.Length; g++)
        {
            sums.Counts[g] = sortedBins[g].Sum();
        }

        WalkCounted(new Accumulator(rho, sums), sortedBins, width);
        return Finish(levels, sums);
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
        Guard.FiniteNonNegative(rho);
        var scan = Guard.Durations(durations, nameof(durations));
        var (_, stratumIndex) = Encode(strata, nameof(strata));
        if (TimeFix.MayApply(scan) && TimeFix.Apply(durations, default) is { } fix)
        {
            // survdiff applies aeqSurv to the whole Surv column before splitting by strata.
            return Core(fix.Exit, events, groups, stratumIndex, Guard.Durations(fix.Exit, nameof(durations)), rho);
        }

        return Core(durations, events, groups, stratumIndex, scan, rho);
    }

    /// <summary>The most groups the test accepts: its result holds the k × k variance and its statistic solves it
    /// (O(k³)), so 2,000 groups take a few seconds and 32 MB; more is a clear error, never a hang.</summary>
    public const int MaxGroups = 2000;

    private static void CheckGroups(int k, string paramName)
    {
        if (k < 2)
        {
            throw new ArgumentException($"{paramName} has {k} distinct value(s); the test needs at least two.", paramName);
        }

        if (k > MaxGroups)
        {
            throw new ArgumentException($"{paramName} has {k} distinct values; the log-rank test accepts at most {MaxGroups} (its variance is a k x k matrix solved in O(k^3)).", paramName);
        }
    }

    /// <summary>The general path: any times, any strata (a null stratum index means one stratum).</summary>
    private static LogRankResult<TGroup> Core<TGroup>(ReadOnlySpan<double> durations, ReadOnlySpan<bool> events,
        ReadOnlySpan<TGroup> groups, int[]? strataIndex, Kernels.RangeScan scan, double rho) where TGroup : notnull
    {
        var (levels, groupIndex) = Encode(groups, nameof(groups));
        CheckGroups(levels.Length, nameof(groups));

        int k = levels.Length, n = durations.Length;
        int[] stratumIndex = strataIndex ?? new int[n];
        int ns = stratumIndex.Length == 0 ? 1 : stratumIndex.Max() + 1;
        var sums = new Sums(k);
        foreach (int g in groupIndex)
        {
            sums.Counts[g]++;
        }

        var accumulator = new Accumulator(rho, sums);
        long cells = (long)ns * k * 2 * ((long)scan.Max + 1);
        if (scan.AllIntegers && scan.Max <= Kernels.TableKernels.CountingLimit && cells <= (4L * n) + 4_000_000)
        {
            // Counting: one array per (stratum, group), bins[2t + event], walked stratum by stratum.
            int width = (int)scan.Max + 1;
            var bins = new int[ns][][];
            for (int st = 0; st < ns; st++)
            {
                bins[st] = new int[k][];
                for (int g = 0; g < k; g++)
                {
                    bins[st][g] = new int[width * 2];
                }
            }

            for (int i = 0; i < n; i++)
            {
                bins[stratumIndex[i]][groupIndex[i]][((int)durations[i] << 1) | (events[i] ? 1 : 0)]++;
            }

            foreach (var stratum in bins)
            {
                WalkCounted(accumulator, stratum, width);
            }
        }
        else
        {
            // Sorting: one stratum at a time, items = group·2 + event.
            var byStratum = new List<int>[ns];
            for (int st = 0; st < ns; st++)
            {
                byStratum[st] = [];
            }

            for (int i = 0; i < n; i++)
            {
                byStratum[stratumIndex[i]].Add(i);
            }

            var deaths = new double[k];
            var exits = new double[k];
            var atRisk = new double[k];
            var touched = new List<int>();
            for (int st = 0; st < ns; st++)
            {
                var rows = byStratum[st];
                var keys = new double[rows.Count];
                var items = new int[rows.Count];
                Array.Clear(atRisk);
                for (int r = 0; r < rows.Count; r++)
                {
                    keys[r] = durations[rows[r]];
                    items[r] = (groupIndex[rows[r]] * 2) + (events[rows[r]] ? 1 : 0);
                    atRisk[groupIndex[rows[r]]]++;
                }

                Array.Sort(keys, items);
                accumulator.StartStratum(atRisk);
                int pos = 0;
                while (pos < keys.Length)
                {
                    touched.Clear();
                    int end = pos;
                    while (end < keys.Length && keys[end] == keys[pos])
                    {
                        int g = items[end] >> 1;
                        if (exits[g] == 0)
                        {
                            touched.Add(g);
                        }

                        exits[g]++;
                        deaths[g] += items[end] & 1;
                        end++;
                    }

                    accumulator.Step(touched, deaths, exits);
                    foreach (int g in touched)
                    {
                        deaths[g] = exits[g] = 0;
                    }

                    pos = end;
                }
            }
        }

        return Finish(levels, sums);
    }

    /// <summary>Feeds one stratum's counted bins (per group, bins[2t + event]) to the accumulator, time by time.</summary>
    private static void WalkCounted(Accumulator accumulator, int[][] groupBins, int width)
    {
        int k = groupBins.Length;
        var atRisk = new double[k];
        var deaths = new double[k];
        var exits = new double[k];
        var touched = new List<int>();
        for (int g = 0; g < k; g++)
        {
            atRisk[g] = groupBins[g].Sum();
        }

        accumulator.StartStratum(atRisk);
        for (int t = 0; t < width; t++)
        {
            touched.Clear();
            for (int g = 0; g < k; g++)
            {
                int dead = groupBins[g][(t << 1) | 1], out_ = groupBins[g][t << 1] + dead;
                if (out_ > 0)
                {
                    deaths[g] = dead;
                    exits[g] = out_;
                    touched.Add(g);
                }
            }

            if (touched.Count > 0)
            {
                accumulator.Step(touched, deaths, exits);
                foreach (int g in touched)
                {
                    deaths[g] = exits[g] = 0;
                }
            }
        }
    }

    private sealed class Sums(int k)
    {
        public double[] Observed { get; } = new double[k];

        public double[] Expected { get; } = new double[k];

        public double[,] Variance { get; } = new double[k, k];

        public int[] Counts { get; } = new int[k];
    }

    /// <summary>survdiff's statistic: keep groups with expected &gt; 0, drop the first of them, solve. With fewer than
    /// two such groups (df = 0, e.g. no event) the statistic is 0 and p = 1, as survdiff.</summary>
    private static LogRankResult<TGroup> Finish<TGroup>(TGroup[] levels, Sums sums) where TGroup : notnull
    {
        int k = levels.Length;
        var keep = Enumerable.Range(0, k).Where(g => sums.Expected[g] > 0).ToArray();
        int df = Math.Max(0, keep.Length - 1);
        double chi = 0;
        if (df > 0)
        {
            var idx = keep.Skip(1).ToArray();
            var v = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(idx.Length, idx.Length, (r, c) => sums.Variance[idx[r], idx[c]]);
            var diff = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(idx.Length, r => sums.Observed[idx[r]] - sums.Expected[idx[r]]);
            chi = v.Solve(diff).DotProduct(diff);
        }

        if (!double.IsFinite(chi) || chi < 0)
        {
            chi = double.NaN;   // singular variance: no information (R's survdiff stops with a Lapack error)
        }

        double p = df == 0 ? 1 : !double.IsNaN(chi) ? Numerics.Distributions.GammaTail(df / 2.0, chi / 2, upper: true) : double.NaN;
        var varRows = Enumerable.Range(0, k)
            .Select(r => Enumerable.Range(0, k).Select(c => sums.Variance[r, c]).ToImmutableArray()).ToImmutableArray();
        return new LogRankResult<TGroup>(chi, df, p, levels.ToImmutableArray(), sums.Observed.ToImmutableArray(),
            sums.Expected.ToImmutableArray(), varRows, sums.Counts.ToImmutableArray());
    }

    /// <summary>O, E and V of the G-rho test, accumulated time by time (the pooled KM for the weight restarts per
    /// stratum). Per-group terms are piecewise constant in the group's number at risk, so they are added lazily:
    /// running sums over times (Σ w·d/n for E, Σ f/n for the diagonal of V, Σ f/n² for its outer-product part) are
    /// applied to a group only when its number at risk changes. A time costs the groups that change there, each change
    /// O(k); the whole walk is O(k · (group, time) changes) instead of O(k² · times).</summary>
    private sealed class Accumulator(double rho, Sums sums)
    {
        private readonly int k = sums.Observed.Length;
        private readonly double[] observed = sums.Observed;
        private readonly double[] expected = sums.Expected;
        private readonly double[,] variance = sums.Variance;
        private readonly double[] atRisk = new double[sums.Observed.Length];
        private readonly double[] lastE = new double[sums.Observed.Length];
        private readonly double[] lastF = new double[sums.Observed.Length];
        private readonly double[] lastW = new double[sums.Observed.Length];
        private double km = 1, total, eCum, fCum, wCum;

        public void StartStratum(double[] initial)
        {
            km = 1;
            total = 0;
            for (int g = 0; g < k; g++)
            {
                atRisk[g] = initial[g];
                total += initial[g];
                lastE[g] = eCum;
                lastF[g] = fCum;
                lastW[g] = wCum;
            }
        }

        public void Step(List<int> touched, double[] deaths, double[] exits)
        {
            double n = total, d = 0;
            foreach (int g in touched)
            {
                d += deaths[g];
            }

            if (d > 0)
            {
                double w = rho == 0 ? 1 : Math.Pow(km, rho);
                foreach (int g in touched)
                {
                    observed[g] += w * deaths[g];
                }

                eCum += w * d / n;
                if (n > 1)
                {
                    double f = w * w * d * (n - d) / (n - 1);
                    fCum += f / n;
                    wCum += f / (n * n);
                }

                km *= (n - d) / n;
            }

            foreach (int g in touched)
            {
                Flush(g);
                atRisk[g] -= exits[g];
                total -= exits[g];
            }
        }

        /// <summary>Adds group g's pending terms (its number at risk was constant since its last change).</summary>
        private void Flush(int g)
        {
            double ag = atRisk[g];
            expected[g] += ag * (eCum - lastE[g]);
            variance[g, g] += ag * (fCum - lastF[g]);
            if (wCum != lastW[g])
            {
                for (int h = 0; h < k; h++)
                {
                    double ah = atRisk[h];
                    if (ah == 0)
                    {
                        continue;
                    }

                    double since = wCum - Math.Max(lastW[g], lastW[h]);
                    if (since > 0)
                    {
                        double term = ag * ah * since;
                        variance[g, h] -= term;
                        if (h != g)
                        {
                            variance[h, g] -= term;
                        }
                    }
                }
            }

            lastE[g] = eCum;
            lastF[g] = fCum;
            lastW[g] = wCum;
        }
    }

    /// <summary>Distinct values in ascending order (strings ordinal) and the index of each element, in one hashing pass.</summary>
    internal static (T[] Levels, int[] Index) Encode<T>(ReadOnlySpan<T> values, string paramName) where T : notnull
    {
        var map = new Dictionary<T, int>();
        var index = new int[values.Length];
        var firstSeen = new List<T>();
        var comparer = EqualityComparer<T>.Default;
        for (int i = 0; i < values.Length; i++)
        {
            var v = values[i];
            if (v is null)
            {
                throw new ArgumentNullException(paramName, $"{paramName}[{i}] is null.");
            }

            int code = Find(firstSeen, v, comparer);
            if (code < 0 && !map.TryGetValue(v, out code))
            {
                code = firstSeen.Count;
                map.Add(v, code);
                firstSeen.Add(v);
            }

            index[i] = code;
        }

        var (levels, order) = SortLevels(firstSeen);
        var remap = new int[levels.Length];
        for (int r = 0; r < order.Length; r++)
        {
            remap[order[r]] = r;
        }

        for (int i = 0; i < index.Length; i++)
        {
            index[i] = remap[index[i]];
        }

        return (levels, index);
    }

    /// <summary>Labels usually take a few values: comparing with the first levels (a reference check for strings read
    /// from one file) avoids hashing; −1 sends the caller to the dictionary.</summary>
    private static int Find<T>(List<T> firstSeen, T value, EqualityComparer<T> comparer)
    {
        for (int l = 0; l < firstSeen.Count && l < 8; l++)
        {
            if (comparer.Equals(firstSeen[l], value))
            {
                return l;
            }
        }

        return -1;
    }

    /// <summary>The levels in ascending order (strings ordinal) and, for each sorted position, its first-seen code.</summary>
    private static (T[] Levels, int[] Order) SortLevels<T>(List<T> firstSeen)
    {
        var levels = firstSeen.ToArray();
        var order = Enumerable.Range(0, levels.Length).ToArray();
        if (typeof(T) == typeof(string))
        {
            Array.Sort((string[])(object)levels, order, StringComparer.Ordinal);
        }
        else
        {
            Array.Sort(levels, order);
        }

        return (levels, order);
    }
}
