namespace CarTRisk;

/// <summary>Binary searches in ascending arrays (times), shared by the estimators.</summary>
internal static class SortedSearch
{
    /// <summary>The number of values ≤ <paramref name="t"/> (the index of the first value &gt; t).</summary>
    public static int CountAtMost(ReadOnlySpan<double> sorted, double t)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (sorted[mid] <= t)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>The number of values &lt; <paramref name="t"/> (the index of the first value ≥ t).</summary>
    public static int CountBelow(ReadOnlySpan<double> sorted, double t)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (sorted[mid] < t)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
