using System.Collections.Immutable;
using System.Runtime.InteropServices;
using CarTRisk.Kernels;
using CarTRisk.Numerics;

namespace CarTRisk;

/// <summary>Options of <see cref="KaplanMeier"/>: <c>KaplanMeierOptions.Default with { Transform = IntervalTransform.LogLog }</c>.</summary>
public sealed record KaplanMeierOptions
{
    /// <summary>R's defaults: level 0.95, <c>conf.type = "log"</c>.</summary>
    public static KaplanMeierOptions Default { get; } = new();

    /// <summary>The confidence level, in (0, 1); R's <c>conf.int</c>. Default 0.95.</summary>
    public double Level { get; init; } = 0.95;

    /// <summary>The interval scale; R's <c>conf.type</c>. Default <see cref="IntervalTransform.Log"/>.</summary>
    public IntervalTransform Transform { get; init; } = IntervalTransform.Log;

    /// <summary>Merge times that differ only by rounding (survival's <c>aeqSurv</c>), as survfit's default
    /// <c>timefix = TRUE</c>; false keeps exact times (<c>timefix = FALSE</c>). Integer days are never affected.</summary>
    public bool TimeFix { get; init; } = true;

    /// <summary>Case weights per record, finite and ≥ 0 (e.g. inverse-probability weights); null = none. With weights
    /// the estimate is the weighted product-limit Π(1 − Σw d/Σw n) (= survfit's <c>surv</c> with <c>weights = w</c>) and
    /// <see cref="SurvivalCurve.StdErr"/> is ALWAYS the infinitesimal jackknife on the probability scale, se² = Σᵢ (wᵢ
    /// ∂S/∂wᵢ)² (= <c>summary(survfit(Surv(t, s) ~ 1, weights = w, id = seq_along(t), robust = TRUE), times)$std.err</c>);
    /// the limits apply the transform to se/S (log: S exp(∓z·se/S)). AtRisk, Events and Censored stay the UNWEIGHTED
    /// counts (survfit shows weighted sums), so risk tables and the disclosure rules see people. Not with delayed entry.</summary>
    public double[]? Weights { get; init; }
}

/// <summary>The Kaplan-Meier product-limit estimator of the survival function.</summary>
/// <example>
/// <code>
/// SurvivalCurve km = KaplanMeier.Estimate(durations, events);          // = survfit(Surv(t, s) ~ 1)
/// double threeYear = km.At(1095).Survival;
/// double? median = km.Median.Value;
/// </code>
/// </example>
public static class KaplanMeier
{
    /// <summary>Estimates S(t) = Π_{t_j ≤ t} (1 − d_j/n_j) with Greenwood's variance, equal to
    /// <c>survival::survfit(Surv(durations, events) ~ 1, conf.type = ..., conf.int = level)</c>.</summary>
    /// <param name="durations">Follow-up times, finite and ≥ 0 (any unit; days in CarTRisk).</param>
    /// <param name="events">Whether each follow-up ended with the event (true) or was censored (false).</param>
    /// <param name="options">Level and interval transform; null for R's defaults.</param>
    /// <returns>One row per distinct time (event or censoring). Ties: at a time, the deaths are counted before the
    /// censorings (a censored subject is at risk at its own time), as R. Greenwood: var(log S) = Σ d/(n(n−d)).</returns>
    /// <remarks>Reference: Kaplan and Meier (1958), JASA 53:457, doi:10.1080/01621459.1958.10501452.</remarks>
    /// <exception cref="ArgumentException">Empty input, or lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A duration is negative, NaN or infinite (the message names the index),
    /// or the level is not in (0, 1).</exception>
    public static SurvivalCurve Estimate(ReadOnlySpan<double> durations, ReadOnlySpan<bool> events,
        KaplanMeierOptions? options = null)
    {
        options ??= KaplanMeierOptions.Default;
        Validate(durations, events.Length, nameof(events), options);
        if (options.Weights is { } weights)
        {
            WeightedTables.ValidateWeights(weights, durations.Length);
            var (weighted, squares, counts) = WeightedTables.Build(durations, default, events, CauseCoding.Dense(1), weights, nameof(durations), options.TimeFix);
            return FromWeighted(weighted, squares, counts, options);
        }

        return FromTable(EventTable.Build(durations, default, events, CauseCoding.Dense(1), nameof(durations), options.TimeFix), options);
    }

    /// <summary>Kaplan-Meier from a prebuilt <see cref="EventTable"/> (e.g. aggregated counts or merged shards): every
    /// cause counts as the event. Identical to the row-level estimate on the same records.</summary>
    /// <param name="table">The table.</param>
    /// <param name="options">Level and interval transform; null for R's defaults.</param>
    /// <returns>The curve.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="table"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad level or transform in the options.</exception>
    public static SurvivalCurve Estimate(EventTable table, KaplanMeierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        options ??= KaplanMeierOptions.Default;
        ValidateOptions(options);
        return FromTable(table, options);
    }

