using System.Collections.Immutable;
using CarTRisk.Kernels;
using CarTRisk.Numerics;

namespace CarTRisk;

/// <summary>The cumulative incidence of one cause at one time.</summary>
/// <param name="Time">The time asked for.</param>
/// <param name="Estimate">The Aalen-Johansen cumulative incidence F_k(t), right-continuous; 0 before the first time.</param>
/// <param name="Variance">cmprsk::cuminc's variance of F_k(t).</param>
/// <param name="Lower">Lower confidence limit (NaN where undefined, e.g. F = 0 on the log scales).</param>
/// <param name="Upper">Upper confidence limit.</param>
/// <param name="BeyondFollowUp">Whether the time is past the last observed time (values carried forward; cuminc's
/// <c>timepoints</c> gives NA there).</param>
public readonly record struct IncidencePoint(double Time, double Estimate, double Variance, double Lower, double Upper,
    bool BeyondFollowUp)
{
    /// <summary>Released output: the risk and its interval rounded as in the reports (no count is carried here; the
    /// tables that show risks beside numbers at risk apply the disclosure rules). The properties keep the raw values.</summary>
    /// <returns>The text.</returns>
    public override string ToString() =>
        $"IncidencePoint {{ Time = {Time.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)}, Estimate = {RecordText.Pct(Estimate)}, CI = {RecordText.Pct(Lower)} to {RecordText.Pct(Upper)} }}"
        + (BeyondFollowUp ? " (beyond follow-up)" : "");
}

/// <summary>Options of <see cref="CumulativeIncidence"/>.</summary>
public sealed record CumulativeIncidenceOptions
{
    /// <summary>Level 0.95 and the log(−log) interval.</summary>
    public static CumulativeIncidenceOptions Default { get; } = new();

    /// <summary>The confidence level, in (0, 1).</summary>
    public double Level { get; init; } = 0.95;

    /// <summary>The interval scale: log(−log F) by default (limits stay in (0, 1)); plain and log are available.</summary>
    public IntervalTransform Transform { get; init; } = IntervalTransform.LogLog;

    /// <summary>Which standard error the interval uses: cuminc's Aalen variance (default) or the infinitesimal
    /// jackknife, which with <see cref="Transform"/> = Log reproduces <c>survfit(Surv(t, factor(cause)) ~ 1)</c>'s
    /// lower and upper exactly.</summary>
    public CumulativeIncidenceVariance IntervalVariance { get; init; } = CumulativeIncidenceVariance.Aalen;

    /// <summary>Merge times that differ only by rounding, as survfit's default <c>timefix = TRUE</c> (true, the
    /// default); false keeps exact times, which is what <c>cmprsk::cuminc</c> does. Integer days are never affected.</summary>
    public bool TimeFix { get; init; } = true;

    /// <summary>Case weights per record, finite and ≥ 0 (e.g. inverse-probability weights); null = none. With weights
    /// the estimates are the weighted Aalen-Johansen values (= survfit's <c>pstate</c> with <c>weights = w</c>), the
    /// standard error is ALWAYS the infinitesimal jackknife on the probability scale, se² = Σᵢ (wᵢ Uᵢ(t))² (= <c>survfit(Surv(t,
    /// factor(cause)) ~ 1, weights = w, id = seq_along(t), robust = TRUE)$std.err</c>), <see
    /// cref="CumulativeIncidenceCurve.Variance"/> is its square and the intervals use it whatever
    /// <see cref="IntervalVariance"/> says; AtRisk, EventsByCause and Censored stay the UNWEIGHTED counts (survfit shows
    /// weighted sums), so risk tables and the disclosure rules see people. Not with delayed entry.</summary>
    public double[]? Weights { get; init; }
}

/// <summary>The variance estimator behind a cumulative incidence interval.</summary>
public enum CumulativeIncidenceVariance
{
    /// <summary>cmprsk::cuminc's variance (Aalen 1978).</summary>
    Aalen,

