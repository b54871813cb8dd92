using System.Globalization;
using ScottPlot;

namespace CarTRisk.Plotting;

/// <summary>Publication figures in the house style (<see cref="HouseStyle"/>): survival and cumulative incidence curves
/// with bands, censor marks, a test annotation and a number-at-risk table with group labels aligned under the x
/// breaks; the naive 1 − Kaplan-Meier against Aalen-Johansen figure; a stacked competing-risk plot; a time-to-onset
/// histogram. Forest plots are in <see cref="ForestPlot"/>.</summary>
/// <example>
/// <code>
/// var km = KaplanMeier.Estimate(days, events);
/// Figures.KaplanMeier([("All patients", km)], FigureOptions.Default with { Title = "Malignancy-free survival" }).SavePng("km.png");
/// </code>
/// </example>
public static class Figures
{
    /// <summary>Kaplan-Meier curves, one per group (Okabe-Ito colours in order), as step lines with confidence bands (up
    /// to <see cref="FigureOptions.MaxGroupsWithBands"/> groups, beneath all lines), censor marks, the number-at-risk
    /// table (group labels on the left, one column per break), an optional horizon marker and test annotation. The
    /// probability axis zooms (and says so) when the curves stay high.</summary>
    /// <param name="curves">Labels and curves (at least one).</param>
    /// <param name="options">Figure options; null for the defaults.</param>
    /// <returns>The figure.</returns>
    /// <exception cref="ArgumentException"><paramref name="curves"/> is empty, holds a null curve or label, or the
    /// options' limits are inconsistent.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="curves"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or the size leaves no room to plot.</exception>
    public static Figure KaplanMeier(IReadOnlyList<(string Label, SurvivalCurve Curve)> curves, FigureOptions? options = null)
    {
        RequireCurves(curves);
        options = Check(options);
        var series = new List<CurveSeries>();
        var rows = new List<RiskRow>();
        for (int k = 0; k < curves.Count; k++)
        {
            var c = curves[k].Curve;
            series.Add(new CurveSeries(curves[k].Label, k, [.. c.Time], [.. c.Survival], [.. c.Lower], [.. c.Upper], [.. c.Censored], [.. c.AtRisk], 1) { TotalEvents = c.Events.Sum(), StepEvents = [.. c.Events] });
            rows.Add(new RiskRow(curves[k].Label, k, [.. c.Time], [.. c.AtRisk], [.. c.Events], [.. c.Censored]));
        }

        return CurvePlot.Draw(series, rows, options, "Probability free of secondary malignancy", rising: false);
    }

    /// <summary>Aalen-Johansen cumulative incidence curves, one per group, rising from 0, with bands (up to
    /// <see cref="FigureOptions.MaxGroupsWithBands"/> groups), censor marks, the risk table (cumulative events count the
    /// curve's cause) and an optional Gray's test annotation; the axis ends at a nice limit above the highest value
    /// drawn (0-10 % for a rare event) and says so.</summary>
    /// <param name="curves">Labels and curves (at least one).</param>
    /// <param name="options">Figure options; null for the defaults.</param>
    /// <returns>The figure.</returns>
    /// <exception cref="ArgumentException"><paramref name="curves"/> is empty, holds a null curve or label, or the
    /// options' limits are inconsistent.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="curves"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or the size leaves no room to plot.</exception>
    public static Figure CumulativeIncidence(IReadOnlyList<(string Label, CumulativeIncidenceCurve Curve)> curves, FigureOptions? options = null)
    {
        RequireCurves(curves);
        options = Check(options);
        var series = new List<CurveSeries>();
        var rows = new List<RiskRow>();
        for (int k = 0; k < curves.Count; k++)
        {
            var c = curves[k].Curve;
            series.Add(new CurveSeries(curves[k].Label, k, [.. c.Time], [.. c.Estimate], [.. c.Lower], [.. c.Upper], [.. c.Censored], [.. c.AtRisk], 0) { TotalEvents = EventsOfInterest(c).Sum(), StepEvents = EventsOfInterest(c) });
            rows.Add(new RiskRow(curves[k].Label, k, [.. c.Time], [.. c.AtRisk], EventsOfInterest(c), [.. c.Censored]));
        }

        return CurvePlot.Draw(series, rows, options, "Cumulative incidence of secondary malignancy", rising: true);
    }

