// Round 3 speed: glm, standardized risks (g-formula) and the multi-state Aalen-Johansen against R on the same data,
// in one run. Wall time of one call after a warm-up call on a smaller set; peak working set of this process.
//   [CASES=glm,ate,ms] [NO_R=1] [R_FIRST=1] dotnet run -c Release benchmarks/compare-r-round3.cs
// Default: glm 10^6 and 10^7 rows x 10 covariates (R glm at 10^6); ate (5 confounders, 3 times) at 10^4, 10^5,
// 10^6 (riskRegression::ate at 10^4 and 10^5), AIPTW at 10^4 (both); multi-state (4 states) at 10^4, 10^5 and 10^6
// subjects (survfit at all three).
// Needs Rscript with survival and riskRegression for the R column.
#:project ../src/CarTRisk/CarTRisk.csproj
#:property TreatWarningsAsErrors=false
using System.Diagnostics;
using System.Globalization;
using CarTRisk;

var C = CultureInfo.InvariantCulture;
var cases = (Environment.GetEnvironmentVariable("CASES") ?? "glm,ate,ms").Split(',');
bool haveR = File.Exists("/usr/bin/Rscript") && Environment.GetEnvironmentVariable("NO_R") is null;
string dir = Directory.CreateTempSubdirectory("cartrisk-r3-").FullName;
Console.WriteLine($"cores: {Environment.ProcessorCount}; .NET {Environment.Version}; R: {(haveR ? "yes" : "not installed")}");
Console.WriteLine($"{"case",-34} {"n",9} {"CarTRisk s",11} {"peak MB",8} {"R s",9} {"R / CarTRisk",13}");

double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

// R runs after every CarTRisk measurement (RunR only queues its script; the rows are printed at the end): a multi-GB R
// run just before a CarTRisk call leaves this VM's memory slow to fault in again (about 3 ms per MB first touched), which
// added 0.2-0.6 s to the 10^6 calls when the two were interleaved. R_FIRST=1 interleaves them as before.
bool interleave = Environment.GetEnvironmentVariable("R_FIRST") is not null;
var rows = new List<(string Name, int N, double Seconds, long Peak, string? Script)>();
string? queued = null;

double RunR(string script)
{
    if (!haveR)
    {
        return double.NaN;
    }

    if (!interleave)
    {
        queued = script;
        return double.NaN;
    }

    return RunRNow(script);
}

double RunRNow(string script)
{
    string path = Path.Combine(dir, "bench.R");
    File.WriteAllText(path, script);
    var psi = new ProcessStartInfo("Rscript", [path]) { RedirectStandardOutput = true, RedirectStandardError = true };
    using var p = Process.Start(psi)!;
    string output = p.StandardOutput.ReadToEnd();
    p.StandardError.ReadToEnd();
    p.WaitForExit();
    var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
    return last is not null && double.TryParse(last.Trim(), NumberStyles.Float, C, out double s) ? s : double.NaN;
}

void Row(string name, int n, double seconds, double r)
{
    long peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20);
    if (!interleave)
    {
        rows.Add((name, n, seconds, peak, queued));
        queued = null;
        return;
    }

    Print(name, n, seconds, peak, r);
}

void Print(string name, int n, double seconds, long peak, double r) =>
    Console.WriteLine($"{name,-34} {n,9} {seconds.ToString("F3", C),11} {peak,8} {(double.IsNaN(r) ? "-" : r.ToString("F2", C)),9} {(double.IsNaN(r) ? "-" : (r / seconds).ToString("F1", C) + "x"),13}");