    /// <summary>The infinitesimal jackknife, survfit's multi-state default.</summary>
    Jackknife,
}

/// <summary>An Aalen-Johansen cumulative incidence curve, one row per distinct time (any cause or censoring).</summary>
public sealed record CumulativeIncidenceCurve
{
    internal CumulativeIncidenceCurve(int eventOfInterest, ImmutableArray<int> causeCodes, ImmutableArray<double> time, ImmutableArray<double> atRisk,
        ImmutableArray<ImmutableArray<double>> eventsByCause, ImmutableArray<double> censored, ImmutableArray<double> estimate,
        ImmutableArray<double> variance, ImmutableArray<double> lower, ImmutableArray<double> upper,
        ImmutableArray<double> eventFree, ImmutableArray<ImmutableArray<double>> estimateByCause,
        ImmutableArray<ImmutableArray<double>> jackknifeStdErr, CumulativeIncidenceOptions options)
    {
        JackknifeStdErr = jackknifeStdErr;
        CauseCodes = causeCodes;
        EventOfInterest = eventOfInterest;
        Time = time;
        AtRisk = atRisk;
        EventsByCause = eventsByCause;
        Censored = censored;
        Estimate = estimate;
        Variance = variance;
        Lower = lower;
        Upper = upper;
        EventFree = eventFree;
        EstimateByCause = estimateByCause;
        Options = options;
    }

    /// <summary>The cause whose incidence <see cref="Estimate"/> holds.</summary>
    public int EventOfInterest { get; }

    /// <summary>The cause code of each entry of <see cref="EventsByCause"/>, <see cref="EstimateByCause"/> and (from
    /// index 1) <see cref="JackknifeStdErr"/>: 1..max when the codes are at most 64 (so entry c − 1 is cause c, absent
    /// codes having all-zero curves), else the distinct codes present and the event of interest, ascending.</summary>
    public ImmutableArray<int> CauseCodes { get; }

    /// <summary>Distinct times, ascending.</summary>
    public ImmutableArray<double> Time { get; }

    /// <summary>Number at risk (event-free and under observation) just before each time.</summary>
    public ImmutableArray<double> AtRisk { get; }

    /// <summary>Events at each time by cause: EventsByCause[i] for cause <see cref="CauseCodes"/>[i] (cause c at c − 1
    /// for codes up to 64).</summary>
    public ImmutableArray<ImmutableArray<double>> EventsByCause { get; }

    /// <summary>Censorings at each time.</summary>
    public ImmutableArray<double> Censored { get; }

    /// <summary>F_k(t) for the event of interest: Σ_{t_j ≤ t} S(t_j−)·d_kj/n_j (Aalen-Johansen; = cmprsk::cuminc est).</summary>
    public ImmutableArray<double> Estimate { get; }

    /// <summary>cmprsk::cuminc's variance (Aalen 1978, as in Gray's code): it changes only at times with an event of
    /// interest, exactly as cuminc's step function does.</summary>
    public ImmutableArray<double> Variance { get; }

    /// <summary>Lower confidence limits on the options' scale (NaN where undefined).</summary>
    public ImmutableArray<double> Lower { get; }

    /// <summary>Upper confidence limits.</summary>
    public ImmutableArray<double> Upper { get; }

    /// <summary>The event-free probability S(t) = Π (1 − d_j/n_j) over all causes (Kaplan-Meier of the first event).</summary>
    public ImmutableArray<double> EventFree { get; }

    /// <summary>The cumulative incidence of every cause: EstimateByCause[i] for cause <see cref="CauseCodes"/>[i]
    /// (cause c at c − 1 for codes up to 64); at each time Σ_c F_c + S = 1.</summary>
    public ImmutableArray<ImmutableArray<double>> EstimateByCause { get; }

    /// <summary>The options used.</summary>
    public CumulativeIncidenceOptions Options { get; }

    /// <summary>Every cause at yearly times as a table, through the default disclosure policy.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => this.ToTable(null).ToText();