    /// <summary>The point of the safety report: the naive risk 1 − Kaplan-Meier (deaths censored, dashed) against the
    /// Aalen-Johansen cumulative incidence (death competing, solid), with their bands and one risk-table row for the
    /// cohort. The naive curve lies above: it treats the dead as if they could still develop a malignancy.</summary>
    /// <param name="naive">The Kaplan-Meier curve of malignancy-free survival with deaths censored.</param>
    /// <param name="aalenJohansen">The Aalen-Johansen curve of malignancy with death competing (same patients).</param>
    /// <param name="options">Figure options; null for the defaults.</param>
    /// <param name="cohortLabel">The risk-table label (default "All patients").</param>
    /// <returns>The figure.</returns>
    /// <exception cref="ArgumentNullException">A curve is null.</exception>
    /// <exception cref="ArgumentException">The options' limits are inconsistent.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or the size leaves no room to plot.</exception>
    public static Figure NaiveVersusAalenJohansen(SurvivalCurve naive, CumulativeIncidenceCurve aalenJohansen, FigureOptions? options = null,
        string cohortLabel = "All patients")
    {
        ArgumentNullException.ThrowIfNull(naive);
        ArgumentNullException.ThrowIfNull(aalenJohansen);
        ArgumentNullException.ThrowIfNull(cohortLabel);
        options = Check(options);
        var c = aalenJohansen;
        var series = new List<CurveSeries>
        {
            new("Aalen-Johansen (death competing)", 0, [.. c.Time], [.. c.Estimate], [.. c.Lower], [.. c.Upper], [.. c.Censored], [.. c.AtRisk], 0)
            {
                StepEvents = EventsOfInterest(c),
            },
            new("Naive 1 − Kaplan-Meier (deaths censored)", 1, [.. naive.Time], naive.Survival.Select(s => 1 - s).ToArray(),
                naive.Upper.Select(s => 1 - s).ToArray(), naive.Lower.Select(s => 1 - s).ToArray(), [.. naive.Censored], [.. naive.AtRisk], 0)
            {
                Pattern = LinePattern.Dashed,
                StepEvents = [.. naive.Events],
            },
        };
        var rows = new List<RiskRow> { new(cohortLabel, -1, [.. c.Time], [.. c.AtRisk], EventsOfInterest(c), [.. c.Censored]) };
        return CurvePlot.Draw(series, rows, options with { CensorMarks = false }, "Cumulative risk of secondary malignancy", rising: true);
    }

    /// <summary>The naive-versus-Aalen-Johansen figure of a safety report.</summary>
    /// <param name="report">The report.</param>
    /// <param name="options">Figure options; null for the defaults.</param>
    /// <returns>The figure.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="report"/> is null.</exception>
    /// <exception cref="ArgumentException">The report has no case (no Aalen-Johansen curve).</exception>
    public static Figure NaiveVersusAalenJohansen(SafetyReport report, FigureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.CumulativeIncidence is null)
        {
            throw new ArgumentException("report has no case, so no Aalen-Johansen curve to draw.", nameof(report));
        }

