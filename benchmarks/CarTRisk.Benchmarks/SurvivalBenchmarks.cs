using BenchmarkDotNet.Attributes;

namespace CarTRisk.Benchmarks;

/// <summary>Kaplan-Meier and Aalen-Johansen on integer days (R baseline: ../shared/reference/r_timings.txt).</summary>
[MemoryDiagnoser]
public class SurvivalBenchmarks
{
    private double[] time = [];
    private bool[] events = [];
    private int[] causes = [];

    [Params(1_000, 100_000, 1_000_000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup() => (time, events, causes) = BenchmarkData.Survival(N);

    [Benchmark(Baseline = true)]
    public double KaplanMeierEstimate() => KaplanMeier.Estimate(time, events).Survival[^1];

    [Benchmark]
    public double AalenJohansenEstimate() => CumulativeIncidence.Estimate(time, causes, 1).Variance[^1];
}
