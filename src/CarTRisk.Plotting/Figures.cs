using System.Globalization;
using ScottPlot;

namespace CarTRisk.Plotting;

/// <summary>The unit of the time axis.</summary>
public enum TimeScale
{
    /// <summary>Days from infusion.</summary>
    Days,

    /// <summary>Months (30.4375 days).</summary>
    Months,

    /// <summary>Years (365.25 days).</summary>
    Years,
}

/// <summary>Options shared by the figures.</summary>
public sealed record FigureOptions
{
    /// <summary>The defaults: 900 × 600 px, months, a 3-year horizon marker, bands and censor marks on.</summary>
    public static FigureOptions Default { get; } = new();

    /// <summary>Width in pixels.</summary>
    public int Width { get; init; } = 900;

    /// <summary>Height in pixels.</summary>
    public int Height { get; init; } = 600;

    /// <summary>The title, or null for none.</summary>
    public string? Title { get; init; }

    /// <summary>The unit of the time axis.</summary>
    public TimeScale Scale { get; init; } = TimeScale.Months;

    /// <summary>A vertical marker at this many days (e.g. 1095 = 3 years), or null for none.</summary>
    public double? HorizonDays { get; init; } = 1095;

    /// <summary>Where the x ticks and the number-at-risk columns go, in days; null to space them every 6 months
    /// (months), 1 year (years) or 180 days (days) up to the last time.</summary>
    public IReadOnlyList<double>? TickDays { get; init; }

    /// <summary>Whether to shade the pointwise confidence band.</summary>
    public bool ConfidenceBands { get; init; } = true;

    /// <summary>Whether to mark censored times on the curves.</summary>
    public bool CensorMarks { get; init; } = true;

    /// <summary>Whether to draw the number-at-risk table under the axis.</summary>
    public bool NumberAtRisk { get; init; } = true;

    /// <summary>Upper limit of the probability axis (e.g. 0.1 for a rare event); null for automatic.</summary>
    public double? YMax { get; init; }

    /// <summary>Disclosure control (default: threshold 11): numbers at risk of 1-10 print as "&lt;11", curves stop
    /// where fewer than the threshold are at risk, and onset histogram bins are merged until each holds at least the
    /// threshold. <see cref="DisclosurePolicy.None"/> inside the custodian's walls.</summary>
    public DisclosurePolicy Disclosure { get; init; } = DisclosurePolicy.Default;
}

/// <summary>A rendered figure that can be saved as PNG or SVG.</summary>
public sealed class Figure
{
    internal Figure(Plot plot, int width, int height)
    {
        Plot = plot;
        Width = width;
        Height = height;
    }

    /// <summary>The underlying ScottPlot plot, for further styling.</summary>
    public Plot Plot { get; }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Writes a PNG file.</summary>
    /// <param name="path">The file path.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    public void SavePng(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Plot.SavePng(path, Width, Height);
    }

    /// <summary>Writes an SVG file.</summary>
    /// <param name="path">The file path.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    public void SaveSvg(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Plot.SaveSvg(path, Width, Height);
    }

    /// <summary>The figure as SVG text.</summary>
    /// <returns>The SVG document.</returns>
    public string ToSvg() => Plot.GetSvgXml(Width, Height);

    /// <summary>The figure as PNG bytes.</summary>
    /// <returns>The PNG file content.</returns>
    public byte[] ToPng() => Plot.GetImageBytes(Width, Height, ImageFormat.Png);
}

/// <summary>Publication figures: survival and cumulative incidence curves with bands, censor marks and an aligned
/// number-at-risk table; a stacked competing-risk plot; a time-to-onset histogram.</summary>
/// <example>
/// <code>
/// var km = KaplanMeier.Estimate(days, events);
/// Figures.KaplanMeier([("All patients", km)], FigureOptions.Default with { Title = "Malignancy-free survival" }).SavePng("km.png");
/// </code>
/// </example>
public static class Figures
{
    private static readonly Color[] Palette =
    [
        Color.FromHex("#1f77b4"), Color.FromHex("#d62728"), Color.FromHex("#2ca02c"), Color.FromHex("#9467bd"),
        Color.FromHex("#ff7f0e"), Color.FromHex("#8c564b"), Color.FromHex("#e377c2"), Color.FromHex("#17becf"),
    ];

