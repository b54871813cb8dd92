using System.Globalization;
using ScottPlot;

namespace CarTRisk.Plotting;

/// <summary>The love plot of covariate balance (= cobalt's <c>love.plot</c>): one row per term, its standardized mean
/// difference before weighting (open circle) and after (filled), with the reference line at 0 and dashed lines at
/// ±0.1, the usual threshold of balance.</summary>
internal static class LovePlot
{
    public static Figure Draw(BalanceTable before, BalanceTable after, FigureOptions o)
    {
        var c = CultureInfo.InvariantCulture;
        var canvas = new Canvas(o);
        const double Pad = 10, P = CurvePlot.TickPoints;
        var rows = before.Rows;
        var values = rows.Select(r => r.StandardizedMeanDifference).Concat(after.Rows.Select(r => r.StandardizedMeanDifference))
            .Where(double.IsFinite).Concat([-0.1, 0.1]).ToList();
        double lo = values.Min(), hi = values.Max();
        var ticks = ForestPlot.LinearTicks(lo, hi);
        double a0 = Math.Min(ticks[0], lo), a1 = Math.Max(ticks[^1], hi);
        double labelW = rows.Max(r => canvas.Measure(r.Term, P).Width);
        double top = CurvePlot.Top(canvas, o, note: false);
        double rowH = canvas.Measure("Ag", P).Height * 1.7;
        double plotLeft = Pad + labelW + 16;
        double plotRight = canvas.Width - Pad - 8;
        double bodyTop = top + rowH;
        double bottom = bodyTop + (rowH * rows.Length) + 4;
        double needed = bottom + CurvePlot.AxisBelow(canvas) + Pad;
        if (needed > canvas.Height + 0.5 || plotRight - plotLeft < 60)
        {
            throw new ArgumentOutOfRangeException(nameof(o), $"options.Width x Height ({o.Width} x {o.Height} px at {o.Dpi} DPI) is too small for {rows.Length} terms; about {Math.Ceiling(needed * canvas.Scale)} px of height are needed.");
        }

        double X(double v) => plotLeft + ((plotRight - plotLeft) * (v - a0) / (a1 - a0));
        double Row(int i) => bodyTop + (rowH * (i + 0.5));
        var ink = HouseStyle.Text;
        canvas.Line(X(0), bodyTop, X(0), bottom, ink, 0.9);
        canvas.Line(X(-0.1), bodyTop, X(-0.1), bottom, HouseStyle.Muted, 1, LinePattern.Dashed);
        canvas.Line(X(0.1), bodyTop, X(0.1), bottom, HouseStyle.Muted, 1, LinePattern.Dashed);
        double headerY = top + (rowH / 2);
        canvas.Marker(plotLeft + 4, headerY, MarkerShape.OpenCircle, 7, HouseStyle.Color(1), 1.4);
        canvas.Text("before weighting", plotLeft + 12, headerY, P, ink, Alignment.MiddleLeft);
        double second = plotLeft + 20 + canvas.Measure("before weighting", P).Width + 16;
        canvas.Marker(second, headerY, MarkerShape.FilledCircle, 7, HouseStyle.Color(0));
        canvas.Text("after weighting", second + 8, headerY, P, ink, Alignment.MiddleLeft);
        for (int i = 0; i < rows.Length; i++)
        {
            double y = Row(i);
            canvas.Text(rows[i].Term, Pad, y, P, ink, Alignment.MiddleLeft);
            canvas.Line(plotLeft, y, plotRight, y, HouseStyle.Muted.WithAlpha(0.25), 0.6);
            double b = rows[i].StandardizedMeanDifference, w = after.Rows[i].StandardizedMeanDifference;
            if (double.IsFinite(b))
            {
                canvas.Marker(X(b), y, MarkerShape.OpenCircle, 8, HouseStyle.Color(1), 1.4);
            }

            if (double.IsFinite(w))
            {
                canvas.Marker(X(w), y, MarkerShape.FilledCircle, 8, HouseStyle.Color(0));
            }
        }

        canvas.Line(plotLeft, bottom, plotRight, bottom, ink, 0.9);
        foreach (double t in ticks)
        {
            canvas.Line(X(t), bottom, X(t), bottom + 4, ink, 0.9);
            canvas.Text((t == 0 ? 0 : t).ToString("0.##", c), X(t), bottom + 6, P, ink, Alignment.UpperCenter);
        }

        double tickH = canvas.Measure("0123456789%", P).Height;
        canvas.Text(o.XLabel ?? "Standardized mean difference", (plotLeft + plotRight) / 2, bottom + 6 + tickH + 6, CurvePlot.AxisPoints, ink, Alignment.UpperCenter);
        if (o.Title is { } title)
        {
            canvas.Text(title, Pad, Pad, CurvePlot.TitlePoints, ink, Alignment.UpperLeft);
        }

        return canvas.Finish();
    }
}
