using System.Globalization;
using ScottPlot;

namespace CarTRisk.Plotting;

/// <summary>One step curve to draw: times in days, values, pointwise limits (NaN where undefined), censorings.</summary>
internal sealed record CurveSeries(string Label, int Group, double[] Time, double[] Value, double[] Lower, double[] Upper,
    double[] Censored, double[] AtRisk, double Start)
{
    public LinePattern? Pattern { get; init; }

    public bool Band { get; init; } = true;

    /// <summary>The events the curve counts (its cause); −1 = not given. A curve of 1..threshold − 1 events is not drawn:
    /// the tables withhold its risk, and each of its steps would show a case.</summary>
    public double TotalEvents { get; init; } = -1;

    /// <summary>The events that move the curve at each time; null = not given. Under a threshold the drawn curve moves
    /// only where at least the threshold of them have accumulated since its last drawn step (see CurvePlot.Coarsen).</summary>
    public double[]? StepEvents { get; init; }
}

/// <summary>One row of the risk table: the whole (undisclosed-cut) columns of a group.</summary>
internal sealed record RiskRow(string Label, int Group, double[] Time, double[] AtRisk, double[] Events, double[] Censored);

/// <summary>A y-axis title as drawn: its lines (one or two, left to right) and their size in points.</summary>
internal readonly record struct YTitle(string[] Lines, double Points);

/// <summary>The layout shared by the Kaplan-Meier, cumulative incidence and naive-versus-Aalen-Johansen figures.</summary>
internal static class CurvePlot
{
    public const double TickPoints = 10, AxisPoints = 11, TitlePoints = 13, NotePoints = 9.5;

    private const double Pad = 10;

