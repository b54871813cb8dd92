using CarTRisk.Kernels;

namespace CarTRisk.Tests.Kernels;

public sealed class RadixSortTests
{
    public static TheoryData<int> Lengths()
    {
        var data = new TheoryData<int>();
        for (int n = 0; n <= 256; n++)
        {
            data.Add(n);
        }

        data.Add(100_000);
        return data;
    }

    /// <summary>Sorted keys equal Array.Sort's, and the sort is stable: equal keys keep their input order (the item
    /// holds the input position modulo 256, which is increasing within each key when the input is scanned in order).</summary>
    [Theory]
    [MemberData(nameof(Lengths))]
    public void Sort_EveryLength_EqualsArraySortAndIsStable(int n)
    {
        var rng = new Random(n + 7);
        var values = Enumerable.Range(0, n).Select(i => i % 5 == 0 ? rng.Next(0, 10) : rng.NextDouble() * Math.Pow(10, rng.Next(-3, 8))).ToArray();
        if (n > 3)
        {
            values[1] = -0.0;
            values[2] = 0.0;
            values[3] = double.MaxValue;
        }

        var keys = values.Select(RadixSort.Key).ToArray();
        var items = Enumerable.Range(0, n).Select(i => (byte)(i * 256 / Math.Max(1, n))).ToArray();
        RadixSort.Sort(keys, items, new ulong[n], new byte[n]);
        var expected = values.Select(v => v == 0 ? 0.0 : v).ToArray();
        Array.Sort(expected);
        Assert.Equal(expected, keys.Select(BitConverter.UInt64BitsToDouble).ToArray());
        for (int i = 1; i < n; i++)
        {
            if (keys[i] == keys[i - 1])
            {
                Assert.True(items[i] >= items[i - 1], $"unstable at {i}");
            }
        }
    }
}
