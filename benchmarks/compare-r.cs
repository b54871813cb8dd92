// Times CarTRisk and R on the same generated data, in one run, and prints the ratio table (docs/benchmarks.md).
//   dotnet run -c Release benchmarks/compare-r.cs -- [sizes...]      (default: 1000000 10000000)
// Needs Rscript with survival and cmprsk (Debian: r-base-core r-cran-survival r-cran-cmprsk); without R it prints
// CarTRisk's times alone. Data: integer days 1..3650, ~3 % cause 1 and ~7 % cause 2 (as the planners' bench_r.R reference script).
#:project ../src/CarTRisk/CarTRisk.csproj
#:property TreatWarningsAsErrors=false
using System.Diagnostics;
using System.Globalization;
using CarTRisk;

var sizes = args.Length > 0 ? args.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [1_000_000, 10_000_000];
bool haveR = Process.Start(new ProcessStartInfo("sh", "-c \"command -v Rscript\"") { RedirectStandardOutput = true })!.StandardOutput.ReadToEnd().Length > 0;
Console.WriteLine($"CPU: {CpuName()}; cores: {Environment.ProcessorCount}; .NET {Environment.Version}; R: {(haveR ? "yes" : "not installed")}");
Console.WriteLine($"{"case",-28} {"n",10} {"CarTRisk s",11} {"R s",9} {"R / CarTRisk",13}");
foreach (int n in sizes)
{
    var rng = new Random(1);
    var t = new double[n]; var e = new bool[n]; var c = new int[n]; var g = new string[n]; var tf = new double[n];
    for (int i = 0; i < n; i++)
    {
        t[i] = rng.Next(1, 3651);
        double u = rng.NextDouble();
        c[i] = u < 0.03 ? 1 : u < 0.10 ? 2 : 0;
        e[i] = c[i] != 0;
        g[i] = (i & 1) == 0 ? "a" : "b";
        tf[i] = t[i] + rng.NextDouble();   // arbitrary doubles: no integer fast path
    }

    string csv = Path.Combine(Path.GetTempPath(), $"cartrisk-compare-{n}.csv");
    using (var w = new StreamWriter(csv))
    {
        w.Write("time,status,cause,group\n");
        for (int i = 0; i < n; i++) w.Write(string.Create(CultureInfo.InvariantCulture, $"{t[i]},{(e[i] ? 1 : 0)},{c[i]},{g[i]}\n"));
    }

    double plain = Time(() => { double s = 0; int k = 0; for (int i = 0; i < n; i++) { s += t[i]; k += e[i] ? 1 : 0; } return s + k; });
    var cases = new (string Name, double Ours, string RCall)[]
    {
        ("plain pass (floor)", plain, ""),
        ("Kaplan-Meier", Time(() => KaplanMeier.Estimate(t, e).Survival[^1]), "survfit(Surv(d$time, d$status) ~ 1)"),
        ("Aalen-Johansen + variance", Time(() => CumulativeIncidence.Estimate(t, c, 1).Variance[^1]), n <= 1_000_000 ? "cmprsk::cuminc(d$time, d$cause)" : ""),
        ("log-rank, 2 groups", Time(() => LogRank.Test(t, e, g).ChiSquare), "survdiff(Surv(d$time, d$status) ~ d$group)"),
        ("Kaplan-Meier, double times", Time(() => KaplanMeier.Estimate(tf, e).Survival[^1]), ""),
    };
    foreach (var (name, ours, call) in cases)
    {
        double r = haveR && call.Length > 0 ? RTime(csv, call) : double.NaN;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-28} {n,10} {ours,11:F4} {(double.IsNaN(r) ? "" : r.ToString("F3", CultureInfo.InvariantCulture)),9} {(double.IsNaN(r) ? "" : (r / ours).ToString("F0", CultureInfo.InvariantCulture) + "x"),13}"));
    }

    File.Delete(csv);
}

static double Time(Func<double> f)
{
    f();
    double best = double.MaxValue;
    for (int i = 0; i < 5; i++)
    {
        var sw = Stopwatch.StartNew();
        f();
        best = Math.Min(best, sw.Elapsed.TotalSeconds);
    }

    return best;
}

static double RTime(string csv, string call)
{
    string script = $"suppressPackageStartupMessages({{library(survival); library(cmprsk)}}); d <- data.table::fread('{csv}', showProgress = FALSE); invisible({call}); " +
        $"cat(min(sapply(1:3, function(i) system.time({call})[['elapsed']])))";
    script = script.Replace("data.table::fread('" + csv + "', showProgress = FALSE)", "read.csv('" + csv + "')");
    var p = Process.Start(new ProcessStartInfo("Rscript", ["-e", script]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
    string output = p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    return double.TryParse(output.Trim(), CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
}

static string CpuName()
{
    try { return File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("model name", StringComparison.Ordinal)).Split(':')[1].Trim(); }
    catch (IOException) { return "unknown"; }
}
