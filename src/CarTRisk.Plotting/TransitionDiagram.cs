using System.Globalization;
using ScottPlot;

namespace CarTRisk.Plotting;

/// <summary>The transition diagram of a multi-state fit: the states as boxes on an ellipse (the first state at the
/// left), an arrow per observed transition labelled with its number of transitions, withheld under the policy.</summary>
internal static class TransitionDiagram
{
    public static Figure Draw(MultiStateCurve curve, IReadOnlyList<string> labels, FigureOptions o)
    {
        var canvas = new Canvas(o);
        var c = CultureInfo.InvariantCulture;
        int s = labels.Count;
        double top = CurvePlot.Top(canvas, o, note: false) + 10;
        double cx = canvas.Width / 2, cy = (top + canvas.Height - 20) / 2;
        double rx = (canvas.Width / 2) - 90, ry = ((canvas.Height - 20 - top) / 2) - 30;
        if (rx < 40 || ry < 20)
        {
            throw new ArgumentOutOfRangeException(nameof(o), $"options.Width x Height ({o.Width} x {o.Height} px) is too small for a transition diagram.");
        }

        var centre = new (double X, double Y)[s];
        for (int k = 0; k < s; k++)
        {
            double angle = Math.PI + (2 * Math.PI * k / s);   // the first state at the left
            centre[k] = (cx + (rx * Math.Cos(angle)), cy + (ry * Math.Sin(angle)));
        }

        var size = labels.Select(l => canvas.Measure(l, CurvePlot.AxisPoints)).ToArray();
        var ink = HouseStyle.Text;

        // arrows first, boxes over them
        for (int t = 0; t < curve.Transitions.Length; t++)
        {
            int from = curve.States.IndexOf(curve.Transitions[t].From), to = curve.States.IndexOf(curve.Transitions[t].To);
            var (x1, y1) = Edge(centre[from], centre[to], size[from]);
            var (x2, y2) = Edge(centre[to], centre[from], size[to]);

            // two transitions between one pair of states run side by side
            bool reverse = curve.Transitions.Any(u => u.From == curve.Transitions[t].To && u.To == curve.Transitions[t].From);
            double dx = x2 - x1, dy = y2 - y1, len = Math.Max(1e-9, Math.Sqrt((dx * dx) + (dy * dy)));
            double nx = -dy / len * (reverse ? 6 : 0), ny = dx / len * (reverse ? 6 : 0);
            x1 += nx; y1 += ny; x2 += nx; y2 += ny;
            canvas.Line(x1, y1, x2, y2, ink, 1.4);
            double ux = dx / len, uy = dy / len;
            canvas.Polygon([(x2, y2), (x2 - (9 * ux) + (4 * uy), y2 - (9 * uy) - (4 * ux)), (x2 - (9 * ux) - (4 * uy), y2 - (9 * uy) + (4 * ux))], ink);
            int n = curve.TransitionCounts[t];
            string text = o.Disclosure.Suppresses(n) ? o.Disclosure.Marker : n.ToString("N0", c);
            // the label a little before the middle, so that the labels of crossing arrows do not meet
            double mx = x1 + (0.38 * (x2 - x1)) + (nx * 1.8), my = y1 + (0.38 * (y2 - y1)) + (ny * 1.8);
            var box = canvas.Measure(text, CurvePlot.TickPoints);
            canvas.Rectangle(mx - (box.Width / 2) - 2, my - (box.Height / 2) - 1, box.Width + 4, box.Height + 2, Colors.White);
            canvas.Text(text, mx, my, CurvePlot.TickPoints, ink, Alignment.MiddleCenter);
        }

        for (int k = 0; k < s; k++)
        {
            var (w, h) = size[k];
            canvas.Rectangle(centre[k].X - (w / 2) - 10, centre[k].Y - (h / 2) - 7, w + 20, h + 14, Color.FromHex(k == 0 ? "#E5E5E5" : "#D7E9F5"));
            canvas.Text(labels[k], centre[k].X, centre[k].Y, CurvePlot.AxisPoints, ink, Alignment.MiddleCenter);
        }

        if (o.Title is { } title)
        {
            canvas.Text(title, 10, 10, CurvePlot.TitlePoints, ink, Alignment.UpperLeft);
        }

        return canvas.Finish();
    }

    /// <summary>Where the segment from a box's centre towards another point leaves the box (its half size plus padding).</summary>
    private static (double X, double Y) Edge((double X, double Y) from, (double X, double Y) to, (double Width, double Height) box)
    {
        double hw = (box.Width / 2) + 12, hh = (box.Height / 2) + 9;
        double dx = to.X - from.X, dy = to.Y - from.Y;
        double scale = Math.Min(dx == 0 ? double.PositiveInfinity : hw / Math.Abs(dx), dy == 0 ? double.PositiveInfinity : hh / Math.Abs(dy));
        return (from.X + (dx * scale), from.Y + (dy * scale));
    }
}
