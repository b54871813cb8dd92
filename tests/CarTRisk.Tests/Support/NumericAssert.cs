using System.Globalization;
using Xunit.Sdk;

namespace CarTRisk.Tests.Support;

/// <summary>Tolerance comparisons where NaN equals NaN and infinities must match exactly.</summary>
internal static class NumericAssert
{
    public static void Close(double expected, double actual, double rel, double abs = 0, string? what = null)
    {
        if (double.IsNaN(expected) && double.IsNaN(actual))
        {
            return;
        }

        if (double.IsInfinity(expected) || double.IsInfinity(actual))
        {
            if (expected.Equals(actual))
            {
                return;
            }
        }
        else if (Math.Abs(expected - actual) <= Math.Max(abs, rel * Math.Abs(expected)))
        {
            return;
        }

        double relErr = Math.Abs(expected - actual) / Math.Abs(expected);
        throw new XunitException(string.Create(CultureInfo.InvariantCulture,
            $"{what ?? "value"}: expected {expected:R}, actual {actual:R} (relative error {relErr:E3}, allowed rel {rel:E1} abs {abs:E1})"));
    }

    public static void Close(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double rel, double abs = 0,
        string? what = null)
    {
        if (expected.Count != actual.Count)
        {
            throw new XunitException($"{what ?? "column"}: expected {expected.Count} values, actual {actual.Count}");
        }

        for (int i = 0; i < expected.Count; i++)
        {
            Close(expected[i], actual[i], rel, abs, $"{what ?? "column"}[{i}]");
        }
    }
}