    /// <summary>Kaplan-Meier curves, one per group, as step lines with shaded confidence bands, censor marks, a
    /// number-at-risk table aligned under the x ticks and an optional horizon marker.</summary>
    /// <param name="curves">Labels and curves (at least one).</param>
    /// <param name="options">Figure options; null for the defaults.</param>
    /// <returns>The figure.</returns>
    /// <exception cref="ArgumentException"><paramref name="curves"/> is empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="curves"/> is null.</exception>
    public static Figure KaplanMeier(IReadOnlyList<(string Label, SurvivalCurve Curve)> curves, FigureOptions? options = null)
    {
        RequireCurves(curves);
        options = Check(options);
        var series = curves.Select(c => new Series(c.Label, c.Curve.Time.ToArray(), c.Curve.Survival.ToArray(), c.Curve.Lower.ToArray(),
            c.Curve.Upper.ToArray(), c.Curve.Censored.ToArray(), c.Curve.AtRisk.ToArray(), 1.0)).ToList();
        return Draw(series, options, "Probability free of secondary malignancy", options.YMax ?? 1);
    }

    /// <summary>Aalen-Johansen cumulative incidence curves, one per group, rising from 0, with bands, censor marks and
    /// the number-at-risk table.</summary>
    /// <param name="curves">Labels and curves (at least one).</param>
    /// <param name="options">Figure options; null for the defaults.</param>
    /// <returns>The figure.</returns>
    /// <exception cref="ArgumentException"><paramref name="curves"/> is empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="curves"/> is null.</exception>
    public static Figure CumulativeIncidence(IReadOnlyList<(string Label, CumulativeIncidenceCurve Curve)> curves, FigureOptions? options = null)
    {
        RequireCurves(curves);
        options = Check(options);
        var series = curves.Select(c => new Series(c.Label, c.Curve.Time.ToArray(), c.Curve.Estimate.ToArray(), c.Curve.Lower.ToArray(),
            c.Curve.Upper.ToArray(), c.Curve.Censored.ToArray(), c.Curve.AtRisk.ToArray(), 0.0)).ToList();
        double top = options.YMax ?? NiceCeiling(series.Max(s => s.Upper.Where(double.IsFinite).DefaultIfEmpty(0).Max()));
        return Draw(series, options, "Cumulative incidence of secondary malignancy", top);
    }

    /// <summary>A stacked plot of the competing outcomes over time: each cause's cumulative incidence stacked from 0,
    /// and the event-free probability on top; the bands sum to 1 at every time.</summary>
    /// <param name="curve">A curve from <c>CumulativeIncidence.Estimate</c> (all causes are in it).</param>
    /// <param name="causeLabels">A label per cause (cause c = causeLabels[c − 1]), e.g. ["Secondary malignancy", "Death"].</param>
    /// <param name="options">Figure options; null for the defaults.</param>
    /// <returns>The figure.</returns>
    /// <exception cref="ArgumentNullException">A null argument.</exception>
    /// <exception cref="ArgumentException">The number of labels differs from the number of causes.</exception>
    public static Figure StackedCompetingRisks(CumulativeIncidenceCurve curve, IReadOnlyList<string> causeLabels, FigureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(curve);
        ArgumentNullException.ThrowIfNull(causeLabels);
        options = Check(options);
        if (causeLabels.Count != curve.EstimateByCause.Length)
        {
            throw new ArgumentException($"causeLabels has {causeLabels.Count} labels but the curve has {curve.EstimateByCause.Length} causes.", nameof(causeLabels));
        }

        var plot = NewPlot(options);
        double scale = Divisor(options.Scale);
        var time = curve.Time.ToArray();
        var below = new double[time.Length];
        for (int c = 0; c <= causeLabels.Count; c++)
        {
            var top = new double[time.Length];
            for (int j = 0; j < time.Length; j++)
            {
                top[j] = c < causeLabels.Count ? below[j] + curve.EstimateByCause[c][j] : 1;
            }

            var (xs, lo) = Steps(time, below, 0, scale);
            var (_, hi) = Steps(time, top, 0, scale);
            var fill = plot.Add.FillY(xs, hi, lo);
            fill.FillColor = (c < causeLabels.Count ? Palette[(c + 1) % Palette.Length] : Color.FromHex("#dddddd")).WithAlpha(0.85);
            fill.LineWidth = 0;
            fill.LegendText = c < causeLabels.Count ? causeLabels[c] : "Event-free";
            below = top;
        }

        plot.Axes.SetLimits(0, time[^1] / scale, 0, 1);
        plot.YLabel("Probability");
        XAxis(plot, options, time[^1], scale, []);
        Horizon(plot, options, scale, 1);
        plot.ShowLegend(Alignment.UpperLeft);
        return new Figure(plot, options.Width, options.Height);
    }

