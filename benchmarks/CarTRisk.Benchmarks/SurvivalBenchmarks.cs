using BenchmarkDotNet.Attributes;

namespace CarTRisk.Benchmarks;

/// <summary>
/// Every estimator at 10^3 .. 10^7 records (integer days, R's bench_r.R shape), against a plain pass over the same
/// arrays (the memory-bandwidth floor) as the baseline: the Ratio column says how many plain passes each costs.
/// R's own times for the same sizes are in docs/benchmarks.md; benchmarks/compare-r.cs times both in one run.
/// </summary>
[MemoryDiagnoser]
public class SurvivalBenchmarks
{
    private double[] time = [];
    private double[] fractional = [];
    private bool[] events = [];
    private int[] causes = [];
    private string[] groups = [];

    [Params(1_000, 100_000, 1_000_000, 10_000_000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (time, events, causes) = BenchmarkData.Survival(N);
        var rng = new Random(2);
        fractional = time.Select(t => t + rng.NextDouble()).ToArray();
        groups = Enumerable.Range(0, N).Select(i => (i & 1) == 0 ? "a" : "b").ToArray();
    }

    [Benchmark(Baseline = true)]
    public double PlainPass()
    {
        double sum = 0;
        int count = 0;
        for (int i = 0; i < time.Length; i++)
        {
            sum += time[i];
            count += events[i] ? 1 : 0;
        }

        return sum + count;
    }

    [Benchmark]
    public double KaplanMeierEstimate() => KaplanMeier.Estimate(time, events).Survival[^1];

    [Benchmark]
    public double KaplanMeierDoubleTimes() => KaplanMeier.Estimate(fractional, events).Survival[^1];

    [Benchmark]
    public double NelsonAalenEstimate() => NelsonAalen.Estimate(time, events).CumulativeHazard[^1];

    [Benchmark]
    public double AalenJohansenEstimate() => CumulativeIncidence.Estimate(time, causes, 1).Variance[^1];

    [Benchmark]
    public double LogRankTest() => LogRank.Test(time, events, groups).ChiSquare;

    [Benchmark]
    public double GrayTestTwoGroups() => N <= 1_000_000 ? GrayTest.Test(time, causes, groups, 1).Statistic : double.NaN;
}
