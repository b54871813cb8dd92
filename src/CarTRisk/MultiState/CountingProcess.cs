using System.Collections.Immutable;
using System.Globalization;

namespace CarTRisk;

/// <summary>The result of <see cref="CountingProcess.SurvSplit"/>: (start, stop] pieces of the input rows.</summary>
public sealed class SplitResult
{
    internal SplitResult()
    {
    }

    /// <summary>The 0-based input row of each piece (input order, pieces in time order).</summary>
    public ImmutableArray<int> Row { get; internal init; }

    /// <summary>The start of each piece.</summary>
    public ImmutableArray<double> Start { get; internal init; }

    /// <summary>The stop of each piece.</summary>
    public ImmutableArray<double> Stop { get; internal init; }

    /// <summary>The row's status on its last piece, 0 before.</summary>
    public ImmutableArray<int> Status { get; internal init; }

    /// <summary>1 + the number of distinct cuts ≤ the piece's start.</summary>
    public ImmutableArray<int> Episode { get; internal init; }
}

/// <summary>A change of a time-varying covariate: from <paramref name="Time"/> on, <paramref name="Covariate"/> of
/// subject <paramref name="Id"/> is <paramref name="Value"/>.</summary>
/// <param name="Id">The subject.</param>
/// <param name="Time">When the value starts to hold (a baseline value: time 0).</param>
/// <param name="Covariate">The covariate's name.</param>
/// <param name="Value">The new value.</param>
public readonly record struct TimeVaryingChange(string Id, double Time, string Covariate, double Value);

/// <summary>Counting-process rows (start, stop] per subject with time-varying covariates (= survival's <c>tmerge</c>).</summary>
public sealed class TimeVaryingData
{
    internal TimeVaryingData()
    {
    }

    /// <summary>The subject of each row (subjects in the order given, rows in time order).</summary>
    public ImmutableArray<string> Ids { get; internal init; }

    /// <summary>Row starts.</summary>
    public ImmutableArray<double> Start { get; internal init; }

    /// <summary>Row stops.</summary>
    public ImmutableArray<double> Stop { get; internal init; }

    /// <summary>The subject's status on its last row, 0 before.</summary>
    public ImmutableArray<int> Status { get; internal init; }

    /// <summary>Each covariate's value per row (NaN before its first change).</summary>
    public IReadOnlyDictionary<string, ImmutableArray<double>> Covariates { get; internal init; } = new Dictionary<string, ImmutableArray<double>>();

    /// <summary>The covariates in order of first appearance among the changes.</summary>
    public ImmutableArray<string> CovariateNames { get; internal init; }

    /// <summary>Changes whose Id is not a subject (ignored).</summary>
    public int IgnoredChanges { get; internal init; }

    /// <summary>Changes at or after the subject's follow-up (ignored, as tmerge's "late").</summary>
    public int LateChanges { get; internal init; }

    /// <summary>The design matrix of numeric covariates in the order given (e.g. for a time-dependent Cox model).</summary>
    /// <param name="names">Covariate names.</param>
    /// <returns>The matrix.</returns>
    /// <exception cref="ArgumentException">An unknown name, or a NaN (a row before the covariate's first change): the
    /// message names the rows.</exception>
    public DesignMatrix Design(params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var cols = new List<Covariate>();
        foreach (string name in names)
        {
            if (!Covariates.TryGetValue(name, out var values))
            {
                throw new ArgumentException($"'{name}' is not a covariate (have: {string.Join(", ", CovariateNames)}).", nameof(names));
            }

            var missing = Enumerable.Range(0, values.Length).Where(i => double.IsNaN(values[i])).Take(11).ToArray();
            if (missing.Length > 0)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"covariate '{name}' is NaN (before its first change) in row(s) {string.Join(", ", missing.Take(10))}{(missing.Length > 10 ? ", ..." : "")} (subject {Ids[missing[0]]}): give a value at time 0."), nameof(names));
            }

            cols.Add(Covariate.Numeric(name, values.AsSpan()));
        }

        return DesignMatrix.Build([.. cols]);
    }
}

