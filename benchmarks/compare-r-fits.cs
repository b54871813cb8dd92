// Issue 27's speed table: per-call time of every iterative fit and the curves at n = 200, 2,000 and 20,000 against R on
// the same data, in one run.
//   dotnet run -c Release benchmarks/compare-r-fits.cs -- [sizes...]      (default: 200 2000 20000)
//   CASES="GLMM,GPS" dotnet run ...   times only the cases whose names contain one of the given words
// Needs Rscript with survival, cmprsk and metafor (lme4 for rma.glmm) for the R columns.
// Timing, both sides: warm-up until the JIT's tiers have settled (at least 0.5 s and 50 calls), then calls are repeated
// until a round lasts at least 0.2 s, and the best of five rounds is reported (R: at least 0.2 s a round, best of
// three, one call a round where a call takes longer). A call is one complete fit from the caller's arrays.
// Data (seeded): survival: integer days 1..3650, three normal covariates, ~20 % cause 1, ~20 % cause 2, the rest
// censored; onset fits and the WSP test: the cause-1 times (all events); meta-analysis and GLMM: n/10 studies of 5..500
// patients with logit-normal proportions (tau = 0.5); GPS: n drug-event pairs with log-normal expected counts and a
// two-gamma mixture of relative rates (N >= 1). The same CSV files are read by R.
#:project ../src/CarTRisk/CarTRisk.csproj
#:property TreatWarningsAsErrors=false
using System.Diagnostics;
using System.Globalization;
using CarTRisk;