    public static Figure Draw(IReadOnlyList<CurveSeries> input, IReadOnlyList<RiskRow> riskRows, FigureOptions o, string yLabel, bool rising)
    {
        var policy = o.Disclosure;
        var series = input.Select(s => Disclosed(s, policy)).ToList();
        double dataEnd = riskRows.Concat(input.Select(s => new RiskRow(s.Label, s.Group, s.Time, s.AtRisk, [], [])))
            .Max(r => r.Time.Length == 0 ? 0 : r.Time[^1]);
        var (ticks, xEnd) = TimeAxis(o, dataEnd);
        bool bands = o.ConfidenceBands && input.Count <= o.MaxGroupsWithBands;

        // y range over what is drawn up to the end of the axis
        var (y0, y1) = ProbabilityRange(o, series, xEnd, bands, rising);
        bool zoomed = y0 > 0 || y1 < 1;
        var yTicks = Breaks.Probability(y0, y1);
        double yStep = Breaks.ProbabilityStep(y1 - y0);

        var canvas = new Canvas(o);
        double tickH = canvas.Measure("0123456789%", TickPoints).Height;
        double rowH = tickH * 1.45;

        // risk table contents
        var blocks = new List<(string Heading, string[][] Cells)>();
        if (o.NumberAtRisk && riskRows.Count > 0)
        {
            blocks.Add(("Number at risk", riskRows.Select(r => ticks.Select(t => t > xEnd + 1e-9 ? "" : policy.FormatCount(AtRiskAt(r, t))).ToArray()).ToArray()));
            if (o.CumulativeEvents)
            {
                blocks.Add(("Cumulative events", riskRows.Select(r => Cumulative(r.Time, r.Events, ticks, policy)).ToArray()));
            }

            if (o.CumulativeCensored)
            {
                blocks.Add(("Cumulative censored", riskRows.Select(r => Cumulative(r.Time, r.Censored, ticks, policy)).ToArray()));
            }
        }

        var yTickLabels = yTicks.Select(v => Breaks.Percent(v, yStep)).ToArray();
        double groupW = blocks.Count == 0 ? 0 : riskRows.Max(r => canvas.Measure(r.Label, TickPoints).Width);
        double numberW = blocks.Count == 0 ? 0 : blocks.SelectMany(b => b.Cells.SelectMany(c => c)).Max(s => canvas.Measure(s, TickPoints).Width);
        double lastTickW = canvas.Measure(Breaks.TimeLabel(ticks[^1], o.Scale), TickPoints).Width;
        double right = canvas.Width - Pad - Math.Max(lastTickW / 2, numberW / 2) - 4;
        double tableH = blocks.Sum(b => rowH * (1 + b.Cells.Length) + 6);
        double bottom = canvas.Height - Pad - tableH - (blocks.Count > 0 ? 8 : 0) - AxisBelow(canvas);
        string yTitle = o.YLabel ?? yLabel;

        // the legend and the test go inside the data area where a corner holds them clear of the curves; where none
        // does (small figures, long labels), they go in a band above it, wrapped to the width (issue 26: at a journal's
        // single column they overprinted the curves and ran off the figure)
        var legendItems = series.Where(s => input.Count > 1 || s.Label != input[0].Label).ToList();
        var fullItems = legendItems;
        var footnotes = new List<string>();
        bool compact = false;
        string? testText = o.Test?.Text(policy);
        double itemH = canvas.Measure("Ag", TickPoints).Height * 1.35;
        bool legendOutside = false, testOutside = false, forceInside = false, forceLegendInside = false, horizonLeft = false;
        bool tableKey = false;   // the legend left out: the risk table's rows carry each curve's line and colour
        double keyW = 28;
        double horizonDrop = 2;
        double left = 0, top = 0;
        YTitle yt = default;
        List<(double X1, double Y1, double X2, double Y2)> segments = [];
        (double X, double Y) legendAt = default, testAt = default;
        List<(double L, double T, double R, double B)> occupied = [];
        double bandTop = 0;
        List<List<(string Text, CurveSeries S, double W)>> legendRows = [];
        for (int attempt = 0; attempt < 6; attempt++)
        {
            bandTop = Top(canvas, o, false);
            top = Top(canvas, o, zoomed);
            double bandH = 0;
            double widthForBand = canvas.Width - (2 * Pad);
            legendRows = legendOutside ? LegendRows(canvas, legendItems, widthForBand) : [];
            bandH += legendRows.Count * itemH;
            if (testOutside && testText is not null)
            {
                bandH += canvas.Measure(testText, TickPoints).Height + 4;
            }

            if (compact)
            {
                bandH += footnotes.Count * (canvas.Measure("Ag", NotePoints).Height + 2);
            }

            if (bandH > 0 && !zoomed)
            {
                bandH += (tickH / 2) + 2;   // the top y tick label reaches half a line above the plotting area
            }

            top += bandH;
            yt = FitYTitle(canvas, yTitle, Math.Max(1, bottom - top));
            left = Math.Max(LeftFor(canvas, yTickLabels, yt), blocks.Count == 0 ? 0 : Pad + groupW + (tableKey ? keyW : 0) + 10 + (numberW / 2));
            if ((bottom - top < 60 || right - left < 60) && (legendOutside || testOutside))
            {
                // no room for the band: where the risk table names every curve of the legend, the table becomes the key
                // (each row with its curve's line) and the legend is left out; else the legend back inside first (the
                // test is one line), then the test too, in the corners that cover the least of the curves
                if (legendOutside && !tableKey && blocks.Count > 0
                    && legendItems.All(it => riskRows.Count(r => r.Group == it.Group) == 1 && riskRows.Any(r => r.Group == it.Group && r.Label == it.Label)))
                {
                    legendOutside = false;
                    tableKey = true;
                    legendItems = [];
                }
                else if (legendOutside)
                {
                    legendOutside = false;
                    forceLegendInside = true;
                }
                else
                {
                    testOutside = false;
                    forceInside = true;
                }

                continue;
            }

            RequireRoom(o, left, top, right, bottom, $"the labels and the {blocks.Sum(b => b.Cells.Length)}-row risk table");
            segments = Segments(series, xEnd, y0, y1, left, top, right, bottom);
            occupied = [];
            if (o.HorizonDays is { } hd && hd > 0 && hd <= xEnd)
            {
                // the "3 years" label beside its line where no curve crosses it: at the top, right then left, else at
                // the bottom (falling survival curves fill the top at long horizons), right then left; where every
                // place is crossed, the one crossed least (earlier in that order when equal)
                double hx = left + ((right - left) * hd / xEnd);
                var size = canvas.Measure(HorizonLabel(hd), NotePoints);
                double low = bottom - top - size.Height - 4;
                double Crossed((double L, double T, double R, double B) box) => segments.Sum(sg => LengthInside(sg, box.L, box.T, box.R, box.B));
                var best = (Left: false, Drop: 2.0, Crossing: double.PositiveInfinity, Box: (L: 0.0, T: 0.0, R: 0.0, B: 0.0));
                foreach (var (leftSide, drop) in new[] { (false, 2.0), (true, 2.0), (false, low), (true, low) })
                {
                    var box = leftSide ? (L: hx - 4 - size.Width, T: top + drop - 2, R: hx, B: top + drop + size.Height)
                        : (L: hx, T: top + drop - 2, R: hx + 4 + size.Width, B: top + drop + size.Height);
                    if ((leftSide && box.L <= left) || (!leftSide && box.R > right) || (drop > 2 && low < 2 * size.Height))
                    {
                        continue;
                    }

                    double crossing = Crossed(box);
                    if (crossing < best.Crossing)
                    {
                        best = (leftSide, drop, crossing, box);
                    }

                    if (crossing == 0)
                    {
                        break;
                    }
                }

                if (double.IsPositiveInfinity(best.Crossing))
                {
                    best = (false, 2.0, 0, HorizonBox(canvas, hd, hx, top, 2));   // no candidate fits: at the top right, as before
                }

                (horizonLeft, horizonDrop) = (best.Left, best.Drop);
                occupied.Add(best.Box);
                segments.Add((hx, top, hx, bottom));   // text does not cross the horizon line either
            }

            bool again = false;
            if (legendItems.Count > 0 && !legendOutside)
            {
                double w = 30 + legendItems.Max(s => canvas.Measure(s.Label, TickPoints).Width);
                double hgt = itemH * legendItems.Count;
                if (!compact && w > right - left - 20)
                {
                    // labels too long for the plotting area: their "(not shown: ...)" notes become footnote marks
                    (legendItems, footnotes) = Compact(fullItems);
                    compact = footnotes.Count > 0;
                    if (compact)
                    {
                        continue;
                    }
                }

                var (lx, ly, score) = Corner(w, hgt, left, top, right, bottom, segments, occupied, rising);
                if (!forceInside && !forceLegendInside && (score > 0 || w > right - left - 20 || hgt > bottom - top - 20))
                {
                    legendOutside = again = true;
                }
                else
                {
                    legendAt = (lx, ly);
                    occupied.Add((lx, ly, lx + w, ly + hgt));
                }
            }

            if (testText is not null && !testOutside && (!again || forceLegendInside))
            {
                var size = canvas.Measure(testText, TickPoints);
                var (tx, ty, score) = Corner(size.Width, size.Height, left, top, right, bottom, segments, occupied, rising);
                if (!forceInside && (score > 0 || size.Width > right - left - 20))
                {
                    testOutside = again = true;
                }
                else
                {
                    testAt = (tx, ty);
                }
            }

            if (!again)
            {
                break;
            }
        }

        double X(double days) => left + ((right - left) * days / xEnd);
        double Y(double p) => bottom - ((bottom - top) * (p - y0) / (y1 - y0));

        // y ticks thinned (every second, third ...) where a short plotting area would make their labels touch
        if (yTicks.Length > 2)
        {
            int thin = 1;
            while (yTicks.Length > 2 * thin && Math.Abs(Y(yTicks[thin]) - Y(yTicks[0])) < tickH * 1.15)
            {
                thin++;
            }

            if (thin > 1)
            {
                var keep = Enumerable.Range(0, yTicks.Length).Where(i => i % thin == 0).ToArray();
                yTicks = [.. keep.Select(i => yTicks[i])];
                yTickLabels = [.. keep.Select(i => yTickLabels[i])];
            }
        }

        // grid (data area only), then bands beneath every line, then lines, then marks
        foreach (double v in yTicks)
        {
            canvas.Line(left, Y(v), right, Y(v), HouseStyle.Grid, 0.8);
        }

        foreach (double t in ticks.Where(t => t <= xEnd + 1e-9))
        {
            canvas.Line(X(t), top, X(t), bottom, HouseStyle.Grid, 0.8);
        }

        if (bands)
        {
            foreach (var s in series.Where(s => s.Band))
            {
                var lo = s.Lower.Select((v, i) => double.IsNaN(v) ? s.Value[i] : v).ToArray();
                var hi = s.Upper.Select((v, i) => double.IsNaN(v) ? s.Value[i] : v).ToArray();
                var (xs, ylo) = StepVertices(s.Time, lo, s.Start, xEnd, Continues(s, xEnd));
                var (_, yhi) = StepVertices(s.Time, hi, s.Start, xEnd, Continues(s, xEnd));
                canvas.Fill(xs.Select(X).ToArray(), yhi.Select(v => Y(Math.Clamp(v, y0, y1))).ToArray(), ylo.Select(v => Y(Math.Clamp(v, y0, y1))).ToArray(),
                    HouseStyle.Color(s.Group).WithAlpha(0.16));
            }
        }

        foreach (var s in series)
        {
            var (xs, ys) = StepVertices(s.Time, s.Value, s.Start, xEnd, Continues(s, xEnd));
            foreach (var run in ClippedRuns(xs, ys, y0, y1))
            {
                var px = run.Select(p => X(p.X)).ToArray();
                var py = run.Select(p => Y(p.Y)).ToArray();
                canvas.Path(px, py, HouseStyle.Color(s.Group), 2, s.Pattern ?? HouseStyle.Pattern(s.Group));
            }

            if (o.CensorMarks)
            {
                for (int i = 0; i < s.Time.Length; i++)
                {
                    if (s.Censored[i] > 0 && s.Time[i] <= xEnd && s.Value[i] >= y0 && s.Value[i] <= y1)
                    {
                        canvas.Marker(X(s.Time[i]), Y(s.Value[i]), MarkerShape.VerticalBar, 7, HouseStyle.Color(s.Group), 1.2);
                    }
                }
            }
        }

        var ink = HouseStyle.Text;
        Frame(canvas, o, left, top, right, bottom,
            ticks.Where(t => t <= xEnd + 1e-9).Select(t => (X(t), Breaks.TimeLabel(t, o.Scale))),
            yTicks.Select((v, i) => (Y(v), yTickLabels[i])), o.XLabel ?? $"Time from infusion ({Breaks.Unit(o.Scale)})", yt, grid: false);

        if (zoomed)
        {
            canvas.Text($"Axis zoomed: {Breaks.PercentShort(y0)} to {Breaks.PercentShort(y1)}", left, top - 4, NotePoints, HouseStyle.Muted, Alignment.LowerLeft);
        }

        if (o.HorizonDays is { } h && h > 0 && h <= xEnd)
        {
            Horizon(canvas, h, X(h), top, bottom, HouseStyle.Muted, HouseStyle.Muted, horizonDrop, horizonLeft);
        }

        // the legend and the test: inside where placed, else in the band under the title
        double band = bandTop;
        if (legendOutside)
        {
            foreach (var row in legendRows)
            {
                double x = Pad;
                double cy = band + (itemH / 2);
                foreach (var (text, s, w) in row)
                {
                    canvas.Line(x, cy, x + 22, cy, HouseStyle.Color(s.Group), 2.5, s.Pattern ?? HouseStyle.Pattern(s.Group));
                    canvas.Text(text, x + 28, cy, TickPoints, ink, Alignment.MiddleLeft);
                    x += w;
                }

                band += itemH;
            }
        }
        else if (legendItems.Count > 0)
        {
            var (lx, ly) = legendAt;
            for (int i = 0; i < legendItems.Count; i++)
            {
                var s = legendItems[i];
                double cy = ly + (itemH * (i + 0.5));
                canvas.Line(lx, cy, lx + 22, cy, HouseStyle.Color(s.Group), 2.5, s.Pattern ?? HouseStyle.Pattern(s.Group));
                canvas.Text(s.Label, lx + 28, cy, TickPoints, ink, Alignment.MiddleLeft);
            }
        }

        if (compact)
        {
            foreach (string note in footnotes)
            {
                canvas.Text(note, Pad, band, NotePoints, HouseStyle.Muted, Alignment.UpperLeft);
                band += canvas.Measure("Ag", NotePoints).Height + 2;
            }
        }

        if (testText is not null)
        {
            if (testOutside)
            {
                canvas.Text(testText, Pad, band + 2, TickPoints, ink, Alignment.UpperLeft);
            }
            else
            {
                canvas.Text(testText, testAt.X, testAt.Y, TickPoints, ink, Alignment.UpperLeft);
            }
        }

        // risk table: group labels left, numbers centred under the ticks, columns thinned if the numbers would touch
        double y = bottom + AxisBelow(canvas) + 6;
        var shownTicks = ticks.Where(t => t <= xEnd + 1e-9).ToArray();
        int every = 1;
        while (shownTicks.Length > every && (X(shownTicks[every]) - X(shownTicks[0])) < numberW + 8)
        {
            every++;
        }

        foreach (var (heading, cells) in blocks)
        {
            canvas.Text(heading, Pad, y + (rowH / 2), TickPoints, ink, Alignment.MiddleLeft, bold: true);
            y += rowH;
            for (int r = 0; r < cells.Length; r++)
            {
                var row = riskRows[r];
                double labelX = Pad;
                if (tableKey && row.Group >= 0)
                {
                    var curve = series.FirstOrDefault(c => c.Group == row.Group);
                    canvas.Line(Pad, y + (rowH / 2), Pad + 22, y + (rowH / 2), HouseStyle.Color(row.Group), 2.5, curve?.Pattern ?? HouseStyle.Pattern(row.Group));
                    labelX += keyW;
                }

                canvas.Text(row.Label, labelX, y + (rowH / 2), TickPoints, row.Group < 0 ? ink : HouseStyle.Color(row.Group), Alignment.MiddleLeft);
                for (int k = 0; k < shownTicks.Length; k += every)
                {
                    canvas.Text(cells[r][k], X(shownTicks[k]), y + (rowH / 2), TickPoints, ink, Alignment.MiddleCenter);
                }

                y += rowH;
            }

            y += 6;
        }

        return canvas.Finish();
    }

