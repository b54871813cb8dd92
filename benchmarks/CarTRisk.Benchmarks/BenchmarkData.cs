namespace CarTRisk.Benchmarks; public static class BenchmarkData { }
