using ScottPlot;

namespace CarTRisk.Plotting;

/// <summary>The stacked competing-outcomes figure and the onset histogram, in the house frame.</summary>
internal static class StackedPlot
{
    private static readonly string[] CauseColours = ["#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];

    /// <summary>The stacked cumulative incidences with the number at risk under the axis; under a disclosure threshold
    /// the layers end at the last time with at least the threshold at risk (issue 26: they ran on over the tail that
    /// rests on fewer people).</summary>
    public static Figure Draw(CumulativeIncidenceCurve curve, IReadOnlyList<string> causeLabels, FigureOptions o)
    {
        int threshold = o.Disclosure.Threshold;
        int end = curve.Time.Length;
        while (end > 0 && threshold > 0 && curve.AtRisk[end - 1] < threshold)
        {
            end--;
        }

        if (end == 0)
        {
            throw new ArgumentException("no time with at least the disclosure threshold at risk: nothing can be drawn.", nameof(curve));
        }

        var risk = new RiskRow("All patients", -1, [.. curve.Time.Take(end)], [.. curve.AtRisk.Take(end)], [], []);
        int causes = causeLabels.Count;

        // the layers' upper boundaries B_k = F_1 + ... + F_k; the events of causes 1..k move boundary k
        var boundary = new double[causes][];
        var crossing = new double[causes][];
        for (int k = 0; k < causes; k++)
        {
            boundary[k] = new double[end];
            crossing[k] = new double[end];
            for (int i = 0; i < end; i++)
            {
                boundary[k][i] = (k > 0 ? boundary[k - 1][i] : 0) + curve.EstimateByCause[k][i];
                crossing[k][i] = (k > 0 ? crossing[k - 1][i] : 0) + curve.EventsByCause[k][i];
            }
        }

        var (times, layers) = CoarsenedLayers(boundary, crossing, new double[causes], end, threshold);
        return DrawLayers([.. times.Select(i => curve.Time[i])], layers, [.. causeLabels, "Event-free"], o, risk);
    }

    /// <summary>The times at which the boundary of the first <paramref name="causes"/> causes may step (see
    /// <see cref="Steps(double[], int, int)"/>; the events of those causes move it).</summary>
    internal static List<int> Steps(CumulativeIncidenceCurve curve, int causes, int end, int threshold) =>
        Steps([.. Enumerable.Range(0, end).Select(i => Enumerable.Range(0, causes).Sum(c => curve.EventsByCause[c][i]))], end, threshold);

    /// <summary>The times at which a boundary may step, given the events that move it at each time: every time with
    /// such an event without a threshold; under one, a time where its events since its last drawn step reach the
    /// threshold (a step's height would otherwise show a count of 1..threshold − 1).</summary>
    internal static List<int> Steps(double[] crossing, int end, int threshold)
    {
        var keep = new List<int>();
        double pending = 0;
        for (int i = 0; i < end; i++)
        {
            pending += crossing[i];
            if (pending > 0 && pending >= Math.Max(1, threshold))
            {
                keep.Add(i);
                pending = 0;
            }
        }

        return keep;
    }

    /// <summary>Stacked layers from boundaries that step only on enough events: boundary k (ascending, the top of
    /// layer k) is drawn at its value at the last of its own drawn steps (<see cref="Steps(double[], int, int)"/> on
    /// <paramref name="crossing"/>[k], the events that move it), <paramref name="initial"/>[k] before the first; the
    /// layers are the differences of consecutive boundaries on the union of the drawn times (and the last time).</summary>
    internal static (int[] Times, List<double[]> Layers) CoarsenedLayers(double[][] boundary, double[][] crossing, double[] initial, int end, int threshold)
    {
        int count = boundary.Length;
        var drawn = new List<int>[count];
        for (int k = 0; k < count; k++)
        {
            drawn[k] = Steps(crossing[k], end, threshold);
        }

        var times = drawn.SelectMany(d => d).Append(end - 1).Distinct().Order().ToArray();
        var layers = new List<double[]>();
        var previous = new double[times.Length];
        for (int k = 0; k < count; k++)
        {
            var upper = new double[times.Length];
            int p = -1;
            for (int t = 0; t < times.Length; t++)
            {
                while (p + 1 < drawn[k].Count && drawn[k][p + 1] <= times[t])
                {
                    p++;
                }

                upper[t] = p < 0 ? initial[k] : boundary[k][drawn[k][p]];
            }

            layers.Add([.. upper.Select((u, t) => u - previous[t])]);
            previous = upper;
        }

        return (times, layers);
    }

    /// <summary>The state-occupation layers (states 1..S − 1 from the bottom) over the first <paramref name="end"/> times,
    /// coarsened as <see cref="CoarsenedLayers"/>, with the transitions that move each boundary at each time.</summary>
    internal static (int[] Times, List<double[]> Layers, double[][] Crossing) StateLayers(MultiStateCurve curve, int end, int threshold)
    {
        int s = curve.States.Length;
        // the layers' upper boundaries B_k = P_1 + ... + P_k (states 1..k; state 0 is the remainder on top); a transition
        // moves boundary k when exactly one of its two states is among 1..k, and a boundary steps only where at least
        // the threshold of such transitions have accumulated since its last drawn step (as the stacked incidence figure)
        int nt = curve.Transitions.Length;
        var index = curve.States.Select((name, k) => (name, k)).ToDictionary(x => x.name, x => x.k, StringComparer.Ordinal);
        var from = curve.Transitions.Select(x => index[x.From]).ToArray();
        var into = curve.Transitions.Select(x => index[x.To]).ToArray();
        var boundary = new double[s - 1][];
        var crossing = new double[s - 1][];
        var initial = new double[s - 1];
        var p0 = curve.InitialProbability;
        for (int k = 1; k < s; k++)
        {
            boundary[k - 1] = new double[end];
            crossing[k - 1] = new double[end];
            initial[k - 1] = (k > 1 ? initial[k - 2] : 0) + p0[k];
            for (int t = 0; t < end; t++)
            {
                boundary[k - 1][t] = (k > 1 ? boundary[k - 2][t] : 0) + curve.Probability[(t * s) + k];
                for (int c = 0; c < nt; c++)
                {
                    bool a = from[c] >= 1 && from[c] <= k, b = into[c] >= 1 && into[c] <= k;
                    crossing[k - 1][t] += a != b ? curve.Events[(t * nt) + c] : 0;
                }
            }
        }

        var (times, layers) = CoarsenedLayers(boundary, crossing, initial, end, threshold);
        return (times, layers, crossing);
    }

    /// <summary>Stacked layers from the bottom: <paramref name="layers"/>[c] is the probability of layer c at each time;
    /// the last label is the remainder up to 1 (light grey).</summary>
    public static Figure DrawLayers(double[] time, IReadOnlyList<double[]> layers, IReadOnlyList<string> labels, FigureOptions o, RiskRow? risk = null)
    {
        var canvas = new Canvas(o);
        double dataEnd = time.Length == 0 ? 0 : time[^1];
        var (ticks, xEnd) = CurvePlot.TimeAxis(o, dataEnd);
        var yTicks = Breaks.Probability(0, 1);
        var yLabels = yTicks.Select(v => Breaks.Percent(v, 0.2)).ToArray();
        int coloured = layers.Count;

        // legend column on the right, one swatch per layer (top layer first, as stacked)
        double legendW = 20 + labels.Max(l => canvas.Measure(l, CurvePlot.TickPoints).Width) + 10;
        // the number at risk under the axis (one row), as in the curve figures
        bool table = risk is not null && o.NumberAtRisk;
        double tickH = canvas.Measure("0123456789%", CurvePlot.TickPoints).Height;
        double rowH = tickH * 1.45;
        string[] cells = table ? ticks.Select(t => t > xEnd + 1e-9 ? "" : o.Disclosure.FormatCount(CurvePlot.AtRiskAt(risk!, t))).ToArray() : [];
        double numberW = table ? cells.Max(c => canvas.Measure(c, CurvePlot.TickPoints).Width) : 0;
        double left = Math.Max(CurvePlot.LeftFor(canvas, yLabels), table ? 10 + canvas.Measure(risk!.Label, CurvePlot.TickPoints).Width + 10 + (numberW / 2) : 0);
        double right = canvas.Width - 10 - legendW - 12;
        double top = CurvePlot.Top(canvas, o, note: false);
        double bottom = canvas.Height - 10 - CurvePlot.AxisBelow(canvas) - (table ? (2 * rowH) + 14 : 0);
        CurvePlot.RequireRoom(o, left, top, right, bottom, table ? "the labels, the legend and the number at risk" : "the labels and the legend");
        double X(double days) => left + ((right - left) * days / xEnd);
        double Y(double p) => bottom - ((bottom - top) * p);

        var below = new double[time.Length];
        for (int c = 0; c <= coloured; c++)
        {
            var upper = new double[time.Length];
            for (int j = 0; j < time.Length; j++)
            {
                upper[j] = c < coloured ? below[j] + layers[c][j] : 1;
            }

            bool extend = dataEnd > xEnd;
            var (xs, lo) = CurvePlot.StepVertices(time, below, 0, xEnd, extend);
            var (_, hi) = CurvePlot.StepVertices(time, upper, c < coloured ? 0 : 1, xEnd, extend);
            var colour = c < coloured ? Color.FromHex(CauseColours[c % CauseColours.Length]) : Color.FromHex("#E5E5E5");
            canvas.Fill(xs.Select(X).ToArray(), hi.Select(Y).ToArray(), lo.Select(Y).ToArray(), colour.WithAlpha(c < coloured ? 0.85 : 1));
            below = upper;
        }

        CurvePlot.Frame(canvas, o, left, top, right, bottom, ticks.Where(t => t <= xEnd + 1e-9).Select(t => (X(t), Breaks.TimeLabel(t, o.Scale))),
            yTicks.Select((v, i) => (Y(v), yLabels[i])), o.XLabel ?? $"Time from infusion ({Breaks.Unit(o.Scale)})", o.YLabel ?? "Probability", grid: false);
        if (o.HorizonDays is { } h && h > 0 && h <= xEnd)
        {
            CurvePlot.Horizon(canvas, h, X(h), top, bottom, HouseStyle.Text.WithAlpha(0.6), HouseStyle.Text, 2);
        }

        if (table)
        {
            double y = bottom + CurvePlot.AxisBelow(canvas) + 6;
            canvas.Text("Number at risk", 10, y + (rowH / 2), CurvePlot.TickPoints, HouseStyle.Text, Alignment.MiddleLeft, bold: true);
            y += rowH;
            canvas.Text(risk!.Label, 10, y + (rowH / 2), CurvePlot.TickPoints, HouseStyle.Text, Alignment.MiddleLeft);
            var shown = ticks.Where(t => t <= xEnd + 1e-9).ToArray();
            int every = 1;
            while (shown.Length > every && (X(shown[every]) - X(shown[0])) < numberW + 8)
            {
                every++;
            }

            for (int k = 0; k < shown.Length; k += every)
            {
                canvas.Text(cells[k], X(shown[k]), y + (rowH / 2), CurvePlot.TickPoints, HouseStyle.Text, Alignment.MiddleCenter);
            }
        }

        double itemH = canvas.Measure("Ag", CurvePlot.TickPoints).Height * 1.5;
        double ly = top;
        for (int i = labels.Count - 1; i >= 0; i--)
        {
            var colour = i < coloured ? Color.FromHex(CauseColours[i % CauseColours.Length]).WithAlpha(0.85) : Color.FromHex("#E5E5E5");
            canvas.Rectangle(right + 12, ly + (itemH / 2) - 6, 12, 12, colour);
            canvas.Text(labels[i], right + 30, ly + (itemH / 2), CurvePlot.TickPoints, HouseStyle.Text, Alignment.MiddleLeft);
            ly += itemH;
        }

        return canvas.Finish();
    }
}

/// <summary>The onset histogram: bins on a grid of the bin width from 0, x breaks on bin edges, merged bins under a
/// disclosure threshold.</summary>
internal static class HistogramPlot
{
    /// <summary>The bars: bins [k·bin, (k+1)·bin) from 0, merged left to right under a disclosure threshold until each
    /// holds at least the threshold (a short remainder joins the last bar).</summary>
    internal static List<(int From, int To, double Count)> Bars(OnsetSummary onset, double bin, DisclosurePolicy policy)
    {
        int bins = (int)Math.Floor(onset.Days[^1] / bin) + 1;
        var counts = new double[bins];
        foreach (double d in onset.Days)
        {
            counts[Math.Min(bins - 1, (int)Math.Floor(d / bin))]++;
        }

        // Disclosure: adjacent bins are merged (left to right) until each bar holds at least the threshold; a short
        // remainder joins the last bar. Without a threshold every bin is its own bar. Where a bin edge falls in (365, 366]
        // days (the report's "within 12 months" is onset <= 365), no bar crosses it while each side holds at least the threshold, so the
        // bars up to a year add up to the text's count and their difference from it is 0.
        int k365 = (int)Math.Ceiling(365 / bin);
        int split = k365 * bin > 365 && k365 * bin <= 366 ? k365 : -1;   // an edge in (365, 366] splits integer days at 365
        double leftTotal = split > 0 ? counts.Take(Math.Min(split, bins)).Sum() : 0;
        bool keepSplit = split > 0 && split < bins && leftTotal >= policy.Threshold && onset.Cases - leftTotal >= policy.Threshold;
        var groups = new List<(int From, int To, double Count)>();
        int from = 0;
        double acc = 0;
        for (int b = 0; b < bins; b++)
        {
            acc += counts[b];
            bool sideEnds = keepSplit && b == split - 1;
            if (policy.Threshold <= 1 || acc >= policy.Threshold || (sideEnds && acc > 0))
            {
                if (acc < policy.Threshold && groups.Count > 0 && policy.Threshold > 1)
                {
                    var prev = groups[^1];
                    groups[^1] = (prev.From, b, prev.Count + acc);   // a short remainder before the split joins its side
                }
                else
                {
                    groups.Add((from, b, acc));
                }

                from = b + 1;
                acc = 0;
            }
        }

        if (acc > 0)
        {
            var last = groups[^1];
            groups[^1] = (last.From, bins - 1, last.Count + acc);
        }

        return groups;
    }

