// Issue 27's speed table: per-call time of the fits and curves at n = 200, 2,000 and 20,000 against R on the same data,
// in one run (warm, mean of repeated calls on both sides).
//   dotnet run -c Release benchmarks/compare-r-fits.cs -- [sizes...]      (default: 200 2000 20000)
// Needs Rscript with survival and cmprsk for the R columns. Data: integer days 1..3650, three normal covariates,
// ~20 % cause 1, ~20 % cause 2, the rest censored (seeded); the same CSV is read by R.
#:project ../src/CarTRisk/CarTRisk.csproj
#:property TreatWarningsAsErrors=false
using System.Diagnostics;
using System.Globalization;
using CarTRisk;

var sizes = args.Length > 0 ? args.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [200, 2000, 20000];
bool haveR = File.Exists("/usr/bin/Rscript");
var C = CultureInfo.InvariantCulture;
Console.WriteLine($"cores: {Environment.ProcessorCount}; .NET {Environment.Version}; R: {(haveR ? "yes" : "not installed")}");
Console.WriteLine($"{"case",-26} {"n",7} {"CarTRisk ms",12} {"R ms",10} {"R / CarTRisk",13}");
foreach (int n in sizes)
{
    var rng = new Random(27);
    var t = new double[n];
    var c = new int[n];
    var x1 = new double[n]; var x2 = new double[n]; var x3 = new double[n];
    for (int i = 0; i < n; i++)
    {
        x1[i] = Math.Round(Normal(rng), 3); x2[i] = Math.Round(Normal(rng), 3); x3[i] = Math.Round(Normal(rng), 3);
        t[i] = Math.Min(3650, Math.Ceiling(-Math.Log(rng.NextDouble()) / Math.Exp((0.3 * x1[i]) - (0.2 * x2[i])) * 900));
        double u = rng.NextDouble();
        c[i] = u < 0.2 ? 1 : u < 0.4 ? 2 : 0;
    }

    var e = c.Select(v => v == 1).ToArray();
    var onsetT = t.Where((_, i) => c[i] == 1).ToArray();
    var onsetE = onsetT.Select(_ => true).ToArray();
    var x = DesignMatrix.Build(Covariate.Numeric("x1", x1), Covariate.Numeric("x2", x2), Covariate.Numeric("x3", x3));
    string csv = Path.Combine(Path.GetTempPath(), $"cartrisk-fits-{n}.csv");
    using (var w = new StreamWriter(csv))
    {
        w.Write("time,cause,x1,x2,x3\n");
        for (int i = 0; i < n; i++) w.Write(string.Create(C, $"{t[i]},{c[i]},{x1[i]},{x2[i]},{x3[i]}\n"));
    }

    int reps = Math.Max(3, 200_000 / n);
    var cases = new (string Name, Func<double> Ours, string R)[]
    {
        ("Kaplan-Meier", () => KaplanMeier.Estimate(t, e).Survival[^1], "survfit(Surv(d$time, d$cause == 1) ~ 1)"),
        ("Aalen-Johansen", () => CumulativeIncidence.Estimate(t, c, 1).Estimate[^1], "cmprsk::cuminc(d$time, d$cause)"),
        ("Cox (Efron), 3 covariates", () => CoxRegression.Fit(t, e, x).Coefficients[0], "coxph(Surv(time, cause == 1) ~ x1 + x2 + x3, data = d)"),
        ("Fine-Gray, 3 covariates", () => FineGray.Fit(t, c, 1, x).Coefficients[0], "cmprsk::crr(d$time, d$cause, as.matrix(d[, c('x1', 'x2', 'x3')]))"),
        ("Weibull onset fit", () => OnsetDistribution.Fit(onsetT, onsetE, OnsetFamily.Weibull).Intercept, "survreg(Surv(time) ~ 1, data = d[d$cause == 1, ], dist = 'weibull')"),
        ("log-logistic onset fit", () => OnsetDistribution.Fit(onsetT, onsetE, OnsetFamily.LogLogistic).Intercept, "survreg(Surv(time) ~ 1, data = d[d$cause == 1, ], dist = 'loglogistic')"),
    };
    foreach (var (name, f, r) in cases)
    {
        int k = name.StartsWith("Fine-Gray", StringComparison.Ordinal) ? Math.Max(3, reps / 20) : reps;
        double ours = PerCall(f, k);
        // crr is quadratic in n: one call per round at 20,000 (about a minute each)
        int rReps = name.StartsWith("Fine-Gray", StringComparison.Ordinal) && n >= 20_000 ? 1 : Math.Max(3, k / 10);
        double rt = haveR ? RPerCall(csv, r, rReps) : double.NaN;
        Console.WriteLine(string.Create(C, $"{name,-26} {n,7} {ours * 1000,12:F3} {(double.IsNaN(rt) ? "" : (rt * 1000).ToString("F3", C)),10} {(double.IsNaN(rt) ? "" : (rt / ours).ToString("F1", C) + "x"),13}"));
    }

    File.Delete(csv);
}

static double PerCall(Func<double> f, int reps)
{
    f();
    double best = double.MaxValue;
    for (int round = 0; round < 3; round++)
    {
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) f();
        best = Math.Min(best, sw.Elapsed.TotalSeconds / reps);
    }

    return best;
}

static double RPerCall(string csv, string call, int reps)
{
    string script = $"suppressPackageStartupMessages({{library(survival); library(cmprsk)}}); d <- read.csv('{csv}'); invisible({call}); " +
        $"cat(min(sapply(1:3, function(k) system.time(for (i in 1:{reps}) {call})[['elapsed']])) / {reps})";
    var p = Process.Start(new ProcessStartInfo("Rscript", ["-e", script]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
    string output = p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    return double.TryParse(output.Trim(), CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
}

static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