    /// <summary>Infinitesimal-jackknife standard errors on the probability scale, by state: [0] the event-free
    /// probability, [c] the cumulative incidence of cause c; equal to survfit's multi-state <c>std.err</c>
    /// (<c>survfit(Surv(t, factor(cause)) ~ 1)</c>, its default). Unlike <see cref="Variance"/> (cuminc's Aalen
    /// variance) it changes at every event time of any cause.</summary>
    public ImmutableArray<ImmutableArray<double>> JackknifeStdErr { get; }

    /// <summary>The curve at any time (right-continuous; 0 before the first time; flagged and carried forward past the last).</summary>
    /// <param name="time">A finite time.</param>
    /// <returns>The point.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="time"/> is NaN or infinite.</exception>
    public IncidencePoint At(double time)
    {
        Guard.Finite(time);

        int i = StepFunction.LastAtOrBefore(Time.AsSpan(), time);

        bool beyond = time > Time[^1];
        return i < 0
            ? new IncidencePoint(time, 0, 0, double.NaN, double.NaN, beyond)
            : new IncidencePoint(time, Estimate[i], Variance[i], Lower[i], Upper[i], beyond);
    }

    /// <summary>The time by which the cumulative incidence first reaches <paramref name="fraction"/> of its final value
    /// (e.g. 0.5: the time by which half of the eventual cases had occurred), with the R survfit tolerance rule.</summary>
    /// <param name="fraction">In (0, 1].</param>
    /// <returns>The time, or null if the curve never rises.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fraction"/> is not in (0, 1].</exception>
    public double? OnsetQuantile(double fraction)
    {
        if (!(fraction > 0 && fraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, $"fraction is {Guard.Show(fraction)}; it must lie in (0, 1].");
        }

        double final = Estimate.IsEmpty ? 0 : Estimate[^1];
        if (final == 0)
        {
            return null;
        }

        for (int i = 0; i < Estimate.Length; i++)
        {
            if (Estimate[i] >= (fraction * final) - (1.4901161193847656e-08 * final))
            {
                return Time[i];
            }
        }

        return null;
    }
}

/// <summary>Aalen-Johansen cumulative incidence for competing risks (a second malignancy, with death competing).</summary>
/// <example>
/// <code>
/// // causes: 0 censored, 1 second malignancy, 2 death
/// var cif = CumulativeIncidence.Estimate(durations, causes, eventOfInterest: 1);
/// IncidencePoint threeYear = cif.At(1095);   // = cmprsk::timepoints(cuminc(t, c), 1095)
/// </code>
/// </example>
public static class CumulativeIncidence
{
    /// <summary>The Aalen-Johansen estimate of F_k(t) = P(T ≤ t, cause = k), equal to
    /// <c>cmprsk::cuminc(durations, causes, cencode = 0)</c> and to survfit's multi-state <c>pstate</c>, with cuminc's variance.</summary>
    /// <param name="durations">Follow-up times, finite and ≥ 0.</param>
    /// <param name="causes">0 = censored, 1..k = the event that ended follow-up.</param>
    /// <param name="eventOfInterest">The cause k ≥ 1 whose incidence is estimated. A cause that never occurs has a
    /// defined all-zero curve with zero variance (its limits are NaN on the log scales, 0 on the plain scale).</param>
    /// <param name="level">The confidence level, in (0, 1).</param>
    /// <returns>The curve. All causes are handled at once; tied times of different causes form one step (no jitter).</returns>
    /// <remarks>F_k(t) = Σ_{t_j ≤ t} S(t_j−) d_kj/n_j with S the all-cause Kaplan-Meier. Variance: Aalen (1978) as in
    /// Gray's cmprsk. Interval: log(−log) scale by default (<see cref="CumulativeIncidenceOptions"/>).</remarks>
    /// <exception cref="ArgumentException">Empty input or lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad duration, a negative cause (index named), eventOfInterest &lt; 1, or a bad level.</exception>
    public static CumulativeIncidenceCurve Estimate(ReadOnlySpan<double> durations, ReadOnlySpan<int> causes,
        int eventOfInterest, double level = 0.95) =>
        Estimate(durations, causes, eventOfInterest, CumulativeIncidenceOptions.Default with { Level = level });