    /// <summary>A histogram of the time from infusion to diagnosis among cases, with the median marked.</summary>
    /// <param name="onset">The onset summary (e.g. <c>SafetyReport.Onset</c>).</param>
    /// <param name="binDays">Bin width in days, finite and &gt; 0 (default 90).</param>
    /// <param name="options">Figure options; null for the defaults.</param>
    /// <returns>The figure.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="onset"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="binDays"/> is not finite and &gt; 0.</exception>
    /// <exception cref="ArgumentException">There is no case.</exception>
    public static Figure OnsetHistogram(OnsetSummary onset, double binDays = 90, FigureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(onset);
        options = Check(options ?? FigureOptions.Default with { HorizonDays = 365 });
        if (!(binDays > 0 && double.IsFinite(binDays)))
        {
            throw new ArgumentOutOfRangeException(nameof(binDays), binDays, "binDays must be finite and > 0.");
        }

        if (onset.Cases == 0)
        {
            throw new ArgumentException("onset has no case to plot.", nameof(onset));
        }

        if (options.Disclosure.Suppresses(onset.Cases))
        {
            throw new ArgumentException($"onset has {options.Disclosure.Mask} cases: any histogram would disclose them (FigureOptions.Disclosure; DisclosurePolicy.None inside the custodian's walls).", nameof(onset));
        }

        var plot = NewPlot(options);
        double scale = Divisor(options.Scale);
        int bins = (int)Math.Floor(onset.Days[^1] / binDays) + 1;
        var counts = new double[bins];
        foreach (double d in onset.Days)
        {
            counts[(int)Math.Floor(d / binDays)]++;
        }

        // Disclosure: adjacent bins are merged (left to right) until each bar holds at least the threshold; a short
        // remainder joins the last bar. Without a threshold every bin is its own bar.
        var groups = new List<(int From, int To, double Count)>();
        int from = 0;
        double acc = 0;
        for (int b = 0; b < bins; b++)
        {
            acc += counts[b];
            if (options.Disclosure.Threshold <= 1 || acc >= options.Disclosure.Threshold)
            {
                groups.Add((from, b, acc));
                from = b + 1;
                acc = 0;
            }
        }

        if (acc > 0)
        {
            var last = groups[^1];
            groups[^1] = (last.From, bins - 1, last.Count + acc);
        }

        var bars = new List<Bar>();
        foreach (var (lo, hi, count) in groups)
        {
            bars.Add(new Bar
            {
                Position = ((lo + hi + 1) * binDays / 2) / scale,
                Value = count,
                Size = (hi - lo + 1) * binDays / scale * 0.95,
                FillColor = Palette[0],
            });
        }

        plot.Add.Bars(bars);
        double yTop = groups.Max(g => g.Count) * 1.15;
        if (onset.Median is { } median)
        {
            var line = plot.Add.Line(median / scale, 0, median / scale, yTop);
            line.Color = Palette[1];
            line.LinePattern = LinePattern.Dashed;
            line.LineWidth = 1.5f;
            var label = plot.Add.Text($"median {median.ToString("0", CultureInfo.InvariantCulture)} days", median / scale, yTop);
            label.LabelFontSize = 12;
            label.LabelFontColor = Palette[1];
            label.LabelAlignment = Alignment.UpperLeft;
            label.OffsetX = 4;
            label.OffsetY = 22;
        }

        Horizon(plot, options, scale, yTop);
        plot.Axes.SetLimits(0, bins * binDays / scale, 0, yTop);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.XLabel($"Time from infusion to diagnosis ({Unit(options.Scale)})");
        plot.YLabel("Cases");
        return new Figure(plot, options.Width, options.Height);
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

    /// <summary>Checks the options: sizes 1..20,000 px, a defined scale, ticks finite, ≥ 0, ascending and not empty,
    /// YMax in (0, 1], a finite non-negative horizon.</summary>
    internal static FigureOptions Check(FigureOptions? options)
    {
        options ??= FigureOptions.Default;
        if (options.Width is < 1 or > 20_000 || options.Height is < 1 or > 20_000)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"options.Width x Height is {options.Width} x {options.Height}; each must be 1..20000 pixels.");
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

            for (int i = 0; i < ticks.Count; i++)
            {
                if (!(ticks[i] >= 0 && double.IsFinite(ticks[i])) || (i > 0 && ticks[i] <= ticks[i - 1]))
                {
                    throw new ArgumentException($"options.TickDays[{i}] is {ticks[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture)}; ticks must be finite, >= 0 and strictly ascending.", nameof(options));
                }
            }
        }