var sizes = args.Length > 0 ? args.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [200, 2000, 20000];
bool haveR = File.Exists("/usr/bin/Rscript");
var C = CultureInfo.InvariantCulture;
Console.WriteLine($"cores: {Environment.ProcessorCount}; .NET {Environment.Version}; R: {(haveR ? "yes" : "not installed")}");
Console.WriteLine($"{"case",-30} {"n",7} {"CarTRisk ms",12} {"R ms",10} {"R / CarTRisk",13}");
string dir = Directory.CreateTempSubdirectory("cartrisk-fits-").FullName;
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
    string csv = Path.Combine(dir, $"surv-{n}.csv");
    using (var w = new StreamWriter(csv))
    {
        w.Write("time,cause,x1,x2,x3\n");
        for (int i = 0; i < n; i++) w.Write(string.Create(C, $"{t[i]},{c[i]},{x1[i]},{x2[i]},{x3[i]}\n"));
    }

    int k = Math.Max(10, n / 10);
    var xi = new int[k];
    var ni = new int[k];
    for (int i = 0; i < k; i++)
    {
        ni[i] = 5 + rng.Next(496);
        double p = 1 / (1 + Math.Exp(-(-2.5 + (0.5 * Normal(rng)))));
        for (int j = 0; j < ni[i]; j++) xi[i] += rng.NextDouble() < p ? 1 : 0;
    }

    string metaCsv = Path.Combine(dir, $"meta-{n}.csv");
    File.WriteAllLines(metaCsv, ["xi,ni", .. xi.Select((v, i) => string.Create(C, $"{v},{ni[i]}"))]);

    var gn = new List<double>();
    var ge = new List<double>();
    while (gn.Count < n)
    {
        double ex = Math.Exp(-1 + (1.2 * Normal(rng)));
        double lambda = rng.NextDouble() < 0.3 ? Gamma(rng, 0.3) / 0.2 : Gamma(rng, 5) / 5;
        int count = Poisson(rng, lambda * ex);
        if (count >= 1)
        {
            gn.Add(count);
            ge.Add(Math.Round(ex, 6));
        }
    }

    string gpsCsv = Path.Combine(dir, $"gps-{n}.csv");
    File.WriteAllLines(gpsCsv, ["n,e", .. gn.Select((v, i) => string.Create(C, $"{v},{ge[i]}"))]);
    double[] gnA = [.. gn], geA = [.. ge];

    const string gpsR = "negll <- function(th, n, e) { f1 <- dnbinom(n, size = th[1], prob = th[2] / (th[2] + e)) / (1 - dnbinom(0, size = th[1], prob = th[2] / (th[2] + e))); " +
        "f2 <- dnbinom(n, size = th[3], prob = th[4] / (th[4] + e)) / (1 - dnbinom(0, size = th[3], prob = th[4] / (th[4] + e))); v <- -sum(log(th[5] * f1 + (1 - th[5]) * f2)); if (is.finite(v)) v else 1e300 }; " +
        "starts <- rbind(c(0.2, 0.1, 2, 4, 1/3), c(0.1, 0.1, 10, 10, 0.2), c(0.3, 0.5, 6, 6, 0.5), c(0.5, 0.3, 12, 12, 0.8), c(0.2, 0.2, 5, 5, 0.4)); " +
        "gps <- function() { b <- Inf; for (i in 1:nrow(starts)) { f <- tryCatch(nlminb(starts[i, ], negll, n = g$n, e = g$e, lower = c(rep(1e-5, 4), 1e-5), upper = c(rep(20, 4), 1 - 1e-5)), error = function(err) NULL); if (!is.null(f)) b <- min(b, f$objective) }; b }; ";
    var cases = new (string Name, Func<double> Ours, string R)[]
    {
        ("Kaplan-Meier", () => KaplanMeier.Estimate(t, e).Survival[^1], "survfit(Surv(d$time, d$cause == 1) ~ 1)"),
        ("Aalen-Johansen", () => CumulativeIncidence.Estimate(t, c, 1).Estimate[^1], "cmprsk::cuminc(d$time, d$cause)"),
        ("Cox (Efron), 3 covariates", () => CoxRegression.Fit(t, e, x).Coefficients[0], "coxph(Surv(time, cause == 1) ~ x1 + x2 + x3, data = d)"),
        ("Fine-Gray, 3 covariates", () => FineGray.Fit(t, c, 1, x).Coefficients[0], "cmprsk::crr(d$time, d$cause, as.matrix(d[, c('x1', 'x2', 'x3')]))"),
        ("exponential onset fit", () => OnsetDistribution.Fit(onsetT, onsetE, OnsetFamily.Exponential).Intercept, "survreg(Surv(time) ~ 1, data = o, dist = 'exponential')"),
        ("Weibull onset fit", () => OnsetDistribution.Fit(onsetT, onsetE, OnsetFamily.Weibull).Intercept, "survreg(Surv(time) ~ 1, data = o, dist = 'weibull')"),
        ("log-normal onset fit", () => OnsetDistribution.Fit(onsetT, onsetE, OnsetFamily.LogNormal).Intercept, "survreg(Surv(time) ~ 1, data = o, dist = 'lognormal')"),
        ("log-logistic onset fit", () => OnsetDistribution.Fit(onsetT, onsetE, OnsetFamily.LogLogistic).Intercept, "survreg(Surv(time) ~ 1, data = o, dist = 'loglogistic')"),
        ("WSP test", () => OnsetDistribution.ShapeTest(onsetT).Shape, "1 / survreg(Surv(time) ~ 1, data = o, dist = 'weibull')$scale"),
        ($"meta-analysis REML ({k} studies)", () => MetaAnalysis.Proportions(xi, ni).Estimate, "rma(measure = 'PLO', xi = m$xi, ni = m$ni, method = 'REML')"),
        ($"meta-analysis ML ({k} studies)", () => MetaAnalysis.Proportions(xi, ni, new MetaAnalysisOptions { Method = Tau2Estimator.MaximumLikelihood }).Estimate, "rma(measure = 'PLO', xi = m$xi, ni = m$ni, method = 'ML')"),
        ($"GLMM ({k} studies)", () => MetaAnalysis.ProportionsGlmm(xi, ni).Estimate, "suppressWarnings(rma.glmm(measure = 'PLO', xi = m$xi, ni = m$ni))"),
        ($"GPS fit ({n} pairs)", () => Disproportionality.FitGps(gnA, geA).LogLikelihood, "gps()"),
    };
    var only = Environment.GetEnvironmentVariable("CASES")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    foreach (var (name, f, r) in cases)
    {
        if (only is { Length: > 0 } && !only.Any(w => name.Contains(w, StringComparison.OrdinalIgnoreCase)))
        {
            continue;
        }

        double ours = PerCall(f);
        string setup = $"d <- read.csv('{csv}'); o <- d[d$cause == 1, ]; m <- read.csv('{metaCsv}'); g <- read.csv('{gpsCsv}'); {gpsR}";
        double rt = haveR ? RPerCall(setup, r) : double.NaN;
        Console.WriteLine(string.Create(C, $"{name,-30} {n,7} {ours * 1000,12:F3} {(double.IsNaN(rt) ? "" : (rt * 1000).ToString("F3", C)),10} {(double.IsNaN(rt) ? "" : (rt / ours).ToString("F1", C) + "x"),13}"));
    }
}