    /// <inheritdoc cref="Estimate(ReadOnlySpan{double}, ReadOnlySpan{int}, int, double)"/>
    /// <param name="durations">Follow-up times, finite and ≥ 0.</param>
    /// <param name="causes">0 = censored, 1..k = the event that ended follow-up.</param>
    /// <param name="eventOfInterest">The cause whose incidence is estimated.</param>
    /// <param name="options">Level and interval scale.</param>
    public static CumulativeIncidenceCurve Estimate(ReadOnlySpan<double> durations, ReadOnlySpan<int> causes,
        int eventOfInterest, CumulativeIncidenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var coding = Validate(durations, causes, eventOfInterest, options.Level);
        if (options.Weights is { } weights)
        {
            WeightedTables.ValidateWeights(weights, durations.Length);
            var (weighted, squares, counts) = WeightedTables.Build(durations, causes, default, coding, weights, nameof(durations), options.TimeFix);
            return FromTable(weighted, eventOfInterest, options, squares, counts);
        }

        var table = EventTable.Build(durations, causes, default, coding, nameof(durations), options.TimeFix);
        return FromTable(table, eventOfInterest, options);
    }

    /// <summary>Aalen-Johansen with delayed entry (left truncation), equal to
    /// <c>survfit(Surv(entry, exit, factor(cause)) ~ 1, id = id)</c>'s <c>pstate</c>: a patient is at risk at t when
    /// entry &lt; t ≤ exit (registries often enrol patients after infusion).</summary>
    /// <param name="entryTimes">Entry into observation, finite, ≥ 0 and before the exit.</param>
    /// <param name="durations">Exit times, finite and ≥ 0.</param>
    /// <param name="causes">0 = censored, any code ≥ 1.</param>
    /// <param name="eventOfInterest">The cause whose incidence is estimated (all-zero curve when it has no event).</param>
    /// <param name="options">Level, interval scale and near-tie rule; null for the defaults.</param>
    /// <returns>The curve. <see cref="CumulativeIncidenceCurve.JackknifeStdErr"/> is survfit's std.err (the
    /// infinitesimal jackknife with each record at risk only after its entry); <see cref="CumulativeIncidenceCurve.Variance"/>
    /// is cuminc's formula on the delayed-entry risk sets (cuminc itself has no delayed entry).</returns>
    /// <exception cref="ArgumentException">Empty input, lengths differ, an entry is not before its exit, or an entry
    /// and exit that differ only by rounding (R's aeqSurv error).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad time or cause (index named), eventOfInterest &lt; 1, or a bad level.</exception>
    public static CumulativeIncidenceCurve Estimate(ReadOnlySpan<double> entryTimes, ReadOnlySpan<double> durations,
        ReadOnlySpan<int> causes, int eventOfInterest, CumulativeIncidenceOptions? options = null)
    {
        options ??= CumulativeIncidenceOptions.Default;
        var coding = Validate(durations, causes, eventOfInterest, options.Level);
        if (options.Weights is not null)
        {
            throw new ArgumentException("case weights are not supported with delayed entry; use MultiState.AalenJohansen.", nameof(options));
        }

        Guard.FiniteNonNegative(durations, nameof(durations));
        KaplanMeier.ValidateEntries(entryTimes, durations);
        var table = EventTable.BuildWithEntry(durations, causes, default, coding, entryTimes, options.TimeFix);
        return FromTable(table, eventOfInterest, options);
    }

