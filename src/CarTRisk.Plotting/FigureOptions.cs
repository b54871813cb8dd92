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

/// <summary>Options shared by the figures. Every figure keeps its number-at-risk table aligned under the x ticks
/// whatever limits, breaks, labels, size or DPI are set here.</summary>
public sealed record FigureOptions
{
    /// <summary>The defaults: 900 × 600 px at 96 DPI, months, a 3-year horizon marker, bands (up to two groups) and
    /// censor marks on, a zoomed probability axis for rare events.</summary>
    public static FigureOptions Default { get; } = new();

    /// <summary>Options for a figure of a physical size: <paramref name="widthInches"/> × <paramref name="heightInches"/>
    /// at <paramref name="dpi"/> (text and lines scale with the DPI, so an 11-point label stays 11 points in print).</summary>
    /// <param name="widthInches">Width in inches, (0, 100].</param>
    /// <param name="heightInches">Height in inches, (0, 100].</param>
    /// <param name="dpi">Dots per inch, 24..1200 (300 for print).</param>
    /// <returns>The options (the other settings at their defaults; combine with <c>with</c>).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size or the DPI is out of range.</exception>
    public static FigureOptions Inches(double widthInches, double heightInches, int dpi = 300)
    {
        if (!(widthInches > 0 && widthInches <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(widthInches), widthInches, "widthInches must lie in (0, 100].");
        }

        if (!(heightInches > 0 && heightInches <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(heightInches), heightInches, "heightInches must lie in (0, 100].");
        }

        if (dpi is < 24 or > 1200)
        {
            throw new ArgumentOutOfRangeException(nameof(dpi), dpi, "dpi must be 24..1200.");
        }

        return Default with { Width = (int)Math.Round(widthInches * dpi), Height = (int)Math.Round(heightInches * dpi), Dpi = dpi };
    }

    /// <summary>Width of the image in pixels.</summary>
    public int Width { get; init; } = 900;

    /// <summary>Height of the image in pixels.</summary>
    public int Height { get; init; } = 600;

    /// <summary>Dots per inch (24..1200; default 96): text, lines and markers are drawn Dpi / 96 times larger, so a
    /// 2,700-pixel-wide figure at 300 DPI looks like the 864-pixel one at 96 DPI, only sharper.</summary>
    public int Dpi { get; init; } = 96;

    /// <summary>The title, or null for none.</summary>
    public string? Title { get; init; }

    /// <summary>The unit of the time axis.</summary>
    public TimeScale Scale { get; init; } = TimeScale.Months;

    /// <summary>A vertical marker at this many days (e.g. 1095 = 3 years), or null for none.</summary>
    public double? HorizonDays { get; init; } = 1095;

    /// <summary>The x breaks, in days: the ticks and the number-at-risk columns. Null chooses breaks in the scale's unit
    /// (days: 30, 60, 90, 180, 365 ...; months: 1, 3, 6, 12, 24 ...; years: 1, 2, 5 ...) covering the data (or
    /// <see cref="XMaxDays"/>) in at most eight steps.</summary>
    public IReadOnlyList<double>? TickDays { get; init; }

    /// <summary>The right end of the time axis in days (curves are cut there), or null to cover all the data.</summary>
    public double? XMaxDays { get; init; }

    /// <summary>Whether to shade pointwise confidence bands; drawn only for up to <see cref="MaxGroupsWithBands"/>
    /// groups, beneath every line.</summary>
    public bool ConfidenceBands { get; init; } = true;

    /// <summary>The most groups that get confidence bands (default 2; overlapping bands of more groups hide the
    /// lines).</summary>
    public int MaxGroupsWithBands { get; init; } = 2;

    /// <summary>Whether to mark censored times on the curves.</summary>
    public bool CensorMarks { get; init; } = true;

    /// <summary>Whether to draw the number-at-risk table under the axis (group labels on the left, one column per
    /// break).</summary>
    public bool NumberAtRisk { get; init; } = true;

    /// <summary>Add a block of cumulative events (of the plotted outcome) to the risk table, as ggsurvfit's
    /// <c>add_risktable(risktable_stats = "cum.event")</c>.</summary>
    public bool CumulativeEvents { get; init; }

    /// <summary>Add a block of cumulative censorings to the risk table (<c>"cum.censor"</c>).</summary>
    public bool CumulativeCensored { get; init; }

    /// <summary>Upper limit of the probability axis, in (0, 1]; null for automatic (a zoomed axis for rare events).</summary>
    public double? YMax { get; init; }

    /// <summary>Lower limit of the probability axis, in [0, 1); null for automatic (0 for cumulative incidence; for
    /// survival curves that stay high, the axis starts above 0 and says so).</summary>
    public double? YMin { get; init; }

    /// <summary>Whether an automatic probability axis may zoom (not start at 0 or end at 100 %) for rare events; the
    /// figure then states the range shown. Default true.</summary>
    public bool Zoom { get; init; } = true;

