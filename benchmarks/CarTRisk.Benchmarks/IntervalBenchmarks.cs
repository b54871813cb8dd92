using BenchmarkDotNet.Attributes;

namespace CarTRisk.Benchmarks;

/// <summary>Exact intervals at ordinary and extreme inputs (n = 10^9 exercises the binomial tail sums).</summary>
[MemoryDiagnoser]
public class IntervalBenchmarks
{
    [Benchmark(Baseline = true)]
    public double ClopperPearsonRegulator() => BinomialInterval.ClopperPearson(38, 42_500).Upper;

    [Benchmark]
    public double ClopperPearsonHugeN() => BinomialInterval.ClopperPearson(500_000_000, 1_000_000_000, 0.999999).Upper;

    [Benchmark]
    public double PoissonExact() => PoissonInterval.Exact(38).Upper;

    [Benchmark]
    public double RateRatio() => CrudeIncidence.RateRatio(38, 60_000, 12, 9_000).PValue;
}