    /// <summary>The cumulative incidence after a landmark among those still event-free and under observation at it,
    /// = <c>survfit(Surv(t, factor(cause)) ~ 1, start.time = landmark)</c>: as R, the records with time ≥ landmark are
    /// kept (so an event exactly at the landmark counts in the conditional risk) and the Aalen-Johansen estimate is
    /// computed on them. Lifelong surveillance: "a patient well at year 2: her risk over the next five years" is
    /// <c>Conditional(..., landmark: 730).At(730 + 1826)</c>.</summary>
    /// <param name="durations">Follow-up times, finite and ≥ 0.</param>
    /// <param name="causes">0 = censored, any code ≥ 1.</param>
    /// <param name="eventOfInterest">The cause whose incidence is estimated (≥ 1).</param>
    /// <param name="landmark">The landmark time, finite and ≥ 0.</param>
    /// <param name="options">Level, interval scale and near-tie rule; null for the defaults.</param>
    /// <returns>The conditional curve (its times start at the landmark); with the Jackknife option, = survfit's std.err.</returns>
    /// <exception cref="ArgumentException">Lengths differ, or nobody is still under observation at the landmark.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad time, cause, landmark or level.</exception>
    public static CumulativeIncidenceCurve Conditional(ReadOnlySpan<double> durations, ReadOnlySpan<int> causes, int eventOfInterest,
        double landmark, CumulativeIncidenceOptions? options = null)
    {
        options ??= CumulativeIncidenceOptions.Default;
        Guard.FiniteNonNegative(landmark);
        Validate(durations, causes, eventOfInterest, options.Level);
        Guard.FiniteNonNegative(durations, nameof(durations));
        var keptTimes = new List<double>();
        var keptCauses = new List<int>();
        var keptWeights = new List<double>();
        if (options.Weights is { } all)
        {
            WeightedTables.ValidateWeights(all, durations.Length);
        }

        for (int i = 0; i < durations.Length; i++)
        {
            if (durations[i] >= landmark)
            {
                keptTimes.Add(durations[i]);
                keptCauses.Add(causes[i]);
                if (options.Weights is { } w)
                {
                    keptWeights.Add(w[i]);
                }
            }
        }

        if (options.Weights is not null)
        {
            options = options with { Weights = [.. keptWeights] };
        }

        if (keptTimes.Count == 0)
        {
            throw new ArgumentException($"nobody is still under observation at the landmark {Guard.Show(landmark)}.", nameof(landmark));
        }

        return Estimate(keptTimes.ToArray(), keptCauses.ToArray(), eventOfInterest, options);
    }

    /// <summary>Aalen-Johansen from a prebuilt <see cref="EventTable"/> (aggregated counts or merged shards); identical
    /// to the row-level estimate on the same records.</summary>
    /// <param name="table">The table.</param>
    /// <param name="eventOfInterest">The cause whose incidence is estimated (all-zero curve when it has no event).</param>
    /// <param name="options">Level and interval scale; null for the defaults.</param>
    /// <returns>The curve.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="table"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="eventOfInterest"/> &lt; 1 or a bad level.</exception>
    public static CumulativeIncidenceCurve Estimate(EventTable table, int eventOfInterest, CumulativeIncidenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        options ??= CumulativeIncidenceOptions.Default;
        Guard.Level(options.Level, "options.Level");
        Guard.EventCause(eventOfInterest);
        return FromTable(table.WithCause(eventOfInterest), eventOfInterest, options);
    }

    internal static CauseCoding Validate(ReadOnlySpan<double> durations, ReadOnlySpan<int> causes, int eventOfInterest, double level)
    {
        Guard.NotEmpty(durations.Length, nameof(durations));
        Guard.SameLength(durations.Length, nameof(durations), causes.Length, nameof(causes));
        Guard.Level(level);
        Guard.EventCause(eventOfInterest);
        return CauseCoding.Scan(causes, nameof(causes), eventOfInterest);
    }

