using System.Globalization;
using System.Text.RegularExpressions;

namespace CarTRisk.Tests.Support;

/// <summary>A text element of a ScottPlot SVG with its box in output pixels, read from its transform, per-glyph x
/// offsets and font size (the last glyph's width is taken as 0.65 em, an upper bound for digits and most letters).</summary>
internal sealed record SvgText(string Text, double Left, double Right, double Top, double Bottom, string Fill, double FontPx, bool Rotated)
{
    public double CenterX => (Left + Right) / 2;

    public double CenterY => (Top + Bottom) / 2;

    public bool Overlaps(SvgText o) => Left < o.Right && o.Left < Right && Top < o.Bottom && o.Top < Bottom;

    private static readonly Regex Element = new(
        "<text(?<attrs>[^>]*)>\\s*(?<text>[^<]*?)\\s*</text>", RegexOptions.Compiled | RegexOptions.Singleline);

    public static List<SvgText> Parse(string svg)
    {
        var c = CultureInfo.InvariantCulture;
        var result = new List<SvgText>();
        foreach (Match m in Element.Matches(svg))
        {
            string attrs = m.Groups["attrs"].Value;
            string Attr(string name) => Regex.Match(attrs, $"\\b{name}=\"([^\"]*)\"").Groups[1].Value;
            double fontSize = double.Parse(Attr("font-size"), c);
            var t = Attr("transform");
            double a = 1, b = 0, tx, ty;
            var mm = Regex.Match(t, @"matrix\(([-0-9.e]+) ([-0-9.e]+) ([-0-9.e]+) ([-0-9.e]+) ([-0-9.e]+) ([-0-9.e]+)\)");
            if (mm.Success)
            {
                a = double.Parse(mm.Groups[1].Value, c);
                b = double.Parse(mm.Groups[2].Value, c);
                tx = double.Parse(mm.Groups[5].Value, c);
                ty = double.Parse(mm.Groups[6].Value, c);
            }
            else
            {
                var tr = Regex.Match(t, @"translate\(([-0-9.e]+) ([-0-9.e]+)\)");
                tx = double.Parse(tr.Groups[1].Value, c);
                ty = double.Parse(tr.Groups[2].Value, c);
            }

            double scale = Math.Sqrt((a * a) + (b * b));
            var xs = Attr("x").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => double.Parse(v, c)).ToArray();
            double y = double.Parse(Attr("y").Split(',')[0].Trim(), c);
            if (Math.Abs(a) < 1e-9 && b < 0)
            {
                // rotated −90° (a y-axis title): the text runs upwards, its glyph height spans x
                result.Add(new SvgText(System.Net.WebUtility.HtmlDecode(m.Groups["text"].Value),
                    tx + ((y - (0.78 * fontSize)) * scale), tx + ((y + (0.22 * fontSize)) * scale),
                    ty - ((xs[^1] + (0.65 * fontSize)) * scale), ty - (xs[0] * scale), Attr("fill"), fontSize * scale, true));
                continue;
            }

            double left = tx + (xs[0] * scale), right = tx + ((xs[^1] + (0.65 * fontSize)) * scale);
            double baseline = ty + (y * scale);
            result.Add(new SvgText(System.Net.WebUtility.HtmlDecode(m.Groups["text"].Value), left, right,
                baseline - (0.78 * fontSize * scale), baseline + (0.22 * fontSize * scale), Attr("fill"), fontSize * scale, Math.Abs(b) > 1e-9));
        }

        return result;
    }

    /// <summary>The stroke colours of the stroked paths, in drawing order, with their widths.</summary>
    public static List<(string Stroke, double Width, int Order)> Strokes(string svg) =>
        Regex.Matches(svg, "<path fill=\"none\" stroke=\"(#[0-9A-Fa-f]{3,6})\" stroke-width=\"([0-9.]+)\"")
            .Select(m => (m.Groups[1].Value, double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), m.Index)).ToList();

    /// <summary>The filled paths (fill colour and opacity), in drawing order.</summary>
    public static List<(string Fill, double Opacity, int Order)> Fills(string svg) =>
        Regex.Matches(svg, "<path fill=\"(#[0-9A-Fa-f]{3,6})\"(?: fill-opacity=\"([0-9.]+)\")?")
            .Select(m => (m.Groups[1].Value, m.Groups[2].Success ? double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) : 1.0, m.Index)).ToList();

    /// <summary>The straight segments of the stroked paths drawn in <paramref name="colours"/> at least
    /// <paramref name="minWidth"/> wide, in output pixels (a path's scale transform applied): the curves of a figure.</summary>
    public static List<(double X1, double Y1, double X2, double Y2)> Segments(string svg, IReadOnlyCollection<string> colours, double minWidth)
    {
        var c = CultureInfo.InvariantCulture;
        var result = new List<(double, double, double, double)>();
        foreach (Match m in Regex.Matches(svg, "<path fill=\"none\" stroke=\"(#[0-9A-Fa-f]{3,6})\" stroke-width=\"([0-9.]+)\"([^>]*) d=\"([^\"]+)\""))
        {
            if (!colours.Contains(m.Groups[1].Value.ToUpperInvariant()) || double.Parse(m.Groups[2].Value, c) < minWidth)
            {
                continue;
            }

            var scale = Regex.Match(m.Groups[3].Value, "scale\\(([0-9.]+)");
            double k = scale.Success ? double.Parse(scale.Groups[1].Value, c) : 1;
            var points = Regex.Matches(m.Groups[4].Value, "([ML])([-0-9.e]+) ([-0-9.e]+)")
                .Select(p => (Move: p.Groups[1].Value == "M", X: double.Parse(p.Groups[2].Value, c) * k, Y: double.Parse(p.Groups[3].Value, c) * k)).ToList();
            for (int i = 1; i < points.Count; i++)
            {
                if (!points[i].Move)
                {
                    result.Add((points[i - 1].X, points[i - 1].Y, points[i].X, points[i].Y));
                }
            }
        }

        return result;
    }

    /// <summary>Whether the axis-parallel segment (or the bounding box of any other) enters this box shrunk by
    /// <paramref name="margin"/> pixels.</summary>
    public bool Crossed((double X1, double Y1, double X2, double Y2) s, double margin = 1) =>
        Math.Min(s.X1, s.X2) < Right - margin && Math.Max(s.X1, s.X2) > Left + margin
        && Math.Min(s.Y1, s.Y2) < Bottom - margin && Math.Max(s.Y1, s.Y2) > Top + margin;
}
