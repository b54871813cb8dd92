using System.Runtime.CompilerServices;

namespace CarTRisk.Kernels;

/// <summary>
/// Sorts non-negative finite doubles carrying a byte each, in O(n) expected time: one counting pass maps every key
/// linearly onto n/2 buckets over [min, max], one pass scatters, and each bucket (two keys on average) is finished by
/// insertion sort, or by <see cref="Array.Sort{TKey, TValue}(TKey[], TValue[], int, int)"/> when a bucket is large
/// (heavy ties or clustered values), so the worst case stays O(n log n). Not stable; the callers only count items per key.
/// Extra memory: the output arrays (9 bytes a key) and 2 bytes a key of bucket offsets.
/// </summary>
internal static class BucketSort
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double[] Keys, byte[] Items) Sort(ReadOnlySpan<double> keys, ReadOnlySpan<int> causes, ReadOnlySpan<bool> events)
    {
        int n = keys.Length;
        double min = double.MaxValue, max = 0;
        for (int i = 0; i < n; i++)
        {
            double v = keys[i];
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        int buckets = Math.Max(1, n / 2);
        double scale = max > min ? (buckets - 1) / (max - min) : 0;
        var start = new int[buckets + 1];
        for (int i = 0; i < n; i++)
        {
            start[Bucket(keys[i], min, scale, buckets) + 1]++;
        }

        for (int b = 0; b < buckets; b++)
        {
            start[b + 1] += start[b];
        }

        var outKeys = new double[n];
        var outItems = new byte[n];
        // start[b] advances through bucket b during the scatter and ends at the next bucket's start, so afterwards
        // bucket b spans [start[b - 1], start[b]) (from 0 for b = 0): no second offset array is needed.
        for (int i = 0; i < n; i++)
        {
            int pos = start[Bucket(keys[i], min, scale, buckets)]++;
            double v = keys[i];
            outKeys[pos] = v == 0 ? 0.0 : v;   // fold -0.0
            outItems[pos] = (byte)(causes.IsEmpty ? (events[i] ? 1 : 0) : causes[i]);
        }

        for (int b = 0; b < buckets; b++)
        {
            int lo = b == 0 ? 0 : start[b - 1], len = start[b] - lo;
            if (len <= 1)
            {
                continue;
            }

            if (len <= 16)
            {
                Insertion(outKeys, outItems, lo, lo + len);
            }
            else
            {
                Array.Sort(outKeys, outItems, lo, len);
            }
        }

        return (outKeys, outItems);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Bucket(double v, double min, double scale, int buckets) =>
        Math.Min(buckets - 1, (int)((v - min) * scale));

    private static void Insertion(double[] keys, byte[] items, int lo, int hi)
    {
        for (int i = lo + 1; i < hi; i++)
        {
            double k = keys[i];
            byte item = items[i];
            int j = i - 1;
            while (j >= lo && keys[j] > k)
            {
                keys[j + 1] = keys[j];
                items[j + 1] = items[j];
                j--;
            }

            keys[j + 1] = k;
            items[j + 1] = item;
        }
    }
}
