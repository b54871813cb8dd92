using System.Globalization;

namespace CarTRisk.Plotting;

/// <summary>Axis breaks: time breaks in days, months or years covering the data, and probability and count breaks.</summary>
internal static class Breaks
{
    public const int MaxTimeSteps = 8;

    public static double Divisor(TimeScale scale) => scale switch { TimeScale.Months => 30.4375, TimeScale.Years => 365.25, _ => 1 };

    public static string Unit(TimeScale scale) => scale switch { TimeScale.Months => "months", TimeScale.Years => "years", _ => "days" };

    /// <summary>Steps in the scale's unit, smallest first.</summary>
    private static double[] TimeSteps(TimeScale scale) => scale switch
    {
        TimeScale.Months => [1, 2, 3, 6, 12, 24, 36, 60, 120, 240],
        TimeScale.Years => [0.25, 0.5, 1, 2, 5, 10, 20, 50],
        _ => [1, 2, 5, 7, 14, 30, 60, 90, 180, 365, 730, 1461, 3652.5, 7305],
    };

    /// <summary>Breaks in days from 0 to the first multiple of a nice step at or beyond <paramref name="endDays"/>, in
    /// at most <see cref="MaxTimeSteps"/> steps (more only if the data run past the largest step's range).</summary>
    public static double[] Time(double endDays, TimeScale scale)
    {
        double unit = Divisor(scale);
        double end = Math.Max(endDays, 0) / unit;
        var steps = TimeSteps(scale);
        double step = steps[^1];
        foreach (double s in steps)
        {
            if (Math.Ceiling((end / s) - 1e-9) <= MaxTimeSteps)
            {
                step = s;
                break;
            }
        }

        int count = Math.Max(1, (int)Math.Ceiling((end / step) - 1e-9));
        return Enumerable.Range(0, count + 1).Select(i => i * step * unit).ToArray();
    }

    public static string TimeLabel(double days, TimeScale scale) =>
        (days / Divisor(scale)).ToString(scale == TimeScale.Days ? "0.#" : "0.##", CultureInfo.InvariantCulture);

    /// <summary>A nice step for a probability range: at most six intervals.</summary>
    public static double ProbabilityStep(double range)
    {
        double[] steps = [0.0005, 0.001, 0.002, 0.0025, 0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25];
        foreach (double s in steps)
        {
            if (range / s <= 6 + 1e-9)
            {
                return s;
            }
        }

        return 0.25;
    }

    public static double[] Probability(double lo, double hi)
    {
        double step = ProbabilityStep(hi - lo);
        var result = new List<double>();
        for (double v = Math.Ceiling((lo / step) - 1e-9) * step; v <= hi + 1e-12; v += step)
        {
            result.Add(Math.Round(v, 10));
        }

        return [.. result];
    }

    public static string Percent(double value, double step)
    {
        double pct = step * 100;
        string format = Math.Abs(pct - Math.Round(pct)) < 1e-9 ? "0" : Math.Abs((pct * 10) - Math.Round(pct * 10)) < 1e-9 ? "0.0" : "0.00";
        double v = Math.Round(value * 100, 6);
        return (v == 0 ? 0 : v).ToString(format, CultureInfo.InvariantCulture) + "%";
    }

    /// <summary>A percentage with the decimals it needs (for notes): 0.15 → "15%", 0.025 → "2.5%".</summary>
    public static string PercentShort(double value) =>
        (Math.Round(value * 100, 6) == 0 ? 0 : Math.Round(value * 100, 6)).ToString("0.##", CultureInfo.InvariantCulture) + "%";

    /// <summary>The smallest of 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1 at or above <paramref name="value"/>.</summary>
    public static double CeilingProbability(double value)
    {
        foreach (double s in (double[])[0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1])
        {
            if (value <= s + 1e-12)
            {
                return s;
            }
        }

        return 1;
    }

    /// <summary>The largest of 0.99, 0.98, 0.95, 0.9, 0.8, 0.75, 0.5, 0 at or below <paramref name="value"/>.</summary>
    public static double FloorProbability(double value)
    {
        foreach (double s in (double[])[0.99, 0.98, 0.95, 0.9, 0.8, 0.75, 0.5])
        {
            if (value >= s - 1e-12)
            {
                return s;
            }
        }

        return 0;
    }

    /// <summary>Integer count breaks 0..top in at most six steps of 1, 2, 5 × 10^k.</summary>
    public static double[] Counts(double max)
    {
        double step = 1;
        while (Math.Ceiling(max / step) > 6)
        {
            double m = step / Math.Pow(10, Math.Floor(Math.Log10(step)));
            step = m switch { < 1.5 => step * 2, < 3 => step * 2.5, _ => step * 2 };
            step = Math.Round(step);
        }

        int n = Math.Max(1, (int)Math.Ceiling(max / step));
        return Enumerable.Range(0, n + 1).Select(i => i * step).ToArray();
    }
}
