using System.Collections.Immutable;

namespace CarTRisk;

/// <summary>The value of a survival curve at one time.</summary>
/// <param name="Time">The time asked for.</param>
/// <param name="AtRisk">The number at risk at <paramref name="Time"/> (as <c>summary(fit, times = t)$n.risk</c>); 0 past the last time.</param>
/// <param name="Survival">S(t), right-continuous.</param>
/// <param name="StdErr">Greenwood standard error of S(t) (NaN when S = 0).</param>
/// <param name="Lower">Lower confidence limit (NaN where R gives NA).</param>
/// <param name="Upper">Upper confidence limit (NaN where R gives NA).</param>
/// <param name="BeyondFollowUp">True when <paramref name="Time"/> is past the last observed time: the values are
/// carried forward from it with nobody at risk (R's <c>extend = TRUE</c>), so they are not an estimate at that time.</param>
public readonly record struct SurvivalPoint(double Time, double AtRisk, double Survival, double StdErr, double Lower,
    double Upper, bool BeyondFollowUp)
{
    /// <summary>Released output through <see cref="DisclosurePolicy.Default"/>: the number at risk is a count, and the
    /// estimate rests on it (withheld with it); percentages rounded as in the reports. The properties keep the raw values.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var atRisk = new CountCell(AtRisk);
        var t = new ResultTable(nameof(SurvivalPoint), "Time", "AtRisk", "Survival", "CI");
        t.AddRow(new TextCell(Time.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)), atRisk,
            new DerivedCell(RecordText.Pct(Survival), atRisk), new DerivedCell($"{RecordText.Pct(Lower)} to {RecordText.Pct(Upper)}", atRisk));
        return RecordText.Of(t) + (BeyondFollowUp ? " (beyond follow-up)" : "");
    }
}

/// <summary>A quantile of the event-time distribution with its confidence interval; null where R gives NA
/// (not reached).</summary>
/// <param name="Value">The time.</param>
/// <param name="Lower">The lower limit (from the lower confidence curve).</param>
/// <param name="Upper">The upper limit (from the upper confidence curve).</param>
public readonly record struct QuantileEstimate(double? Value, double? Lower, double? Upper);

/// <summary>The restricted mean survival time ∫₀^τ S(u) du and its standard error.</summary>
/// <param name="Tau">The restriction time τ.</param>
/// <param name="Value">The restricted mean.</param>
/// <param name="StdErr">Its standard error, as <c>print(fit, rmean = tau)</c>'s se(rmean).</param>
public readonly record struct RestrictedMeanEstimate(double Tau, double Value, double StdErr)
{
    /// <summary>Whether τ lies past the last observed time: S is then carried forward beyond the data (R does the
    /// same silently), so the value extrapolates and should be read with care.</summary>
    public bool BeyondFollowUp { get; init; }
}

/// <summary>One row of a risk table (<c>summary(fit, times = ...)</c>).</summary>
/// <param name="Time">The requested time.</param>
/// <param name="AtRisk">Number at risk at the time.</param>
/// <param name="Events">Events in (previous requested time, time].</param>
/// <param name="Censored">Censorings in (previous requested time, time].</param>
/// <param name="Survival">S(time).</param>
/// <param name="StdErr">Standard error of S(time).</param>
/// <param name="Lower">Lower confidence limit.</param>
/// <param name="Upper">Upper confidence limit.</param>
/// <param name="BeyondFollowUp">Whether the time is past the last observation (values carried forward).</param>
public readonly record struct RiskTableRow(double Time, double AtRisk, double Events, double Censored, double Survival,
    double StdErr, double Lower, double Upper, bool BeyondFollowUp);

/// <summary>A Kaplan-Meier curve: one row per distinct time, like survfit's table. Columns have equal length.</summary>
public sealed record SurvivalCurve
{
    /// <summary>R's <c>quantile.survfit</c> tolerance, sqrt(.Machine$double.eps).</summary>
    private const double QuantileTolerance = 1.4901161193847656e-08;

    private readonly ImmutableArray<double> seLog;

    internal SurvivalCurve(ImmutableArray<double> time, ImmutableArray<double> atRisk, ImmutableArray<double> events,
        ImmutableArray<double> censored, ImmutableArray<double> survival, ImmutableArray<double> stdErr,
        ImmutableArray<double> lower, ImmutableArray<double> upper, ImmutableArray<double> seLog,
        KaplanMeierOptions options)
    {
        Time = time;
        AtRisk = atRisk;
        Events = events;
        Censored = censored;
        Survival = survival;
        StdErr = stdErr;
        Lower = lower;
        Upper = upper;
        this.seLog = seLog;
        Options = options;
    }

    /// <summary>The distinct times, ascending.</summary>
    public ImmutableArray<double> Time { get; }

    /// <summary>The number at risk just before each time (R's <c>n.risk</c>).</summary>
    public ImmutableArray<double> AtRisk { get; }

