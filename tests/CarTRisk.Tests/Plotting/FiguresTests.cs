using CarTRisk.Plotting;
using CarTRisk.Tests.Support;
using SkiaSharp;

namespace CarTRisk.Tests.Plotting;

public sealed class FiguresTests
{
    private static readonly Cohort Example = CohortCsv.Read(Golden.PathOf("Cohorts/example-cohort.csv"));

    private static double InkFraction(byte[] png)
    {
        using var bitmap = SKBitmap.Decode(png);
        long ink = 0;
        for (int y = 0; y < bitmap.Height; y += 2)
        {
            for (int x = 0; x < bitmap.Width; x += 2)
            {
                var c = bitmap.GetPixel(x, y);
                if (c.Red < 240 || c.Green < 240 || c.Blue < 240)
                {
                    ink++;
                }
            }
        }

        return ink / (bitmap.Width * bitmap.Height / 4.0);
    }

    [Fact]
    public void KaplanMeier_RendersPngAndSvgWithAlignedRiskTable()
    {
        var km = KaplanMeier.Estimate(Example.Durations.AsSpan(), Example.Causes.Select(c => c == 1).ToArray());
        var figure = Figures.KaplanMeier([("All patients", km)], FigureOptions.Default with { Scale = TimeScale.Years, Title = "KM" });
        var png = figure.ToPng();
        Assert.True(png.Length > 10_000, $"PNG is {png.Length} bytes");
        using (var bitmap = SKBitmap.Decode(png))
        {
            Assert.Equal(900, bitmap.Width);
            Assert.Equal(600, bitmap.Height);
        }

        Assert.InRange(InkFraction(png), 0.02, 0.6);
        var svg = figure.ToSvg();
        Assert.Contains("Number at risk", svg, StringComparison.Ordinal);
        Assert.Contains("Time from infusion (years)", svg, StringComparison.Ordinal);
        // The risk-table cells are SVG text at the same x as the tick they stand under (translate(x y)).
        var cells = System.Text.RegularExpressions.Regex.Matches(svg, @"translate\(([0-9.]+) ([0-9.]+)\)[^>]*>\s*([0-9]+)\s*<")
            .Select(m => (X: double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Text: m.Groups[3].Value)).ToList();
        Assert.Contains(cells, c => c.Text == "724");                                        // at risk at 0
        Assert.Contains(cells, c => c.Text == km.At(365.25).AtRisk.ToString("0", System.Globalization.CultureInfo.InvariantCulture)); // at 1 year
        var xs = cells.Where(c => c.Text == "724" || c.Text == km.At(365.25).AtRisk.ToString("0", System.Globalization.CultureInfo.InvariantCulture)).Select(c => c.X).Order().ToArray();
        Assert.True(xs.Length >= 2 && xs[1] - xs[0] > 50, "risk-table columns are spread along the axis");
        Assert.Contains("3 years", svg, StringComparison.Ordinal);
    }

