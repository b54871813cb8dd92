namespace CarTRisk;

/// <summary>Event tables of case-weighted records on the time grid of the unweighted table (after timefix): the weighted
/// numbers at risk, events and censorings (Σw), the same with squared weights (Σw², for the infinitesimal jackknife,
/// whose variance is Σᵢ (wᵢ Uᵢ)²), and the plain counts.</summary>
internal static class WeightedTables
{
    public static void ValidateWeights(double[] weights, int n, string options = "options")
    {
        if (weights.Length != n)
        {
            throw new ArgumentException($"Weights has {weights.Length} values; there are {n} records.", options);
        }

        bool any = false;
        for (int i = 0; i < n; i++)
        {
            double w = weights[i];
            if (!double.IsFinite(w) || w < 0)
            {
                throw new ArgumentException($"Weights[{i}] is {Guard.Show(w)}; case weights must be finite and >= 0.", options);
            }

            any |= w > 0;
        }

        if (!any)
        {
            throw new ArgumentException("every case weight is 0.", options);
        }
    }

    /// <summary>Builds the three tables. <paramref name="causes"/> (causes, 0 = censored) or <paramref name="events"/>.</summary>
    public static (EventTable Weighted, EventTable Squares, EventTable Counts) Build(ReadOnlySpan<double> durations, ReadOnlySpan<int> causes,
        ReadOnlySpan<bool> events, CauseCoding coding, double[] weights, string durationsName, bool timeFix)
    {
        // timefix once: the merged times give both the grid (the unweighted table) and each record's row
        ReadOnlySpan<double> times = durations;
        var scan = Guard.Durations(durations, durationsName);
        int moved = 0;
        if (timeFix && TimeFix.MayApply(scan) && TimeFix.Apply(durations, default) is { } fix)
        {
            times = fix.Exit;
            moved = fix.Moved;
        }

        var counts = EventTable.Build(times, causes, events, coding, durationsName, timeFix: false);
        counts.NearTiesMerged = moved;

        var columns = causes.IsEmpty ? default : coding.Columns(causes);
        int m = counts.Count;
        int k = counts.CauseCount;
        var grid = counts.TimeArray;
        var atRisk = new double[2][];
        var cens = new double[2][];
        var ev = new double[2][][];
        for (int s = 0; s < 2; s++)
        {
            atRisk[s] = new double[m];
            cens[s] = new double[m];
            ev[s] = new double[k + 1][];
            for (int c = 0; c <= k; c++)
            {
                ev[s][c] = new double[m];
            }
        }

        for (int i = 0; i < durations.Length; i++)
        {
            int row = Array.BinarySearch(grid, times[i]);
            if (row < 0)
            {
                throw new InvalidOperationException($"internal: durations[{i}] is not on the table's time grid.");
            }

            int column = causes.IsEmpty ? (events[i] ? 1 : 0) : columns[i];
            double w = weights[i];
            double w2 = w * w;
            atRisk[0][row] += w;
            atRisk[1][row] += w2;
            if (column == 0)
            {
                cens[0][row] += w;
                cens[1][row] += w2;
            }
            else
            {
                ev[0][column][row] += w;
                ev[1][column][row] += w2;
                ev[0][0][row] += w;
                ev[1][0][row] += w2;
            }
        }

        for (int s = 0; s < 2; s++)
        {
            // at risk just before t_j: everyone whose time is >= t_j
            for (int j = m - 2; j >= 0; j--)
            {
                atRisk[s][j] += atRisk[s][j + 1];
            }
        }

        return (new EventTable(grid, atRisk[0], ev[0], cens[0], false, counts.Coding),
            new EventTable(grid, atRisk[1], ev[1], cens[1], false, counts.Coding), counts);
    }
}
