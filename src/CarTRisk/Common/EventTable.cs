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
    internal EventTable(double[] time, double[] atRisk, double[][] events, double[] censored, bool delayedEntry,
        CauseCoding? coding = null)
    {
        Coding = coding ?? CauseCoding.Dense(events.Length - 1);
        if (Coding.Count != events.Length - 1)
        {
            throw new InvalidOperationException("cause coding and event columns disagree.");
        }

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

    internal CauseCoding Coding { get; }

    /// <summary>The cause code of each event column: <see cref="EventsOf"/> takes these codes. For codes up to 64 they
    /// are 1..max (absent codes included, with zero events); beyond that, the distinct codes present, ascending, so the
    /// table's size grows with the number of distinct codes, never with the largest.</summary>
    public ImmutableArray<int> CauseCodes => ImmutableArray.Create(Coding.Codes);

    /// <summary>The distinct times, ascending.</summary>
    public ImmutableArray<double> Time => ImmutableCollectionsMarshal.AsImmutableArray(TimeArray);

    /// <summary>The number at risk just before each time.</summary>
    public ImmutableArray<double> AtRisk => ImmutableCollectionsMarshal.AsImmutableArray(AtRiskArray);

    /// <summary>Events of any cause at each time.</summary>
    public ImmutableArray<double> Events => ImmutableCollectionsMarshal.AsImmutableArray(EventArrays[0]);

    /// <summary>Censorings at each time.</summary>
    public ImmutableArray<double> Censored => ImmutableCollectionsMarshal.AsImmutableArray(CensoredArray);

    /// <summary>The number of event columns (<see cref="CauseCodes"/>.Length): the highest cause code when codes are
    /// at most 64, else the number of distinct codes (1 for a plain survival table).</summary>
    public int CauseCount => EventArrays.Length - 1;

    /// <summary>The number of distinct times (rows).</summary>
    public int Count => TimeArray.Length;

    /// <summary>How many records had their time moved by R's near-tie rule (<c>timefix = TRUE</c>, survival's
    /// <c>aeqSurv</c>: times that differ only by rounding are merged to the first of them); 0 when none was, or when
    /// exact times were asked for. Tables from counts and merges report 0 (the rule applies to record times).</summary>
    public int NearTiesMerged { get; internal set; }

    /// <summary>Whether the table was built with delayed entry (its at-risk counts are then not additive).</summary>
    public bool HasDelayedEntry { get; }

    /// <summary>Events of cause <paramref name="cause"/> at each time.</summary>
    /// <param name="cause">A cause code ≥ 1; a code that never occurs has a defined all-zero column.</param>
    /// <returns>The column.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cause"/> is below 1.</exception>
    public ImmutableArray<double> EventsOf(int cause)
    {
        Guard.EventCause(cause);
        int column = Coding.ColumnOf(cause);
        return column < 0
            ? ImmutableCollectionsMarshal.AsImmutableArray(new double[Count])
            : ImmutableCollectionsMarshal.AsImmutableArray(EventArrays[column]);
    }

    /// <summary>This table with a zero event column for <paramref name="cause"/> when it has none (so an estimator of
    /// a cause that never occurs gets a defined all-zero curve).</summary>
    internal EventTable WithCause(int cause)
    {
        if (Coding.ColumnOf(cause) > 0)
        {
            return this;
        }

        var coding = CauseCoding.Union(Coding, Coding.Identity && cause <= CauseCoding.DenseLimit
            ? CauseCoding.Dense(cause) : CauseCoding.FromCodes([cause]));
        var events = new double[coding.Count + 1][];
        events[0] = EventArrays[0];
        for (int c = 1; c <= coding.Count; c++)
        {
            int old = Coding.ColumnOf(coding.Codes[c - 1]);
            events[c] = old > 0 ? EventArrays[old] : new double[Count];   // read-only columns may be shared
        }

        return new EventTable(TimeArray, AtRiskArray, events, CensoredArray, HasDelayedEntry, coding) { NearTiesMerged = NearTiesMerged };
    }

    /// <summary>Builds the table from one record per patient.</summary>
    /// <param name="durations">Follow-up times, finite and ≥ 0.</param>
    /// <param name="causes">0 = censored, any code ≥ 1 = the event that ended follow-up (see <see cref="CauseCodes"/>).</param>
    /// <returns>The table.</returns>
    /// <exception cref="ArgumentException">Empty input or lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A duration is negative, NaN or infinite, or a cause is negative
    /// (the message names the index).</exception>
    public static EventTable FromRecords(ReadOnlySpan<double> durations, ReadOnlySpan<int> causes) =>
        FromRecords(durations, causes, timeFix: true);

    /// <inheritdoc cref="FromRecords(ReadOnlySpan{double}, ReadOnlySpan{int})"/>
    /// <param name="durations">Follow-up times, finite and ≥ 0.</param>
    /// <param name="causes">0 = censored, any code ≥ 1.</param>
    /// <param name="timeFix">Merge times that differ only by rounding, as R's <c>timefix = TRUE</c> (default); false
    /// keeps exact times (= cmprsk::cuminc, <c>timefix = FALSE</c>).</param>
    public static EventTable FromRecords(ReadOnlySpan<double> durations, ReadOnlySpan<int> causes, bool timeFix)
    {
        Guard.NotEmpty(durations.Length, nameof(durations));
        Guard.SameLength(durations.Length, nameof(durations), causes.Length, nameof(causes));
        var coding = CauseCoding.Scan(causes, nameof(causes));
        return Build(durations, causes, default, coding, nameof(durations), timeFix);
    }

    /// <summary>Builds a one-cause table (event or censored) from one record per patient.</summary>
    /// <param name="durations">Follow-up times, finite and ≥ 0.</param>
    /// <param name="events">Event (true) or censored (false).</param>
    /// <returns>The table.</returns>
    /// <exception cref="ArgumentException">Empty input or lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A duration is negative, NaN or infinite (index named).</exception>
    public static EventTable FromRecords(ReadOnlySpan<double> durations, ReadOnlySpan<bool> events) =>
        FromRecords(durations, events, timeFix: true);

    /// <inheritdoc cref="FromRecords(ReadOnlySpan{double}, ReadOnlySpan{bool})"/>
    /// <param name="durations">Follow-up times, finite and ≥ 0.</param>
    /// <param name="events">Event (true) or censored (false).</param>
    /// <param name="timeFix">Merge times that differ only by rounding, as R's <c>timefix = TRUE</c> (default).</param>
    public static EventTable FromRecords(ReadOnlySpan<double> durations, ReadOnlySpan<bool> events, bool timeFix)
    {
        Guard.NotEmpty(durations.Length, nameof(durations));
        Guard.SameLength(durations.Length, nameof(durations), events.Length, nameof(events));
        return Build(durations, default, events, CauseCoding.Dense(1), nameof(durations), timeFix);
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
        var coding = CauseCoding.Scan(causes, nameof(causes));
        var columns = coding.Columns(causes);
        int maxCause = coding.Count;
        double total = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            total += counts[i];
        }

        if (!double.IsFinite(total))
        {
            throw new ArgumentOutOfRangeException(nameof(counts), total, "counts add up to more than the largest double; the numbers at risk would overflow.");
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

            rowCounts[^1][columns[order[i]]] += w;
        }

        return Assemble(rowTime.ToArray(), rowCounts, coding);
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

        var coding = CauseCoding.Union(first.Coding, second.Coding);
        int k = coding.Count;
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
                first.AddRow(i++, row, coding);
            }

            if (j < second.Count && second.TimeArray[j] == t)
            {
                second.AddRow(j++, row, coding);
            }

            times.Add(t);
            rows.Add(row);
        }

        return Assemble(times.ToArray(), rows, coding);
    }

    private void AddRow(int index, double[] row, CauseCoding target)
    {
        row[0] += CensoredArray[index];
        for (int c = 1; c <= CauseCount; c++)
        {
            row[target.ColumnOf(Coding.Codes[c - 1])] += EventArrays[c][index];
        }
    }

    /// <summary>Rows of counts by cause (index 0 = censored) to a table; at risk is the suffix sum.</summary>
    internal static EventTable Assemble(double[] time, IReadOnlyList<double[]> rows, CauseCoding coding)
    {
        int causeCount = coding.Count;
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

        return new EventTable(time, atRisk, events, censored, delayedEntry: false, coding);
    }

    /// <summary>Validates the durations (one vectorised pass) and builds the table by counting (integer times) or by a
    /// sort. Exactly one of <paramref name="causes"/> and <paramref name="events"/> is non-empty.</summary>
    internal static EventTable Build(ReadOnlySpan<double> durations, ReadOnlySpan<int> causes, ReadOnlySpan<bool> events,
        CauseCoding coding, string durationsName, bool timeFix = true)
    {
        var scan = Guard.Durations(durations, durationsName);
        if (!causes.IsEmpty)
        {
            causes = coding.Columns(causes);
        }

        if (timeFix && TimeFix.MayApply(scan) && TimeFix.Apply(durations, default) is { } fix)
        {
            var fixedTable = BySorting(fix.Exit, causes, events, coding, default);
            fixedTable.NearTiesMerged = fix.Moved;
            return fixedTable;
        }

        int causeCount = coding.Count;

        int n = durations.Length;
        if (scan.AllIntegers && scan.Max <= TableKernels.CountingLimit && scan.Max <= (8.0 * n) + 65_536)
        {
            return ByCounting(durations, causes, events, coding, (int)scan.Max);
        }

        return BySorting(durations, causes, events, coding, default);
    }

    private static EventTable ByCounting(ReadOnlySpan<double> durations, ReadOnlySpan<int> causes, ReadOnlySpan<bool> events,
        CauseCoding coding, int max)
    {
        int stride = coding.Count + 1;
        long cells = ((long)max + 1) * stride;
        if (cells > Array.MaxLength / 2)
        {
            return BySorting(durations, causes, events, coding, default);
        }

        var counts = new int[cells];
        if (causes.IsEmpty)
        {
            if (TableKernels.CountEvents(durations, events, counts) is int badTime and >= 0)
            {
                throw new InvalidOperationException($"internal: durations[{badTime}] falls outside the counting table.");
            }
        }
        else if (TableKernels.CountCauses(durations, causes, counts, stride) is int bad and >= 0)
        {
            throw new InvalidOperationException($"internal: cause column {causes[bad]} at index {bad} is outside the table.");
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

        return new EventTable(time, atRisk, ev, censored, delayedEntry: false, coding);
    }

    /// <summary>Delayed entry: R's near-tie rule on entry and exit pooled (when asked), then the sort path.</summary>
    internal static EventTable BuildWithEntry(ReadOnlySpan<double> durations, ReadOnlySpan<int> causes, ReadOnlySpan<bool> events,
        CauseCoding coding, ReadOnlySpan<double> entry, bool timeFix)
    {
        if (!causes.IsEmpty)
        {
            causes = coding.Columns(causes);
        }

        var cols = causes.IsEmpty ? events.ToArray().Select(e => e ? 1 : 0).ToArray() : causes.ToArray();
        if (timeFix && TimeFix.Apply(durations, entry) is { } fix)
        {
            var fixedTable = BySorting(fix.Exit, causes, events, coding, fix.Entry);
            fixedTable.NearTiesMerged = fix.Moved;
            fixedTable.DelayedRecords = (fix.Entry!, fix.Exit, cols);
            return fixedTable;
        }

        var table = BySorting(durations, causes, events, coding, entry);
        table.DelayedRecords = (entry.ToArray(), durations.ToArray(), cols);
        return table;
    }

    /// <summary>The records behind a delayed-entry table (entry, exit after the near-tie rule, cause column), for the
    /// infinitesimal-jackknife standard errors, which depend on each record's entry.</summary>
    internal (double[] Entry, double[] Exit, int[] Columns)? DelayedRecords { get; private set; }

    /// <summary>The general path: sort (a copy) by time; optional entry times give at risk = #{entry &lt; t ≤ exit}.
    /// Without delayed entry (and with causes up to 255) an O(n) bucket sort is used, else Array.Sort.</summary>
    internal static EventTable BySorting(ReadOnlySpan<double> durations, ReadOnlySpan<int> causes, ReadOnlySpan<bool> events,
        CauseCoding coding, ReadOnlySpan<double> entry)
    {
        int causeCount = coding.Count;
        if (entry.IsEmpty && causeCount <= byte.MaxValue)
        {
            var (sortedKeys, byteItems) = BucketSort.Sort(durations, causes, events);
            return FormRows(sortedKeys, byteItems, coding, default);
        }

        int n = durations.Length;
        var keys = durations.ToArray();
        var items = new int[n];
        for (int i = 0; i < n; i++)
        {
            items[i] = causes.IsEmpty ? (events[i] ? 1 : 0) : causes[i];
        }

        Array.Sort(keys, items);
        return FormRows(keys, items, coding, entry);
    }

    /// <summary>One pass over records sorted by time that forms the rows; at risk counts those exiting at or after each
    /// time, less (with delayed entry) those not yet entered.</summary>
    private static EventTable FormRows<TItem>(double[] keys, TItem[] items, CauseCoding coding, ReadOnlySpan<double> entry)
        where TItem : System.Numerics.IBinaryInteger<TItem>
    {
        int causeCount = coding.Count;
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
            if ((uint)cause > (uint)causeCount)
            {
                throw new InvalidOperationException($"internal: cause column {cause} is outside the table.");
            }

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

        return new EventTable(t, atRisk, ev, censored, delayedEntry: entries is not null, coding);
    }
}
