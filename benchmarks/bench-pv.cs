// Times the disproportionality screen (ROR, PRR, chi-square, IC, EBGM, EB05 for every pair) and the GPS fit.
//   dotnet run -c Release benchmarks/bench-pv.cs -- [pairs] [fit pairs]   (defaults 2000000 and 200000)
#:project ../src/CarTRisk/CarTRisk.csproj
#:property TreatWarningsAsErrors=false
using System.Diagnostics;
using System.Globalization;
using CarTRisk;

int pairs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2_000_000;
var rng = new Random(9);
int drugs = 2000, events = pairs / drugs;
var d = new string[pairs];
var e = new string[pairs];
var n = new double[pairs];
for (int i = 0; i < pairs; i++)
{
    d[i] = "D" + (i % drugs).ToString(CultureInfo.InvariantCulture);
    e[i] = "E" + (i / drugs).ToString(CultureInfo.InvariantCulture);
    n[i] = 1 + Math.Floor(-Math.Log(1 - rng.NextDouble()) * 3);
}

var sw = Stopwatch.StartNew();
var counts = PairCounts.FromTable(d, e, n);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{pairs} pairs ({drugs} drugs x {events} events): counts and expected {sw.Elapsed.TotalSeconds:F2} s"));
var model = GpsModel.From(0.204, 0.058, 1.415, 1.838, 0.097);
sw.Restart();
var screen = Disproportionality.Screen(counts, SignalRule.Mhra, model);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"screen (all statistics, EBGM and EB05, {Environment.ProcessorCount} cores): {sw.Elapsed.TotalSeconds:F2} s, {screen.Count(r => r.Signal)} signals"));
int fitN = Math.Min(pairs, args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200_000);
sw.Restart();
var fit = Disproportionality.FitGps(counts.Observed.AsSpan(0, fitN), counts.Expected.AsSpan(0, fitN));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FitGps on {fitN} pairs (multi-start bounded Newton): {sw.Elapsed.TotalSeconds:F2} s (log-likelihood {fit.LogLikelihood:F2}, converged {fit.Converged}, {fit.ConvergenceNote})"));