    public static Figure Draw(OnsetSummary onset, double bin, FigureOptions o)
    {
        var canvas = new Canvas(o);
        int bins = (int)Math.Floor(onset.Days[^1] / bin) + 1;
        var groups = Bars(onset, bin, o.Disclosure);

        // x breaks every m bins (at most 10 breaks), on bin edges
        int every = 1;
        while (Math.Ceiling(bins / (double)every) > 10)
        {
            every = every switch { 1 => 2, 2 => 4, 4 => 5, _ => every * 2 };
        }

        int edges = (int)Math.Ceiling(bins / (double)every) * every;
        double xEnd = edges * bin;
        // bars of unequal width are drawn as density (cases per bin width), as R's hist() does, so areas stay true
        bool density = groups.Select(g => g.To - g.From).Distinct().Count() > 1;
        double Height((int From, int To, double Count) g) => density ? g.Count / (g.To - g.From + 1) : g.Count;
        double yMax = groups.Max(Height);
        var yTicks = Breaks.Counts(yMax * 1.2);   // headroom for the median and horizon labels
        double yTop = yTicks[^1];
        var yLabels = yTicks.Select(v => v.ToString("0", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        double left = CurvePlot.LeftFor(canvas, yLabels);
        double right = canvas.Width - 10 - (canvas.Measure(Breaks.TimeLabel(xEnd, o.Scale), CurvePlot.TickPoints).Width / 2) - 4;
        double top = CurvePlot.Top(canvas, o, note: false);
        double bottom = canvas.Height - 10 - CurvePlot.AxisBelow(canvas);
        CurvePlot.RequireRoom(o, left, top, right, bottom, "the labels");
        double X(double days) => left + ((right - left) * days / xEnd);
        double Y(double n) => bottom - ((bottom - top) * n / yTop);

        foreach (var (y, _) in yTicks.Select(v => (Y(v), "")))
        {
            canvas.Line(left, y, right, y, HouseStyle.Grid, 0.8);
        }

        var colour = HouseStyle.Color(0);
        foreach (var g in groups)
        {
            double x0 = X(g.From * bin), x1 = X((g.To + 1) * bin), height = Height(g);
            canvas.Rectangle(x0 + 0.75, Y(height), x1 - x0 - 1.5, Y(0) - Y(height), colour.WithAlpha(0.85));
        }

        var xTicks = Enumerable.Range(0, (edges / every) + 1).Select(k => k * every * bin).ToArray();
        CurvePlot.Frame(canvas, o, left, top, right, bottom, xTicks.Select(t => (X(t), Breaks.TimeLabel(t, o.Scale))),
            yTicks.Select((v, i) => (Y(v), yLabels[i])), o.XLabel ?? $"Time from infusion to diagnosis ({Breaks.Unit(o.Scale)})", o.YLabel ?? (density ? $"Cases per {Breaks.TimeLabel(bin, o.Scale)} {Breaks.Unit(o.Scale)}" : "Cases"), grid: false);
        // the median and horizon labels each go to the side of their line that the other line does not cross (the
        // "1 year" label was struck through by a median line just after it)
        double? hx = o.HorizonDays is { } hd && hd > 0 && hd <= xEnd ? X(hd) : null;
        double? mx = onset.Median is { } md ? X(md) : null;
        bool Crosses(double? line, double? other, string text) =>
            line is { } a && other is { } b && b > a && b < a + 4 + canvas.Measure(text, CurvePlot.NotePoints).Width + 2;
        if (onset.Median is { } median)
        {
            var accent = HouseStyle.Color(1);
            string text = $"median {median.ToString("0", System.Globalization.CultureInfo.InvariantCulture)} days";
            canvas.Line(mx!.Value, top, mx.Value, bottom, accent, 1.5, LinePattern.Dashed);
            bool onLeft = Crosses(mx, hx, text);
            canvas.Text(text, mx.Value + (onLeft ? -4 : 4), top + 2, CurvePlot.NotePoints, accent, onLeft ? Alignment.UpperRight : Alignment.UpperLeft);
        }

        if (o.HorizonDays is { } h && hx is { } hxv)
        {
            CurvePlot.Horizon(canvas, h, hxv, top, bottom, HouseStyle.Muted, HouseStyle.Muted, 18,   // below the median label
                labelLeft: Crosses(hx, mx, CurvePlot.HorizonLabel(h)));
        }

        return canvas.Finish();
    }
}