// glm: logistic regression of a 0/1 outcome on 10 normal covariates
foreach (int n in cases.Contains("glm") ? new[] { 1_000_000, 10_000_000 } : [])
{
    var rng = new Random(22);
    var cols = new double[10][];
    for (int j = 0; j < 10; j++)
    {
        cols[j] = new double[n];
        for (int i = 0; i < n; i++)
        {
            cols[j][i] = Math.Round(Normal(rng), 3);
        }
    }

    var y = new double[n];
    for (int i = 0; i < n; i++)
    {
        double eta = -3 + (0.2 * cols[0][i]) - (0.1 * cols[1][i]);
        y[i] = rng.NextDouble() < 1 / (1 + Math.Exp(-eta)) ? 1 : 0;
    }

    var x = DesignMatrix.Build([.. Enumerable.Range(0, 10).Select(j => Covariate.Numeric("x" + j, cols[j]))]);
    var sw = Stopwatch.StartNew();
    var fit = Glm.Fit(x, y, GlmFamily.Binomial);
    double s = sw.Elapsed.TotalSeconds;
    double r = double.NaN;
    if (n <= 1_000_000 && haveR)
    {
        string csv = Path.Combine(dir, $"glm-{n}.csv");
        using (var w = new StreamWriter(csv))
        {
            w.WriteLine("y," + string.Join(",", Enumerable.Range(0, 10).Select(j => "x" + j)));
            for (int i = 0; i < n; i++)
            {
                w.WriteLine(y[i].ToString(C) + "," + string.Join(",", Enumerable.Range(0, 10).Select(j => cols[j][i].ToString("R", C))));
            }
        }

        r = RunR($"d <- read.csv('{csv}'); t <- system.time(glm(y ~ ., family = binomial(), data = d))[['elapsed']]; cat(t, '\\n')");
    }

    Row($"glm binomial, 10 covariates (it {fit.Iterations})", n, s, r);
}

// standardized risks: two treatments, five confounders, causes 1 and 2, times 365, 730, 1095
foreach (int n in cases.Contains("ate") ? new[] { 10_000, 100_000, 1_000_000 } : [])
{
    var rng = new Random(22);
    var conf = new double[5][];
    for (int j = 0; j < 5; j++)
    {
        conf[j] = new double[n];
        for (int i = 0; i < n; i++)
        {
            conf[j][i] = Math.Round(Normal(rng), 3);
        }
    }

    var trt = new string[n];
    var time = new double[n];
    var cause = new int[n];
    for (int i = 0; i < n; i++)
    {
        trt[i] = rng.NextDouble() < 1 / (1 + Math.Exp(0.4 - (0.5 * conf[0][i]))) ? "B" : "A";
        double h1 = 0.0003 * Math.Exp((0.3 * conf[0][i]) + (0.2 * conf[1][i]) + (trt[i] == "B" ? 0.4 : 0)), h2 = 0.001 * Math.Exp(0.2 * conf[2][i]);
        double t1 = -Math.Log(1 - rng.NextDouble()) / h1, t2 = -Math.Log(1 - rng.NextDouble()) / h2, c = rng.Next(100, 2000);
        double t = Math.Min(Math.Min(t1, t2), c);
        time[i] = Math.Ceiling(t);
        cause[i] = t == c ? 0 : t == t1 ? 1 : 2;
    }

    var x = DesignMatrix.Build([.. Enumerable.Range(0, 5).Select(j => Covariate.Numeric("c" + j, conf[j]))]);
    var sw = Stopwatch.StartNew();
    AdjustedRisk.Estimate(time, cause, 1, trt, x, [365, 730, 1095]);
    double s = sw.Elapsed.TotalSeconds;
    double r = double.NaN;
    if (n <= 100_000 && haveR)
    {
        string csv = Path.Combine(dir, $"ate-{n}.csv");
        using (var w = new StreamWriter(csv))
        {
            w.WriteLine("time,cause,trt,c0,c1,c2,c3,c4");
            for (int i = 0; i < n; i++)
            {
                w.WriteLine($"{time[i].ToString(C)},{cause[i]},{trt[i]},{string.Join(",", Enumerable.Range(0, 5).Select(j => conf[j][i].ToString("R", C)))}");
            }
        }

        r = RunR($"suppressMessages(library(riskRegression)); d <- read.csv('{csv}'); d$trt <- factor(d$trt); t <- system.time({{ m <- CSC(Hist(time, cause) ~ trt + c0 + c1 + c2 + c3 + c4, data = d); a <- ate(m, treatment = 'trt', data = d, times = c(365, 730, 1095), cause = 1, se = TRUE, verbose = FALSE) }})[['elapsed']]; cat(t, '\\n')");
    }

    Row("ate g-formula + SE, 5 confounders", n, s, r);
    if (n == 10_000)
    {
        // the doubly robust estimator: outcome, propensity and censoring models (the first call warms the JIT)
        AdjustedRisk.Estimate(time, cause, 1, trt, x, [365, 730, 1095], AdjustedRiskOptions.Default with { Estimator = RiskEstimator.Aiptw });
        sw.Restart();
        AdjustedRisk.Estimate(time, cause, 1, trt, x, [365, 730, 1095], AdjustedRiskOptions.Default with { Estimator = RiskEstimator.Aiptw });
        double sa = sw.Elapsed.TotalSeconds;
        double ra = double.NaN;
        if (haveR)
        {
            string csv = Path.Combine(dir, $"ate-{n}.csv");
            ra = RunR($"suppressMessages(library(riskRegression)); d <- read.csv('{csv}'); d$trt <- factor(d$trt); t <- system.time({{ m <- CSC(Hist(time, cause) ~ trt + c0 + c1 + c2 + c3 + c4, data = d); ps <- glm(trt ~ c0 + c1 + c2 + c3 + c4, data = d, family = binomial); cm <- coxph(Surv(time, cause == 0) ~ trt + c0 + c1 + c2 + c3 + c4, data = d, x = TRUE); a <- ate(m, treatment = ps, censor = cm, data = d, times = c(365, 730, 1095), cause = 1, estimator = 'AIPTW', se = TRUE, verbose = FALSE) }})[['elapsed']]; cat(t, '\\n')");
        }

        Row("ate AIPTW + SE, 5 confounders", n, sa, ra);
    }
}

