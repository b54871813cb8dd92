using ScottPlot;

namespace CarTRisk.Plotting;

/// <summary>A drawing surface in logical pixels at 96 DPI (origin top left, y down) over a frameless ScottPlot plot
/// whose data area is the whole image: every figure lays itself out here, so text, ticks and the risk table are placed
/// exactly and nothing is clipped. The output is <see cref="Scale"/> times larger (DPI / 96), text included.</summary>
internal sealed class Canvas
{
    public Canvas(FigureOptions options)
    {
        Scale = options.Dpi / 96.0;
        PixelWidth = options.Width;
        PixelHeight = options.Height;
        Width = options.Width / Scale;
        Height = options.Height / Scale;
        Plot = new Plot();
        Plot.Layout.Frameless();
        Plot.HideGrid();
        Plot.HideLegend();
        Plot.ScaleFactor = (float)Scale;
        Font = HouseStyle.FontFamily;
    }

    public Plot Plot { get; }

    public double Scale { get; }

    public int PixelWidth { get; }

    public int PixelHeight { get; }

    /// <summary>Logical width (pixels at 96 DPI).</summary>
    public double Width { get; }

    /// <summary>Logical height.</summary>
    public double Height { get; }

    public string Font { get; }

    /// <summary>Logical pixels of a size in points.</summary>
    public static double Px(double points) => points * 96 / 72;

    public Figure Finish()
    {
        Plot.Axes.SetLimits(0, Width, 0, Height);
        return new Figure(Plot, PixelWidth, PixelHeight);
    }

    public (double Width, double Height) Measure(string text, double points, bool bold = false)
    {
        var style = new LabelStyle { FontName = Font, FontSize = (float)Px(points), Bold = bold };
        using var paint = Paint.NewDisposablePaint();
        var size = style.Measure(text, paint).Size;
        return (size.Width, size.Height);
    }

    public void Line(double x1, double y1, double x2, double y2, Color color, double width = 1, LinePattern? pattern = null)
    {
        var line = Plot.Add.Line(x1, Height - y1, x2, Height - y2);
        line.Color = color;
        line.LineWidth = (float)width;
        line.LinePattern = pattern ?? LinePattern.Solid;
    }

    public void Path(IReadOnlyList<double> xs, IReadOnlyList<double> ys, Color color, double width, LinePattern pattern)
    {
        if (xs.Count < 2)
        {
            return;
        }

        var line = Plot.Add.ScatterLine(xs.ToArray(), ys.Select(y => Height - y).ToArray());
        line.Color = color;
        line.LineWidth = (float)width;
        line.LinePattern = pattern;
        line.MarkerSize = 0;
    }

    /// <summary>Fills between two polylines sharing the x positions (y down).</summary>
    public void Fill(double[] xs, double[] yTop, double[] yBottom, Color color)
    {
        if (xs.Length < 2)
        {
            return;
        }

        var fill = Plot.Add.FillY(xs, yTop.Select(y => Height - y).ToArray(), yBottom.Select(y => Height - y).ToArray());
        fill.FillColor = color;
        fill.LineWidth = 0;
    }

    public void Rectangle(double left, double top, double width, double height, Color fill)
    {
        var r = Plot.Add.Rectangle(left, left + width, Height - top - height, Height - top);
        r.FillColor = fill;
        r.LineWidth = 0;
    }

    public void Polygon(IReadOnlyList<(double X, double Y)> points, Color fill)
    {
        var p = Plot.Add.Polygon(points.Select(q => new Coordinates(q.X, Height - q.Y)).ToArray());
        p.FillColor = fill;
        p.LineColor = fill;
        p.LineWidth = 0;
    }

    public void Marker(double x, double y, MarkerShape shape, double size, Color color, double lineWidth = 1)
    {
        var m = Plot.Add.Marker(x, Height - y);
        m.MarkerShape = shape;
        m.MarkerSize = (float)size;
        m.Color = color;
        m.MarkerLineWidth = (float)lineWidth;
    }

    /// <summary>Text anchored at (x, y) by <paramref name="alignment"/> (e.g. UpperCenter: the top centre of the text
    /// sits at the point).</summary>
    public void Text(string text, double x, double y, double points, Color color, Alignment alignment, bool bold = false, float rotation = 0)
    {
        var t = Plot.Add.Text(text, x, Height - y);
        t.LabelFontName = Font;
        t.LabelFontSize = (float)Px(points);
        t.LabelFontColor = color;
        t.LabelAlignment = alignment;
        t.LabelBold = bold;
        t.LabelRotation = rotation;
    }
}