    [Fact]
    public void CumulativeIncidence_TwoGroups_SavesFiles()
    {
        var curves = Example.ByProduct().Take(2)
            .Select(p => (p.Key, CumulativeIncidence.Estimate(p.Value.Durations.AsSpan(), p.Value.Causes.AsSpan(), 1))).ToList();
        var figure = Figures.CumulativeIncidence(curves);
        string dir = Path.Combine(Path.GetTempPath(), "cartrisk-figures-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            figure.SavePng(Path.Combine(dir, "cif.png"));
            figure.SaveSvg(Path.Combine(dir, "cif.svg"));
            Assert.True(new FileInfo(Path.Combine(dir, "cif.png")).Length > 10_000);
            var svg = File.ReadAllText(Path.Combine(dir, "cif.svg"));
            Assert.Contains(curves[0].Key, svg, StringComparison.Ordinal);
            Assert.Contains(curves[1].Key, svg, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void StackedAndHistogram_Render()
    {
        var all = CumulativeIncidence.Estimate(Example.Durations.AsSpan(), Example.Causes.AsSpan(), 1);
        var stacked = Figures.StackedCompetingRisks(all, ["Malignancy", "Death"]);
        Assert.Contains("Event-free", stacked.ToSvg(), StringComparison.Ordinal);
        Assert.InRange(InkFraction(stacked.ToPng()), 0.3, 1.0);   // filled areas
        var onset = SafetySummary.Compute(Example).Onset;
        var histogram = Figures.OnsetHistogram(onset);
        Assert.Contains("median", histogram.ToSvg(), StringComparison.Ordinal);
    }

    [Fact]
    public void BadArguments_Throw()
    {
        var all = CumulativeIncidence.Estimate(Example.Durations.AsSpan(), Example.Causes.AsSpan(), 1);
        Assert.Equal("causeLabels", Assert.Throws<ArgumentException>(() => Figures.StackedCompetingRisks(all, ["only one"])).ParamName);
        Assert.Equal("curves", Assert.Throws<ArgumentException>(() => Figures.KaplanMeier([])).ParamName);
        var none = new OnsetSummary(0, null, null, null, null, null, null, []);
        Assert.Equal("onset", Assert.Throws<ArgumentException>(() => Figures.OnsetHistogram(none)).ParamName);
        Assert.Equal("binDays", Assert.Throws<ArgumentOutOfRangeException>(() => Figures.OnsetHistogram(none, 0)).ParamName);
    }

    [Fact]
    public void BadOptionsAndNullCurves_AreClearErrors()
    {
        var km = KaplanMeier.Estimate(Example.Durations.AsSpan(), Example.Causes.Select(c => c == 1).ToArray());
        var curves = new[] { ("all", km) };
        Assert.Throws<ArgumentException>(() => Figures.KaplanMeier(new[] { ("none", (SurvivalCurve)null!) }));
        Assert.Throws<ArgumentException>(() => Figures.KaplanMeier(curves, FigureOptions.Default with { TickDays = [] }));
        Assert.Throws<ArgumentException>(() => Figures.KaplanMeier(curves, FigureOptions.Default with { TickDays = [365, 100] }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Figures.KaplanMeier(curves, FigureOptions.Default with { YMax = double.NaN }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Figures.KaplanMeier(curves, FigureOptions.Default with { YMax = -0.1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Figures.KaplanMeier(curves, FigureOptions.Default with { Scale = (TimeScale)9 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Figures.KaplanMeier(curves, FigureOptions.Default with { Width = 0 }));
    }

    [Fact]
    public void Figures_ApplyTheDisclosurePolicy()
    {
        // 30 patients, times 10..300: at the 180-day tick 12 are at risk, at 270 days 3.
        var t = Enumerable.Range(1, 30).Select(i => i * 10.0).ToArray();
        var e = t.Select((_, i) => i % 3 == 0).ToArray();
        var km = KaplanMeier.Estimate(t, e);
        var options = FigureOptions.Default with { Scale = TimeScale.Days, TickDays = [0, 180, 270] };
        var masked = Texts(Figures.KaplanMeier([("g", km)], options).ToSvg());
        var open = Texts(Figures.KaplanMeier([("g", km)], options with { Disclosure = DisclosurePolicy.None }).ToSvg());
        Assert.Contains("4", open);
        Assert.DoesNotContain("4", masked);
        Assert.Contains("<11", masked);
        Assert.Contains("13", masked);

        // Onset histogram: every bar holds at least 11 cases under the default policy; fewer than 11 cases: refused.
        var days = Enumerable.Range(0, 25).Select(i => (double)(i * 37 % 900)).Order().ToArray();
        var onset = new OnsetSummary(25, null, null, null, days[0], days[^1], null, days);
        var bars = Figures.OnsetHistogram(onset, 90).Plot.GetPlottables().OfType<ScottPlot.Plottables.BarPlot>().SelectMany(b => b.Bars).ToList();
        Assert.All(bars, b => Assert.True(b.Value >= 11));
        Assert.Equal(25, bars.Sum(b => b.Value));
        var fine = Figures.OnsetHistogram(onset, 90, FigureOptions.Default with { Disclosure = DisclosurePolicy.None }).Plot.GetPlottables().OfType<ScottPlot.Plottables.BarPlot>().SelectMany(b => b.Bars).ToList();
        Assert.Contains(fine, b => b.Value is > 0 and < 11);
        var few = new OnsetSummary(5, null, null, null, 1, 5, null, [1.0, 2, 3, 4, 5]);
        Assert.Throws<ArgumentException>(() => Figures.OnsetHistogram(few));
    }

    private static List<string> Texts(string svg) =>
        System.Text.RegularExpressions.Regex.Matches(svg, "<text[^>]*>([^<]*)</text>").Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value).Trim()).ToList();

    [Fact]
    public void ForestPlot_Renders_AndChecksLabels()
    {
        var fit = MetaAnalysis.Proportions([25, 9, 14, 3, 21], [724, 150, 290, 80, 410]);
        var figure = ForestPlot.Draw(fit, ["a", "b", "c", "d", "e"]);
        double ink = InkFraction(figure.ToPng());
        Assert.InRange(ink, 0.005, 0.5);
        var svg = figure.ToSvg();
        Assert.Contains("Pooled (random effects)", svg, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ForestPlot.Draw(fit, ["a"]));
    }
}
