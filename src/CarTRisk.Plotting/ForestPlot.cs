using System.Globalization;
using ScottPlot;

namespace CarTRisk.Plotting;

/// <summary>What a forest-plot row draws.</summary>
public enum ForestRowKind
{
    /// <summary>A square at the estimate (sized by <see cref="ForestRow.Weight"/> when given) over its interval.</summary>
    Estimate,

    /// <summary>A diamond spanning the interval (a pooled estimate).</summary>
    Pooled,

    /// <summary>A dashed line over the interval only (a prediction interval).</summary>
    Interval,
}

/// <summary>One row of a forest plot.</summary>
/// <param name="Label">The row label (left column).</param>
/// <param name="Estimate">The point estimate.</param>
/// <param name="Lower">The lower limit (may be 0 or below the axis: the line then ends in an arrow).</param>
/// <param name="Upper">The upper limit (may be +∞ or beyond the axis: arrow).</param>
public sealed record ForestRow(string Label, double Estimate, double Lower, double Upper)
{
    /// <summary>Weight in percent (meta-analysis): the square's area grows with it; null for equal squares.</summary>
    public double? Weight { get; init; }

    /// <summary>What the row draws.</summary>
    public ForestRowKind Kind { get; init; } = ForestRowKind.Estimate;

    /// <summary>The text of the estimate column; null for "estimate (lower to upper)".</summary>
    public string? Text { get; init; }

    /// <summary>A row whose estimate the disclosure policy suppresses: label and text only, nothing drawn.</summary>
    public bool Suppressed { get; init; }
}

/// <summary>Forest plots with a table of estimates beside them: regression hazard ratios (Cox, Fine-Gray), SIRs by
/// stratum, meta-analysis studies, or any rows. Ratios use a log axis with a reference line at 1.</summary>
public static class ForestPlot
{
    /// <summary>A forest plot of any rows: labels on the left, the plot in the middle, the estimate column (and
    /// weights, when rows have them) on the right, aligned row by row.</summary>
    /// <param name="rows">The rows, top to bottom (at least one).</param>
    /// <param name="estimateHeader">The estimate column's header, e.g. "HR (95% CI)".</param>
    /// <param name="logScale">A log axis (ratios); limits ≤ 0 then end in an arrow.</param>
    /// <param name="reference">A vertical reference line (1 for ratios), or null.</param>
    /// <param name="options">Size, DPI, title, x label; null for a height fitted to the rows.</param>
    /// <returns>The figure.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="rows"/> is null.</exception>
    /// <exception cref="ArgumentException">No row, a null row or label, a NaN estimate in a drawn row, or lower &gt; upper.</exception>
    public static Figure Draw(IReadOnlyList<ForestRow> rows, string estimateHeader, bool logScale, double? reference = null, FigureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(estimateHeader);
        if (rows.Count == 0)
        {
            throw new ArgumentException("rows is empty; give at least one row.", nameof(rows));
        }

        if (rows.Count > 500)
        {
            throw new ArgumentException($"rows has {rows.Count} rows; a forest plot holds at most 500.", nameof(rows));
        }

        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i] ?? throw new ArgumentException($"rows[{i}] is null.", nameof(rows));
            if (r.Label is null)
            {
                throw new ArgumentException($"rows[{i}] has a null label.", nameof(rows));
            }