    /// <summary>The x axis title, or null for "Time from infusion (unit)".</summary>
    public string? XLabel { get; init; }

    /// <summary>The y axis title, or null for the figure's default.</summary>
    public string? YLabel { get; init; }

    /// <summary>A test to annotate (e.g. <see cref="FigureTest.From{TGroup}(LogRankResult{TGroup})"/> or
    /// <see cref="FigureTest.From(GrayTestResult)"/>); its p-value is shown through <see cref="Disclosure"/>.</summary>
    public FigureTest? Test { get; init; }

    /// <summary>Disclosure control (default: threshold 11): numbers at risk of 1-10 print as "&lt;11", cumulative events
    /// and censorings are shown only where neither the count nor its increase since the last shown column is 1-10,
    /// curves stop where fewer than the threshold are at risk, onset histogram bins are merged until each holds at
    /// least the threshold, tests and regression estimates resting on small counts are suppressed.
    /// <see cref="DisclosurePolicy.None"/> inside the custodian's walls.</summary>
    public DisclosurePolicy Disclosure { get; init; } = DisclosurePolicy.Default;
}

/// <summary>A test whose p-value a figure annotates, kept with the counts it rests on so the figure can apply the
/// disclosure policy through the report tables.</summary>
public sealed class FigureTest
{
    private FigureTest(string name, double pValue, ResultTable? table)
    {
        Name = name;
        PValue = pValue;
        Table = table;
    }

    /// <summary>The test's name as shown ("Log-rank", "Gray's test").</summary>
    public string Name { get; }

    /// <summary>The p-value (NaN when not estimable).</summary>
    public double PValue { get; }

    private ResultTable? Table { get; }

    /// <summary>The log-rank test (= survdiff), resting on every group's observed events.</summary>
    /// <typeparam name="TGroup">The group type.</typeparam>
    /// <param name="result">The test.</param>
    /// <returns>The annotation.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="result"/> is null.</exception>
    public static FigureTest From<TGroup>(LogRankResult<TGroup> result) where TGroup : notnull
    {
        ArgumentNullException.ThrowIfNull(result);
        return new FigureTest("Log-rank", result.PValue, result.ToTable());
    }

    /// <summary>Gray's test (= cmprsk::cuminc's Tests), resting on every group's events.</summary>
    /// <param name="result">The test.</param>
    /// <returns>The annotation.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="result"/> is null.</exception>
    public static FigureTest From(GrayTestResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new FigureTest("Gray's test", result.Singular ? double.NaN : result.PValue, result.ToTable());
    }

    /// <summary>Any other test, shown as given (no counts known, so no disclosure check).</summary>
    /// <param name="name">The test's name.</param>
    /// <param name="pValue">The p-value in [0, 1], or NaN for not estimable.</param>
    /// <returns>The annotation.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pValue"/> is outside [0, 1].</exception>
    public static FigureTest Of(string name, double pValue)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!double.IsNaN(pValue) && !(pValue >= 0 && pValue <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(pValue), pValue, "pValue must lie in [0, 1] (NaN for not estimable).");
        }

        return new FigureTest(name, pValue, null);
    }

    /// <summary>The p-value as an analyst reads it: "p &lt; 0.001", three decimals below 0.1, two above.</summary>
    /// <param name="p">The p-value.</param>
    /// <returns>The text, e.g. "p = 0.012".</returns>
    public static string FormatP(double p)
    {
        var c = CultureInfo.InvariantCulture;
        return double.IsNaN(p) ? "p not estimable"
            : p < 0.001 ? "p < 0.001"
            : p < 0.1 ? "p = " + p.ToString("0.000", c)
            : p > 0.99 ? "p > 0.99"
            : "p = " + p.ToString("0.00", c);
    }

    /// <summary>The annotation under the policy: the p row of the test's report table, rendered through the one
    /// disclosure path.</summary>
    internal string Text(DisclosurePolicy policy)
    {
        if (Table is not null)
        {
            var rendered = Table.Render(policy);
            var pRow = rendered.Skip(1).LastOrDefault(r => r.Count > 0 && r[0] == "p");
            if (pRow is not null && pRow[^1] == policy.Marker)
            {
                return $"{Name}: p withheld ({policy.Marker})";
            }
        }

        return $"{Name} {FormatP(PValue)}";
    }
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

    /// <summary>The underlying ScottPlot plot (frameless: the figure lays out its axes, labels and risk table itself in
    /// logical pixels, so change it through <see cref="FigureOptions"/> rather than the plot's axes).</summary>
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
        File.WriteAllText(path, ToSvg());
    }

    /// <summary>The figure as SVG text.</summary>
    /// <returns>The SVG document.</returns>
    public string ToSvg() => Plot.GetSvgXml(Width, Height);

    /// <summary>The figure as PNG bytes.</summary>
    /// <returns>The PNG file content.</returns>
    public byte[] ToPng() => Plot.GetImageBytes(Width, Height, ImageFormat.Png);
}