        if (options.YMax is { } y && !(y > 0 && y <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), y, "options.YMax must lie in (0, 1] (a probability axis).");
        }

        if (options.HorizonDays is { } h && !(h >= 0 && double.IsFinite(h)))
        {
            throw new ArgumentOutOfRangeException(nameof(options), h, "options.HorizonDays must be finite and >= 0.");
        }

        return options;
    }

    private sealed record Series(string Label, double[] Time, double[] Value, double[] Lower, double[] Upper, double[] Censored,
        double[] AtRisk, double Start)
    {
        /// <summary>The whole at-risk column (for the risk table), also past a disclosure cut.</summary>
        public double[]? FullAtRisk { get; init; }

        public double[]? FullTime { get; init; }
    }

    /// <summary>The part of a curve the policy lets a figure show: rows up to (not including) the first time with
    /// 1..threshold − 1 at risk, whose steps would rest on fewer people than the threshold.</summary>
    private static Series Disclosed(Series s, DisclosurePolicy policy)
    {
        int cut = Array.FindIndex(s.AtRisk, n => policy.Suppresses(n));
        if (cut < 0)
        {
            return s;
        }

        T[] Take<T>(T[] a) => a[..cut];
        return s with
        {
            Time = Take(s.Time), Value = Take(s.Value), Lower = Take(s.Lower), Upper = Take(s.Upper), Censored = Take(s.Censored),
            Label = s.Label + (cut == 0 ? $" (not shown: fewer than {policy.Threshold} at risk)" : ""),
            FullAtRisk = s.AtRisk, FullTime = s.Time, AtRisk = Take(s.AtRisk),
        };
    }

    private static Figure Draw(List<Series> series, FigureOptions options, string yLabel, double yTop)
    {
        series = series.Select(x => Disclosed(x, options.Disclosure)).ToList();
        var plot = NewPlot(options);
        double scale = Divisor(options.Scale);
        double tMax = series.Max(s => s.Time.Length == 0 ? 0 : s.Time[^1]);
        var ticks = options.TickDays?.ToArray() ?? DefaultTicks(tMax, options.Scale);
        for (int k = 0; k < series.Count; k++)
        {
            var s = series[k];
            var color = Palette[k % Palette.Length];
            if (options.ConfidenceBands)
            {
                var lo = s.Lower.Select((v, i) => double.IsNaN(v) ? s.Value[i] : v).ToArray();
                var hi = s.Upper.Select((v, i) => double.IsNaN(v) ? s.Value[i] : v).ToArray();
                var (xs, ylo) = Steps(s.Time, lo, s.Start, scale);
                var (_, yhi) = Steps(s.Time, hi, s.Start, scale);
                var band = plot.Add.FillY(xs, yhi, ylo);
                band.FillColor = color.WithAlpha(0.18);
                band.LineWidth = 0;
            }

            var (x, y) = Steps(s.Time, s.Value, s.Start, scale);
            var line = plot.Add.ScatterLine(x, y);
            line.Color = color;
            line.LineWidth = 2;
            line.LegendText = s.Label;
            if (options.CensorMarks)
            {
                var cx = new List<double>();
                var cy = new List<double>();
                for (int i = 0; i < s.Time.Length; i++)
                {
                    if (s.Censored[i] > 0)
                    {
                        cx.Add(s.Time[i] / scale);
                        cy.Add(s.Value[i]);
                    }
                }

                if (cx.Count > 0)
                {
                    var marks = plot.Add.ScatterPoints(cx.ToArray(), cy.ToArray());
                    marks.MarkerShape = MarkerShape.VerticalBar;
                    marks.MarkerSize = 7;
                    marks.Color = color;
                }
            }
        }

        double tableHeight = options.NumberAtRisk ? yTop * 0.085 * (series.Count + 1.2) : 0;
        if (options.NumberAtRisk)
        {
            var axisLine = plot.Add.HorizontalLine(0);
            axisLine.Color = Colors.Black;
            axisLine.LineWidth = 1;
            var title = plot.Add.Text("Number at risk", ticks[0] / scale, -yTop * 0.03);
            title.LabelFontSize = 12;
            title.LabelBold = true;
            title.LabelAlignment = Alignment.UpperLeft;
            for (int k = 0; k < series.Count; k++)
            {
                double rowY = -yTop * 0.085 * (k + 1.1);
                foreach (double tick in ticks)
                {
                    var txt = plot.Add.Text(options.Disclosure.FormatCount(AtRiskAt(series[k], tick)), tick / scale, rowY);
                    txt.LabelFontSize = 12;
                    txt.LabelFontColor = Palette[k % Palette.Length];
                    txt.LabelAlignment = Alignment.UpperCenter;
                }
            }
        }

        plot.Axes.SetLimits(-(ticks[^1] / scale) * 0.02, Math.Max(ticks[^1], tMax) / scale * 1.02, -tableHeight, yTop * 1.02);
        var yTicks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i <= 5; i++)
        {
            double v = yTop * i / 5;
            yTicks.AddMajor(v, v.ToString(yTop <= 0.2 ? "0.0%" : "0%", CultureInfo.InvariantCulture));
        }

        plot.Axes.Left.TickGenerator = yTicks;
        plot.YLabel(yLabel);
        XAxis(plot, options, tMax, scale, ticks);
        Horizon(plot, options, scale, yTop);
        plot.ShowLegend(series[0].Start == 1 ? Alignment.LowerLeft : Alignment.UpperLeft);
        if (options.NumberAtRisk)
        {
            plot.Legend.Alignment = series[0].Start == 1 ? Alignment.MiddleLeft : Alignment.UpperLeft;
        }

        return new Figure(plot, options.Width, options.Height);
    }

    private static double AtRiskAt(Series s, double day)
    {
        var time = s.FullTime ?? s.Time;
        var atRisk = s.FullAtRisk ?? s.AtRisk;
        for (int i = 0; i < time.Length; i++)
        {
            if (time[i] >= day)
            {
                return atRisk[i];
            }
        }

        return 0;
    }

    private static Plot NewPlot(FigureOptions options)
    {
        var plot = new Plot();
        if (options.Title is { } t)
        {
            plot.Title(t);
        }

        plot.Grid.MajorLineColor = Colors.Black.WithAlpha(0.08);
        return plot;
    }

    private static void XAxis(Plot plot, FigureOptions options, double tMax, double scale, double[] ticks)
    {
        var generator = new ScottPlot.TickGenerators.NumericManual();
        foreach (double tick in ticks.Length > 0 ? ticks : DefaultTicks(tMax, options.Scale))
        {
            generator.AddMajor(tick / scale, (tick / scale).ToString("0.#", CultureInfo.InvariantCulture));
        }

        plot.Axes.Bottom.TickGenerator = generator;
        plot.XLabel($"Time from infusion ({Unit(options.Scale)})");
    }

    private static void Horizon(Plot plot, FigureOptions options, double scale, double yTop)
    {
        if (options.HorizonDays is { } h)
        {
            // A segment over the data area only (not through the number-at-risk table), labelled inside the top.
            var line = plot.Add.Line(h / scale, 0, h / scale, yTop);
            line.Color = Colors.Gray;
            line.LinePattern = LinePattern.Dotted;
            line.LineWidth = 1.5f;
            var label = plot.Add.Text(HorizonLabel(h), h / scale, yTop);
            label.LabelFontSize = 12;
            label.LabelFontColor = Colors.DimGray;
            label.LabelAlignment = Alignment.UpperLeft;
            label.OffsetX = 4;
            label.OffsetY = 4;
        }
    }

    private static string HorizonLabel(double days) =>
        Math.Abs((days / 365.25) - Math.Round(days / 365.25)) < 0.01 || days % 365 == 0
            ? (Math.Round(days / 365.25) == 1 ? "1 year" : $"{Math.Round(days / 365.25).ToString(CultureInfo.InvariantCulture)} years")
            : $"{days.ToString("0", CultureInfo.InvariantCulture)} days";

    private static (double[] X, double[] Y) Steps(double[] time, double[] value, double start, double scale)
    {
        var xs = new double[(time.Length * 2) + 1];
        var ys = new double[xs.Length];
        xs[0] = 0;
        ys[0] = start;
        double previous = start;
        for (int i = 0; i < time.Length; i++)
        {
            xs[(2 * i) + 1] = time[i] / scale;
            ys[(2 * i) + 1] = previous;
            xs[(2 * i) + 2] = time[i] / scale;
            ys[(2 * i) + 2] = value[i];
            previous = value[i];
        }

        return (xs, ys);
    }

    private static double[] DefaultTicks(double tMax, TimeScale scale)
    {
        double step = scale switch { TimeScale.Months => 6 * 30.4375, TimeScale.Years => 365.25, _ => 180 };
        int count = Math.Max(1, (int)Math.Ceiling(tMax / step));
        return Enumerable.Range(0, count + 1).Select(i => i * step).ToArray();
    }

    private static double Divisor(TimeScale scale) => scale switch { TimeScale.Months => 30.4375, TimeScale.Years => 365.25, _ => 1 };

    private static string Unit(TimeScale scale) => scale switch { TimeScale.Months => "months", TimeScale.Years => "years", _ => "days" };

    private static double NiceCeiling(double value)
    {
        double[] steps = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1];
        foreach (double s in steps)
        {
            if (value <= s)
            {
                return s;
            }
        }

        return 1;
    }
}
