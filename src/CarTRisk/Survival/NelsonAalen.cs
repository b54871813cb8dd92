using System.Collections.Immutable;
using CarTRisk.Numerics;

namespace CarTRisk;

/// <summary>The cumulative hazard at one time.</summary>
/// <param name="Time">The time asked for.</param>
/// <param name="CumulativeHazard">H(t), right-continuous; 0 before the first time.</param>
/// <param name="StdErr">sqrt(Σ d/n²) up to t.</param>
/// <param name="Lower">Lower limit, exp-scale interval H·exp(−z·se/H) (NaN where H = 0).</param>
/// <param name="Upper">Upper limit H·exp(z·se/H).</param>
/// <param name="BeyondFollowUp">Whether t is past the last observed time (value carried forward).</param>
public readonly record struct HazardPoint(double Time, double CumulativeHazard, double StdErr, double Lower, double Upper,
    bool BeyondFollowUp);

/// <summary>A Nelson-Aalen cumulative hazard curve, one row per distinct time.</summary>
/// <param name="Time">The distinct times, ascending.</param>
/// <param name="AtRisk">Number at risk before each time.</param>
/// <param name="Events">Events at each time.</param>
/// <param name="CumulativeHazard">H(t) = Σ_{t_j ≤ t} d_j/n_j.</param>
/// <param name="StdErr">R's <c>std.chaz</c>: sqrt(Σ d_j/n_j²) (Aalen/Poisson variance, not Greenwood).</param>
/// <param name="Level">The confidence level of <see cref="At"/>'s limits.</param>
public sealed record CumulativeHazardCurve(ImmutableArray<double> Time, ImmutableArray<double> AtRisk,
    ImmutableArray<double> Events, ImmutableArray<double> CumulativeHazard, ImmutableArray<double> StdErr, double Level)
{
    /// <summary>The curve at any time (right-continuous; 0 before the first time; flagged past the last).</summary>
    /// <param name="time">A finite time.</param>
    /// <returns>The point with a log-scale interval.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="time"/> is NaN or infinite.</exception>
    public HazardPoint At(double time)
    {
        Guard.Finite(time);

        int i = StepFunction.LastAtOrBefore(Time.AsSpan(), time);

        bool beyond = time > Time[^1];
        if (i < 0)
        {
            return new HazardPoint(time, 0, 0, double.NaN, double.NaN, beyond);
        }

        double h = CumulativeHazard[i], se = StdErr[i];
        double z = Distributions.NormalQuantile((1 + Level) / 2);
        return h == 0
            ? new HazardPoint(time, 0, 0, double.NaN, double.NaN, beyond)
            : new HazardPoint(time, h, se, h * Math.Exp(-z * se / h), h * Math.Exp(z * se / h), beyond);
    }
}

/// <summary>The Nelson-Aalen estimator of the cumulative hazard.</summary>
/// <example>
/// <code>
/// var na = NelsonAalen.Estimate(durations, events);   // = survfit(Surv(t, s) ~ 1, ctype = 1)$cumhaz, $std.chaz
/// </code>
/// </example>
public static class NelsonAalen
{
    /// <summary>H(t) = Σ_{t_j ≤ t} d_j/n_j with R's <c>std.chaz</c> = sqrt(Σ d_j/n_j²), equal to
    /// <c>survfit(Surv(durations, events) ~ 1, ctype = 1)</c>. Tied events are counted together (no tie correction).</summary>
    /// <param name="durations">Follow-up times, finite and ≥ 0.</param>
    /// <param name="events">Event (true) or censored (false).</param>
    /// <param name="level">Confidence level for <see cref="CumulativeHazardCurve.At"/>.</param>
    /// <returns>The curve, one row per distinct time.</returns>
    /// <remarks>References: Nelson (1972), Aalen (1978).</remarks>
    /// <exception cref="ArgumentException">Empty input or lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad duration (index named) or level.</exception>
    public static CumulativeHazardCurve Estimate(ReadOnlySpan<double> durations, ReadOnlySpan<bool> events, double level = 0.95)
    {
        KaplanMeier.Validate(durations, events.Length, nameof(events), KaplanMeierOptions.Default with { Level = level });
        return FromTable(EventTable.Build(durations, default, events, CauseCoding.Dense(1), nameof(durations), timeFix: true), level);
    }

    /// <summary>Nelson-Aalen from a prebuilt <see cref="EventTable"/>; every cause counts as the event.</summary>
    /// <param name="table">The table.</param>
    /// <param name="level">Confidence level.</param>
    /// <returns>The curve.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="table"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad level.</exception>
    public static CumulativeHazardCurve Estimate(EventTable table, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(table);
        Guard.Level(level);
        return FromTable(table, level);
    }

    /// <summary>Nelson-Aalen with delayed entry, = <c>survfit(Surv(entryTimes, durations, events) ~ 1, ctype = 1)</c>.</summary>
    /// <param name="entryTimes">Entry times, each before its exit.</param>
    /// <param name="durations">Exit times.</param>
    /// <param name="events">Event (true) or censored (false).</param>
    /// <param name="level">Confidence level.</param>
    /// <returns>The curve.</returns>
    /// <exception cref="ArgumentException">Empty input, lengths differ, or an entry is not before its exit.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad time (index named) or level.</exception>
    public static CumulativeHazardCurve Estimate(ReadOnlySpan<double> entryTimes, ReadOnlySpan<double> durations,
        ReadOnlySpan<bool> events, double level = 0.95)
    {
        KaplanMeier.Validate(durations, events.Length, nameof(events), KaplanMeierOptions.Default with { Level = level });
        Guard.FiniteNonNegative(durations, nameof(durations));
        KaplanMeier.ValidateEntries(entryTimes, durations);
        return FromTable(EventTable.BuildWithEntry(durations, default, events, CauseCoding.Dense(1), entryTimes, timeFix: true), level);
    }

    private static CumulativeHazardCurve FromTable(EventTable table, double level)
    {
        int m = table.Count;
        var h = new double[m];
        var se = new double[m];
        double sum = 0, variance = 0;
        for (int i = 0; i < m; i++)
        {
            double n = table.AtRiskArray[i], d = table.EventArrays[0][i];
            if (d > 0)
            {
                sum += d / n;
                variance += d / (n * n);
            }

            h[i] = sum;
            se[i] = Math.Sqrt(variance);
        }

        return new CumulativeHazardCurve(KaplanMeier.Wrap(table.TimeArray), KaplanMeier.Wrap(table.AtRiskArray),
            KaplanMeier.Wrap(table.EventArrays[0]), KaplanMeier.Wrap(h), KaplanMeier.Wrap(se), level);
    }
}
