namespace CarTRisk.Kernels;

/// <summary>
/// Items grouped by an integer key in one counting pass (a stable counting sort): <see cref="Starts"/> gives each group's
/// offsets, <see cref="Scatter"/> the items group by group, in the order given within a group. O(n + groups).
/// </summary>
internal static class Grouping
{
    /// <summary>starts[g] to starts[g + 1] is group g's range: the counts of each key in 0..groups − 1, prefix-summed.</summary>
    public static int[] Starts(ReadOnlySpan<int> keys, int groups)
    {
        var starts = new int[groups + 1];
        foreach (int g in keys)
        {
            starts[g + 1]++;
        }

        for (int g = 0; g < groups; g++)
        {
            starts[g + 1] += starts[g];
        }

        return starts;
    }

    /// <summary>The items (the indices of <paramref name="keys"/>, visited in <paramref name="order"/>, or 0..n − 1 when
    /// it is empty) placed group by group at <paramref name="starts"/>, keeping the visiting order within a group.</summary>
    public static int[] Scatter(ReadOnlySpan<int> keys, int[] starts, ReadOnlySpan<int> order = default)
    {
        var result = new int[keys.Length];
        var fill = (int[])starts.Clone();
        if (order.IsEmpty)
        {
            for (int i = 0; i < keys.Length; i++)
            {
                result[fill[keys[i]]++] = i;
            }
        }
        else
        {
            foreach (int i in order)
            {
                result[fill[keys[i]]++] = i;
            }
        }

        return result;
    }
}