        return NaiveVersusAalenJohansen(report.MalignancyFreeKaplanMeier, report.CumulativeIncidence, options);
    }

    /// <summary>A stacked plot of the competing outcomes over time: each cause's cumulative incidence stacked from 0
    /// (cause 1 vermillion, cause 2 blue, then the rest of the palette), the event-free probability on top in light
    /// grey; the bands sum to 1 at every time. Probability breaks every 20 %, time breaks as the curves.</summary>
    /// <param name="curve">A curve from <c>CumulativeIncidence.Estimate</c> (all causes are in it).</param>
    /// <param name="causeLabels">A label per cause (entry c − 1 for cause c, as <see cref="CumulativeIncidenceCurve.CauseCodes"/>),
    /// e.g. ["Secondary malignancy", "Death"].</param>
    /// <param name="options">Figure options; null for the defaults.</param>
    /// <returns>The figure.</returns>
    /// <exception cref="ArgumentNullException">A null argument.</exception>
    /// <exception cref="ArgumentException">The number of labels differs from the number of causes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or the size leaves no room to plot.</exception>
    public static Figure StackedCompetingRisks(CumulativeIncidenceCurve curve, IReadOnlyList<string> causeLabels, FigureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(curve);
        ArgumentNullException.ThrowIfNull(causeLabels);
        options = Check(options);
        if (causeLabels.Count != curve.EstimateByCause.Length)
        {
            throw new ArgumentException($"causeLabels has {causeLabels.Count} labels but the curve has {curve.EstimateByCause.Length} causes.", nameof(causeLabels));
        }

        return StackedPlot.Draw(curve, causeLabels, options);
    }

    /// <summary>The stacked state-occupation figure of a multi-state curve: the probability of each state over time,
    /// the first state (e.g. "(s0)", alive without an event) as the light-grey remainder on top. Under a disclosure
    /// threshold the curve ends at the last time with at least the threshold patients at risk in all states together
    /// (the tail rests on fewer people), and each layer boundary steps only where at least the threshold of the
    /// transitions that move it have accumulated since its last drawn step (a step's height over the number at risk
    /// would otherwise show a count of 1..threshold − 1).</summary>
    /// <param name="curve">The multi-state fit.</param>
    /// <param name="stateLabels">A label per state, in <see cref="MultiStateCurve.States"/> order; null = the state names.</param>
    /// <param name="options">Figure options (time scale, title, disclosure); null for the defaults.</param>
    /// <returns>The figure.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="curve"/> is null.</exception>
    /// <exception cref="ArgumentException">The labels do not match the states, or no time is left to draw.</exception>
    public static Figure StateOccupation(MultiStateCurve curve, IReadOnlyList<string>? stateLabels = null, FigureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(curve);
        options = Check(options);
        stateLabels ??= curve.States;
        int s = curve.States.Length;
        if (stateLabels.Count != s)
        {
            throw new ArgumentException($"stateLabels has {stateLabels.Count} labels but the curve has {s} states.", nameof(stateLabels));
        }

        int threshold = options.Disclosure.Threshold;
        int end = curve.Times.Length;
        while (end > 0 && threshold > 0 && Enumerable.Range(0, s).Sum(k => curve.AtRisk[((end - 1) * s) + k]) < threshold)
        {
            end--;
        }

        if (end == 0)
        {
            throw new ArgumentException("no time with at least the disclosure threshold at risk: nothing can be drawn.", nameof(curve));
        }

        var (drawnTimes, layers, _) = StackedPlot.StateLayers(curve, end, threshold);
        var time = curve.Times.Take(end).ToArray();
        var atRisk = Enumerable.Range(0, end).Select(t => (double)Enumerable.Range(0, s).Sum(k => curve.AtRisk[(t * s) + k])).ToArray();
        return StackedPlot.DrawLayers([.. drawnTimes.Select(i => time[i])], layers, [.. Enumerable.Range(1, s - 1).Select(k => stateLabels[k]), stateLabels[0]], options,
            new RiskRow("In follow-up", -1, time, atRisk, [], []));
    }

    /// <summary>The transition diagram of a multi-state fit: the states as boxes, an arrow per observed transition with
    /// its number of transitions (a count of 1..threshold − 1 prints as the policy's marker).</summary>
    /// <param name="curve">The multi-state fit.</param>
    /// <param name="stateLabels">A label per state; null = the state names.</param>
    /// <param name="options">Figure options (size, title, disclosure); null for the defaults.</param>
    /// <returns>The figure.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="curve"/> is null.</exception>
    /// <exception cref="ArgumentException">The labels do not match the states.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The size leaves no room for the diagram.</exception>
    public static Figure TransitionDiagram(MultiStateCurve curve, IReadOnlyList<string>? stateLabels = null, FigureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(curve);
        options = Check(options);
        stateLabels ??= curve.States;
        if (stateLabels.Count != curve.States.Length)
        {
            throw new ArgumentException($"stateLabels has {stateLabels.Count} labels but the curve has {curve.States.Length} states.", nameof(stateLabels));
        }

        return Plotting.TransitionDiagram.Draw(curve, stateLabels, options);
    }

    /// <summary>A histogram of the time from infusion to diagnosis among cases, with the median marked; the x breaks
    /// fall on bin edges.</summary>
    /// <param name="onset">The onset summary (e.g. <c>SafetyReport.Onset</c>).</param>
    /// <param name="binDays">Bin width in days, finite and &gt; 0; null (the default) for a quarter year (61 days in a
    /// day scale), so that a bin edge separates onsets up to day 365 from later ones. Bars never cross that edge while
    /// each side holds the threshold, and bars of unequal width (merged bins) are drawn as density, as R's hist().</param>
    /// <param name="options">Figure options; null for the defaults (months, a 1-year marker).</param>
    /// <returns>The figure.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="onset"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="binDays"/> is not finite and &gt; 0, or more than
    /// 10,000 bins would be needed.</exception>
    /// <exception cref="ArgumentException">There is no case, or the number of cases is itself suppressed.</exception>
    public static Figure OnsetHistogram(OnsetSummary onset, double? binDays = null, FigureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(onset);
        options = Check(options ?? FigureOptions.Default with { HorizonDays = 365 });
        // a quarter year (or 61 days on the days scale): a bin edge at 365.25 (366) days separates the report's "within
        // 12 months" (onset <= 365) from later onsets, so the bars and that count cannot be differenced
        double bin = binDays ?? (options.Scale == TimeScale.Days ? 61 : 365.25 / 4);
        if (!(bin > 0 && double.IsFinite(bin)))
        {
            throw new ArgumentOutOfRangeException(nameof(binDays), binDays, "binDays must be finite and > 0.");
        }

        if (onset.Cases == 0)
        {
            throw new ArgumentException("onset has no case to plot.", nameof(onset));
        }

        if (options.Disclosure.Suppresses(onset.Cases))
        {
            throw new ArgumentException($"onset has {options.Disclosure.Marker} cases: any histogram would disclose them (FigureOptions.Disclosure; DisclosurePolicy.None inside the custodian's walls).", nameof(onset));
        }

        if (onset.Days[^1] / bin > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(binDays), binDays, $"binDays = {bin.ToString("R", CultureInfo.InvariantCulture)} would need {Math.Floor(onset.Days[^1] / bin) + 1:0} bins for onset up to {onset.Days[^1]} days; at most 10,000.");
        }

        return HistogramPlot.Draw(onset, bin, options);
    }

    internal static double[] EventsOfInterest(CumulativeIncidenceCurve c)
    {
        int idx = c.CauseCodes.IndexOf(c.EventOfInterest);
        return idx >= 0 ? [.. c.EventsByCause[idx]] : new double[c.Time.Length];
    }

    private static void RequireCurves<T>(IReadOnlyList<(string Label, T Curve)> curves)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(curves);
        if (curves.Count == 0)
        {
            throw new ArgumentException("curves is empty; give at least one curve.", nameof(curves));
        }

        for (int i = 0; i < curves.Count; i++)
        {
            if (curves[i].Curve is null)
            {
                throw new ArgumentException($"curves[{i}] ('{curves[i].Label}') has a null curve.", nameof(curves));
            }

            if (curves[i].Label is null)
            {
                throw new ArgumentException($"curves[{i}] has a null label.", nameof(curves));
            }
        }
    }

    /// <summary>The love plot of covariate balance: each term's standardized mean difference before weighting (open
    /// circle) and after (filled), with lines at 0 and ±0.1 (= cobalt's <c>love.plot(..., thresholds = 0.1)</c>). SMDs
    /// are not counts; the figure shows no count.</summary>
    /// <param name="before">The unweighted balance.</param>
    /// <param name="after">The weighted balance of the same terms.</param>
    /// <param name="options">Size and title; null for a height fitted to the terms.</param>
    /// <returns>The figure.</returns>
    /// <exception cref="ArgumentNullException">A null table.</exception>
    /// <exception cref="ArgumentException">The tables list different terms, or none.</exception>
    public static Figure Balance(BalanceTable before, BalanceTable after, FigureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (before.Rows.Length == 0 || !before.Rows.Select(r => r.Term).SequenceEqual(after.Rows.Select(r => r.Term)))
        {
            throw new ArgumentException("before and after must list the same terms, at least one.", nameof(after));
        }

        options = Check(options ?? FigureOptions.Default with { Height = 120 + (26 * (before.Rows.Length + 1)) });
        return LovePlot.Draw(before, after, options);
    }

    /// <summary>Checks the options: sizes 1..20,000 px, DPI 24..1200, a defined scale, ticks finite, ≥ 0, ascending and
    /// not empty, YMax in (0, 1], YMin in [0, 1), XMaxDays finite and &gt; 0, MaxGroupsWithBands ≥ 0, a finite
    /// non-negative horizon.</summary>
    internal static FigureOptions Check(FigureOptions? options)
    {
        options ??= FigureOptions.Default;
        var c = CultureInfo.InvariantCulture;
        if (options.Width is < 1 or > 20_000 || options.Height is < 1 or > 20_000)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"options.Width x Height is {options.Width} x {options.Height}; each must be 1..20000 pixels.");
        }

        if (options.Dpi is < 24 or > 1200)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Dpi, "options.Dpi must be 24..1200.");
        }

        if (!Enum.IsDefined(options.Scale))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Scale, "options.Scale is not a defined TimeScale.");
        }

        if (options.TickDays is { } ticks)
        {
            if (ticks.Count == 0)
            {
                throw new ArgumentException("options.TickDays is empty; give at least one tick or null for automatic ticks.", nameof(options));
            }

            if (ticks.Count > 200)
            {
                throw new ArgumentException($"options.TickDays has {ticks.Count} ticks; at most 200.", nameof(options));
            }

            for (int i = 0; i < ticks.Count; i++)
            {
                if (!(ticks[i] >= 0 && double.IsFinite(ticks[i])) || (i > 0 && ticks[i] <= ticks[i - 1]))
                {
                    throw new ArgumentException($"options.TickDays[{i}] is {ticks[i].ToString("R", c)}; ticks must be finite, >= 0 and strictly ascending.", nameof(options));
                }
            }
        }

        if (options.YMax is { } y && !(y > 0 && y <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), y, "options.YMax must lie in (0, 1] (a probability axis).");
        }

        if (options.YMin is { } ymin && !(ymin >= 0 && ymin < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), ymin, "options.YMin must lie in [0, 1) (a probability axis).");
        }

        if (options.XMaxDays is { } xmax && !(xmax > 0 && double.IsFinite(xmax)))
        {
            throw new ArgumentOutOfRangeException(nameof(options), xmax, "options.XMaxDays must be finite and > 0.");
        }

        if (options.MaxGroupsWithBands < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxGroupsWithBands, "options.MaxGroupsWithBands must be >= 0.");
        }

        if (options.HorizonDays is { } h && !(h >= 0 && double.IsFinite(h)))
        {
            throw new ArgumentOutOfRangeException(nameof(options), h, "options.HorizonDays must be finite and >= 0.");
        }

        ArgumentNullException.ThrowIfNull(options.Disclosure, "options.Disclosure");
        return options;
    }
}
