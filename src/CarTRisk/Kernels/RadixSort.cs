using System.Runtime.CompilerServices;

namespace CarTRisk.Kernels;

/// <summary>
/// Stable LSD radix sort of non-negative doubles (as their IEEE bit patterns, which order like the values once −0.0 is
/// folded to +0.0) carrying a byte per key. 11-bit digits, one histogram pass for all six digits, and digits that every
/// key shares are skipped. O(n) where <see cref="Array.Sort{TKey, TValue}(TKey[], TValue[])"/> is O(n log n).
/// </summary>
internal static class RadixSort
{
    private const int Bits = 11;
    private const int Buckets = 1 << Bits;
    private const int Digits = 6;

    /// <summary>Sorts <paramref name="keys"/> ascending with <paramref name="items"/>; the result is in
    /// <paramref name="keys"/>/<paramref name="items"/>. The scratch spans have the same lengths.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sort(Span<ulong> keys, Span<byte> items, Span<ulong> keyScratch, Span<byte> itemScratch)
    {
        int n = keys.Length;
        if (n < 2)
        {
            return;
        }

        var counts = new int[Digits * Buckets];
        for (int i = 0; i < n; i++)
        {
            ulong k = keys[i];
            for (int d = 0; d < Digits; d++)
            {
                counts[(d * Buckets) + (int)((k >> (d * Bits)) & (Buckets - 1))]++;
            }
        }

        Span<ulong> srcK = keys, dstK = keyScratch;
        Span<byte> srcI = items, dstI = itemScratch;
        bool inScratch = false;
        for (int d = 0; d < Digits; d++)
        {
            var c = counts.AsSpan(d * Buckets, Buckets);
            int shift = d * Bits;
            if (c[(int)((srcK[0] >> shift) & (Buckets - 1))] == n)
            {
                continue;   // every key has this digit
            }

            int sum = 0;
            for (int b = 0; b < Buckets; b++)
            {
                int v = c[b];
                c[b] = sum;
                sum += v;
            }

            for (int i = 0; i < n; i++)
            {
                ulong k = srcK[i];
                int pos = c[(int)((k >> shift) & (Buckets - 1))]++;
                dstK[pos] = k;
                dstI[pos] = srcI[i];
            }

            var tk = srcK;
            srcK = dstK;
            dstK = tk;
            var ti = srcI;
            srcI = dstI;
            dstI = ti;
            inScratch = !inScratch;
        }

        if (inScratch)
        {
            srcK.CopyTo(keys);
            srcI.CopyTo(items);
        }
    }

    /// <summary>The bit pattern of a non-negative double, −0.0 folded to +0.0.</summary>
    public static ulong Key(double value) => BitConverter.DoubleToUInt64Bits(value == 0 ? 0.0 : value);
}
