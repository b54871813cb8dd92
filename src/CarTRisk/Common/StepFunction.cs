namespace CarTRisk;

/// <summary>Lookups on right-continuous step functions stored as ascending distinct times.</summary>
internal static class StepFunction
{
    /// <summary>The index of the last time ≤ <paramref name="t"/>, or −1 when <paramref name="t"/> is before the first.</summary>
    public static int LastAtOrBefore(ReadOnlySpan<double> times, double t)
    {
        int i = times.BinarySearch(t);
        return i >= 0 ? i : ~i - 1;
    }
}
