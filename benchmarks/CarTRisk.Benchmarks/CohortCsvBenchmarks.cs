using BenchmarkDotNet.Attributes;

namespace CarTRisk.Benchmarks;

/// <summary>Loading a 1-million-row cohort CSV (issue 2): time and allocation.</summary>
[MemoryDiagnoser]
public class CohortCsvBenchmarks
{
    private string path = "";

    [Params(1_000_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup() => path = BenchmarkData.CohortFile(Rows);

    [Benchmark]
    public int Read() => CohortCsv.Read(path).Count;
}