Directory.Delete(dir, recursive: true);

static double PerCall(Func<double> f)
{
    var warm = Stopwatch.StartNew();
    int calls = 0;
    while (calls < 50 || warm.Elapsed.TotalSeconds < 0.5)
    {
        f();
        calls++;
        if (warm.Elapsed.TotalSeconds > 20) break;   // a slow call: its first calls were warm-up enough
    }

    double perCall = warm.Elapsed.TotalSeconds / calls;
    int reps = Math.Max(1, (int)Math.Ceiling(0.2 / perCall));
    double best = double.MaxValue;
    for (int round = 0; round < 5; round++)
    {
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) f();
        best = Math.Min(best, sw.Elapsed.TotalSeconds / reps);
    }

    return best;
}

static double RPerCall(string setup, string call)
{
    string script = $"suppressPackageStartupMessages({{library(survival); library(cmprsk); library(metafor)}}); {setup} " +
        $"f <- function() {call}; t1 <- system.time(for (i in 1:3) f())[['elapsed']] / 3; reps <- max(1, ceiling(0.2 / max(t1, 1e-4))); " +
        "cat(min(sapply(1:3, function(k) system.time(for (i in 1:reps) f())[['elapsed']] / reps)))";
    var p = Process.Start(new ProcessStartInfo("Rscript", ["-e", script]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
    string output = p.StandardOutput.ReadToEnd();
    string err = p.StandardError.ReadToEnd();
    p.WaitForExit();
    if (!double.TryParse(output.Trim(), CultureInfo.InvariantCulture, out var v))
    {
        Console.Error.WriteLine($"R failed for {call}: {err.Trim()}");
        return double.NaN;
    }

    return v;
}

static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

static double Gamma(Random rng, double shape)
{
    // Marsaglia-Tsang (with the shape < 1 boost)
    if (shape < 1) return Gamma(rng, shape + 1) * Math.Pow(rng.NextDouble(), 1 / shape);
    double dd = shape - (1.0 / 3), cc = 1 / Math.Sqrt(9 * dd);
    while (true)
    {
        double z = Normal(rng), v = Math.Pow(1 + (cc * z), 3);
        if (v > 0 && Math.Log(rng.NextDouble()) < (0.5 * z * z) + dd - (dd * v) + (dd * Math.Log(v))) return dd * v;
    }
}

static int Poisson(Random rng, double mean)
{
    if (mean > 50) return Math.Max(0, (int)Math.Round(mean + (Math.Sqrt(mean) * Normal(rng))));
    double l = Math.Exp(-mean), p = 1;
    int k = 0;
    do { k++; p *= rng.NextDouble(); } while (p > l);
    return k - 1;
}
