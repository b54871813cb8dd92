namespace CarTRisk;

/// <summary>
/// R's near-tie rule (survival's <c>aeqSurv</c>, applied by <c>survfit</c>, <c>survdiff</c> and <c>coxph</c> with their
/// default <c>timefix = TRUE</c>): among the sorted distinct times y, y[i] is tied to y[i − 1] when
/// y[i] − y[i − 1] ≤ tol or (y[i] − y[i − 1]) / mean(|y|) ≤ tol, tol = sqrt(machine epsilon); every time is then
/// replaced by the first time of its chain of ties. Times computed as days / 30.4375 or age + days / 365.25 thus tie
/// as they do in R. Integer-valued times below 1/tol (6.7e7) can never tie and are left alone without a sort.
/// </summary>
internal static class TimeFix
{
    public const double Tolerance = 1.4901161193847656e-08;

    /// <summary>Whether the rule can change anything: false for whole numbers below 1/tol.</summary>
    public static bool MayApply(Kernels.RangeScan scan) => !(scan.AllIntegers && scan.Max < 1 / Tolerance);

    /// <summary>The times with near-ties merged, or null when nothing is tied. With <paramref name="entryTimes"/> (delayed
    /// entry, <paramref name="entryTimes"/>) both columns are pooled, as aeqSurv does for (start, stop] data, and the adjusted entries are returned too.</summary>
    /// <exception cref="ArgumentException">An entry and its exit collapse to one time (R: "aeqSurv exception, an
    /// interval has effective length 0").</exception>
    public static (double[] Exit, double[]? Entry, int Moved)? Apply(ReadOnlySpan<double> exit, ReadOnlySpan<double> entryTimes)
    {
        int n = exit.Length;
        var entry = entryTimes;
        var all = new double[n + entry.Length];
        exit.CopyTo(all);
        entry.CopyTo(all.AsSpan(n));
        Array.Sort(all);
        int u = 0;
        for (int i = 0; i < all.Length; i++)
        {
            if (i == 0 || all[i] != all[u - 1])
            {
                all[u++] = all[i];
            }
        }

        if (u < 2)
        {
            return null;
        }

        double mean = 0;
        for (int i = 0; i < u; i++)
        {
            mean += Math.Abs(all[i]);
        }

        mean /= u;
        var cuts = new List<double>(u) { all[0] };
        bool any = false;
        for (int i = 1; i < u; i++)
        {
            double dy = all[i] - all[i - 1];
            bool tied = dy <= Tolerance || dy / mean <= Tolerance;
            any |= tied;
            if (!tied)
            {
                cuts.Add(all[i]);
            }
        }

        if (!any)
        {
            return null;
        }

        var cut = cuts.ToArray();
        int moved = 0;
        double Snap(double t)
        {
            int k = Array.BinarySearch(cut, t);
            double v = k >= 0 ? cut[k] : cut[~k - 1];   // findInterval: the largest cut <= t
            return v;
        }

        var newExit = new double[n];
        for (int i = 0; i < n; i++)
        {
            newExit[i] = Snap(exit[i]);
            moved += newExit[i] != exit[i] ? 1 : 0;
        }

        double[]? newEntry = null;
        if (!entry.IsEmpty)
        {
            newEntry = new double[entry.Length];
            for (int i = 0; i < entry.Length; i++)
            {
                newEntry[i] = Snap(entry[i]);
                if (newEntry[i] == newExit[i] && entry[i] != exit[i])
                {
                    throw new ArgumentException($"entryTimes[{i}] = {Guard.Show(entry[i])} and durations[{i}] = {Guard.Show(exit[i])} differ only by rounding, so the interval has effective length 0 (R's aeqSurv stops here too); pass exact times (TimeFix = false) or fix the record.", nameof(entryTimes));
                }
            }
        }

        return (newExit, newEntry, moved);
    }
}