/// <summary>Counting-process data: splitting follow-up at cut points, and merging time-varying covariates.</summary>
public static class CountingProcess
{
    /// <summary>Splits each (start, stop] row at the cuts strictly inside it (= <c>survSplit(Surv(start, stop, status) ~
    /// row, data, cut = cuts, episode = "episode")</c>): pieces in time order; the status on the last piece; episode =
    /// 1 + the number of distinct cuts ≤ the piece's start. Cuts may be unsorted or repeated; a cut equal to a row's
    /// start or stop splits nothing.</summary>
    /// <param name="start">Row starts, finite.</param>
    /// <param name="stop">Row stops, finite and &gt; start.</param>
    /// <param name="status">Row status (0 = no event).</param>
    /// <param name="cuts">The cut points, finite.</param>
    /// <returns>The pieces.</returns>
    /// <exception cref="ArgumentException">Lengths differ; a value not finite or a stop not after its start (index named).</exception>
    public static SplitResult SurvSplit(ReadOnlySpan<double> start, ReadOnlySpan<double> stop, ReadOnlySpan<int> status, ReadOnlySpan<double> cuts)
    {
        int n = start.Length;
        Guard.SameLength(n, nameof(start), stop.Length, nameof(stop));
        Guard.SameLength(n, nameof(start), status.Length, nameof(status));
        for (int i = 0; i < cuts.Length; i++)
        {
            if (!double.IsFinite(cuts[i]))
            {
                throw new ArgumentException($"cuts[{i}] is {Guard.Show(cuts[i])}.", nameof(cuts));
            }
        }

        var c = cuts.ToArray().Distinct().Order().ToArray();
        var row = new List<int>(n);
        var s0 = new List<double>(n);
        var s1 = new List<double>(n);
        var st = new List<int>(n);
        var ep = new List<int>(n);
        for (int i = 0; i < n; i++)
        {
            double a = start[i], b = stop[i];
            if (!double.IsFinite(a) || !double.IsFinite(b) || !(a < b))
            {
                throw new ArgumentException($"row {i}: (start, stop] = ({Guard.Show(a)}, {Guard.Show(b)}]; both must be finite with start < stop.", nameof(stop));
            }

            int k = SortedSearch.CountAtMost(c, a);   // cuts <= a
            double left = a;
            while (k < c.Length && c[k] < b)
            {
                row.Add(i);
                s0.Add(left);
                s1.Add(c[k]);
                st.Add(0);
                ep.Add(SortedSearch.CountAtMost(c, left) + 1);
                left = c[k];
                k++;
            }

            row.Add(i);
            s0.Add(left);
            s1.Add(b);
            st.Add(status[i]);
            ep.Add(SortedSearch.CountAtMost(c, left) + 1);
        }

        return new SplitResult { Row = [.. row], Start = [.. s0], Stop = [.. s1], Status = [.. st], Episode = [.. ep] };
    }

    /// <summary>Counting-process rows with time-varying covariates (= <c>tm &lt;- tmerge(base, base, id = id, death =
    /// event(followUp, status))</c>, then for each covariate x <c>tm &lt;- tmerge(tm, changes[covariate == x, ], id = id,
    /// x = tdc(time, value))</c>): per subject (in the order of <paramref name="ids"/>) rows from 0 to the follow-up,
    /// split at every change time strictly inside (0, followUp); on (start, stop] a covariate has its latest change at or
    /// before start (NaN before the first); a change at time ≤ 0 holds from 0; a change at or after the follow-up is
    /// ignored (counted in <see cref="TimeVaryingData.LateChanges"/>); of several changes of one covariate at one time
    /// the last in the list wins; a change for an Id not in <paramref name="ids"/> is ignored and counted in
    /// <see cref="TimeVaryingData.IgnoredChanges"/>. The status is on the subject's last row.</summary>
    /// <param name="ids">One id per subject, distinct, non-empty.</param>
    /// <param name="followUp">Follow-up per subject, finite and &gt; 0.</param>
    /// <param name="status">Status at the end of follow-up.</param>
    /// <param name="changes">The covariate changes (any order).</param>
    /// <returns>The rows.</returns>
    /// <exception cref="ArgumentNullException">A null argument.</exception>
    /// <exception cref="ArgumentException">Lengths differ; a repeated or empty id; a follow-up not finite and &gt; 0; a change
    /// with a non-finite time or value or an empty covariate name (index named).</exception>
    public static TimeVaryingData Tmerge(IReadOnlyList<string> ids, ReadOnlySpan<double> followUp, ReadOnlySpan<int> status,
        IReadOnlyList<TimeVaryingChange> changes)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(changes);
        int n = ids.Count;
        Guard.SameLength(n, nameof(ids), followUp.Length, nameof(followUp));
        Guard.SameLength(n, nameof(ids), status.Length, nameof(status));
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            if (string.IsNullOrEmpty(ids[i]))
            {
                throw new ArgumentException($"ids[{i}] is empty.", nameof(ids));
            }

