using CarTRisk.Kernels;

namespace CarTRisk.Tests.Kernels;

public sealed class TableKernelsTests
{
    public static TheoryData<int> Lengths()
    {
        var data = new TheoryData<int>();
        for (int n = 0; n <= 256; n++)
        {
            data.Add(n);
        }

        return data;
    }

    /// <summary>The vectorised scan equals its scalar twin at every length, with integers, fractions and every kind of
    /// invalid value placed at every position class (CI also runs this with AVX-512 and all intrinsics disabled).</summary>
    [Theory]
    [MemberData(nameof(Lengths))]
    public void Scan_EveryLength_MatchesScalarTwin(int n)
    {
        var rng = new Random(n);
        var x = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = rng.Next(0, 5000);
        }

        Assert.Equal(TableKernels.ScanScalar(x), TableKernels.Scan(x));
        if (n == 0)
        {
            return;
        }

        var fractional = (double[])x.Clone();
        fractional[rng.Next(n)] += 0.5;
        Assert.Equal(TableKernels.ScanScalar(fractional), TableKernels.Scan(fractional));
        Assert.False(TableKernels.Scan(fractional).AllIntegers);
        foreach (double bad in new[] { double.NaN, -1, double.PositiveInfinity, double.NegativeInfinity })
        {
            foreach (int at in new[] { 0, n / 2, n - 1 })
            {
                var y = (double[])x.Clone();
                y[at] = bad;
                var scan = TableKernels.Scan(y);
                Assert.Equal(TableKernels.ScanScalar(y), scan);
                Assert.Equal(at, scan.FirstInvalid);
            }
        }

        var negativeZero = (double[])x.Clone();
        negativeZero[n - 1] = -0.0;
        Assert.Equal(-1, TableKernels.Scan(negativeZero).FirstInvalid);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(1000)]
    public void CountingPath_EqualsSortingPath(int n)
    {
        var rng = new Random(n);
        var t = Enumerable.Range(0, n).Select(_ => (double)rng.Next(0, 50)).ToArray();
        var c = Enumerable.Range(0, n).Select(_ => rng.Next(0, 3)).ToArray();
        c[0] = 2;
        var counted = EventTable.FromRecords(t, c);
        var sorted = EventTable.BySorting(t, c, default, CauseCoding.Dense(2), default);
        Assert.Equal(sorted.Time.ToArray(), counted.Time.ToArray());
        Assert.Equal(sorted.AtRisk.ToArray(), counted.AtRisk.ToArray());
        Assert.Equal(sorted.Censored.ToArray(), counted.Censored.ToArray());
        Assert.Equal(sorted.EventsOf(1).ToArray(), counted.EventsOf(1).ToArray());
        Assert.Equal(sorted.EventsOf(2).ToArray(), counted.EventsOf(2).ToArray());
        Assert.Equal(sorted.Events.ToArray(), counted.Events.ToArray());
    }
}

public class KernelBoundsTests
{
    [Theory]
    [InlineData(-1.0)]
    [InlineData(1e300)]
    [InlineData(double.NaN)]
    [InlineData(4.0)]
    [InlineData(2147483647.0)]
    public void Kernels_RefuseEveryOutOfRangeCell(double badTime)
    {
        var counts = new int[8];   // times 0..3 with stride 2
        Assert.Equal(1, CarTRisk.Kernels.TableKernels.CountEvents([1.0, badTime], [true, true], counts));
        Assert.Equal(1, CarTRisk.Kernels.TableKernels.CountCauses([1.0, badTime], [1, 1], counts, 2));
        Assert.Equal(1, CarTRisk.Kernels.TableKernels.CountCauses([1.0, 2.0], [1, int.MaxValue], counts, 2));
        Assert.Equal(1, CarTRisk.Kernels.TableKernels.CountCauses([1.0, 2.0], [1, -1], counts, 2));
        Assert.Equal(0, CarTRisk.Kernels.TableKernels.CountCauses([1.0, 2.0], [1], counts, 2));   // short causes
        Assert.True(counts.Sum() <= 4);
    }

    [Fact]
    public void Estimators_ExtremeTimesAndLengths_NoCrash()
    {
        double[] t = [0, double.MaxValue, 1e-300, 5e-324, 16_777_216, 16_777_217, 2147483648.0];
        int[] c = [1, int.MaxValue, 0, 2, 1, 65_536, 0];
        var cif = CumulativeIncidence.Estimate(t, c, int.MaxValue);
        // R's near-tie rule with mean(|y|) ~ 2.6e307 ties everything below MaxValue to 0: R's survfit gives times
        // (0, 1.797693e+308) with n.risk (7, 1).
        Assert.Equal([0, double.MaxValue], cif.Time.ToArray());
        Assert.Equal(7.0, cif.AtRisk[0]);
        var exact = CumulativeIncidence.Estimate(t, c, int.MaxValue, CumulativeIncidenceOptions.Default with { TimeFix = false });
        Assert.Equal(7, exact.Time.Length);
        var km = KaplanMeier.Estimate(t, c.Select(x => x > 0).ToArray());
        Assert.All(km.Survival, s => Assert.InRange(s, 0, 1));
        var one = CumulativeIncidence.Estimate([0.0], [0], 1);
        Assert.Equal([0.0], one.Estimate.ToArray());
    }
}
