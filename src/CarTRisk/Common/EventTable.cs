using System.Collections.Immutable;
using System.Runtime.InteropServices;
using CarTRisk.Kernels;

namespace CarTRisk;

/// <summary>
/// The sufficient statistics shared by every estimator: the distinct times (ascending) with the number at risk just
/// before each, the events of each cause and the censorings. Built by counting for integer-valued times and by a sort
/// otherwise; can also be built from aggregated counts (a GROUP BY on Spark or DuckDB) and merged, so a cohort too
/// large for one machine is reduced elsewhere and finished here with results identical to the row-level path.
/// </summary>
/// <example>
/// <code>
/// // SELECT time, cause, COUNT(*) FROM cohort GROUP BY time, cause   (on each shard)
/// var table = EventTable.Merge(EventTable.FromCounts(t1, c1, n1), EventTable.FromCounts(t2, c2, n2));
/// var km = KaplanMeier.Estimate(table);
/// var cif = CumulativeIncidence.Estimate(table, eventOfInterest: 1);
/// </code>
/// </example>
public sealed class EventTable
{
    internal EventTable(double[] time, double[] atRisk, double[][] events, double[] censored, bool delayedEntry)
    {
        TimeArray = time;
        AtRiskArray = atRisk;
        EventArrays = events;
        CensoredArray = censored;
        HasDelayedEntry = delayedEntry;
    }

    internal double[] TimeArray { get; }

    internal double[] AtRiskArray { get; }

    /// <summary>[0] is the total over causes, [c] cause c.</summary>
    internal double[][] EventArrays { get; }

    internal double[] CensoredArray { get; }

    /// <summary>The distinct times, ascending.</summary>
    public ImmutableArray<double> Time => ImmutableCollectionsMarshal.AsImmutableArray(TimeArray);

    /// <summary>The number at risk just before each time.</summary>
    public ImmutableArray<double> AtRisk => ImmutableCollectionsMarshal.AsImmutableArray(AtRiskArray);

    /// <summary>Events of any cause at each time.</summary>
    public ImmutableArray<double> Events => ImmutableCollectionsMarshal.AsImmutableArray(EventArrays[0]);

    /// <summary>Censorings at each time.</summary>
    public ImmutableArray<double> Censored => ImmutableCollectionsMarshal.AsImmutableArray(CensoredArray);

    /// <summary>The highest cause code (1 for a plain survival table).</summary>
    public int CauseCount => EventArrays.Length - 1;

    /// <summary>The number of distinct times (rows).</summary>
    public int Count => TimeArray.Length;

    /// <summary>Whether the table was built with delayed entry (its at-risk counts are then not additive).</summary>
    public bool HasDelayedEntry { get; }

    /// <summary>Events of cause <paramref name="cause"/> at each time.</summary>
    /// <param name="cause">1..<see cref="CauseCount"/>.</param>
    /// <returns>The column.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cause"/> is outside 1..CauseCount.</exception>
    public ImmutableArray<double> EventsOf(int cause)
    {
        if (cause < 1 || cause > CauseCount)
        {
            throw new ArgumentOutOfRangeException(nameof(cause), cause, $"cause is {cause}; the table has causes 1..{CauseCount}.");
        }

        return ImmutableCollectionsMarshal.AsImmutableArray(EventArrays[cause]);
    }

    /// <summary>Builds the table from one record per patient.</summary>
    /// <param name="durations">Follow-up times, finite and ≥ 0.</param>
    /// <param name="causes">0 = censored, 1..k = the event that ended follow-up.</param>
    /// <returns>The table.</returns>
    /// <exception cref="ArgumentException">Empty input or lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A duration is negative, NaN or infinite, or a cause is negative
    /// (the message names the index).</exception>
    public static EventTable FromRecords(ReadOnlySpan<double> durations, ReadOnlySpan<int> causes)
    {
        Guard.NotEmpty(durations.Length, nameof(durations));
        Guard.SameLength(durations.Length, nameof(durations), causes.Length, nameof(causes));
        int maxCause = 0;
        for (int i = 0; i < causes.Length; i++)
        {
            if (causes[i] < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(causes), causes[i], $"causes[{i}] is {causes[i]}; causes must be 0 (censored) or a positive cause code.");
            }

            maxCause = Math.Max(maxCause, causes[i]);
        }

