namespace CarTRisk;

/// <summary>Sample quantiles of sorted data.</summary>
internal static class SampleQuantile
{
    /// <summary>R's default <c>quantile(type = 7)</c>: linear interpolation at h = (n − 1)·p; null for no data.</summary>
    public static double? Type7(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return null;
        }

        double h = (sorted.Count - 1) * p;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }
}