    /// <summary>The events at each time (R's <c>n.event</c>).</summary>
    public ImmutableArray<double> Events { get; }

    /// <summary>The censorings at each time (R's <c>n.censor</c>).</summary>
    public ImmutableArray<double> Censored { get; }

    /// <summary>S(t) after each time.</summary>
    public ImmutableArray<double> Survival { get; }

    /// <summary>Greenwood standard error of S itself (R's <c>std.err</c> × S); NaN when S = 0.</summary>
    public ImmutableArray<double> StdErr { get; }

    /// <summary>Standard error of −log S (R's <c>fit$std.err</c>): sqrt(Σ d/(n(n−d))); +∞ once n = d.</summary>
    public ImmutableArray<double> StdErrLog => seLog;

    /// <summary>Lower confidence limits (NaN where R gives NA: S = 0 for log, S ∈ {0, 1} for log-log).</summary>
    public ImmutableArray<double> Lower { get; }

    /// <summary>Upper confidence limits (NaN where R gives NA).</summary>
    public ImmutableArray<double> Upper { get; }

    /// <summary>The number of records (at risk at the first time, without delayed entry).</summary>
    public double Count => AtRisk.IsEmpty ? 0 : AtRisk[0];

    /// <summary>The options used.</summary>
    public KaplanMeierOptions Options { get; }

    /// <summary>The curve at yearly times as a table, through the default disclosure policy.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => this.ToTable().ToText();

    /// <summary>The curve at any time: right-continuous, S = 1 before the first time, carried forward (and flagged)
    /// past the last.</summary>
    /// <param name="time">The time, finite.</param>
    /// <returns>The point; <see cref="SurvivalPoint.AtRisk"/> counts those with follow-up ≥ time.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="time"/> is NaN or infinite.</exception>
    public SurvivalPoint At(double time)
    {
        Guard.Finite(time);

        int i = StepFunction.LastAtOrBefore(Time.AsSpan(), time);
        double atRisk = AtRiskAt(time);
        bool beyond = Time.Length == 0 || time > Time[^1];
        if (i < 0)
        {
            return new SurvivalPoint(time, atRisk, 1, 0, 1, 1, beyond);
        }

        return new SurvivalPoint(time, atRisk, Survival[i], StdErr[i], Lower[i], Upper[i], beyond);
    }

    /// <summary>A risk table at the given times, as <c>summary(fit, times = times, extend = TRUE)</c>.</summary>
    /// <param name="times">Ascending, finite times.</param>
    /// <returns>One row per time; events and censorings are counted in (previous time, time].</returns>
    /// <exception cref="ArgumentException">Times are not ascending.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A time is NaN or infinite.</exception>
    public ImmutableArray<RiskTableRow> RiskTable(params ReadOnlySpan<double> times)
    {
        var rows = ImmutableArray.CreateBuilder<RiskTableRow>(times.Length);
        double previous = double.NegativeInfinity;
        for (int k = 0; k < times.Length; k++)
        {
            if (times[k] < previous)
            {
                throw new ArgumentException($"times[{k}] is {Guard.Show(times[k])}, before times[{k - 1}]; times must be ascending.", nameof(times));
            }

            var p = At(times[k]);
            double events = 0, censored = 0;
            for (int i = 0; i < Time.Length; i++)
            {
                if (Time[i] > previous && Time[i] <= times[k])
                {
                    events += Events[i];
                    censored += Censored[i];
                }
            }

            rows.Add(new RiskTableRow(times[k], p.AtRisk, events, censored, p.Survival, p.StdErr, p.Lower, p.Upper, p.BeyondFollowUp));
            previous = times[k];
        }

        return rows.MoveToImmutable();
    }

    /// <summary>The median survival time with its interval, = <c>quantile(fit, 0.5)</c> (the same rule as
    /// <see cref="Quantile"/>; <c>print(fit)</c>'s table agrees except where it rounds).</summary>
    public QuantileEstimate Median => Quantile(0.5);

    /// <summary>The time by which a fraction <paramref name="probability"/> has had the event, = R's
    /// <c>quantile(fit, p)</c> in every case: the first time with S ≤ 1 − p; where S equals 1 − p (within 1.5e-8) on a
    /// flat stretch, the midpoint of that stretch (to the last time if the curve ends there); null (R's NA) when 1 − S
    /// never reaches p exactly (no tolerance there). The limits apply survival's <c>findq</c> to the lower and upper
    /// curves, which picks the smallest value at or above p rather than the first crossing in time (they differ where
    /// a log-log limit curve is not monotone).</summary>
    /// <param name="probability">p in (0, 1).</param>
    /// <returns>The quantile and its interval.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="probability"/> is not in (0, 1).</exception>
    public QuantileEstimate Quantile(double probability)
    {
        Guard.Probability(probability);
        return new QuantileEstimate(
            FindQuantile(Time, Survival, probability),
            FindQuantile(Time, Lower, probability),
            FindQuantile(Time, Upper, probability));
    }