    /// <summary>The top of the plotting area below the title (and a note line).</summary>
    internal static double Top(Canvas canvas, FigureOptions o, bool note)
    {
        double top = Pad;
        if (o.Title is { } title)
        {
            top += canvas.Measure(title, TitlePoints).Height + 6;
        }

        return note ? top + canvas.Measure("Ag", NotePoints).Height + 4 : top;
    }

    /// <summary>The space under the plotting area taken by the x tick labels and the x title.</summary>
    internal static double AxisBelow(Canvas canvas) => 6 + canvas.Measure("0123456789%", TickPoints).Height + 6 + canvas.Measure("Ag", AxisPoints).Height + 8;

    /// <summary>The left edge of the plotting area given the y tick labels (and a one-line y title).</summary>
    internal static double LeftFor(Canvas canvas, IEnumerable<string> yTickLabels) =>
        Pad + canvas.Measure("Ag", AxisPoints).Height + 8 + yTickLabels.Max(s => canvas.Measure(s, TickPoints).Width) + 8;

    /// <summary>The left edge of the plotting area given the y tick labels and the y title's lines.</summary>
    internal static double LeftFor(Canvas canvas, IEnumerable<string> yTickLabels, YTitle title) =>
        Pad + Math.Max(canvas.Measure("Ag", AxisPoints).Height, title.Lines.Length * canvas.Measure("Ag", title.Points).Height) + 8
        + yTickLabels.Max(s => canvas.Measure(s, TickPoints).Width) + 8;