        return Build(durations, causes, default, Math.Max(1, maxCause), nameof(durations));
    }

    /// <summary>Builds a one-cause table (event or censored) from one record per patient.</summary>
    /// <param name="durations">Follow-up times, finite and ≥ 0.</param>
    /// <param name="events">Event (true) or censored (false).</param>
    /// <returns>The table.</returns>
    /// <exception cref="ArgumentException">Empty input or lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A duration is negative, NaN or infinite (index named).</exception>
    public static EventTable FromRecords(ReadOnlySpan<double> durations, ReadOnlySpan<bool> events)
    {
        Guard.NotEmpty(durations.Length, nameof(durations));
        Guard.SameLength(durations.Length, nameof(durations), events.Length, nameof(events));
        return Build(durations, default, events, 1, nameof(durations));
    }

    /// <summary>Builds the table from aggregated rows (time, cause, count), in any order; rows with the same time and
    /// cause are added. Equal to <see cref="FromRecords(ReadOnlySpan{double}, ReadOnlySpan{int})"/> on the expanded
    /// records.</summary>
    /// <param name="times">Times, finite and ≥ 0.</param>
    /// <param name="causes">0 = censored, 1..k.</param>
    /// <param name="counts">Counts, finite and ≥ 0 (weights are allowed); at least one positive.</param>
    /// <returns>The table.</returns>
    /// <exception cref="ArgumentException">Empty input, lengths differ, or every count is 0.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad time, cause or count (index named).</exception>
    public static EventTable FromCounts(ReadOnlySpan<double> times, ReadOnlySpan<int> causes, ReadOnlySpan<double> counts)
    {
        Guard.NotEmpty(times.Length, nameof(times));
        Guard.SameLength(times.Length, nameof(times), causes.Length, nameof(causes));
        Guard.SameLength(times.Length, nameof(times), counts.Length, nameof(counts));
        Guard.FiniteNonNegative(times, nameof(times));
        Guard.FiniteNonNegative(counts, nameof(counts));
        int maxCause = 1;
        double total = 0;
        for (int i = 0; i < causes.Length; i++)
        {
            if (causes[i] < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(causes), causes[i], $"causes[{i}] is {causes[i]}; causes must be 0 (censored) or a positive cause code.");
            }

            maxCause = Math.Max(maxCause, causes[i]);
            total += counts[i];
        }

        if (total == 0)
        {
            throw new ArgumentException("counts are all 0; the table would be empty.", nameof(counts));
        }

        var keys = times.ToArray();
        var order = new int[keys.Length];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(keys, order);
        var rowTime = new List<double>();
        var rowCounts = new List<double[]>();
        for (int i = 0; i < keys.Length; i++)
        {
            double w = counts[order[i]];
            if (w == 0)
            {
                continue;
            }

            if (rowTime.Count == 0 || rowTime[^1] != keys[i])
            {
                rowTime.Add(keys[i]);
                rowCounts.Add(new double[maxCause + 1]);
            }

            rowCounts[^1][causes[order[i]]] += w;
        }

        return Assemble(rowTime.ToArray(), rowCounts, maxCause);
    }

    /// <summary>Merges two right-censored tables (e.g. the shards of a cohort): counts are added time by time and the
    /// numbers at risk recomputed. The result equals the table of the pooled records.</summary>
    /// <param name="first">A table.</param>
    /// <param name="second">Another table.</param>
    /// <returns>The merged table.</returns>
    /// <exception cref="ArgumentNullException">A table is null.</exception>
    /// <exception cref="ArgumentException">A table was built with delayed entry (its risk sets are not additive).</exception>
    public static EventTable Merge(EventTable first, EventTable second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.HasDelayedEntry || second.HasDelayedEntry)
        {
            throw new ArgumentException("a table built with delayed entry cannot be merged; merge the records instead.",
                first.HasDelayedEntry ? nameof(first) : nameof(second));
        }

        int k = Math.Max(first.CauseCount, second.CauseCount);
        var times = new List<double>();
        var rows = new List<double[]>();
        int i = 0, j = 0;
        while (i < first.Count || j < second.Count)
        {
            double t = j >= second.Count || (i < first.Count && first.TimeArray[i] <= second.TimeArray[j])
                ? first.TimeArray[i] : second.TimeArray[j];
            var row = new double[k + 1];
            if (i < first.Count && first.TimeArray[i] == t)
            {
                first.AddRow(i++, row);
            }

            if (j < second.Count && second.TimeArray[j] == t)
            {
                second.AddRow(j++, row);
            }

            times.Add(t);
            rows.Add(row);
        }

        return Assemble(times.ToArray(), rows, k);
    }

    private void AddRow(int index, double[] row)
    {
        row[0] += CensoredArray[index];
        for (int c = 1; c <= CauseCount; c++)
        {
            row[c] += EventArrays[c][index];
        }
    }

    /// <summary>Rows of counts by cause (index 0 = censored) to a table; at risk is the suffix sum.</summary>
    internal static EventTable Assemble(double[] time, IReadOnlyList<double[]> rows, int causeCount)
    {
        int m = time.Length;
        var atRisk = new double[m];
        var censored = new double[m];
        var events = new double[causeCount + 1][];
        for (int c = 0; c <= causeCount; c++)
        {
            events[c] = new double[m];
        }

        for (int r = 0; r < m; r++)
        {
            censored[r] = rows[r][0];
            for (int c = 1; c <= causeCount; c++)
            {
                events[c][r] = rows[r][c];
                events[0][r] += rows[r][c];
            }
        }

        double remaining = 0;
        for (int r = m - 1; r >= 0; r--)
        {
            remaining += censored[r] + events[0][r];
            atRisk[r] = remaining;
        }

        return new EventTable(time, atRisk, events, censored, delayedEntry: false);
    }

    /// <summary>Validates the durations (one vectorised pass) and builds the table by counting (integer times) or by a
    /// sort. Exactly one of <paramref name="causes"/> and <paramref name="events"/> is non-empty.</summary>
    internal static EventTable Build(ReadOnlySpan<double> durations, ReadOnlySpan<int> causes, ReadOnlySpan<bool> events,
        int causeCount, string durationsName)
    {
        var scan = Guard.Durations(durations, durationsName);

        int n = durations.Length;
        if (scan.AllIntegers && scan.Max <= TableKernels.CountingLimit && scan.Max <= (8.0 * n) + 65_536)
        {
            return ByCounting(durations, causes, events, causeCount, (int)scan.Max);
        }

        return BySorting(durations, causes, events, causeCount, default);
    }

    private static EventTable ByCounting(ReadOnlySpan<double> durations, ReadOnlySpan<int> causes, ReadOnlySpan<bool> events,
        int causeCount, int max)
    {
        int stride = causeCount + 1;
        var counts = new int[(max + 1) * stride];
        if (causes.IsEmpty)
        {
            TableKernels.CountEvents(durations, events, counts);
        }
        else
        {
            TableKernels.CountCauses(durations, causes, counts, stride);
        }

        int m = 0;
        for (int t = 0; t <= max; t++)
        {
            for (int c = 0; c < stride; c++)
            {
                if (counts[(t * stride) + c] != 0)
                {
                    m++;
                    break;
                }
            }
        }

        var time = new double[m];
        var atRisk = new double[m];
        var censored = new double[m];
        var ev = new double[stride][];
        for (int c = 0; c < stride; c++)
        {
            ev[c] = new double[m];
        }

        int row = m;
        double remaining = 0;
        for (int t = max; t >= 0; t--)
        {
            int b = t * stride;
            int total = 0;
            for (int c = 0; c < stride; c++)
            {
                total += counts[b + c];
            }

            if (total == 0)
            {
                continue;
            }

            row--;
            time[row] = t;
            censored[row] = counts[b];
            for (int c = 1; c < stride; c++)
            {
                ev[c][row] = counts[b + c];
            }

            ev[0][row] = total - counts[b];
            remaining += total;
            atRisk[row] = remaining;
        }

        return new EventTable(time, atRisk, ev, censored, delayedEntry: false);
    }

    /// <summary>The general path: sort (a copy) by time; optional entry times give at risk = #{entry &lt; t ≤ exit}.
    /// Without delayed entry (and with causes up to 255) an O(n) bucket sort is used, else Array.Sort.</summary>
    internal static EventTable BySorting(ReadOnlySpan<double> durations, ReadOnlySpan<int> causes, ReadOnlySpan<bool> events,
        int causeCount, ReadOnlySpan<double> entry)
    {
        if (entry.IsEmpty && causeCount <= byte.MaxValue)
        {
            var (sortedKeys, byteItems) = BucketSort.Sort(durations, causes, events);
            return FormRows(sortedKeys, byteItems, causeCount, default);
        }

        int n = durations.Length;
        var keys = durations.ToArray();
        var items = new int[n];
        for (int i = 0; i < n; i++)
        {
            items[i] = causes.IsEmpty ? (events[i] ? 1 : 0) : causes[i];
        }

        Array.Sort(keys, items);
        return FormRows(keys, items, causeCount, entry);
    }

    /// <summary>One pass over records sorted by time that forms the rows; at risk counts those exiting at or after each
    /// time, less (with delayed entry) those not yet entered.</summary>
    private static EventTable FormRows<TItem>(double[] keys, TItem[] items, int causeCount, ReadOnlySpan<double> entry)
        where TItem : System.Numerics.IBinaryInteger<TItem>
    {
        int n = keys.Length;
        int distinct = 0;
        for (int i = 0; i < n; i++)
        {
            if (i == 0 || keys[i] != keys[i - 1])
            {
                distinct++;
            }
        }

        var t = new double[distinct];
        var atRisk = new double[distinct];
        var censored = new double[distinct];
        // With one cause the cause column equals the total: one array serves both (n rows fewer to allocate).
        var ev = new double[causeCount + 1][];
        for (int c = 0; c <= causeCount; c++)
        {
            ev[c] = c == 1 && causeCount == 1 ? ev[0] : new double[distinct];
        }

        double[]? entries = null;
        if (!entry.IsEmpty)
        {
            entries = entry.ToArray();
            Array.Sort(entries);
        }

        int row = -1, entryIndex = 0;
        for (int i = 0; i < n; i++)
        {
            if (i == 0 || keys[i] != keys[i - 1])
            {
                row++;
                t[row] = keys[i];
                double exitingAtOrAfter = n - i;
                if (entries is not null)
                {
                    while (entryIndex < entries.Length && entries[entryIndex] < keys[i])
                    {
                        entryIndex++;
                    }

                    exitingAtOrAfter -= entries.Length - entryIndex;   // not yet entered
                }

                atRisk[row] = exitingAtOrAfter;
            }

            int cause = int.CreateTruncating(items[i]);
            if (cause == 0)
            {
                censored[row]++;
            }
            else
            {
                ev[0][row]++;
                if (causeCount > 1)
                {
                    ev[cause][row]++;
                }
            }
        }

        return new EventTable(t, atRisk, ev, censored, delayedEntry: entries is not null);
    }
}
