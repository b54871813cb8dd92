using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(CarTRisk.Benchmarks.BenchmarkData).Assembly).Run(args);