    /// <summary>The y title fitted to the height of the plotting area: one line at the axis size; else two lines split
    /// at the space that makes the longer one shortest; else those lines smaller, down to 7 points; else the lines cut
    /// with an ellipsis. It never runs past the plotting area into the title or the risk table.</summary>
    internal static YTitle FitYTitle(Canvas canvas, string text, double span)
    {
        double Width(string t, double pts) => canvas.Measure(t, pts).Width;
        if (Width(text, AxisPoints) <= span)
        {
            return new YTitle([text], AxisPoints);
        }

        string[] lines = [text];
        double longest = Width(text, AxisPoints);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == ' ')
            {
                string a = text[..i], b = text[(i + 1)..];
                double m = Math.Max(Width(a, AxisPoints), Width(b, AxisPoints));
                if (m < longest)
                {
                    longest = m;
                    lines = [a, b];
                }
            }
        }

        if (longest <= span)
        {
            return new YTitle(lines, AxisPoints);
        }

        // a shorter title before a smaller one: "Cumulative incidence of secondary malignancy" -> "Cumulative incidence"
        int of = text.IndexOf(" of ", StringComparison.Ordinal);
        if (of > 0)
        {
            var shorter = FitYTitle(canvas, text[..of], span);
            if (shorter.Points >= 9 && !shorter.Lines.Any(l => l.EndsWith('…')))
            {
                return shorter;
            }
        }

        const double MinPoints = 7;
        double pts = Math.Max(MinPoints, AxisPoints * span / longest);
        pts = Math.Floor(pts * 4) / 4;
        var fitted = lines.Select(l =>
        {
            if (Width(l, pts) <= span)
            {
                return l;
            }

            int keep = l.Length;
            while (keep > 1 && Width(l[..keep] + "…", pts) > span)
            {
                keep--;
            }

            return l[..keep] + "…";
        }).ToArray();
        return new YTitle(fitted, pts);
    }

    /// <summary>The house frame: optional light grid, the left and bottom spines, outward ticks, tick labels, axis
    /// titles and the title (left-aligned).</summary>
    internal static void Frame(Canvas canvas, FigureOptions o, double left, double top, double right, double bottom,
        IEnumerable<(double X, string Label)> xTicks, IEnumerable<(double Y, string Label)> yTicks, string xTitle, string yTitle, bool grid)
    {
        // one line, smaller or cut where it would run past the plotting area (the left margin holds one line)
        var fit = FitYTitle(canvas, yTitle, Math.Max(1, bottom - top));
        if (fit.Lines.Length > 1)
        {
            string joined = string.Join(" ", fit.Lines).Replace("… ", " ", StringComparison.Ordinal);
            double pts = fit.Points;
            while (pts > 7 && canvas.Measure(joined, pts).Width > bottom - top)
            {
                pts -= 0.25;
            }

            int keep = joined.Length;
            while (keep > 1 && canvas.Measure(joined[..keep] + (keep < joined.Length ? "…" : ""), pts).Width > bottom - top)
            {
                keep--;
            }

            fit = new YTitle([keep < joined.Length ? joined[..keep] + "…" : joined], pts);
        }

        Frame(canvas, o, left, top, right, bottom, xTicks, yTicks, xTitle, fit, grid);
    }

    internal static void Frame(Canvas canvas, FigureOptions o, double left, double top, double right, double bottom,
        IEnumerable<(double X, string Label)> xTicks, IEnumerable<(double Y, string Label)> yTicks, string xTitle, YTitle yTitle, bool grid)
    {
        var ink = HouseStyle.Text;
        var xs = xTicks.ToList();
        var ys = yTicks.ToList();
        if (grid)
        {
            foreach (var (y, _) in ys)
            {
                canvas.Line(left, y, right, y, HouseStyle.Grid, 0.8);
            }
        }

        canvas.Line(left, top, left, bottom, ink, 0.9);
        canvas.Line(left, bottom, right, bottom, ink, 0.9);
        foreach (var (y, label) in ys)
        {
            canvas.Line(left - 4, y, left, y, ink, 0.9);
            canvas.Text(label, left - 7, y, TickPoints, ink, Alignment.MiddleRight);
        }

        foreach (var (x, label) in xs)
        {
            canvas.Line(x, bottom, x, bottom + 4, ink, 0.9);
            canvas.Text(label, x, bottom + 6, TickPoints, ink, Alignment.UpperCenter);
        }

        double tickH = canvas.Measure("0123456789%", TickPoints).Height;
        canvas.Text(xTitle, (left + right) / 2, bottom + 6 + tickH + 6, AxisPoints, ink, Alignment.UpperCenter);
        double lineH = canvas.Measure("Ag", yTitle.Points).Height;
        for (int i = 0; i < yTitle.Lines.Length; i++)
        {
            canvas.Text(yTitle.Lines[i], Pad + (lineH * (i + 0.5)), (top + bottom) / 2, yTitle.Points, ink, Alignment.MiddleCenter, rotation: -90);
        }
        if (o.Title is { } title)
        {
            canvas.Text(title, Pad, Pad, TitlePoints, ink, Alignment.UpperLeft);
        }
    }

    internal static void RequireRoom(FigureOptions o, double left, double top, double right, double bottom, string what)
    {
        if (bottom - top < 60 || right - left < 60)
        {
            throw new ArgumentOutOfRangeException(nameof(o), $"options.Width x Height ({o.Width} x {o.Height} px at {o.Dpi} DPI) leaves a plotting area of {Math.Max(0, right - left):0} x {Math.Max(0, bottom - top):0} logical pixels beside {what}; at least 60 x 60 is needed: enlarge the figure or lower the DPI.");
        }
    }

    /// <summary>The breaks (days) and the axis end.</summary>
    internal static (double[] Ticks, double End) TimeAxis(FigureOptions o, double dataEnd)
    {
        double end = o.XMaxDays ?? dataEnd;
        if (o.TickDays is { } user)
        {
            var t = user.ToArray();
            if (o.XMaxDays is { } xm)
            {
                int i = Array.FindIndex(t, v => v > xm);
                if (i >= 0)
                {
                    throw new ArgumentException($"options.TickDays[{i}] is {t[i].ToString("R", CultureInfo.InvariantCulture)}, beyond options.XMaxDays = {xm.ToString("R", CultureInfo.InvariantCulture)}.", nameof(o));
                }

                return (t, xm);
            }

            return (t, Math.Max(t[^1], dataEnd) > 0 ? Math.Max(t[^1], dataEnd) : 1);
        }

        var auto = Breaks.Time(end, o.Scale);
        if (o.XMaxDays is { } x)
        {
            return (auto.Where(v => v <= x + 1e-9).ToArray(), x);
        }

        // the axis ends where the data end, not at the next round break beyond them (which would add a risk-table
        // column where nobody is followed); the breaks stop at the last one inside the data
        var inside = auto.Where(v => v <= dataEnd + 1e-9).ToArray();
        return inside.Length >= 2 ? (inside, Math.Max(dataEnd, inside[^1])) : (auto, auto[^1]);
    }

    private static (double Lo, double Hi) ProbabilityRange(FigureOptions o, List<CurveSeries> series, double xEnd, bool bands, bool rising)
    {
        var values = new List<double> { series.Count > 0 ? series[0].Start : (rising ? 0 : 1) };
        foreach (var s in series)
        {
            for (int i = 0; i < s.Time.Length && s.Time[i] <= xEnd; i++)
            {
                values.Add(s.Value[i]);
                if (bands)
                {
                    if (!double.IsNaN(s.Lower[i]))
                    {
                        values.Add(s.Lower[i]);
                    }

                    if (!double.IsNaN(s.Upper[i]))
                    {
                        values.Add(s.Upper[i]);
                    }
                }
            }
        }

        // zoom only onto what is drawn: with every curve withheld there is nothing to zoom onto (the start value alone
        // would give an axis of 99 % to 100 % with no curve in it)
        bool zoom = o.Zoom && series.Any(s => s.Time.Length > 0);
        double lo, hi;
        if (rising)
        {
            lo = o.YMin ?? 0;
            hi = o.YMax ?? (zoom ? Breaks.CeilingProbability(values.Max()) : 1);
        }
        else
        {
            hi = o.YMax ?? 1;
            lo = o.YMin ?? (zoom ? Breaks.FloorProbability(values.Min()) : 0);
        }

        if (!(lo < hi))
        {
            throw new ArgumentException($"The probability axis would run from {lo.ToString("R", CultureInfo.InvariantCulture)} to {hi.ToString("R", CultureInfo.InvariantCulture)}; options.YMin must be below options.YMax (or below the automatic limit).", nameof(o));
        }

        return (lo, hi);
    }

    /// <summary>A curve shown past the axis end continues to the edge (one cut by disclosure stops where it was cut).</summary>
    private static bool Continues(CurveSeries s, double xEnd) => s.Time.Length > 0 && s.Time[^1] > xEnd;

    /// <summary>The vertices of a right-continuous step function from (0, start), up to <paramref name="xEnd"/>,
    /// extended to the edge when <paramref name="extend"/>.</summary>
    internal static (double[] X, double[] Y) StepVertices(double[] time, double[] value, double start, double xEnd, bool extend)
    {
        var xs = new List<double> { 0 };
        var ys = new List<double> { start };
        double previous = start;
        for (int i = 0; i < time.Length && time[i] <= xEnd; i++)
        {
            xs.Add(time[i]);
            ys.Add(previous);
            xs.Add(time[i]);
            ys.Add(value[i]);
            previous = value[i];
        }

        if (extend && xs[^1] < xEnd)
        {
            xs.Add(xEnd);
            ys.Add(previous);
        }

        return ([.. xs], [.. ys]);
    }

    /// <summary>Splits a step path into runs inside [lo, hi]: horizontal pieces outside are dropped, vertical pieces
    /// crossing a limit end at it (what a clip rectangle would show).</summary>
    internal static List<List<(double X, double Y)>> ClippedRuns(double[] xs, double[] ys, double lo, double hi)
    {
        var runs = new List<List<(double X, double Y)>>();
        List<(double X, double Y)>? run = null;
        for (int i = 1; i < xs.Length; i++)
        {
            double a = ys[i - 1], b = ys[i];
            (double X, double Y) p, q;
            if (a == b)
            {
                if (a < lo || a > hi)
                {
                    run = null;
                    continue;
                }

                p = (xs[i - 1], a);
                q = (xs[i], b);
            }
            else
            {
                double ca = Math.Clamp(a, lo, hi), cb = Math.Clamp(b, lo, hi);
                if (ca == cb)
                {
                    run = null;
                    continue;
                }

                p = (xs[i - 1], ca);
                q = (xs[i], cb);
            }

            if (run is null || run[^1] != p)
            {
                run = [p];
                runs.Add(run);
            }

            run.Add(q);
        }

        return runs;
    }

    /// <summary>The top-left of the corner box (inside the data area, 10 px from its edges) crossed by the least curve
    /// length and by no earlier box, with that length (+1e9 when every corner meets a box); ties go to the side the
    /// curves leave free (top for rising curves).</summary>
    private static (double X, double Y, double Score) Corner(double w, double h, double left, double top, double right, double bottom,
        List<(double X1, double Y1, double X2, double Y2)> segments, List<(double L, double T, double R, double B)> occupied, bool rising)
    {
        const double m = 10;
        var upper = new[] { (left + m, top + m), (right - m - w, top + m) };
        var lower = new[] { (left + m, bottom - m - h), (right - m - w, bottom - m - h) };
        var candidates = rising ? upper.Concat(lower).ToArray() : lower.Concat(upper).ToArray();
        (double, double) best = candidates[0];
        double bestScore = double.PositiveInfinity;
        foreach (var (x, y) in candidates)
        {
            double score = 0;
            foreach (var s in segments)
            {
                score += LengthInside(s, x, y, x + w, y + h);
            }

            if (occupied.Any(r => x < r.R && x + w > r.L && y < r.B && y + h > r.T))
            {
                score += 1e9;
            }

            if (score < bestScore - 1e-9)
            {
                bestScore = score;
                best = (x, y);
            }
        }

        return (best.Item1, best.Item2, bestScore);
    }

    /// <summary>The drawn curves as segments in figure coordinates (for placing the legend and the test).</summary>
    private static List<(double X1, double Y1, double X2, double Y2)> Segments(List<CurveSeries> series, double xEnd, double y0, double y1,
        double left, double top, double right, double bottom)
    {
        double X(double days) => left + ((right - left) * days / xEnd);
        double Y(double p) => bottom - ((bottom - top) * (p - y0) / (y1 - y0));
        var segments = new List<(double X1, double Y1, double X2, double Y2)>();
        foreach (var s in series)
        {
            var (xs, ys) = StepVertices(s.Time, s.Value, s.Start, xEnd, Continues(s, xEnd));
            foreach (var run in ClippedRuns(xs, ys, y0, y1))
            {
                for (int i = 1; i < run.Count; i++)
                {
                    segments.Add((X(run[i - 1].X), Y(run[i - 1].Y), X(run[i].X), Y(run[i].Y)));
                }
            }
        }

        return segments;
    }

    /// <summary>Legend labels with their "(not shown: ...)" notes replaced by marks (*, †, ‡, §) and the notes as
    /// footnotes ("* not shown: fewer than 11 events").</summary>
    private static (List<CurveSeries> Items, List<string> Notes) Compact(List<CurveSeries> items)
    {
        string[] marks = ["*", "†", "‡", "§"];
        var notes = new List<string>();
        var result = new List<CurveSeries>();
        foreach (var s in items)
        {
            int open = s.Label.LastIndexOf(" (not shown: ", StringComparison.Ordinal);
            if (open < 0 || !s.Label.EndsWith(')'))
            {
                result.Add(s);
                continue;
            }

            string note = s.Label[(open + 2)..^1];
            int k = notes.IndexOf(note);
            if (k < 0)
            {
                if (notes.Count == marks.Length)
                {
                    result.Add(s);
                    continue;
                }

                notes.Add(note);
                k = notes.Count - 1;
            }

            result.Add(s with { Label = s.Label[..open] + marks[k] });
        }

        return (result, [.. notes.Select((n, k) => marks[k] + " " + n)]);
    }

    /// <summary>Legend items in rows that fit the width (an item wider than the width gets a row of its own).</summary>
    private static List<List<(string Text, CurveSeries S, double W)>> LegendRows(Canvas canvas, List<CurveSeries> items, double width)
    {
        var rows = new List<List<(string, CurveSeries, double)>>();
        var row = new List<(string, CurveSeries, double)>();
        double used = 0;
        foreach (var s in items)
        {
            double w = 28 + canvas.Measure(s.Label, TickPoints).Width + 14;
            if (row.Count > 0 && used + w > width)
            {
                rows.Add(row);
                row = [];
                used = 0;
            }

            row.Add((s.Label, s, w));
            used += w;
        }

        if (row.Count > 0)
        {
            rows.Add(row);
        }

        return rows;
    }

    private static double LengthInside((double X1, double Y1, double X2, double Y2) s, double l, double t, double r, double b)
    {
        const double grow = 4;   // keep a little air around text
        l -= grow;
        t -= grow;
        r += grow;
        b += grow;
        if (s.Y1 == s.Y2)
        {
            if (s.Y1 < t || s.Y1 > b)
            {
                return 0;
            }

            return Math.Max(0, Math.Min(Math.Max(s.X1, s.X2), r) - Math.Max(Math.Min(s.X1, s.X2), l)) + 1;
        }

        if (s.X1 < l || s.X1 > r)
        {
            return 0;
        }

        return Math.Max(0, Math.Min(Math.Max(s.Y1, s.Y2), b) - Math.Max(Math.Min(s.Y1, s.Y2), t)) + 1;
    }

    private static string[] Cumulative(double[] time, double[] counts, double[] ticks, DisclosurePolicy policy)
    {
        var cells = new string[ticks.Length];
        double shown = 0;
        for (int k = 0; k < ticks.Length; k++)
        {
            double c = 0;
            for (int i = 0; i < time.Length && time[i] <= ticks[k]; i++)
            {
                c += counts[i];
            }

            if (policy.Suppresses(c))
            {
                cells[k] = policy.Marker;
            }
            else if (policy.Suppresses(c - shown))
            {
                cells[k] = "–";   // the increase since the last shown column would be a small count
            }
            else
            {
                cells[k] = c.ToString("0.##", CultureInfo.InvariantCulture);
                shown = c;
            }
        }

        return cells;
    }

    internal static double AtRiskAt(RiskRow r, double day)
    {
        for (int i = 0; i < r.Time.Length; i++)
        {
            if (r.Time[i] >= day)
            {
                return r.AtRisk[i];
            }
        }

        return 0;
    }

    /// <summary>The part of a curve the policy lets a figure show: rows up to (not including) the first time with
    /// 1..threshold − 1 at risk.</summary>
    private static CurveSeries Disclosed(CurveSeries s, DisclosurePolicy policy)
    {
        if (policy.Suppresses(s.TotalEvents))
        {
            return s with
            {
                Time = [], Value = [], Lower = [], Upper = [], Censored = [], AtRisk = [],
                Label = s.Label + $" (not shown: fewer than {policy.Threshold} events)",
            };
        }

        int cut = Array.FindIndex(s.AtRisk, n => policy.Suppresses(n));
        if (cut < 0)
        {
            return Coarsen(s, policy);
        }

        T[] Take<T>(T[] a) => a[..cut];
        return Coarsen(s with
        {
            Time = Take(s.Time), Value = Take(s.Value), Lower = Take(s.Lower), Upper = Take(s.Upper), Censored = Take(s.Censored),
            AtRisk = Take(s.AtRisk), StepEvents = s.StepEvents is null ? null : Take(s.StepEvents),
            Label = s.Label + (cut == 0 ? $" (not shown: fewer than {policy.Threshold} at risk)" : ""),
        }, policy);
    }

    /// <summary>Under a threshold, a drawn step shows no count below it: the curve is drawn through the times at which
    /// at least the threshold of its events have accumulated since the last drawn step (its value there is the exact
    /// estimate), and stays flat from the last such time to its end; a step of 1..threshold − 1 events is never drawn on
    /// its own (one step of 1/n at risk would be one case). Censor marks are kept only at the drawn times.</summary>
    internal static CurveSeries Coarsen(CurveSeries s, DisclosurePolicy policy)
    {
        if (policy.Threshold <= 1 || s.StepEvents is not { } ev || s.Time.Length == 0)
        {
            return s;
        }

        var keep = new List<int>();
        double pending = 0;
        for (int i = 0; i < s.Time.Length; i++)
        {
            pending += ev[i];
            if (pending >= policy.Threshold)
            {
                keep.Add(i);
                pending = 0;
            }
        }

        // the end of the curve, flat at the last drawn value (no step there)
        int last = s.Time.Length - 1;
        double[] Pick(double[] a, Func<int, double>? endValue = null) =>
            [.. keep.Select(i => a[i]), .. (keep.Count == 0 || keep[^1] != last ? [endValue?.Invoke(keep.Count == 0 ? -1 : keep[^1]) ?? a[last]] : Array.Empty<double>())];
        return s with
        {
            Time = Pick(s.Time),
            Value = Pick(s.Value, k => k < 0 ? s.Start : s.Value[k]),
            Lower = Pick(s.Lower, k => k < 0 ? s.Start : s.Lower[k]),
            Upper = Pick(s.Upper, k => k < 0 ? s.Start : s.Upper[k]),
            Censored = Pick(s.Censored, _ => 0),
            AtRisk = Pick(s.AtRisk),
            StepEvents = null,
        };
    }

    /// <summary>The horizon marker: a dotted line over the plotting area, labelled ("3 years") at its top right,
    /// <paramref name="labelDrop"/> below the top; returns the label's box.</summary>
    internal static (double L, double T, double R, double B) Horizon(Canvas canvas, double days, double x, double top, double bottom,
        Color line, Color label, double labelDrop, bool labelLeft = false)
    {
        string text = HorizonLabel(days);
        canvas.Line(x, top, x, bottom, line, 1.2, LinePattern.Dotted);
        var size = canvas.Measure(text, NotePoints);
        if (labelLeft)
        {
            canvas.Text(text, x - 4, top + labelDrop, NotePoints, label, Alignment.UpperRight);
            return (x - 4 - size.Width, top, x, top + labelDrop + size.Height);
        }

        canvas.Text(text, x + 4, top + labelDrop, NotePoints, label, Alignment.UpperLeft);
        return (x, top, x + 4 + size.Width, top + labelDrop + size.Height);
    }

    /// <summary>The box of the horizon label that <see cref="Horizon"/> draws, without drawing it.</summary>
    internal static (double L, double T, double R, double B) HorizonBox(Canvas canvas, double days, double x, double top, double labelDrop)
    {
        var size = canvas.Measure(HorizonLabel(days), NotePoints);
        return (x, top, x + 4 + size.Width, top + labelDrop + size.Height);
    }

    internal static string HorizonLabel(double days) =>
        Math.Abs((days / 365.25) - Math.Round(days / 365.25)) < 0.01 || days % 365 == 0
            ? (Math.Round(days / 365.25) == 1 ? "1 year" : $"{Math.Round(days / 365.25).ToString(CultureInfo.InvariantCulture)} years")
            : $"{days.ToString("0", CultureInfo.InvariantCulture)} days";
}
