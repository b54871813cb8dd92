using System.Buffers;

namespace CarTRisk.Kernels;

/// <summary>
/// The permutation that sorts finite doubles, by a stable least-significant-digit radix sort on their bits (8 passes of
/// a byte, each skipped when every key shares that byte: integer days leave 5 or 6 of the 8 passes out). O(n) time, no
/// comparisons; the scratch (16 bytes a key) comes from the shared array pool. Equal keys keep their input order, and
/// −0.0 sorts just below +0.0 (adjacent, so groups of equal times stay together).
/// </summary>
internal static class RadixOrder
{
    /// <summary>Positions of <paramref name="keys"/> in ascending (or descending) order, ties in input order.</summary>
    public static int[] Order(ReadOnlySpan<double> keys, bool descending)
    {
        int n = keys.Length;
        var order = new int[n];
        if (n == 0)
        {
            return order;
        }

        if (WholeNumbersUpTo(keys, Math.Max(4096, 2.0 * n)) is int max)
        {
            CountingOrder(keys, max, descending, order);
            return order;
        }

        var bitsA = ArrayPool<ulong>.Shared.Rent(n);
        var bitsB = ArrayPool<ulong>.Shared.Rent(n);
        var orderB = ArrayPool<int>.Shared.Rent(n);
        var counts = new int[8 * 256];
        try
        {
            for (int i = 0; i < n; i++)
            {
                ulong u = (ulong)BitConverter.DoubleToInt64Bits(keys[i]);
                u = (u & 0x8000_0000_0000_0000UL) != 0 ? ~u : u ^ 0x8000_0000_0000_0000UL;   // order-preserving as unsigned
                if (descending)
                {
                    u = ~u;
                }

                bitsA[i] = u;
                order[i] = i;
                for (int b = 0; b < 8; b++)
                {
                    counts[(b * 256) + (int)((u >> (8 * b)) & 0xFF)]++;
                }
            }

            ulong[] src = bitsA, dst = bitsB;
            int[] srcOrder = order, dstOrder = orderB;
            var offsets = new int[256];
            for (int b = 0; b < 8; b++)
            {
                var hist = counts.AsSpan(b * 256, 256);
                int shift = 8 * b;
                if (hist[(int)((src[0] >> shift) & 0xFF)] == n)
                {
                    continue;   // every key has this byte
                }

                int sum = 0;
                for (int k = 0; k < 256; k++)
                {
                    offsets[k] = sum;
                    sum += hist[k];
                }

                for (int i = 0; i < n; i++)
                {
                    ulong u = src[i];
                    int pos = offsets[(int)((u >> shift) & 0xFF)]++;
                    dst[pos] = u;
                    dstOrder[pos] = srcOrder[i];
                }

                (src, dst) = (dst, src);
                (srcOrder, dstOrder) = (dstOrder, srcOrder);
            }

            if (!ReferenceEquals(srcOrder, order))
            {
                Array.Copy(srcOrder, order, n);
            }

            return order;
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(bitsA);
            ArrayPool<ulong>.Shared.Return(bitsB);
            ArrayPool<int>.Shared.Return(orderB);
        }
    }
    /// <summary>The largest key when every key is a whole number in 0..<paramref name="limit"/> (no −0), else null.</summary>
    private static int? WholeNumbersUpTo(ReadOnlySpan<double> keys, double limit)
    {
        double max = 0;
        foreach (double k in keys)
        {
            if (!(k >= 0 && k <= limit) || k != Math.Floor(k) || BitConverter.DoubleToInt64Bits(k) < 0)
            {
                return null;
            }

            max = Math.Max(max, k);
        }

        return (int)max;
    }

    /// <summary>A stable counting sort of whole-number keys 0..max (one count, one placement).</summary>
    private static void CountingOrder(ReadOnlySpan<double> keys, int max, bool descending, int[] order)
    {
        var start = new int[max + 2];
        foreach (double k in keys)
        {
            start[(int)k + 1]++;
        }

        if (descending)
        {
            // bins from the largest key down: start[v] = the number of keys above v
            int above = 0;
            for (int v = max; v >= 0; v--)
            {
                int count = start[v + 1];
                start[v + 1] = above;
                above += count;
            }

            for (int i = 0; i < keys.Length; i++)
            {
                order[start[(int)keys[i] + 1]++] = i;
            }

            return;
        }

        for (int v = 0; v <= max; v++)
        {
            start[v + 1] += start[v];
        }

        for (int i = 0; i < keys.Length; i++)
        {
            order[start[(int)keys[i]]++] = i;
        }
    }

    /// <summary>Sorts non-negative keys in place by an LSD radix sort on their bytes (bytes every key shares are skipped:
    /// codes below 2^24 take three passes).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative key.</exception>
    public static void Sort(Span<long> keys)
    {
        int n = keys.Length;
        if (n < 2)
        {
            return;
        }

        long all = 0;
        foreach (long k in keys)
        {
            if (k < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(keys), k, "RadixOrder.Sort takes keys >= 0.");
            }

            all |= k;
        }

        var scratch = ArrayPool<long>.Shared.Rent(n);
        try
        {
            Span<long> src = keys, dst = scratch.AsSpan(0, n);
            Span<int> offsets = stackalloc int[256];
            int passes = 0;
            for (int shift = 0; shift < 64 && (all >> shift) != 0; shift += 8)
            {
                offsets.Clear();
                foreach (long k in src)
                {
                    offsets[(int)((k >> shift) & 0xFF)]++;
                }

                if (offsets[(int)((src[0] >> shift) & 0xFF)] == n)
                {
                    continue;   // every key has this byte
                }

                int sum = 0;
                for (int b = 0; b < 256; b++)
                {
                    (offsets[b], sum) = (sum, sum + offsets[b]);
                }

                foreach (long k in src)
                {
                    dst[offsets[(int)((k >> shift) & 0xFF)]++] = k;
                }

                var t = src;
                src = dst;
                dst = t;
                passes++;
            }

            if (passes % 2 == 1)
            {
                src.CopyTo(keys);
            }
        }
        finally
        {
            ArrayPool<long>.Shared.Return(scratch);
        }
    }
}