            if (!index.TryAdd(ids[i], i))
            {
                throw new ArgumentException($"ids[{i}] '{ids[i]}' repeats ids[{index[ids[i]]}]: one row per subject.", nameof(ids));
            }

            if (!(double.IsFinite(followUp[i]) && followUp[i] > 0))
            {
                throw new ArgumentException($"followUp[{i}] is {Guard.Show(followUp[i])}; it must be finite and > 0.", nameof(followUp));
            }
        }

        var names = new List<string>();
        var nameIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var bySubject = new List<(double Time, int Covariate, double Value, int Order)>[n];
        int ignored = 0, late = 0;
        for (int k = 0; k < changes.Count; k++)
        {
            var ch = changes[k];
            if (string.IsNullOrEmpty(ch.Covariate))
            {
                throw new ArgumentException($"changes[{k}] has no covariate name.", nameof(changes));
            }

            if (!double.IsFinite(ch.Time) || double.IsInfinity(ch.Value))
            {
                throw new ArgumentException($"changes[{k}] ({ch.Id}, {ch.Covariate}) has time {Guard.Show(ch.Time)} and value {Guard.Show(ch.Value)}; both must be finite.", nameof(changes));
            }

            if (!nameIndex.TryGetValue(ch.Covariate, out int cv))
            {
                cv = names.Count;
                nameIndex[ch.Covariate] = cv;
                names.Add(ch.Covariate);
            }

            if (ch.Id is null || !index.TryGetValue(ch.Id, out int subject))
            {
                ignored++;
                continue;
            }

            if (ch.Time >= followUp[subject])
            {
                late++;
                continue;
            }

            (bySubject[subject] ??= []).Add((Math.Max(0, ch.Time), cv, ch.Value, k));
        }

        int q = names.Count;
        var outIds = new List<string>();
        var s0 = new List<double>();
        var s1 = new List<double>();
        var st = new List<int>();
        var values = new List<double>[q];
        for (int v = 0; v < q; v++)
        {
            values[v] = [];
        }

        var current = new double[q];
        for (int i = 0; i < n; i++)
        {
            var list = bySubject[i] ?? [];
            list.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.Order.CompareTo(b.Order));
            var cutsInside = list.Select(x => x.Time).Where(t => t > 0).Distinct().ToList();
            Array.Fill(current, double.NaN);
            int next = 0;
            double left = 0;
            for (int piece = 0; piece <= cutsInside.Count; piece++)
            {
                double right = piece < cutsInside.Count ? cutsInside[piece] : followUp[i];

                // every change at or before the piece's start, in time order (the last of a tie wins)
                while (next < list.Count && list[next].Time <= left)
                {
                    current[list[next].Covariate] = list[next].Value;
                    next++;
                }

                outIds.Add(ids[i]);
                s0.Add(left);
                s1.Add(right);
                st.Add(piece == cutsInside.Count ? status[i] : 0);
                for (int v = 0; v < q; v++)
                {
                    values[v].Add(current[v]);
                }

                left = right;
            }
        }

        var dict = new Dictionary<string, ImmutableArray<double>>(StringComparer.Ordinal);
        for (int v = 0; v < q; v++)
        {
            dict[names[v]] = [.. values[v]];
        }

        return new TimeVaryingData
        {
            Ids = [.. outIds],
            Start = [.. s0],
            Stop = [.. s1],
            Status = [.. st],
            Covariates = dict,
            CovariateNames = [.. names],
            IgnoredChanges = ignored,
            LateChanges = late,
        };
    }
}