    internal static CumulativeIncidenceCurve FromTable(EventTable table, int eventOfInterest, CumulativeIncidenceOptions options,
        EventTable? squares = null, EventTable? counts = null)
    {
        int m = table.Count, k = table.CauseCount;
        var estimate = new double[k][];
        for (int c = 0; c < k; c++)
        {
            estimate[c] = new double[m];
        }

        var eventFree = new double[m];
        var variance = new double[m];
        var running = new double[k];
        double s = 1, v1 = 0, v2 = 0, v3 = 0, reported = 0;
        int column = table.Coding.ColumnOf(eventOfInterest);
        var d1 = table.EventArrays[column];
        for (int j = 0; j < m; j++)
        {
            double n = table.AtRiskArray[j], d = table.EventArrays[0][j];
            if (d > 0)
            {
                double sPrev = s;
                s = sPrev * (n - d) / n;
                for (int c = 1; c <= k; c++)
                {
                    running[c - 1] += sPrev * table.EventArrays[c][j] / n;
                }

                // cuminc's variance (Gray's cinc): accumulate the competing and the own-cause parts.
                double f = running[column - 1];
                double own = d1[j], other = d - own;
                if (other > 0 && s > 0)
                {
                    double t6 = sPrev * sPrev * TieFactor(other, n) * other / (n * n);
                    double a = 1 / s, b = f / s;
                    v1 += b * b * t6;
                    v2 += a * b * t6;
                    v3 += a * a * t6;
                }

                if (own > 0)
                {
                    double t6 = sPrev * sPrev * TieFactor(own, n) * own / (n * n);
                    double a = s > 0 ? 1 / s : 0;
                    double b = 1 + (a * f);
                    v1 += b * b * t6;
                    v2 += a * b * t6;
                    v3 += a * a * t6;
                    reported = v1 + (f * f * v3) - (2 * f * v2);
                }
            }

            for (int c = 0; c < k; c++)
            {
                estimate[c][j] = running[c];
            }

            eventFree[j] = s;
            variance[j] = reported;
        }

        var f1 = estimate[column - 1];
        var byState = new double[k + 1][];
        byState[0] = eventFree;
        for (int c = 1; c <= k; c++)
        {
            byState[c] = estimate[c - 1];
        }

        var jackknife = !table.HasDelayedEntry ? InfinitesimalJackknife.StdErr(table, eventFree, byState, squares)
            : table.DelayedRecords is { } records ? InfinitesimalJackknife.StdErrDelayed(table, records.Entry, records.Exit, records.Columns, eventFree, byState)
            : null;
        var se = (options.IntervalVariance == CumulativeIncidenceVariance.Jackknife || squares is not null) && jackknife is not null
            ? jackknife[column]
            : variance.Select(Math.Sqrt).ToArray();
        if (squares is not null && jackknife is not null)
        {
            // weighted: cuminc's variance does not apply; the reported variance is the jackknife's
            variance = jackknife[column].Select(x => x * x).ToArray();
        }

        var shown = counts ?? table;
        var lower = new double[m];
        var upper = new double[m];
        double z = Distributions.NormalQuantile((1 + options.Level) / 2);
        IntervalKernels.LimitsFromStdErr(options.Transform, z, f1, se, lower, upper);
        return new CumulativeIncidenceCurve(eventOfInterest, table.CauseCodes, KaplanMeier.Wrap(table.TimeArray), KaplanMeier.Wrap(shown.AtRiskArray),
            shown.EventArrays.Skip(1).Select(KaplanMeier.Wrap).ToImmutableArray(), KaplanMeier.Wrap(shown.CensoredArray),
            KaplanMeier.Wrap(f1), KaplanMeier.Wrap(variance), KaplanMeier.Wrap(lower), KaplanMeier.Wrap(upper),
            KaplanMeier.Wrap(eventFree), estimate.Select(KaplanMeier.Wrap).ToImmutableArray(),
            jackknife is null ? [] : jackknife.Select(KaplanMeier.Wrap).ToImmutableArray(), options);
    }

    private static double TieFactor(double d, double n) => d > 1 ? 1 - ((d - 1) / (n - 1)) : 1;
}
