using System.Globalization;
using System.Runtime.CompilerServices;

namespace CarTRisk;

/// <summary>NaN-aware argument checks with messages that name the argument, the index and the value.</summary>
internal static class Guard
{
    public static string Show(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static void Level(double level, [CallerArgumentExpression(nameof(level))] string? paramName = null)
    {
        if (!(level > 0 && level < 1))
        {
            throw new ArgumentOutOfRangeException(paramName, level,
                $"{paramName} is {Show(level)}; a confidence level must lie in the open interval (0, 1).");
        }
    }

    public static void NonNegative(int value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (value < 0)
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} is {value}; it must be >= 0.");
        }
    }

    public static void Positive(int value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} is {value}; it must be >= 1.");
        }
    }

    public static void PositiveFinite(double value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (!(value > 0 && double.IsFinite(value)))
        {
            throw new ArgumentOutOfRangeException(paramName, value,
                $"{paramName} is {Show(value)}; it must be finite and > 0.");
        }
    }

    public static void Finite(double value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} is {Show(value)}; it must be finite.");
        }
    }

    /// <summary>An event cause code: ≥ 1 (0 is censoring).</summary>
    public static void EventCause(int cause, [CallerArgumentExpression(nameof(cause))] string? paramName = null)
    {
        if (cause < 1)
        {
            throw new ArgumentOutOfRangeException(paramName, cause, $"{paramName} is {cause}; causes of events are >= 1 (0 is censoring).");
        }
    }

    public static void FiniteNonNegative(double value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (!(value >= 0 && double.IsFinite(value)))
        {
            throw new ArgumentOutOfRangeException(paramName, value,
                $"{paramName} is {Show(value)}; it must be finite and >= 0.");
        }
    }

    public static void AtMost(int value, int limit, string paramName, string limitName)
    {
        if (value > limit)
        {
            throw new ArgumentOutOfRangeException(paramName, value,
                $"{paramName} is {value} but {limitName} is {limit}; {paramName} must be <= {limitName}.");
        }
    }

    /// <summary>Every element finite and &gt;= 0 (−0.0 allowed); names the first bad index.</summary>
    public static void FiniteNonNegative(ReadOnlySpan<double> values, string paramName)
    {
        for (int i = 0; i < values.Length; i++)
        {
            double v = values[i];
            if (!(v >= 0 && v <= double.MaxValue))
            {
                string what = double.IsNaN(v) ? "NaN" : Show(v);
                throw new ArgumentOutOfRangeException(paramName, v,
                    $"{paramName}[{i}] is {what}; {paramName} must be finite and >= 0.");
            }
        }
    }

    /// <summary>One vectorised pass over durations (validity, integrality, max); on an invalid value the scalar check
    /// throws, naming the index.</summary>
    public static Kernels.RangeScan Durations(ReadOnlySpan<double> durations, string paramName)
    {
        var scan = Kernels.TableKernels.Scan(durations);
        if (scan.FirstInvalid >= 0)
        {
            FiniteNonNegative(durations, paramName);
        }

        return scan;
    }

    public static void NotEmpty(int length, string paramName)
    {
        if (length == 0)
        {
            throw new ArgumentException($"{paramName} is empty; at least one record is needed.", paramName);
        }
    }

    public static void SameLength(int expected, string firstName, int actual, string paramName)
    {
        if (expected != actual)
        {
            throw new ArgumentException(
                $"{paramName} has {actual} elements but {firstName} has {expected}; they must have the same length.",
                paramName);
        }
    }

    public static void Probability(double p, [CallerArgumentExpression(nameof(p))] string? paramName = null)
    {
        if (!(p > 0 && p < 1))
        {
            throw new ArgumentOutOfRangeException(paramName, p,
                $"{paramName} is {Show(p)}; it must lie in the open interval (0, 1).");
        }
    }
}
