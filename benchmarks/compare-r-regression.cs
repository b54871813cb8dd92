// Times CarTRisk's Cox and Fine-Gray fits against R's coxph and cmprsk::crr on the same generated data, in one run.
//   dotnet run -c Release benchmarks/compare-r-regression.cs
// Needs Rscript with survival and cmprsk for the R columns. Data: integer days 1..3650 (heavy ties), normal covariates,
// ~5 % cause 1, ~15 % cause 2, the rest censored; 1,000 clusters for the robust variance.
#:project ../src/CarTRisk/CarTRisk.csproj
#:property TreatWarningsAsErrors=false
using System.Diagnostics;
using System.Globalization;
using CarTRisk;

bool haveR = File.Exists("/usr/bin/Rscript");
Console.WriteLine($"cores: {Environment.ProcessorCount}; .NET {Environment.Version}; R: {(haveR ? "yes" : "not installed")}");
Console.WriteLine($"{"case",-34} {"n",9} {"p",2} {"CarTRisk s",11} {"R s",9} {"R / CarTRisk",13}");
Run("Cox (Efron)", 1_000_000, 3, cluster: false, r: "coxph(Surv(time, cause == 1) ~ ., data = d[, c('time', 'cause', xs)], ties = 'efron')");
Run("Cox (Efron) + cluster", 200_000, 3, cluster: true, r: "coxph(Surv(time, cause == 1) ~ x1 + x2 + x3 + cluster(cl), data = d)");
Run("Fine-Gray + crr variance", 10_000, 5, cluster: false, r: "cmprsk::crr(d$time, d$cause, as.matrix(d[, xs]))", fg: true);
Run("Fine-Gray + crr variance", 1_000_000, 5, cluster: false, r: "", fg: true);

void Run(string name, int n, int p, bool cluster, string r, bool fg = false)
{
    var rng = new Random(7);
    var t = new double[n];
    var c = new int[n];
    var cl = new string[n];
    var x = new double[p][];
    for (int j = 0; j < p; j++) x[j] = new double[n];
    for (int i = 0; i < n; i++)
    {
        double lp = 0;
        for (int j = 0; j < p; j++) { x[j][i] = Math.Round(Normal(rng), 3); lp += 0.2 * x[j][i]; }
        t[i] = Math.Min(3650, 1 + Math.Floor(-Math.Log(1 - rng.NextDouble()) * 2000 / Math.Exp(lp)));
        double u = rng.NextDouble();
        c[i] = u < 0.05 * Math.Exp(lp) ? 1 : u < 0.2 ? 2 : 0;
        cl[i] = "c" + rng.Next(1000).ToString(CultureInfo.InvariantCulture);
    }

    var design = DesignMatrix.Build([.. Enumerable.Range(0, p).Select(j => Covariate.Numeric("x" + (j + 1), x[j]))]);
    var events = c.Select(v => v == 1).ToArray();
    double ours = Time(() => fg
        ? FineGray.Fit(t, c, 1, design).Coefficients[0]
        : CoxRegression.Fit(t, events, design, CoxOptions.Default with { Cluster = cluster ? cl : null }).Coefficients[0], n >= 1_000_000 ? 3 : 10);
    double rt = double.NaN;
    if (haveR && r.Length > 0)
    {
        string csv = Path.Combine(Path.GetTempPath(), $"cartrisk-reg-{n}-{p}.csv");
        using (var w = new StreamWriter(csv))
        {
            w.Write("time,cause,cl," + string.Join(",", Enumerable.Range(1, p).Select(j => "x" + j)) + "\n");
            for (int i = 0; i < n; i++)
                w.Write(string.Create(CultureInfo.InvariantCulture, $"{t[i]},{c[i]},{cl[i]},{string.Join(",", Enumerable.Range(0, p).Select(j => x[j][i].ToString("R", CultureInfo.InvariantCulture)))}\n"));
        }

        string script = $"suppressPackageStartupMessages(library(survival)); d <- read.csv('{csv}'); xs <- paste0('x', 1:{p}); cat(system.time({r})[['elapsed']])";
        var proc = Process.Start(new ProcessStartInfo("Rscript", ["-e", script]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = proc.StandardOutput.ReadToEnd();
        proc.WaitForExit();
        rt = double.TryParse(output.Trim(), CultureInfo.InvariantCulture, out var v) ? v : double.NaN;
        File.Delete(csv);
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-34} {n,9} {p,2} {ours,11:F3} {(double.IsNaN(rt) ? "" : rt.ToString("F2", CultureInfo.InvariantCulture)),9} {(double.IsNaN(rt) ? "" : (rt / ours).ToString("F0", CultureInfo.InvariantCulture) + "x"),13}"));
}

static double Normal(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

static double Time(Func<double> f, int reps)
{
    f();
    double best = double.MaxValue;
    for (int i = 0; i < reps; i++)
    {
        var sw = Stopwatch.StartNew();
        f();
        best = Math.Min(best, sw.Elapsed.TotalSeconds);
    }

    return best;
}
