using System.Globalization;
using ScottPlot;

namespace CarTRisk.Plotting;

/// <summary>The forest plot of a random-effects meta-analysis.</summary>
public static class ForestPlot
{
    /// <summary>One row per study (a square sized by its weight and its interval), the pooled estimate as a diamond over
    /// its confidence interval, and the prediction interval as a line beneath it, on the back-transformed scale.</summary>
    /// <param name="result">The meta-analysis.</param>
    /// <param name="studyLabels">A label per study; null = "study 1", ...</param>
    /// <param name="options">Size and title (the time-axis options do not apply); null for the defaults.</param>
    /// <param name="percent">Label the axis in percent (proportions) or plainly (rates).</param>
    /// <returns>The figure.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="result"/> is null.</exception>
    /// <exception cref="ArgumentException">The number of labels differs from the number of studies.</exception>
    public static Figure Draw(MetaAnalysisResult result, IReadOnlyList<string>? studyLabels = null, FigureOptions? options = null, bool percent = true)
    {
        ArgumentNullException.ThrowIfNull(result);
        options = Figures.Check(options ?? FigureOptions.Default with { Height = 120 + (32 * (result.Studies + 3)) });
        if (studyLabels is not null && studyLabels.Count != result.Studies)
        {
            throw new ArgumentException($"studyLabels has {studyLabels.Count} labels; there are {result.Studies} studies.", nameof(studyLabels));
        }

        var plot = new Plot();
        if (options.Title is { } title)
        {
            plot.Title(title);
        }

        int k = result.Studies;
        double maxWeight = result.WeightPercent.IsEmpty ? 1 : result.WeightPercent.Max();
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        var color = Color.FromHex("#0072B2");   // Okabe-Ito blue
        for (int i = 0; i < k; i++)
        {
            double y = k + 2 - i;
            var line = plot.Add.Line(result.StudyLower[i], y, result.StudyUpper[i], y);
            line.Color = Colors.Black;
            line.LineWidth = 1.2f;
            double size = result.WeightPercent.IsEmpty ? 6 : 4 + (10 * Math.Sqrt(result.WeightPercent[i] / maxWeight));
            var marker = plot.Add.Marker(result.StudyValue[i], y);
            marker.MarkerShape = MarkerShape.FilledSquare;
            marker.MarkerSize = (float)size;
            marker.Color = color;
            ticks.AddMajor(y, studyLabels?[i] ?? $"study {i + 1}");
        }

        // pooled diamond and prediction interval
        double yd = 1;
        var diamond = plot.Add.Polygon(new Coordinates[]
        {
            new(result.Interval.Lower, yd), new(result.Pooled, yd + 0.3), new(result.Interval.Upper, yd), new(result.Pooled, yd - 0.3),
        });
        diamond.FillColor = color;
        diamond.LineColor = color;
        var pi = plot.Add.Line(result.PredictionInterval.Lower, 0.3, result.PredictionInterval.Upper, 0.3);
        pi.Color = color;
        pi.LineWidth = 2;
        pi.LinePattern = LinePattern.Dashed;
        ticks.AddMajor(yd, "Pooled (random effects)");
        ticks.AddMajor(0.3, "Prediction interval");
        plot.Axes.Left.TickGenerator = ticks;
        var pooledLine = plot.Add.VerticalLine(result.Pooled);
        pooledLine.Color = color.WithAlpha(0.4);
        pooledLine.LinePattern = LinePattern.Dotted;
        var c = CultureInfo.InvariantCulture;
        plot.XLabel(percent ? "Proportion" : "Rate");
        if (percent)
        {
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = v => (v * 100).ToString("0.#", c) + "%" };
        }

        plot.Grid.MajorLineColor = Colors.Black.WithAlpha(0.06);
        double lo = Math.Min(result.StudyLower.Min(), result.PredictionInterval.Lower), hi = Math.Max(result.StudyUpper.Max(), result.PredictionInterval.Upper);
        plot.Axes.SetLimits(lo - (0.05 * (hi - lo)), hi + (0.05 * (hi - lo)), -0.5, k + 3);
        return new Figure(plot, options.Width, options.Height);
    }
}
