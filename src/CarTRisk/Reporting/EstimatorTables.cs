using System.Collections.Immutable;
using System.Globalization;

namespace CarTRisk;

/// <summary>Result tables of the estimators (all rendered through the disclosure policy by <see cref="ResultTable"/>).</summary>
public static class EstimatorTables
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    private static string Pct(double v) => double.IsNaN(v) ? "NA" : (v * 100).ToString("0.00", C) + " %";

    private static string Ci(double lo, double hi) => double.IsNaN(lo) || double.IsNaN(hi) ? "NA" : $"{Pct(lo)} to {Pct(hi)}";

    private static string Level(double level) => (level * 100).ToString("0.####", C) + "% CI";

    private static string Day(double t) => t.ToString("0.##", C);

    private static double[] DefaultTimes(IReadOnlyList<double> time)
    {
        double last = time.Count == 0 ? 0 : time[^1];
        var t = new List<double>();
        for (double d = 365; d <= Math.Max(365, last) && t.Count < 20; d += 365)
        {
            t.Add(d);
        }

        return [.. t];
    }

    private static double[] CheckTimes(ReadOnlySpan<double> times, IReadOnlyList<double> curveTimes)
    {
        if (times.IsEmpty)
        {
            return DefaultTimes(curveTimes);
        }

        for (int i = 0; i < times.Length; i++)
        {
            if (!double.IsFinite(times[i]) || times[i] < 0 || (i > 0 && times[i] < times[i - 1]))
            {
                throw new ArgumentException($"times[{i}] is {Guard.Show(times[i])}; times must be finite, >= 0 and ascending.", nameof(times));
            }
        }

        return times.ToArray();
    }

    /// <summary>Whether anyone was censored before <paramref name="day"/> (then a risk no longer equals events / N).</summary>
    internal static bool CensoredBefore(ImmutableArray<double> time, ImmutableArray<double> censored, double day)
    {
        for (int j = 0; j < time.Length && time[j] < day; j++)
        {
            if (censored[j] > 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The Kaplan-Meier curve at chosen times (as <c>summary(fit, times = ...)</c>): number at risk, events
    /// since the previous time, survival and its interval. Survival rests on the events so far and the number at risk.</summary>
    /// <param name="curve">The curve.</param>
    /// <param name="times">Ascending times (days); empty = every 365 days up to the last time.</param>
    /// <returns>The table.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="curve"/> is null.</exception>
    /// <exception cref="ArgumentException">A time is negative, not finite or out of order.</exception>
    public static ResultTable ToTable(this SurvivalCurve curve, params double[] times)
    {
        ArgumentNullException.ThrowIfNull(curve);
        var t = CheckTimes(times, curve.Time);
        var table = new ResultTable("Kaplan-Meier survival", "Time (days)", "At risk", "Events", "Survival", Level(curve.Options.Level))
        {
            Note = "= summary(survfit(...), times = ...); events are those since the previous row.",
        };
        double cumulative = 0;
        CountCell? previous = null;
        var rows = curve.RiskTable(t);
        foreach (var row in rows)
        {
            cumulative += row.Events;
            var atRisk = new CountCell(row.AtRisk);
            var events = new CountCell(row.Events);
            var sofar = new CountCell(cumulative, hidden: true);

            // before any censoring S = 1 − D/N: the survival gives the events so far, and successive rows the events
            // between them (the audit knows both relations)
            IReadOnlyList<CountCell> reveals = CensoredBefore(curve.Time, curve.Censored, row.Time) ? [] : [sofar];
            table.AddRow(new TextCell(Day(row.Time) + (row.BeyondFollowUp ? " (beyond follow-up)" : "")), atRisk, events,
                new DerivedCell(Pct(row.Survival), sofar, atRisk) { Reveals = reveals }, new DerivedCell(Ci(row.Lower, row.Upper), sofar, atRisk) { Reveals = reveals });
            table.AddMargin(sofar, previous is null ? [events] : [previous, events]);
            previous = sofar;
        }

        return table;
    }

    /// <summary>The cumulative incidence of every cause at chosen times, with the interval of the event of interest.</summary>
    /// <param name="curve">The curve.</param>
    /// <param name="causeLabels">Labels by cause code (e.g. 1 → "Secondary malignancy", 2 → "Death"); null = "cause c".</param>
    /// <param name="times">Ascending times (days); empty = every 365 days up to the last time.</param>
    /// <returns>The table.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="curve"/> is null.</exception>
    /// <exception cref="ArgumentException">A time is negative, not finite or out of order.</exception>
    public static ResultTable ToTable(this CumulativeIncidenceCurve curve, IReadOnlyDictionary<int, string>? causeLabels, params double[] times)
    {
        ArgumentNullException.ThrowIfNull(curve);
        var t = CheckTimes(times, curve.Time);
        string Label(int code) => causeLabels is not null && causeLabels.TryGetValue(code, out var l) ? l : $"cause {code}";
        var columns = new List<string> { "Time (days)", "At risk" };
        columns.AddRange(curve.CauseCodes.Select(Label));
        columns.Add($"{Label(curve.EventOfInterest)} {Level(curve.Options.Level)}");
        var table = new ResultTable("Cumulative incidence (Aalen-Johansen)", [.. columns])
        {
            Note = "= cmprsk::cuminc / survfit(Surv(t, factor(cause))); each estimate rests on the events of its cause so far.",
        };
        var previous = new CountCell?[curve.CauseCodes.Length];
        foreach (double day in t)
        {
            bool censored = CensoredBefore(curve.Time, curve.Censored, day);
            int i = StepFunction.LastAtOrBefore(curve.Time.AsSpan(), day);
            int next = i + 1 < curve.Time.Length ? i + 1 : -1;
            var atRisk = new CountCell(next >= 0 && curve.Time[next] > day ? curve.AtRisk[next] : i >= 0 && curve.Time[i] == day ? curve.AtRisk[i] : next >= 0 ? curve.AtRisk[next] : 0);
            var cells = new List<ResultCell> { new TextCell(Day(day) + (day > curve.Time[^1] ? " (beyond follow-up)" : "")), atRisk };
            CountCell? interest = null;
            for (int c = 0; c < curve.CauseCodes.Length; c++)
            {
                double events = 0;
                for (int j = 0; j <= i; j++)
                {
                    events += curve.EventsByCause[c][j];
                }

                var basis = new CountCell(events, hidden: true);
                if (curve.CauseCodes[c] == curve.EventOfInterest)
                {
                    interest = basis;
                }

                // before any censoring F_c = D_c/N: the estimate gives the events so far, and rows the events between
                cells.Add(new DerivedCell(Pct(i < 0 ? 0 : curve.EstimateByCause[c][i]), basis) { Reveals = censored ? [] : [basis] });
                var between = new CountCell(events - (previous[c]?.Count ?? 0), hidden: true);
                table.AddMargin(basis, previous[c] is null ? [between] : [previous[c]!, between]);
                previous[c] = basis;
            }

            var point = curve.At(day);
            cells.Add(new DerivedCell(Ci(point.Lower, point.Upper), interest ?? new CountCell(0, hidden: true)) { Reveals = [] });
            table.AddRow([.. cells]);
        }

        return table;
    }

    /// <summary>The log-rank (G-rho) test: records, observed and expected events per group, and the test.</summary>
    /// <typeparam name="TGroup">The group label type.</typeparam>
    /// <param name="result">The test.</param>
    /// <returns>The table; the statistic and p rest on every group's observed events (a small group suppresses them).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="result"/> is null.</exception>
    public static ResultTable ToTable<TGroup>(this LogRankResult<TGroup> result) where TGroup : notnull
    {
        ArgumentNullException.ThrowIfNull(result);
        var table = new ResultTable("Log-rank test", "Group", "N", "Observed", "Expected")
        {
            Note = "= survdiff(Surv(t, s) ~ group); the statistic rests on every group's observed events.",
        };
        var observed = new List<CountCell>();
        for (int g = 0; g < result.Groups.Length; g++)
        {
            var n = new CountCell(result.Count[g]);
            var o = new CountCell(Math.Round(result.Observed[g], 6));
            observed.Add(o);
            table.AddRow(new TextCell(Convert.ToString(result.Groups[g], C) ?? ""), n, o, new DerivedCell(result.Expected[g].ToString("0.00", C), o, n));
        }

        var all = observed.ToArray();
        table.AddRow(new TextCell("Chi-square (df)"), new TextCell(""), new TextCell(""),
            new DerivedCell(double.IsNaN(result.ChiSquare) ? "NA" : string.Create(C, $"{result.ChiSquare:0.###} ({result.DegreesOfFreedom})"), all));
        table.AddRow(new TextCell("p"), new TextCell(""), new TextCell(""), new DerivedCell(double.IsNaN(result.PValue) ? "NA" : result.PValue.ToString("G4", C), all));
        return table;
    }

    /// <summary>Gray's test: records and events of the cause tested per group, and the test.</summary>
    /// <param name="result">The test (from <see cref="GrayTest.Test"/>, which records the groups).</param>
    /// <returns>The table; the statistic and p rest on every group's events.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="result"/> is null.</exception>
    public static ResultTable ToTable(this GrayTestResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var table = new ResultTable("Gray's test", "Group", "N", "Events")
        {
            Note = "= cmprsk::cuminc(...)$Tests; the statistic rests on every group's events.",
        };
        var events = new List<CountCell>();
        for (int g = 0; g < result.Groups.Length; g++)
        {
            var e = new CountCell(result.Events[g]);
            events.Add(e);
            table.AddRow(new TextCell(result.Groups[g]), new CountCell(result.Counts[g]), e);
        }

        var all = events.ToArray();
        table.AddRow(new TextCell("Statistic (df)"), new TextCell(""),
            new DerivedCell(result.Singular ? "NA (singular variance)" : string.Create(C, $"{result.Statistic:0.###} ({result.DegreesOfFreedom})"), all));
        table.AddRow(new TextCell("p"), new TextCell(""), new DerivedCell(result.Singular ? "NA" : result.PValue.ToString("G4", C), all));
        return table;
    }
}