    /// <summary>Kaplan-Meier with delayed entry (left truncation), equal to
    /// <c>survfit(Surv(entryTimes, durations, events) ~ 1)</c>: a patient is at risk at t when entry &lt; t ≤ exit.</summary>
    /// <param name="entryTimes">Entry into observation (e.g. registry enrolment), finite, ≥ 0 and &lt; the duration.</param>
    /// <param name="durations">Exit times, finite and ≥ 0.</param>
    /// <param name="events">Whether each follow-up ended with the event.</param>
    /// <param name="options">Level and interval transform; null for R's defaults.</param>
    /// <returns>One row per distinct exit time.</returns>
    /// <exception cref="ArgumentException">Empty input, lengths differ, or an entry is not before its exit.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A time is negative, NaN or infinite, or the level is not in (0, 1).</exception>
    public static SurvivalCurve Estimate(ReadOnlySpan<double> entryTimes, ReadOnlySpan<double> durations,
        ReadOnlySpan<bool> events, KaplanMeierOptions? options = null)
    {
        options ??= KaplanMeierOptions.Default;
        Validate(durations, events.Length, nameof(events), options);
        if (options.Weights is not null)
        {
            throw new ArgumentException("case weights are not supported with delayed entry; use MultiState.AalenJohansen.", nameof(options));
        }

        Guard.FiniteNonNegative(durations, nameof(durations));
        ValidateEntries(entryTimes, durations);
        return FromTable(EventTable.BuildWithEntry(durations, default, events, CauseCoding.Dense(1), entryTimes, options.TimeFix), options);
    }

    internal static void Validate(ReadOnlySpan<double> durations, int otherLength, string otherName, KaplanMeierOptions options)
    {
        Guard.NotEmpty(durations.Length, nameof(durations));
        Guard.SameLength(durations.Length, nameof(durations), otherLength, otherName);
        ValidateOptions(options);
    }

    internal static void ValidateOptions(KaplanMeierOptions options)
    {
        Guard.Level(options.Level, "options.Level");
        if (!Enum.IsDefined(options.Transform))
        {
            throw new ArgumentOutOfRangeException("options.Transform", options.Transform, "options.Transform is not a defined IntervalTransform.");
        }
    }

    internal static void ValidateEntries(ReadOnlySpan<double> entryTimes, ReadOnlySpan<double> durations)
    {
        Guard.SameLength(durations.Length, nameof(durations), entryTimes.Length, nameof(entryTimes));
        Guard.FiniteNonNegative(entryTimes, nameof(entryTimes));
        for (int i = 0; i < entryTimes.Length; i++)
        {
            if (!(entryTimes[i] < durations[i]))
            {
                throw new ArgumentException(
                    $"entryTimes[{i}] is {Guard.Show(entryTimes[i])} but durations[{i}] is {Guard.Show(durations[i])}; entry must be before exit.",
                    nameof(entryTimes));
            }
        }
    }

    internal static SurvivalCurve FromTable(EventTable table, KaplanMeierOptions options)
    {
        int m = table.Count;
        var survival = new double[m];
        var seLog = new double[m];
        TableKernels.KaplanMeier(table.AtRiskArray, table.EventArrays[0], survival, seLog);   // Greenwood sum first
        System.Numerics.Tensors.TensorPrimitives.Sqrt(seLog, seLog);                         // then its square root, in place
        var stdErr = new double[m];
        System.Numerics.Tensors.TensorPrimitives.Multiply(survival, seLog, stdErr);
        for (int i = 0; i < m; i++)
        {
            if (survival[i] == 0)
            {
                stdErr[i] = double.NaN;   // R: se of S is NaN once S = 0 (0 · ∞)
            }
        }

        var lower = new double[m];
        var upper = new double[m];
        double z = Distributions.NormalQuantile((1 + options.Level) / 2);
        IntervalKernels.Limits(options.Transform, z, survival, seLog, lower, upper);
        return new SurvivalCurve(Wrap(table.TimeArray), Wrap(table.AtRiskArray), Wrap(table.EventArrays[0]), Wrap(table.CensoredArray),
            Wrap(survival), Wrap(stdErr), Wrap(lower), Wrap(upper), Wrap(seLog), options);
    }

    private static SurvivalCurve FromWeighted(EventTable weighted, EventTable squares, EventTable counts, KaplanMeierOptions options)
    {
        int m = weighted.Count;
        var survival = new double[m];
        var greenwood = new double[m];
        TableKernels.KaplanMeier(weighted.AtRiskArray, weighted.EventArrays[0], survival, greenwood);
        var stdErr = InfinitesimalJackknife.StdErr(weighted, survival, [survival, new double[m]], squares)[0];
        var seLog = new double[m];
        for (int i = 0; i < m; i++)
        {
            seLog[i] = survival[i] > 0 ? stdErr[i] / survival[i] : double.NaN;
        }

        var lower = new double[m];
        var upper = new double[m];
        double z = Distributions.NormalQuantile((1 + options.Level) / 2);
        IntervalKernels.Limits(options.Transform, z, survival, seLog, lower, upper);
        return new SurvivalCurve(Wrap(counts.TimeArray), Wrap(counts.AtRiskArray), Wrap(counts.EventArrays[0]), Wrap(counts.CensoredArray),
            Wrap(survival), Wrap(stdErr), Wrap(lower), Wrap(upper), Wrap(seLog), options);
    }

    internal static ImmutableArray<T> Wrap<T>(T[] array) => ImmutableCollectionsMarshal.AsImmutableArray(array);
}