    /// <summary>survival's <c>findq</c> (quantile.survfit) on x = (0, times), y = (0, 1 − curve), exactly:
    /// no answer when max y &lt; p (no tolerance there, so 1 − S = p only up to rounding gives NA); duplicated y values
    /// are dropped (first kept); the lower end is the time of the smallest y + tol ≥ p and the upper end that of the
    /// smallest y − tol ≥ p (smallest in value, not first in time, which matters for the non-monotone limits of a
    /// log-log interval); the quantile is their midpoint; p = 0 gives 0; when p is within tol of the last y, the upper
    /// end is the last time. tol = sqrt(machine epsilon).</summary>
    internal static double? FindQuantile(ImmutableArray<double> times, ImmutableArray<double> curve, double p)
    {
        int m = times.Length + 1;
        double X(int j) => j == 0 ? 0 : times[j - 1];
        double Y(int j) => j == 0 ? 0 : 1 - curve[j - 1];
        double maxY = double.NegativeInfinity;
        for (int j = 0; j < m; j++)
        {
            double y = Y(j);
            if (!double.IsNaN(y) && y > maxY)
            {
                maxY = y;
            }
        }

        if (maxY < p)
        {
            return null;
        }

        double xmax = X(m - 1);
        var seen = new HashSet<double>();
        bool seenNaN = false;
        int last = -1, best1 = -1, best2 = -1;
        double min1 = double.PositiveInfinity, min2 = double.PositiveInfinity, lowest1 = double.PositiveInfinity;
        double high1 = double.NegativeInfinity, high2 = double.NegativeInfinity;
        for (int j = 0; j < m; j++)
        {
            double y = Y(j);
            if (double.IsNaN(y))
            {
                if (!seenNaN)
                {
                    seenNaN = true;
                    last = j;
                }

                continue;
            }

            if (!seen.Add(y))
            {
                continue;   // duplicated(y): dropped
            }

            last = j;
            double up = y + QuantileTolerance, down = y - QuantileTolerance;
            lowest1 = Math.Min(lowest1, up);
            high1 = Math.Max(high1, up);
            high2 = Math.Max(high2, down);
            if (up >= p && up < min1)
            {
                min1 = up;
                best1 = j;
            }

            if (down >= p && down < min2)
            {
                min2 = down;
                best2 = j;
            }
        }

        // approx(rule = 1) gives NA outside the range of its x values.
        int i1 = p < lowest1 || p > high1 ? -1 : best1;
        int i2 = p > high2 ? -1 : best2;
        double? quantile = i1 >= 0 && i2 >= 0 ? (X(i1) + X(i2)) / 2 : null;
        if (p == 0)
        {
            quantile = X(0);
        }

        if (last >= 0 && !double.IsNaN(Y(last)) && Math.Abs(p - Y(last)) < QuantileTolerance)
        {
            quantile = i1 >= 0 ? (X(i1) + xmax) / 2 : null;
        }

        return quantile;
    }

    /// <summary>The restricted mean ∫₀^τ S(u) du with its standard error, = <c>print(fit, rmean = tau)</c>:
    /// se² = Σ_{t_j ≤ τ} A_j² d_j/(n_j(n_j − d_j)) with A_j = ∫_{t_j}^τ S(u) du (terms with n_j = d_j are 0).</summary>
    /// <param name="tau">τ, finite and &gt; 0; past the last time the curve is extended flat.</param>
    /// <returns>The estimate.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tau"/> is not finite and &gt; 0.</exception>
    public RestrictedMeanEstimate RestrictedMean(double tau)
    {
        Guard.PositiveFinite(tau);
        // Area after each time t_j up to tau (A_j), accumulated backwards.
        int m = 0;
        while (m < Time.Length && Time[m] <= tau)
        {
            m++;
        }

        double area = 0, variance = 0;
        for (int j = m - 1; j >= 0; j--)
        {
            double next = j + 1 < m ? Time[j + 1] : tau;
            area += Survival[j] * (next - Time[j]);
            double n = AtRisk[j], d = Events[j];
            if (d > 0 && n > d)
            {
                variance += area * area * d / (n * (n - d));
            }
        }

        double first = m > 0 ? Time[0] : tau;
        double total = area + first; // S = 1 on [0, t_1)
        return new RestrictedMeanEstimate(tau, total, Math.Sqrt(variance)) { BeyondFollowUp = Time.IsEmpty || tau > Time[^1] };
    }

    private double AtRiskAt(double time)
    {
        // First row with Time >= time: its n.risk counts everyone with follow-up >= its time (>= time); with no
        // delayed entry this equals the count at risk at `time`.
        int i = StepFunction.LastAtOrBefore(Time.AsSpan(), time);
        if (i >= 0 && Time[i] == time)
        {
            return AtRisk[i];
        }

        return i + 1 < Time.Length ? AtRisk[i + 1] : 0;
    }
}