// multi-state: (s0) -> a, b, c with up to three transitions per subject
foreach (int n in cases.Contains("ms") ? new[] { 10_000, 100_000, 1_000_000 } : [])
{
    var rng = new Random(24);
    var st = new List<double>();
    var sp = new List<double>();
    var to = new List<string>();
    var ids = new List<string>();
    string[] states = ["a", "b", "c"];
    for (int i = 0; i < n; i++)
    {
        double t = 0;
        string cur = "(s0)";
        for (int k = 0; k < 3; k++)
        {
            double len = 1 + rng.Next(400);
            string nx = rng.NextDouble() < 0.4 ? "censor" : states[rng.Next(3)];
            if (nx == cur)
            {
                nx = "censor";
            }

            st.Add(t);
            sp.Add(t + len);
            to.Add(nx);
            ids.Add("S" + i.ToString(C));
            t += len;
            if (nx == "censor")
            {
                break;
            }

            cur = nx;
        }
    }

    var sw = Stopwatch.StartNew();
    MultiState.AalenJohansen(st.ToArray(), sp.ToArray(), to, ids);
    double s = sw.Elapsed.TotalSeconds;
    double r = double.NaN;
    if (haveR)
    {
        string csv = Path.Combine(dir, $"ms-{n}.csv");
        using (var w = new StreamWriter(csv))
        {
            w.WriteLine("id,start,stop,to");
            for (int i = 0; i < st.Count; i++)
            {
                w.WriteLine($"{ids[i]},{st[i].ToString(C)},{sp[i].ToString(C)},{to[i]}");
            }
        }

        r = RunR($"suppressMessages(library(survival)); d <- read.csv('{csv}'); t <- system.time(survfit(Surv(start, stop, factor(to, levels = c('censor', 'a', 'b', 'c'))) ~ 1, data = d, id = id))[['elapsed']]; cat(t, '\\n')");
    }

    Row("multi-state AJ + IJ SE (4 states)", n, s, r);
}

foreach (var (name, n, seconds, peak, script) in rows)
{
    Print(name, n, seconds, peak, script is null ? double.NaN : RunRNow(script));
}

Directory.Delete(dir, true);
