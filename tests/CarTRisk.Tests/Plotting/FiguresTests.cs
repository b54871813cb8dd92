using System.Globalization;
using CarTRisk.Plotting;
using CarTRisk.Tests.Support;
using SkiaSharp;

namespace CarTRisk.Tests.Plotting;

/// <summary>Render tests: what can be checked in the SVG (text positions and boxes, colours, drawing order) and the PNG
/// (size, ink). Text boxes come from the glyph offsets ScottPlot writes (Support/SvgText).</summary>
public sealed class FiguresTests
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

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

    private static SurvivalCurve AllKm() => KaplanMeier.Estimate(Example.Durations.AsSpan(), Example.Causes.Select(c => c == 1).ToArray());

    private static List<(string Label, CumulativeIncidenceCurve Curve)> CifByProduct(int take = 6) =>
        Example.ByProduct().Take(take).Select(p => (p.Key, CumulativeIncidence.Estimate(p.Value.Durations.AsSpan(), p.Value.Causes.AsSpan(), 1))).ToList();

    private static List<(string Label, SurvivalCurve Curve)> KmByProduct(int take = 6) =>
        Example.ByProduct().Take(take).Select(p => (p.Key, KaplanMeier.Estimate(p.Value.Durations.AsSpan(), p.Value.Causes.Select(c => c == 1).ToArray()))).ToList();

    /// <summary>The x tick labels: the texts on the baseline row right under the plot (the lowest row of numbers above
    /// the x title).</summary>
    private static List<SvgText> XTicks(List<SvgText> texts, string xTitle)
    {
        var title = texts.Single(t => t.Text == xTitle);
        var row = texts.Where(t => !t.Rotated && t.Bottom <= title.Top + 1 && double.TryParse(t.Text, NumberStyles.Float, C, out _))
            .GroupBy(t => Math.Round(t.Top)).OrderByDescending(g => g.Key).First();
        return [.. row.OrderBy(t => t.Left)];
    }

    [Fact]
    public void KaplanMeier_RendersPngAndSvg_WithTheRiskTableUnderTheTicks()
    {
        var km = AllKm();
        var figure = Figures.KaplanMeier([("All patients", km)], FigureOptions.Default with { Scale = TimeScale.Years, Title = "KM" });
        var png = figure.ToPng();
        using (var bitmap = SKBitmap.Decode(png))
        {
            Assert.Equal(900, bitmap.Width);
            Assert.Equal(600, bitmap.Height);
        }

        Assert.InRange(InkFraction(png), 0.02, 0.6);
        var svg = figure.ToSvg();
        var texts = SvgText.Parse(svg);
        Assert.Contains(texts, t => t.Text == "Number at risk");
        var ticks = XTicks(texts, "Time from infusion (years)");
        var label = texts.Single(t => t.Text == "All patients");
        var cells = texts.Where(t => Math.Abs(t.CenterY - label.CenterY) < 1 && t != label).OrderBy(t => t.Left).ToList();
        Assert.Equal(ticks.Count, cells.Count);   // one number per break
        for (int k = 0; k < ticks.Count; k++)
        {
            Assert.True(Math.Abs(cells[k].CenterX - ticks[k].CenterX) < 1.5, $"column {k} at {cells[k].CenterX:0.0}, tick at {ticks[k].CenterX:0.0}");
            double years = double.Parse(ticks[k].Text, C);
            Assert.Equal(DisclosurePolicy.Default.FormatCount(km.At(years * 365.25).AtRisk), cells[k].Text);
        }

        Assert.True(label.Right < cells[0].Left, "the group label stands left of the first column");
        Assert.Equal("724", cells[0].Text);
        Assert.Contains(texts, t => t.Text == "3 years");
    }

    /// <summary>With every group withheld (each has fewer than 11 events), nothing is drawn and nothing is zoomed onto:
    /// the probability axis keeps its full 0-100 % range instead of an empty 99-100 % window.</summary>
    [Fact]
    public void EveryCurveWithheld_TheAxisIsNotZoomed()
    {
        var groups = Example.ByProduct().Select(g => (g.Key, KaplanMeier.Estimate(g.Value.Durations.AsSpan(), g.Value.Causes.Select(c => c == 1).ToArray()))).ToList();
        Assert.All(groups, g => Assert.True(g.Item2.Events.Sum() < 11));
        var svg = Figures.KaplanMeier(groups).ToSvg();
        Assert.DoesNotContain("Axis zoomed", svg, StringComparison.Ordinal);
        var texts = SvgText.Parse(svg);
        Assert.Contains(texts, t => t.Text == "0%");
        Assert.Contains(texts, t => t.Text == "100%");
        // with DisclosurePolicy.None the curves are drawn and the axis zooms onto them (the zoom itself still works)
        Assert.Contains("Axis zoomed", Figures.KaplanMeier(groups, FigureOptions.Default with { Disclosure = DisclosurePolicy.None }).ToSvg(), StringComparison.Ordinal);
    }

    [Fact]
    public void TimeBreaks_CoverTheData_InAtMostEightSteps()
    {
        double end = Example.Durations.Max();
        foreach (var scale in new[] { TimeScale.Days, TimeScale.Months, TimeScale.Years })
        {
            var texts = SvgText.Parse(Figures.KaplanMeier([("All", AllKm())], FigureOptions.Default with { Scale = scale }).ToSvg());
            var ticks = XTicks(texts, $"Time from infusion ({scale.ToString().ToLowerInvariant()})").Select(t => double.Parse(t.Text, C)).ToArray();
            double unit = scale switch { TimeScale.Months => 30.4375, TimeScale.Years => 365.25, _ => 1 };
            Assert.Equal(0, ticks[0]);
            Assert.InRange(ticks.Length - 1, 1, 8);
            // issue 26: the axis ends with the data (no break, and no risk-table column, where nobody is followed); the
            // last break is the last one inside the data
            double step = ticks[1] - ticks[0];
            Assert.True(ticks[^1] * unit <= end + 1e-9, $"{scale}: the break {ticks[^1]} lies past the data end {end / unit:0.##}");
            Assert.True((ticks[^1] + step) * unit > end, $"{scale}: a break inside the data is missing after {ticks[^1]}");
        }

        // the helper: any end, any scale
        foreach (double e in new[] { 0.0, 1, 29, 30, 31, 365.25, 1000, 3104.7, 36500 })
        {
            foreach (var scale in Enum.GetValues<TimeScale>())
            {
                var b = CarTRisk.Plotting.Breaks.Time(e, scale);
                Assert.True(b[^1] >= e - 1e-9);
                Assert.True(b.Length >= 2);
            }
        }
    }

    [Fact]
    public void SixGroups_NoOverlappingText_LabelledRiskRows_NoBands_OkabeItoLines()
    {
        // the example's products each have fewer than 11 cases: the layout is checked inside the custodian's walls
        // (DisclosurePolicy.None); under the default policy those curves are not drawn (below)
        var curves = CifByProduct(6);
        Assert.Equal(6, curves.Count);
        var figure = Figures.CumulativeIncidence(curves, FigureOptions.Default with { Disclosure = DisclosurePolicy.None });
        var svg = figure.ToSvg();
        var texts = SvgText.Parse(svg);
        var flat = texts.Where(t => !t.Rotated).ToList();
        for (int i = 0; i < flat.Count; i++)
        {
            for (int j = i + 1; j < flat.Count; j++)
            {
                Assert.False(flat[i].Overlaps(flat[j]), $"'{flat[i].Text}' overlaps '{flat[j].Text}'");
            }
        }

        // every group labels its risk-table row, in its colour, left of the numbers
        var heading = texts.Single(t => t.Text == "Number at risk");
        for (int k = 0; k < curves.Count; k++)
        {
            var row = texts.Where(t => t.Text == curves[k].Label && t.Top > heading.Bottom).ToList();
            Assert.Single(row);
            Assert.Equal(HouseStyle.Palette[k], row[0].Fill, ignoreCase: true);
        }

        // lines in the palette order; no confidence band beyond two groups
        var strokes = SvgText.Strokes(svg).Where(s => s.Width == 2).Select(s => s.Stroke.ToUpperInvariant()).Distinct().ToList();
        Assert.Equal(HouseStyle.Palette.Take(6), strokes);
        Assert.DoesNotContain(SvgText.Fills(svg), f => f.Opacity < 0.5 && HouseStyle.Palette.Contains(f.Fill.ToUpperInvariant()));
        Assert.DoesNotContain(new[] { "#FF0000", "#00FF00", "#D62728", "#2CA02C" }, c => svg.Contains(c, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void GroupsWithFewerThanElevenEvents_AreNotDrawn_UnderTheDefaultPolicy()
    {
        // issue 21, recovery 8: the tables withhold these products' risks, so the figure draws none of their curves
        var curves = CifByProduct(6);
        var svg = Figures.CumulativeIncidence(curves).ToSvg();
        var lines = SvgText.Strokes(svg).Where(st => st.Width == 2 && HouseStyle.Palette.Contains(st.Stroke.ToUpperInvariant())).ToList();
        Assert.Empty(lines);
        var texts = SvgText.Parse(svg);
        Assert.Contains(texts, t => t.Text.EndsWith("(not shown: fewer than 11 events)", StringComparison.Ordinal));
        var open = Figures.CumulativeIncidence(curves, FigureOptions.Default with { Disclosure = DisclosurePolicy.None }).ToSvg();
        Assert.Contains(SvgText.Strokes(open), st => st.Width == 2 && HouseStyle.Palette.Contains(st.Stroke.ToUpperInvariant()));
    }

    [Fact]
    public void TwoGroups_BandsAreDrawnBeneathEveryLine()
    {
        var inside = FigureOptions.Default with { Disclosure = DisclosurePolicy.None };
        var svg = Figures.CumulativeIncidence(CifByProduct(2), inside).ToSvg();
        var bands = SvgText.Fills(svg).Where(f => f.Opacity < 0.5 && HouseStyle.Palette.Contains(f.Fill.ToUpperInvariant())).ToList();
        var lines = SvgText.Strokes(svg).Where(s => s.Width == 2 && HouseStyle.Palette.Contains(s.Stroke.ToUpperInvariant())).ToList();
        Assert.Equal(2, bands.Select(b => b.Fill).Distinct().Count());
        Assert.True(bands.Max(b => b.Order) < lines.Min(l => l.Order), "a band is drawn over a line");
        var noBands = Figures.CumulativeIncidence(CifByProduct(2), inside with { ConfidenceBands = false }).ToSvg();
        Assert.DoesNotContain(SvgText.Fills(noBands), f => f.Opacity < 0.5 && HouseStyle.Palette.Contains(f.Fill.ToUpperInvariant()));
    }

    [Fact]
    public void RareEvents_ZoomTheAxis_AndSayso_UserLimitsWin()
    {
        var texts = SvgText.Parse(Figures.KaplanMeier([("All", AllKm())]).ToSvg());
        var yTicks = texts.Where(t => t.Text.EndsWith('%') && !t.Text.StartsWith("Axis", StringComparison.Ordinal)).Select(t => double.Parse(t.Text.TrimEnd('%'), C)).ToList();
        Assert.True(yTicks.Min() >= 50 && yTicks.Max() == 100, string.Join(",", yTicks));
        Assert.Contains(texts, t => t.Text.StartsWith("Axis zoomed: ", StringComparison.Ordinal) && t.Text.EndsWith("to 100%", StringComparison.Ordinal));

        // every product has fewer than 11 cases: the curves are drawn (and zoomed onto) inside the custodian's walls only
        var cif = SvgText.Parse(Figures.CumulativeIncidence(CifByProduct(1), FigureOptions.Default with { Disclosure = DisclosurePolicy.None }).ToSvg());
        var cifTicks = cif.Where(t => t.Text.EndsWith('%') && !t.Text.StartsWith("Axis", StringComparison.Ordinal)).Select(t => double.Parse(t.Text.TrimEnd('%'), C)).ToList();
        Assert.Equal(0, cifTicks.Min());
        Assert.True(cifTicks.Max() <= 25, "rare event on a zoomed axis");
        Assert.InRange(cifTicks.Count, 3, 7);

        var full = SvgText.Parse(Figures.KaplanMeier([("All", AllKm())], FigureOptions.Default with { YMin = 0, YLabel = "S(t)", XLabel = "Years since infusion", Scale = TimeScale.Years }).ToSvg());
        Assert.Contains(full, t => t.Text == "0%");
        Assert.DoesNotContain(full, t => t.Text.StartsWith("Axis zoomed", StringComparison.Ordinal));
        Assert.Contains(full, t => t.Text == "S(t)" && t.Rotated);
        Assert.Contains(full, t => t.Text == "Years since infusion");
        var off = SvgText.Parse(Figures.KaplanMeier([("All", AllKm())], FigureOptions.Default with { Zoom = false }).ToSvg());
        Assert.Contains(off, t => t.Text == "0%");
    }

    [Fact]
    public void XLimitAndBreaks_CutTheCurves_AndKeepTheTableAligned()
    {
        var options = FigureOptions.Default with { Scale = TimeScale.Days, XMaxDays = 730, TickDays = [0, 180, 365, 730] };
        var texts = SvgText.Parse(Figures.KaplanMeier(KmByProduct(2), options).ToSvg());
        var ticks = XTicks(texts, "Time from infusion (days)");
        Assert.Equal(["0", "180", "365", "730"], ticks.Select(t => t.Text));
        var heading = texts.Single(t => t.Text == "Number at risk");
        var numbers = texts.Where(t => t.Top > heading.Bottom && t.Text.All(char.IsAsciiDigit) || t.Text.StartsWith('<')).ToList();
        Assert.All(numbers, n => Assert.Contains(ticks, t => Math.Abs(t.CenterX - n.CenterX) < 1.5));
        Assert.Throws<ArgumentException>(() => Figures.KaplanMeier(KmByProduct(2), options with { TickDays = [0, 365, 1000] }));
    }

    [Fact]
    public void Dpi_ScalesTextWithThePrintSize()
    {
        var options = FigureOptions.Inches(6.85, 4.5, 300);
        Assert.Equal(2055, options.Width);
        Assert.Equal(1350, options.Height);
        var figure = Figures.KaplanMeier([("All", AllKm())], options);
        using (var bitmap = SKBitmap.Decode(figure.ToPng()))
        {
            Assert.Equal(2055, bitmap.Width);
        }

        var big = SvgText.Parse(figure.ToSvg());
        var small = SvgText.Parse(Figures.KaplanMeier([("All", AllKm())], FigureOptions.Inches(6.85, 4.5, 96)).ToSvg());
        double ratio = big.Single(t => t.Text == "Number at risk").FontPx / small.Single(t => t.Text == "Number at risk").FontPx;
        Assert.Equal(300 / 96.0, ratio, 6);
        Assert.Equal(10 * 300 / 72.0, big.Single(t => t.Text == "Number at risk").FontPx, 3);   // 10 points at 300 DPI
    }

    [Fact]
    public void TestAnnotation_ShowsP_OrSuppressesIt()
    {
        var groups = Example.Records.Select(r => r.Product ?? "").ToArray();
        var lr = LogRank.Test(Example.Durations.AsSpan(), Example.Causes.Select(c => c == 1).ToArray(), groups.AsSpan());
        var texts = SvgText.Parse(Figures.KaplanMeier(KmByProduct(6), FigureOptions.Default with { Test = FigureTest.From(lr) }).ToSvg());
        var expected = lr.ToTable().Render(DisclosurePolicy.Default)[^1][^1] == DisclosurePolicy.Default.Marker
            ? "Log-rank: p withheld (<11)" : "Log-rank " + FigureTest.FormatP(lr.PValue);
        Assert.Contains(texts, t => t.Text == expected);
        var open = SvgText.Parse(Figures.KaplanMeier(KmByProduct(6), FigureOptions.Default with { Test = FigureTest.From(lr), Disclosure = DisclosurePolicy.None }).ToSvg());
        Assert.Contains(open, t => t.Text == "Log-rank " + FigureTest.FormatP(lr.PValue));

        var gray = GrayTest.Test(Example.Durations.AsSpan(), Example.Causes.AsSpan(), groups.AsSpan(), 1);
        var g = SvgText.Parse(Figures.CumulativeIncidence(CifByProduct(6), FigureOptions.Default with { Test = FigureTest.From(gray), Disclosure = DisclosurePolicy.None }).ToSvg());
        Assert.Contains(g, t => t.Text == "Gray's test " + FigureTest.FormatP(gray.PValue));

        Assert.Equal("p < 0.001", FigureTest.FormatP(0.0004));
        Assert.Equal("p = 0.012", FigureTest.FormatP(0.0123));
        Assert.Equal("p = 0.45", FigureTest.FormatP(0.4512));
        Assert.Equal("p not estimable", FigureTest.FormatP(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => FigureTest.Of("x", 1.5));
    }

    [Fact]
    public void SmallGroups_SuppressTheTestAndCumulativeCounts()
    {
        // 30 patients in two groups, 6 events in all: the test rests on small counts
        var t = Enumerable.Range(1, 30).Select(i => i * 10.0).ToArray();
        var e = t.Select((_, i) => i % 5 == 0).ToArray();
        var g = t.Select((_, i) => i % 2 == 0 ? "a" : "b").ToArray();
        var lr = LogRank.Test(t, e, g.AsSpan());
        var curves = new[] { "a", "b" }.Select(k => (k, KaplanMeier.Estimate(t.Where((_, i) => g[i] == k).ToArray(), e.Where((_, i) => g[i] == k).ToArray()))).ToList();
        var options = FigureOptions.Default with { Test = FigureTest.From(lr), Scale = TimeScale.Days, CumulativeEvents = true, CumulativeCensored = true };
        var texts = SvgText.Parse(Figures.KaplanMeier(curves, options).ToSvg()).Select(x => x.Text).ToList();
        Assert.Contains("Log-rank: p withheld (<11)", texts);
        Assert.Contains("Cumulative events", texts);
        Assert.Contains("Cumulative censored", texts);
        Assert.DoesNotContain(texts, x => x is "1" or "2" or "3" or "4" or "5" or "6" or "7" or "8" or "9" or "10");
        var open = SvgText.Parse(Figures.KaplanMeier(curves, options with { Disclosure = DisclosurePolicy.None }).ToSvg()).Select(x => x.Text).ToList();
        Assert.Contains(open, x => x.StartsWith("Log-rank p", StringComparison.Ordinal));
        Assert.Contains("3", open);
    }

    [Fact]
    public void CumulativeRows_NeverRevealASmallIncrease()
    {
        // cumulative counts 0, 12, 15, 40: 15 - 12 = 3 would be a small count: that column is masked
        double[] time = [10, 20, 30];
        double[] counts = [12, 3, 25];
        var row = new CarTRisk.Plotting.RiskRow("g", 0, time, [50, 38, 35], counts, [0, 0, 0]);
        var options = FigureOptions.Default with { Scale = TimeScale.Days, TickDays = [0, 10, 20, 30], CumulativeEvents = true, NumberAtRisk = true, CensorMarks = false };
        var series = new CarTRisk.Plotting.CurveSeries("g", 0, time, [0.8, 0.75, 0.3], [double.NaN, double.NaN, double.NaN], [double.NaN, double.NaN, double.NaN], [0, 0, 0], [50, 38, 35], 1);
        var texts = SvgText.Parse(CarTRisk.Plotting.CurvePlot.Draw([series], [row], options, "S", rising: false).ToSvg());
        var heading = texts.Single(t => t.Text == "Cumulative events");
        var cells = texts.Where(t => t.Top > heading.Bottom && t.Text != "g").OrderBy(t => t.Left).Select(t => t.Text).ToList();
        Assert.Equal(["0", "12", "–", "40"], cells);
    }

    [Fact]
    public void NaiveVersusAalenJohansen_ShowsBothCurves_AndOneRiskRow()
    {
        var report = SafetySummary.Compute(Example);
        var figure = Figures.NaiveVersusAalenJohansen(report);
        var svg = figure.ToSvg();
        var texts = SvgText.Parse(svg);
        Assert.Contains(texts, t => t.Text == "Aalen-Johansen (death competing)");
        Assert.Contains(texts, t => t.Text == "Naive 1 − Kaplan-Meier (deaths censored)");
        Assert.Single(texts, t => t.Text == "All patients");
        Assert.Contains("#D55E00", svg, StringComparison.OrdinalIgnoreCase);   // the dashed naive curve (ScottPlot writes dashes as path pieces)
        // naive ≥ Aalen-Johansen at every time (the point of the figure)
        var aj = report.CumulativeIncidence!;
        for (int i = 0; i < aj.Time.Length; i++)
        {
            Assert.True(1 - report.MalignancyFreeKaplanMeier.At(aj.Time[i]).Survival >= aj.Estimate[i] - 1e-12);
        }
    }

    [Fact]
    public void StackedPlot_UsesThePalette_AndPercentBreaks()
    {
        var all = CumulativeIncidence.Estimate(Example.Durations.AsSpan(), Example.Causes.AsSpan(), 1);
        var figure = Figures.StackedCompetingRisks(all, ["Malignancy", "Death"]);
        var svg = figure.ToSvg();
        var texts = SvgText.Parse(svg);
        Assert.Equal(["0%", "20%", "40%", "60%", "80%", "100%"], texts.Where(t => t.Text.EndsWith('%')).OrderByDescending(t => t.Top).Select(t => t.Text));
        Assert.Contains(texts, t => t.Text == "Event-free");
        var fills = SvgText.Fills(svg).Select(f => f.Fill.ToUpperInvariant()).ToHashSet();
        Assert.Contains("#D55E00", fills);
        Assert.Contains("#0072B2", fills);
        Assert.InRange(InkFraction(figure.ToPng()), 0.3, 1.0);
    }

    /// <summary>Under the default policy each boundary of the stacked layers (malignancy; malignancy + death) steps only
    /// where at least 11 events of its causes have accumulated since its last drawn step (a step's height would
    /// otherwise show a small count); without a threshold it steps at every event. The figure ends where fewer than 11
    /// remain at risk, with the number at risk under the axis.</summary>
    [Fact]
    public void StackedPlot_StepsRestOnTheThreshold_AndEndWhereFewAreAtRisk()
    {
        var all = CumulativeIncidence.Estimate(Example.Durations.AsSpan(), Example.Causes.AsSpan(), 1);
        int end = all.Time.Length;
        for (int causes = 1; causes <= 2; causes++)
        {
            var keep = StackedPlot.Steps(all, causes, end, 11);
            Assert.NotEmpty(keep);
            int from = 0;
            foreach (int i in keep)
            {
                double events = Enumerable.Range(from, i - from + 1).Sum(j => Enumerable.Range(0, causes).Sum(c => all.EventsByCause[c][j]));
                Assert.True(events >= 11, $"causes 1..{causes}: a step at {all.Time[i]} rests on {events} events");
                from = i + 1;
            }

            int withEvents = Enumerable.Range(0, end).Count(j => Enumerable.Range(0, causes).Sum(c => all.EventsByCause[c][j]) > 0);
            Assert.Equal(withEvents, StackedPlot.Steps(all, causes, end, 0).Count);
        }

        var texts = SvgText.Parse(Figures.StackedCompetingRisks(all, ["Malignancy", "Death"]).ToSvg());
        Assert.Contains(texts, t => t.Text == "Number at risk");
        Assert.Contains(texts, t => t.Text == "724");
    }

    /// <summary>Issue 26: the median line (day 439 in the example) falls just after the 1-year line; the "1 year" label
    /// moves to the left of its line, so the median line no longer strikes it through.</summary>
    [Fact]
    public void OnsetHistogram_MedianLine_DoesNotCrossTheHorizonLabel()
    {
        var onset = SafetySummary.Compute(Example).Onset;
        Assert.Equal(439, onset.Median);
        var texts = SvgText.Parse(Figures.OnsetHistogram(onset, 90, FigureOptions.Default with { Scale = TimeScale.Days, HorizonDays = 365 }).ToSvg());
        var year = texts.Single(t => t.Text == "1 year");
        var median = texts.Single(t => t.Text == "median 439 days");
        Assert.True(year.Right < median.Left, $"'1 year' ({year.Left:0}..{year.Right:0}) reaches the median line (label at {median.Left:0})");
    }

    [Fact]
    public void OnsetHistogram_BreaksOnBinEdges_AndMergesSmallBins()
    {
        var onset = SafetySummary.Compute(Example).Onset;
        foreach (var (scale, bin) in new[] { (TimeScale.Days, 61.0), (TimeScale.Months, 365.25 / 4), (TimeScale.Years, 365.25 / 4) })
        {
            var texts = SvgText.Parse(Figures.OnsetHistogram(onset, null, FigureOptions.Default with { Scale = scale, Disclosure = DisclosurePolicy.None }).ToSvg());
            var ticks = XTicks(texts, $"Time from infusion to diagnosis ({scale.ToString().ToLowerInvariant()})");
            double unit = scale switch { TimeScale.Months => 30.4375, TimeScale.Years => 365.25, _ => 1 };
            Assert.All(ticks, t =>
            {
                double k = double.Parse(t.Text, C) * unit / bin;
                Assert.True(Math.Abs(k - Math.Round(k)) < 1e-6, $"{scale}: tick {t.Text} is not on a bin edge");
            });
            Assert.InRange(ticks.Count, 2, 11);
        }

        // disclosure: every bar holds at least 11 cases; without a policy some bins are small
        var days = Enumerable.Range(0, 25).Select(i => (double)(i * 37 % 900)).Order().ToArray();
        var few = new OnsetSummary(25, null, null, null, days[0], days[^1], null, days);
        var bars = HistogramPlot.Bars(few, 90, DisclosurePolicy.Default);
        Assert.All(bars, b => Assert.True(b.Count >= 11));
        Assert.Equal(25, bars.Sum(b => b.Count));
        Assert.Equal(0, bars[0].From);
        Assert.Equal((int)Math.Floor(days[^1] / 90), bars[^1].To);
        for (int i = 1; i < bars.Count; i++)
        {
            Assert.Equal(bars[i - 1].To + 1, bars[i].From);
        }

        Assert.Contains(HistogramPlot.Bars(few, 90, DisclosurePolicy.None), b => b.Count is > 0 and < 11);
        Assert.Throws<ArgumentException>(() => Figures.OnsetHistogram(new OnsetSummary(5, null, null, null, 1, 5, null, [1.0, 2, 3, 4, 5])));
        Assert.Contains("median", Figures.OnsetHistogram(onset).ToSvg(), StringComparison.Ordinal);
    }

    [Fact]
    public void Figures_ApplyTheDisclosurePolicy_ToNumbersAtRiskAndCurves()
    {
        // 30 patients, times 10..300: at the 180-day tick 12 are at risk, at 270 days 3.
        var t = Enumerable.Range(1, 30).Select(i => i * 10.0).ToArray();
        var e = t.Select((_, i) => i % 3 == 0).ToArray();
        var km = KaplanMeier.Estimate(t, e);
        var options = FigureOptions.Default with { Scale = TimeScale.Days, TickDays = [0, 180, 270] };
        var masked = SvgText.Parse(Figures.KaplanMeier([("g", km)], options).ToSvg()).Select(x => x.Text).ToList();
        var open = SvgText.Parse(Figures.KaplanMeier([("g", km)], options with { Disclosure = DisclosurePolicy.None }).ToSvg()).Select(x => x.Text).ToList();
        Assert.Contains("4", open);
        Assert.DoesNotContain("4", masked);
        Assert.Contains("<11", masked);
        Assert.Contains("13", masked);
    }

    [Fact]
    public void BadArguments_AreClearErrors()
    {
        var all = CumulativeIncidence.Estimate(Example.Durations.AsSpan(), Example.Causes.AsSpan(), 1);
        Assert.Equal("causeLabels", Assert.Throws<ArgumentException>(() => Figures.StackedCompetingRisks(all, ["only one"])).ParamName);
        Assert.Equal("curves", Assert.Throws<ArgumentException>(() => Figures.KaplanMeier([])).ParamName);
        var none = new OnsetSummary(0, null, null, null, null, null, null, []);
        Assert.Equal("onset", Assert.Throws<ArgumentException>(() => Figures.OnsetHistogram(none)).ParamName);
        Assert.Equal("binDays", Assert.Throws<ArgumentOutOfRangeException>(() => Figures.OnsetHistogram(none, 0)).ParamName);

        var km = AllKm();
        var curves = new[] { ("all", km) };
        Assert.Throws<ArgumentException>(() => Figures.KaplanMeier(new[] { ("none", (SurvivalCurve)null!) }));
        Assert.Throws<ArgumentException>(() => Figures.KaplanMeier(curves, FigureOptions.Default with { TickDays = [] }));
        Assert.Throws<ArgumentException>(() => Figures.KaplanMeier(curves, FigureOptions.Default with { TickDays = [365, 100] }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Figures.KaplanMeier(curves, FigureOptions.Default with { YMax = double.NaN }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Figures.KaplanMeier(curves, FigureOptions.Default with { YMax = -0.1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Figures.KaplanMeier(curves, FigureOptions.Default with { YMin = 1 }));
        Assert.Throws<ArgumentException>(() => Figures.KaplanMeier(curves, FigureOptions.Default with { YMin = 0.5, YMax = 0.4 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Figures.KaplanMeier(curves, FigureOptions.Default with { XMaxDays = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Figures.KaplanMeier(curves, FigureOptions.Default with { Dpi = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Figures.KaplanMeier(curves, FigureOptions.Default with { Scale = (TimeScale)9 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Figures.KaplanMeier(curves, FigureOptions.Default with { Width = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Figures.KaplanMeier(curves, FigureOptions.Default with { Width = 120, Height = 90 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => FigureOptions.Inches(0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => FigureOptions.Inches(3, 3, 5000));
    }

    [Fact]
    public void ForestPlot_Meta_HasTheTableBesideIt()
    {
        var fit = MetaAnalysis.Proportions([25, 9, 14, 3, 21], [724, 150, 290, 80, 410]);
        var figure = ForestPlot.Draw(fit, ["a", "b", "c", "d", "e"]);
        Assert.InRange(InkFraction(figure.ToPng()), 0.005, 0.5);
        var texts = SvgText.Parse(figure.ToSvg());
        Assert.Contains(texts, t => t.Text == "Pooled (random effects)");
        Assert.Contains(texts, t => t.Text == "Weight");
        var a = texts.Single(t => t.Text == "a");
        var estimate = texts.Single(t => t.Text.StartsWith((fit.StudyValue[0] * 100).ToString("0.0", C) + "% (", StringComparison.Ordinal));
        Assert.True(Math.Abs(a.CenterY - estimate.CenterY) < 1, "the estimate column is aligned with its row");
        Assert.True(estimate.Left > a.Right + 60);
        Assert.Throws<ArgumentException>(() => ForestPlot.Draw(fit, ["a"]));
    }

    [Fact]
    public void ForestPlot_Cox_OnALogAxis_SuppressedWithFewEvents()
    {
        var products = Example.Records.Select(r => (string?)r.Product).ToList();
        var x = DesignMatrix.Build(Covariate.Categorical("product", products, "axi-cel"));
        var cox = CoxRegression.Fit(Example.Durations.AsSpan(), Example.Causes.Select(c => c == 1).ToArray(), x);
        var texts = SvgText.Parse(ForestPlot.Draw(cox, FigureOptions.Default with { Disclosure = DisclosurePolicy.None }).ToSvg());
        Assert.Contains(texts, t => t.Text == "HR (95% CI); p");
        Assert.Contains(texts, t => t.Text == "1");   // the reference break on the log axis
        // issue 26: each level is named against its reference (not R's 'productbrexu-cel'), with its p, and the axis
        // says how many records and events the model rests on
        foreach (string term in cox.Terms)
        {
            string level = term["product".Length..];
            Assert.Contains(texts, t => t.Text == $"product: {level} vs axi-cel");
        }

        Assert.Equal(cox.Terms.Length, texts.Count(t => t.Text.Contains("); p ", StringComparison.Ordinal)));
        Assert.Contains(texts, t => t.Text == $"Hazard ratio (log scale); {cox.Observations} records, {cox.Events} events");

        // under the default policy every product level of the example rests on fewer than 11 of its own events: each
        // row is withheld (issue 21, recovery 7), its term still named
        var withheld = SvgText.Parse(ForestPlot.Draw(cox).ToSvg());
        Assert.All(cox.TermEvents, e => Assert.InRange(e, 0, 10));
        Assert.Equal(cox.Terms.Length, withheld.Count(t => t.Text == DisclosurePolicy.Default.Marker));

        // 20 records with 4 events: every estimate suppressed under the default policy
        var t20 = Enumerable.Range(1, 20).Select(i => (double)i).ToArray();
        var e20 = t20.Select(v => v % 5 == 0).ToArray();
        var small = CoxRegression.Fit(t20, e20, DesignMatrix.Build(Covariate.Numeric("x", t20.Select(v => v % 3).ToArray())));
        var masked = SvgText.Parse(ForestPlot.Draw(small).ToSvg());
        Assert.Contains(masked, t => t.Text == DisclosurePolicy.Default.Marker);
        Assert.DoesNotContain(masked, t => t.Text.Contains(small.HazardRatio[0].ToString("0.00", C) + " (", StringComparison.Ordinal));
        Assert.Contains(SvgText.Parse(ForestPlot.Draw(small, FigureOptions.Default with { Disclosure = DisclosurePolicy.None }).ToSvg()),
            t => t.Text.StartsWith(small.HazardRatio[0].ToString("0.00", C) + " (", StringComparison.Ordinal));
    }

    [Fact]
    public void ForestPlot_Sir_SuppressesExactlyAsTheTable()
    {
        var cohort = CohortCsv.Read(Golden.PathOf("Round2/sir/sir_A.cohort.csv"));
        var rates = ReferenceRates.ReadCsv(Golden.PathOf("Round2/sir/sir_A.rates.csv"));
        var sir = StandardizedIncidence.Compute(cohort, rates);
        var table = sir.ToTable().Render(DisclosurePolicy.Default);
        var texts = SvgText.Parse(ForestPlot.Draw(sir).ToSvg()).Select(t => t.Text).ToList();
        int suppressedRows = table.Skip(1).Count(r => r[4] == DisclosurePolicy.Default.Marker);
        Assert.Equal(suppressedRows, texts.Count(t => t == DisclosurePolicy.Default.Marker));
        Assert.Contains("SIR (95% CI)", texts);
    }

    [Fact]
    public void ForestPlot_Rows_Validated_AndArrowsBeyondTheAxis()
    {
        Assert.Throws<ArgumentException>(() => ForestPlot.Draw([], "x", true));
        Assert.Throws<ArgumentException>(() => ForestPlot.Draw([new ForestRow("a", double.NaN, 1, 2)], "x", true));
        Assert.Throws<ArgumentException>(() => ForestPlot.Draw([new ForestRow("a", 1, 3, 2)], "x", true));
        // a zero lower limit on a log axis and an infinite upper limit draw arrows (filled triangles), not an error
        var svg = ForestPlot.Draw([new ForestRow("a", 0.5, 0, 2), new ForestRow("b", 2, 1, double.PositiveInfinity), new ForestRow("c", 1, 1, 1) { Suppressed = true }], "HR", true, 1).ToSvg();
        Assert.Contains(SvgText.Parse(svg), t => t.Text == "<11");
        Assert.Equal([0.1, 0.2, 0.5, 1, 2, 5, 10], ForestPlot.LogTicks(0.15, 7));
        Assert.Equal([0, 0.2, 0.4, 0.6, 0.8, 1], ForestPlot.LinearTicks(0, 1));
    }

    /// <summary>Issue 26: at a journal's single column (3.5 x 3 inches at 300 DPI; 3.5 x 4.5 for six groups and their
    /// risk table) no text overlaps another, the rotated y title included, and every text lies on the figure: the y title
    /// is shortened or wrapped to the plotting area, the legend and the test leave the data area for a band under the
    /// title when no corner holds them clear of the curves, and long "(not shown: ...)" legend notes become footnotes.</summary>
    /// <remarks>Also at a double column (7 x 5 inches at 300 DPI) with six groups under their full product names, where
    /// the x tick labels must stay distinct and in order; and at every size no text box is crossed by a curve segment (the
    /// horizon label moves to the bottom of its line where falling survival curves fill the top).</remarks>
    [Theory]
    [InlineData(2, 3.0, false, 3.5, false)]
    [InlineData(2, 3.0, true, 3.5, false)]
    [InlineData(6, 4.5, false, 3.5, false)]
    [InlineData(6, 4.5, true, 3.5, false)]
    [InlineData(6, 5.0, false, 7.0, true)]
    [InlineData(6, 5.0, true, 7.0, true)]
    public void JournalColumn_NoTextOverlaps_NothingRunsOffTheFigure(int groups, double heightInches, bool inside, double widthInches, bool longNames)
    {
        var options = FigureOptions.Inches(widthInches, heightInches, 300) with
        {
            Title = "Secondary malignancy after CAR T",
            Disclosure = inside ? DisclosurePolicy.None : DisclosurePolicy.Default,
        };
        var full = new Dictionary<string, string>
        {
            ["axi-cel"] = "axicabtagene ciloleucel (Yescarta)", ["brexu-cel"] = "brexucabtagene autoleucel (Tecartus)",
            ["cilta-cel"] = "ciltacabtagene autoleucel (Carvykti)", ["ide-cel"] = "idecabtagene vicleucel (Abecma)",
            ["liso-cel"] = "lisocabtagene maraleucel (Breyanzi)", ["tisa-cel"] = "tisagenlecleucel (Kymriah)",
        };
        string Name(string product) => longNames && full.TryGetValue(product, out var n) ? n : product;
        var two = Example.Where(r => r.Product is "axi-cel" or "ide-cel");
        var test = FigureTest.From(GrayTest.Test(two.Durations.AsSpan(), two.Causes.AsSpan(), two.Records.Select(r => r.Product ?? "").ToArray().AsSpan(), 1));
        var figures = new[]
        {
            Figures.CumulativeIncidence([.. CifByProduct(groups).Select(c => (Name(c.Label), c.Curve))], options with { Test = test }),
            Figures.KaplanMeier([.. KmByProduct(groups).Select(c => (Name(c.Label), c.Curve))], options with { Test = test }),
        };
        foreach (var figure in figures)
        {
            var texts = SvgText.Parse(figure.ToSvg());
            Assert.Contains(texts, t => t.Rotated);
            foreach (var t in texts)
            {
                Assert.True(t.Left >= -1 && t.Right <= figure.Width + 1 && t.Top >= -1 && t.Bottom <= figure.Height + 1,
                    $"'{t.Text}' ({t.Left:0}..{t.Right:0} x {t.Top:0}..{t.Bottom:0}) runs off the {figure.Width} x {figure.Height} figure");
            }

            for (int i = 0; i < texts.Count; i++)
            {
                for (int j = i + 1; j < texts.Count; j++)
                {
                    Assert.False(texts[i].Overlaps(texts[j]), $"'{texts[i].Text}' overlaps '{texts[j].Text}'");
                }
            }

            // no text lies on a curve (the curves are drawn where the policy lets them: all of them with DisclosurePolicy.None).
            // At 3.5 x 3 inches the band under the title has no room for the legend: the risk table, which names every
            // group in its colour, carries each curve's line and the legend is left out
            var curves = SvgText.Segments(figure.ToSvg(), HouseStyle.Palette, 1.5);
            Assert.True(!inside || curves.Count > 100, $"{curves.Count} curve segments");
            if (inside && groups == 2 && heightInches <= 3)
            {
                // the legend left out: each group's name only in the risk table, beside a sample of its line
                Assert.Single(texts, t => t.Text == Name("axi-cel"));
            }
            foreach (var t in texts.Where(t => !t.Rotated))
            {
                var hit = curves.FirstOrDefault(sg => t.Crossed(sg));
                Assert.True(hit == default, $"'{t.Text}' ({t.Left:0}..{t.Right:0} x {t.Top:0}..{t.Bottom:0}) is crossed by the curve segment {hit}");
            }

            var ticks = XTicks(texts, texts.First(t => t.Text.StartsWith("Time from infusion", StringComparison.Ordinal)).Text)
                .Select(t => double.Parse(t.Text, NumberStyles.Float, C)).ToList();
            Assert.True(ticks.Count >= 3, $"{ticks.Count} x ticks");
            Assert.Equal(ticks.Order().Distinct(), ticks);
            if (longNames)
            {
                Assert.Contains(texts, t => t.Text.Contains("Yescarta", StringComparison.Ordinal));
            }
        }
    }

    /// <summary>A stratum with no event (SIR 0, upper limit 200) is listed with an interval from the left edge but does
    /// not stretch a log axis: the ticks cover the informative rows (0.5 to 5), not 200.</summary>
    [Fact]
    public void ForestPlot_ZeroEstimateRow_DoesNotStretchTheLogAxis()
    {
        ForestRow[] rows = [new("All", 1.8, 1.2, 2.6) { Kind = ForestRowKind.Pooled }, new("sex F", 2.1, 1.1, 3.9), new("age 80+", 0, 0, 200)];
        var texts = SvgText.Parse(ForestPlot.Draw(rows, "SIR (95% CI)", true, 1).ToSvg()).Select(t => t.Text).ToList();
        Assert.Contains("0.00 (0.00 to 200.00)", texts);
        Assert.Contains("5", texts);
        Assert.DoesNotContain("200", texts);
        Assert.DoesNotContain("100", texts);

        // every row with an estimate of 0: the limits set the axis as before
        var only = SvgText.Parse(ForestPlot.Draw([new ForestRow("a", 0, 0, 20)], "SIR", true, 1).ToSvg()).Select(t => t.Text).ToList();
        Assert.Contains("20", only);
    }

    /// <summary>With options that leave the height at its default, the height still fits the rows (a title adds a line);
    /// a chosen height is kept.</summary>
    [Fact]
    public void ForestPlot_DefaultHeight_FitsTheRows()
    {
        ForestRow[] rows = [new("a", 1.2, 0.9, 1.6), new("b", 0.8, 0.5, 1.3)];
        var plain = ForestPlot.Draw(rows, "HR", true, 1);
        var titled = ForestPlot.Draw(rows, "HR", true, 1, FigureOptions.Default with { Title = "Hazard ratios" });
        var print = ForestPlot.Draw(rows, "HR", true, 1, FigureOptions.Default with { Dpi = 300 });
        var chosen = ForestPlot.Draw(rows, "HR", true, 1, FigureOptions.Default with { Height = 500 });
        Assert.Equal(110 + (26 * 3), plain.Height);
        Assert.Equal(plain.Height + 24, titled.Height);
        Assert.Equal((int)Math.Round(plain.Height * 300 / 96.0), print.Height);
        Assert.Equal(500, chosen.Height);
    }
}
