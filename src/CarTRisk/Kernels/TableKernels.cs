using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CarTRisk.Kernels;

/// <summary>What one pass over the durations found.</summary>
/// <param name="FirstInvalid">The first index that is NaN, infinite or negative, or −1.</param>
/// <param name="AllIntegers">Whether every value is a whole number (only meaningful when FirstInvalid is −1).</param>
/// <param name="Max">The largest value (only meaningful when FirstInvalid is −1 and the span is not empty).</param>
internal readonly record struct RangeScan(int FirstInvalid, bool AllIntegers, double Max);

/// <summary>Span kernels that build the sufficient-statistics table. No validation, no allocation beyond the outputs.</summary>
internal static class TableKernels
{
    /// <summary>The largest integer time the counting path accepts (bins cost 4 bytes per cause and time).</summary>
    public const int CountingLimit = 1 << 24;

    /// <summary>One fused pass: validity (finite, ≥ 0), integrality and maximum, with Vector256 (or Vector128) and a
    /// scalar remainder; a vector that holds an invalid value hands over to the scalar twin, which finds its index.
    /// Results are exact (comparisons, floor and max), so they cannot differ by CPU.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RangeScan Scan(ReadOnlySpan<double> x)
    {
        int n = x.Length, i = 0;
        bool integers = true;
        double max = 0;
        ref double r = ref MemoryMarshal.GetReference(x);
        if (Vector256.IsHardwareAccelerated && n >= Vector256<double>.Count)
        {
            var vmax = Vector256<double>.Zero;
            var fractional = Vector256<double>.Zero;
            var limit = Vector256.Create(double.MaxValue);
            for (; i <= n - Vector256<double>.Count; i += Vector256<double>.Count)
            {
                var v = Vector256.LoadUnsafe(ref r, (nuint)i);
                // NaN fails both comparisons; -0.0 >= 0 holds.
                var ok = Vector256.GreaterThanOrEqual(v, Vector256<double>.Zero) & Vector256.LessThanOrEqual(v, limit);
                if (!Vector256.EqualsAll(ok.AsUInt64(), Vector256<ulong>.AllBitsSet))
                {
                    return ScanScalar(x);
                }

                fractional |= v - Vector256.Floor(v);
                vmax = Vector256.Max(vmax, v);
            }

            integers = Vector256.EqualsAll(fractional, Vector256<double>.Zero);
            for (int k = 0; k < Vector256<double>.Count; k++)
            {
                max = Math.Max(max, vmax.GetElement(k));
            }
        }
        else if (Vector128.IsHardwareAccelerated && n >= Vector128<double>.Count)
        {
            var vmax = Vector128<double>.Zero;
            var fractional = Vector128<double>.Zero;
            var limit = Vector128.Create(double.MaxValue);
            for (; i <= n - Vector128<double>.Count; i += Vector128<double>.Count)
            {
                var v = Vector128.LoadUnsafe(ref r, (nuint)i);
                var ok = Vector128.GreaterThanOrEqual(v, Vector128<double>.Zero) & Vector128.LessThanOrEqual(v, limit);
                if (!Vector128.EqualsAll(ok.AsUInt64(), Vector128<ulong>.AllBitsSet))
                {
                    return ScanScalar(x);
                }

                fractional |= v - Vector128.Floor(v);
                vmax = Vector128.Max(vmax, v);
            }

            integers = Vector128.EqualsAll(fractional, Vector128<double>.Zero);
            max = Math.Max(vmax.GetElement(0), vmax.GetElement(1));
        }

        for (; i < n; i++)
        {
            double v = x[i];
            if (!(v >= 0 && v <= double.MaxValue))
            {
                return ScanScalar(x);
            }

            integers &= v == Math.Floor(v);
            max = Math.Max(max, v);
        }

        return new RangeScan(-1, integers, max);
    }

    /// <summary>The scalar twin of <see cref="Scan"/>, the reference the tests compare against.</summary>
    public static RangeScan ScanScalar(ReadOnlySpan<double> x)
    {
        bool integers = true;
        double max = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            if (!(v >= 0 && v <= double.MaxValue))
            {
                return new RangeScan(i, false, double.NaN);
            }

            integers &= v == Math.Floor(v);
            max = Math.Max(max, v);
        }

        return new RangeScan(-1, integers, max);
    }

    /// <summary>Counting pass for integer times: counts[t·stride + c] += 1 with c the cause (0 = censored).
    /// Returns the index of the first record whose cause is outside [0, stride) or whose cell is outside
    /// <paramref name="counts"/> (a time that is negative, fractional-truncated out of range or too large), or −1.
    /// Every write goes through an index proven in range: one unsigned compare per record.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int CountCauses(ReadOnlySpan<double> time, ReadOnlySpan<int> cause, Span<int> counts, int stride)
    {
        if (cause.Length < time.Length || stride <= 0)
        {
            return 0;
        }

        ref int c0 = ref MemoryMarshal.GetReference(counts);
        ulong length = (ulong)counts.Length;
        for (int i = 0; i < time.Length; i++)
        {
            uint c = (uint)cause[i];
            double t = time[i];
            if (c >= (uint)stride || !(t >= 0 && t < 2147483648.0))
            {
                return i;
            }

            ulong cell = ((ulong)t * (ulong)stride) + c;
            if (cell >= length)
            {
                return i;
            }

            Unsafe.Add(ref c0, (nint)cell)++;
        }

        return -1;
    }

    /// <summary>Counting pass for integer times with event flags: counts[2t + (event ? 1 : 0)] += 1. Returns the index
    /// of the first record whose cell is outside <paramref name="counts"/>, or −1 (every write is range-checked).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int CountEvents(ReadOnlySpan<double> time, ReadOnlySpan<bool> events, Span<int> counts)
    {
        if (events.Length < time.Length)
        {
            return 0;
        }

        ref int c0 = ref MemoryMarshal.GetReference(counts);
        ulong length = (ulong)counts.Length;
        for (int i = 0; i < time.Length; i++)
        {
            double t = time[i];
            if (!(t >= 0 && t < 2147483648.0))
            {
                return i;
            }

            ulong cell = ((ulong)t << 1) + (events[i] ? 1UL : 0UL);
            if (cell >= length)
            {
                return i;
            }

            Unsafe.Add(ref c0, (nint)cell)++;
        }

        return -1;
    }

    /// <summary>Kaplan-Meier product and Greenwood sum along a table (sequential recurrences: scalar).</summary>
    public static void KaplanMeier(ReadOnlySpan<double> atRisk, ReadOnlySpan<double> events, Span<double> survival, Span<double> greenwood)
    {
        double s = 1, g = 0;
        for (int i = 0; i < atRisk.Length; i++)
        {
            double n = atRisk[i], d = events[i];
            if (d > 0)
            {
                s *= (n - d) / n;
                g += n == d ? double.PositiveInfinity : d / (n * (n - d));
            }

            survival[i] = s;
            greenwood[i] = g;
        }
    }
}