            if (!r.Suppressed && (double.IsNaN(r.Lower) || double.IsNaN(r.Upper) || (r.Kind != ForestRowKind.Interval && !double.IsFinite(r.Estimate)) || r.Lower > r.Upper))
            {
                throw new ArgumentException($"rows[{i}] ('{r.Label}') has estimate {Show(r.Estimate)} ({Show(r.Lower)} to {Show(r.Upper)}); a drawn row needs a finite estimate and lower <= upper (mark it Suppressed to list it without drawing).", nameof(rows));
            }
        }

        // the height fits the rows unless the caller chose one (the 600-pixel default is not a choice: half of it stood
        // blank under a few rows); title and axis title add their lines
        options ??= FigureOptions.Default;
        if (options.Height == FigureOptions.Default.Height)
        {
            int logical = 110 + (26 * (rows.Count + 1)) + (options.Title is null ? 0 : 24);
            options = options with { Height = (int)Math.Round(logical * options.Dpi / 96.0) };
        }

        options = Figures.Check(options);
        return Render(rows, estimateHeader, logScale, reference, options);
    }

    /// <summary>Hazard ratios of a Cox model with their intervals (log axis, reference 1); the estimates are
    /// suppressed, as in <see cref="CoxModel.ToTable"/>, when the number of events is.</summary>
    /// <param name="model">The fitted model.</param>
    /// <param name="options">Figure options (disclosure, size); null for the defaults.</param>
    /// <returns>The figure.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    public static Figure Draw(CoxModel model, FigureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Ratios(model.TermLabels, model.Terms, model.HazardRatio, model.Lower, model.Upper, model.ToTable(), Level("HR", model.Level), "Hazard ratio", options);
    }

    /// <summary>Subdistribution hazard ratios of a Fine-Gray model (log axis, reference 1), suppressed as in
    /// <see cref="FineGrayModel.ToTable"/>.</summary>
    /// <param name="model">The fitted model.</param>
    /// <param name="options">Figure options; null for the defaults.</param>
    /// <returns>The figure.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    public static Figure Draw(FineGrayModel model, FigureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Ratios(model.TermLabels, model.Terms, model.SubdistributionHazardRatio, model.Lower, model.Upper, model.ToTable(), Level("SHR", model.Level), "Subdistribution hazard ratio", options);
    }

    /// <summary>Standardized incidence ratios, overall and by sex, age band and calendar year (log axis, reference 1);
    /// a row is suppressed exactly where <see cref="SirResult.ToTable"/> suppresses it (small observed counts and
    /// their complements).</summary>
    /// <param name="result">The SIR result.</param>
    /// <param name="options">Figure options; null for the defaults.</param>
    /// <returns>The figure.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="result"/> is null.</exception>
    public static Figure Draw(SirResult result, FigureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var policy = (options ?? FigureOptions.Default).Disclosure;
        var shown = result.ToTable().Render(policy);
        var all = new List<(string Label, SirRow Row)> { ("All", new SirRow("All", result.Observed, result.Expected, result.PersonYears, result.Ratio, result.Interval)) };
        all.AddRange(result.BySex.Select(r => ($"sex {r.Stratum}", r)));
        all.AddRange(result.ByAgeBand.Select(r => ($"age {r.Stratum}", r)));
        all.AddRange(result.ByCalendarYear.Select(r => ($"year {r.Stratum}", r)));
        var rows = new List<ForestRow>();
        var c = CultureInfo.InvariantCulture;
        foreach (var (label, r) in all)
        {
            var line = shown.Skip(1).First(l => l[0] == label);
            bool hidden = line[4] == policy.Marker;
            rows.Add(new ForestRow(label, r.Ratio, r.Interval.Lower, r.Interval.Upper)
            {
                Suppressed = hidden,
                Text = hidden ? policy.Marker : $"{line[4]} ({line[5]})",
                Kind = label == "All" ? ForestRowKind.Pooled : ForestRowKind.Estimate,
            });
        }

        return Draw(rows, Level("SIR", result.Options.Level), true, 1, options);
    }

    /// <summary>The forest plot of a random-effects meta-analysis: one row per study (a square sized by its weight over
    /// its interval), the pooled estimate as a diamond, the prediction interval as a dashed line, on the back-transformed
    /// scale, with the estimate and weight columns beside.</summary>
    /// <param name="result">The meta-analysis.</param>
    /// <param name="studyLabels">A label per study; null = "study 1", ...</param>
    /// <param name="options">Size and title (the time-axis options do not apply); null for the defaults.</param>
    /// <param name="percent">Label the axis and the table in percent (proportions) or plainly (rates).</param>
    /// <returns>The figure.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="result"/> is null.</exception>
    /// <exception cref="ArgumentException">The number of labels differs from the number of studies.</exception>
    public static Figure Draw(MetaAnalysisResult result, IReadOnlyList<string>? studyLabels = null, FigureOptions? options = null, bool percent = true)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (studyLabels is not null && studyLabels.Count != result.Studies)
        {
            throw new ArgumentException($"studyLabels has {studyLabels.Count} labels; there are {result.Studies} studies.", nameof(studyLabels));
        }

        var c = CultureInfo.InvariantCulture;
        string F(double v) => percent ? (v * 100).ToString("0.0", c) + "%" : v.ToString("G3", c);
        var rows = new List<ForestRow>();
        for (int i = 0; i < result.Studies; i++)
        {
            rows.Add(new ForestRow(studyLabels?[i] ?? $"study {i + 1}", result.StudyValue[i], result.StudyLower[i], result.StudyUpper[i])
            {
                Weight = result.WeightPercent.IsEmpty ? null : result.WeightPercent[i],
                Text = $"{F(result.StudyValue[i])} ({F(result.StudyLower[i])} to {F(result.StudyUpper[i])})",
            });
        }

        rows.Add(new ForestRow("Pooled (random effects)", result.Pooled, result.Interval.Lower, result.Interval.Upper)
        {
            Kind = ForestRowKind.Pooled, Weight = result.WeightPercent.IsEmpty ? null : 100,
            Text = $"{F(result.Pooled)} ({F(result.Interval.Lower)} to {F(result.Interval.Upper)})",
        });
        rows.Add(new ForestRow("Prediction interval", result.Pooled, result.PredictionInterval.Lower, result.PredictionInterval.Upper)
        {
            Kind = ForestRowKind.Interval, Text = $"{F(result.PredictionInterval.Lower)} to {F(result.PredictionInterval.Upper)}",
        });
        var o = options ?? FigureOptions.Default with { Height = 110 + (26 * (rows.Count + 1)) };
        return Draw(rows, Level(percent ? "Proportion" : "Rate", result.Level), false, null, o with { XLabel = o.XLabel ?? (percent ? "Proportion" : "Rate") }, percent);
    }

    private static Figure Draw(IReadOnlyList<ForestRow> rows, string header, bool log, double? reference, FigureOptions options, bool percent)
    {
        options = Figures.Check(options);
        return Render(rows, header, log, reference, options, percent);
    }

    /// <summary>Regression ratios: row j is suppressed where the model's report table (events row first) suppresses
    /// its estimate.</summary>
    /// <summary>A model's ratios: each term by its label (a level against its reference), its ratio, interval and p
    /// as the model's table shows them under the policy, and the records and events under the axis.</summary>
    private static Figure Ratios(IReadOnlyList<string> labels, IReadOnlyList<string> terms, IReadOnlyList<double> ratio, IReadOnlyList<double> lower, IReadOnlyList<double> upper,
        ResultTable table, string header, string measure, FigureOptions? options)
    {
        var c = CultureInfo.InvariantCulture;
        var disclosure = (options ?? FigureOptions.Default).Disclosure;
        var shown = table.Render(disclosure);
        List<ForestRow> Rows(bool withP, IReadOnlyList<string> names) => [.. names.Select((label, j) =>
        {
            var line = shown[j + 3];   // header, Records, Events, then the terms: term, ratio, interval, p
            bool hidden = line[1] == disclosure.Marker;
            string text = hidden ? disclosure.Marker
                : $"{ratio[j].ToString("0.00", c)} ({lower[j].ToString("0.00", c)} to {upper[j].ToString("0.00", c)}){(withP ? "; p " + PText(line[3]) : "")}";
            return new ForestRow(label, ratio[j], lower[j], upper[j]) { Suppressed = hidden, Text = text };
        })];

        var o = options ?? FigureOptions.Default;
        if (o.XLabel is null)
        {
            o = o with { XLabel = $"{measure} (log scale); {shown[1][1]} records, {shown[2][1]} events" };
        }

        // a narrow figure (a journal column): the p column goes, then the long labels give way to the terms' names,
        // before the figure is refused
        try
        {
            return Draw(Rows(true, labels), header + "; p", true, 1, o);
        }
        catch (ArgumentOutOfRangeException) when (options is not null)
        {
            try
            {
                return Draw(Rows(false, labels), header, true, 1, o);
            }
            catch (ArgumentOutOfRangeException) when (!labels.SequenceEqual(terms))
            {
                return Draw(Rows(false, terms), header, true, 1, o);
            }
        }
    }

    /// <summary>"= 0.012" or "&lt; 0.001" from the table's p text.</summary>
    private static string PText(string p) =>
        double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v < 0.001 ? "< 0.001" : "= " + p;

    private static string Level(string what, double level) => $"{what} ({(level * 100).ToString("0.####", CultureInfo.InvariantCulture)}% CI)";

    private static string Show(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static Figure Render(IReadOnlyList<ForestRow> rows, string header, bool log, double? reference, FigureOptions o, bool percent = false)
    {
        var c = CultureInfo.InvariantCulture;
        var canvas = new Canvas(o);
        const double Pad = 10, P = CurvePlot.TickPoints;
        var drawn = rows.Where(r => !r.Suppressed).ToList();
        bool weights = rows.Any(r => r.Weight is not null);
        string Text(ForestRow r) => r.Text ?? (r.Suppressed ? o.Disclosure.Marker
            : $"{r.Estimate.ToString("0.00", c)} ({r.Lower.ToString("0.00", c)} to {r.Upper.ToString("0.00", c)})");

        // axis range over the drawn limits (finite, and > 0 on a log axis) and the reference. On a log axis a row whose
        // estimate is 0 (a stratum with no event: SIR 0 with an upper limit of 100 or more) has no place on the axis;
        // its interval runs from the left edge and ends in an arrow where it passes the other rows' range, and it does
        // not stretch that range (it squeezed the informative rows into a corner)
        bool Placed(ForestRow r) => !log || r.Estimate > 0;
        var values = drawn.Where(Placed).SelectMany(r => new[] { r.Lower, r.Upper, r.Estimate }).Where(v => double.IsFinite(v) && (!log || v > 0)).ToList();
        if (values.Count == 0)
        {
            values = drawn.SelectMany(r => new[] { r.Lower, r.Upper, r.Estimate }).Where(v => double.IsFinite(v) && (!log || v > 0)).ToList();
        }

        if (reference is { } rf)
        {
            values.Add(rf);
        }

        if (values.Count == 0)
        {
            values.AddRange(log ? [0.5, 2] : [0, 1]);
        }

        double lo = values.Min(), hi = values.Max();
        var ticks = log ? LogTicks(lo, hi) : LinearTicks(lo, hi);
        double a0 = Math.Min(ticks[0], lo), a1 = Math.Max(ticks[^1], hi);
        Func<double, double> f = log ? Math.Log : v => v;

        double labelW = rows.Max(r => canvas.Measure(r.Label, P).Width);
        double textW = Math.Max(canvas.Measure(header, P, bold: true).Width, rows.Max(r => canvas.Measure(Text(r), P).Width));
        double weightW = weights ? Math.Max(canvas.Measure("Weight", P, bold: true).Width, canvas.Measure("100.0%", P).Width) : 0;
        double top = CurvePlot.Top(canvas, o, note: false);
        double rowH = canvas.Measure("Ag", P).Height * 1.7;
        double plotLeft = Pad + labelW + 16;
        double weightX = canvas.Width - Pad - weightW;
        double textX = weightX - (weights ? 16 : 0) - textW;
        double plotRight = textX - 16;
        double headerY = top + (rowH / 2);
        double bodyTop = top + rowH;
        double bottom = bodyTop + (rowH * rows.Count) + 4;
        double needed = bottom + CurvePlot.AxisBelow(canvas) + Pad;
        if (needed > canvas.Height + 0.5 || plotRight - plotLeft < 60)
        {
            throw new ArgumentOutOfRangeException(nameof(o), $"options.Width x Height ({o.Width} x {o.Height} px at {o.Dpi} DPI) is too small for {rows.Count} rows and their labels; about {Math.Ceiling(needed * canvas.Scale)} px of height and a plot column of 60 logical px are needed.");
        }

        double X(double v) => plotLeft + ((plotRight - plotLeft) * (f(v) - f(a0)) / (f(a1) - f(a0)));
        double Row(int i) => bodyTop + (rowH * (i + 0.5));
        var ink = HouseStyle.Text;
        var colour = HouseStyle.Color(0);

        canvas.Text(header, textX, headerY, P, ink, Alignment.MiddleLeft, bold: true);
        if (weights)
        {
            canvas.Text("Weight", weightX + weightW, headerY, P, ink, Alignment.MiddleRight, bold: true);
        }

        if (reference is { } r0)
        {
            canvas.Line(X(r0), bodyTop, X(r0), bottom, HouseStyle.Muted, 1, LinePattern.Dashed);
        }

        double maxWeight = rows.Where(r => r.Kind == ForestRowKind.Estimate).Select(r => r.Weight ?? 0).DefaultIfEmpty(0).Max();
        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            double y = Row(i);
            canvas.Text(r.Label, Pad, y, P, ink, Alignment.MiddleLeft, bold: r.Kind == ForestRowKind.Pooled);
            canvas.Text(Text(r), textX, y, P, r.Suppressed ? HouseStyle.Muted : ink, Alignment.MiddleLeft);
            if (weights && r.Weight is { } w && r.Kind != ForestRowKind.Interval)
            {
                canvas.Text(w.ToString("0.0", c) + "%", weightX + weightW, y, P, ink, Alignment.MiddleRight);
            }

            if (r.Suppressed)
            {
                continue;
            }

            bool clipLo = (log && r.Lower <= 0) || r.Lower < a0, clipHi = r.Upper > a1;
            double xl = clipLo ? plotLeft : X(r.Lower), xu = clipHi ? plotRight : X(r.Upper);
            switch (r.Kind)
            {
                case ForestRowKind.Pooled when Placed(r):
                    canvas.Polygon([(xl, y), (X(r.Estimate), y - (rowH * 0.32)), (xu, y), (X(r.Estimate), y + (rowH * 0.32))], colour);
                    break;
                case ForestRowKind.Interval:
                    canvas.Line(xl, y, xu, y, colour, 2, LinePattern.Dashed);
                    break;
                default:
                    canvas.Line(xl, y, xu, y, ink, 1.2);
                    double size = r.Weight is { } wt && maxWeight > 0 ? 4 + (10 * Math.Sqrt(wt / maxWeight)) : 8;
                    if (Placed(r))
                    {
                        canvas.Marker(X(r.Estimate), y, MarkerShape.FilledSquare, size, colour);
                    }

                    break;
            }

            // an arrow where the interval runs off the axis
            if (clipLo)
            {
                canvas.Polygon([(xl, y), (xl + 6, y - 3.5), (xl + 6, y + 3.5)], ink);
            }

            if (clipHi)
            {
                canvas.Polygon([(xu, y), (xu - 6, y - 3.5), (xu - 6, y + 3.5)], ink);
            }
        }

        // x axis only (rows need no y axis)
        canvas.Line(plotLeft, bottom, plotRight, bottom, ink, 0.9);
        foreach (double t in ticks)
        {
            canvas.Line(X(t), bottom, X(t), bottom + 4, ink, 0.9);
            string label = percent ? (t * 100).ToString("0.##", c) + "%" : t.ToString("0.###", c);
            canvas.Text(label, X(t), bottom + 6, P, ink, Alignment.UpperCenter);
        }

        double tickH = canvas.Measure("0123456789%", P).Height;
        canvas.Text(o.XLabel ?? (log ? "Ratio (log scale)" : "Estimate"), (plotLeft + plotRight) / 2, bottom + 6 + tickH + 6, CurvePlot.AxisPoints, ink, Alignment.UpperCenter);
        if (o.Title is { } title)
        {
            canvas.Text(title, Pad, Pad, CurvePlot.TitlePoints, ink, Alignment.UpperLeft);
        }

        return canvas.Finish();
    }

    internal static double[] LogTicks(double lo, double hi)
    {
        double[] mantissas = [1, 2, 5];
        var all = new List<double>();
        for (int e = (int)Math.Floor(Math.Log10(lo)) - 1; e <= (int)Math.Ceiling(Math.Log10(hi)) + 1 && all.Count < 200; e++)
        {
            foreach (double m in mantissas)
            {
                all.Add(m * Math.Pow(10, e));
            }
        }

        // the tightest span of nice values around [lo, hi], thinned to at most 7 ticks
        int first = Math.Max(0, all.FindLastIndex(v => v <= lo * (1 + 1e-12)));
        int last = all.FindIndex(v => v >= hi * (1 - 1e-12));
        var span = all.GetRange(first, (last < 0 ? all.Count - 1 : last) - first + 1);
        if (span.Count > 7)
        {
            span = span.Where(v => Math.Abs(v / Math.Pow(10, Math.Floor(Math.Log10(v) + 1e-12)) - 2) > 1e-9 || v == span[0] || v == span[^1]).ToList();
        }

        if (span.Count > 7)
        {
            span = span.Where(v => Math.Abs(v / Math.Pow(10, Math.Floor(Math.Log10(v) + 1e-12)) - 1) < 1e-9 || v == span[0] || v == span[^1]).ToList();
        }

        return [.. span.Select(v => Math.Round(v, 12))];
    }

    internal static double[] LinearTicks(double lo, double hi)
    {
        double range = hi - lo;
        if (!(range > 0))
        {
            range = Math.Abs(hi) > 0 ? Math.Abs(hi) : 1;
        }

        double raw = range / 5, mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = mag * (raw / mag <= 1 ? 1 : raw / mag <= 2 ? 2 : raw / mag <= 2.5 ? 2.5 : raw / mag <= 5 ? 5 : 10);
        double start = Math.Floor(lo / step) * step;
        var ticks = new List<double>();
        for (double v = start; v <= hi + (step * 1e-9) || ticks.Count < 2; v += step)
        {
            ticks.Add(Math.Round(v, 12));
            if (ticks.Count > 20)
            {
                break;
            }
        }

        return [.. ticks];
    }
}
