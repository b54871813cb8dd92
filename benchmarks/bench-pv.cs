// Issue 25's steps at FAERS scale, each timed warm (best of three calls after one warm-up call), with R beside them
// where R can finish:
//   dotnet run -c Release benchmarks/bench-pv.cs -- [pairs]        (default 2000000)
// 1. counting: report-level rows (one per report x drug x event, about 2.3 report rows per pair, 3 x 2 strata) to pair
//    counts with stratified expected counts (Disproportionality.CountPairs = openEBGM::processRaw);
//    and an aggregated table (drug, event, count) to pair counts (PairCounts.FromTable);
// 2. scoring: Qn, EBGM, EB05 and EB95 of every pair (GpsModel.Score = openEBGM's Qn, ebgm and quantBisect);
// 3. the screen: ROR, PRR, chi-square, IC with intervals, EBGM and EB05, the MHRA rule and the order;
// 4. the GPS fit on all pairs (FitGps).
// R (4.2.2, no openEBGM on this machine's mirror): the same formulas as openEBGM in vectorised R, on the same pairs:
// EBGM (digamma, one pass) and EB05 by a vectorised bisection over all pairs (openEBGM's quantBisect's method, 50 halvings
// of [0, max] on the log scale); the GPS fit by nlminb from openEBGM's five starts in its box, on 20,000 of the pairs.
#:project ../src/CarTRisk/CarTRisk.csproj
#:property TreatWarningsAsErrors=false
using System.Diagnostics;
using System.Globalization;
using CarTRisk;

var C = CultureInfo.InvariantCulture;
int pairs = args.Length > 0 ? int.Parse(args[0], C) : 2_000_000;
var rng = new Random(9);

// report-level rows: drugs and events drawn from skewed popularity, one string instance per name (as FaersExtract gives)
int drugsN = Math.Max(50, (int)Math.Sqrt(pairs) * 3), eventsN = Math.Max(50, (int)Math.Sqrt(pairs) * 5);
string[] drugNames = Enumerable.Range(0, drugsN).Select(i => "DRUG " + i.ToString(C)).ToArray();
string[] eventNames = Enumerable.Range(0, eventsN).Select(i => "Preferred term " + i.ToString(C)).ToArray();
string[] strataNames = ["<65|F", "<65|M", "65-74|F", "65-74|M", "75+|F", "75+|M"];
var ids = new List<string>();
var rowDrug = new List<string>();
var rowEvent = new List<string>();
var rowStratum = new List<string>();
int reports = (int)(pairs * 0.3);
for (int r = 0; r < reports; r++)
{
    string id = (100_000_000 + r).ToString(C), st = strataNames[rng.Next(strataNames.Length)];
    int nd = 1 + rng.Next(3), ne = 1 + rng.Next(4);
    var ds = Enumerable.Range(0, nd).Select(_ => drugNames[(int)Math.Min(drugsN - 1, -Math.Log(1 - rng.NextDouble()) * drugsN / 8)]).ToArray();
    var es = Enumerable.Range(0, ne).Select(_ => eventNames[(int)Math.Min(eventsN - 1, -Math.Log(1 - rng.NextDouble()) * eventsN / 6)]).ToArray();
    foreach (var d in ds)
    {
        foreach (var e in es)
        {
            ids.Add(id);
            rowDrug.Add(d);
            rowEvent.Add(e);
            rowStratum.Add(st);
        }
    }
}

double Best(Action call)
{
    call();
    double best = double.PositiveInfinity;
    for (int k = 0; k < 3; k++)
    {
        var sw = Stopwatch.StartNew();
        call();
        best = Math.Min(best, sw.Elapsed.TotalSeconds);
    }

    return best;
}

PairCounts counts = null!;
double tCount = Best(() => counts = Disproportionality.CountPairs(ids, rowDrug, rowEvent, rowStratum));
Console.WriteLine(string.Create(C, $"cores {Environment.ProcessorCount}; {ids.Count:N0} report rows, {reports:N0} reports, {counts.Observed.Length:N0} pairs"));
Console.WriteLine(string.Create(C, $"CountPairs (report rows -> pairs, 6 strata)          {tCount,8:F3} s"));
var tableDrug = counts.Drug.ToArray();
var tableEvent = counts.Event.ToArray();
var tableCount = counts.Observed.ToArray();
double tTable = Best(() => PairCounts.FromTable(tableDrug, tableEvent, tableCount));
Console.WriteLine(string.Create(C, $"PairCounts.FromTable (aggregated table -> pairs)       {tTable,8:F3} s"));

var model = GpsModel.From(0.204, 0.058, 1.415, 1.838, 0.097);
GpsScores scores = null!;
double tScore = Best(() => scores = model.Score(counts.Observed.AsSpan(), counts.Expected.AsSpan()));
Console.WriteLine(string.Create(C, $"GpsModel.Score (Qn, EBGM, EB05, EB95 of every pair)   {tScore,8:F3} s"));
double tScreen = Best(() => Disproportionality.Screen(counts, SignalRule.Mhra, model));
Console.WriteLine(string.Create(C, $"Screen (all statistics, MHRA rule, order)             {tScreen,8:F3} s"));
var sw = Stopwatch.StartNew();
var fit = Disproportionality.FitGps(counts.Observed.AsSpan(), counts.Expected.AsSpan());
Console.WriteLine(string.Create(C, $"FitGps on all {counts.Observed.Length:N0} pairs (first call)          {sw.Elapsed.TotalSeconds,8:F3} s  log-lik {fit.LogLikelihood:F4}, converged {fit.Converged} {fit.ConvergenceNote}"));

if (!File.Exists("/usr/bin/Rscript"))
{
    return;
}

string dir = Path.Combine(Path.GetTempPath(), "cartrisk-bench-pv");
Directory.CreateDirectory(dir);
string csv = Path.Combine(dir, "pairs.csv");
File.WriteAllLines(csv, ["n,e", .. counts.Observed.Select((v, i) => string.Create(C, $"{v},{counts.Expected[i]:R}"))]);
string script = $$"""
    d <- read.csv('{{csv}}'); n <- d$n; e <- d$e; th <- c(0.204, 0.058, 1.415, 1.838, 0.097)
    qn <- function(th, n, e) { l1 <- log(th[5]) + dnbinom(n, size = th[1], prob = th[2] / (th[2] + e), log = TRUE);
      l2 <- log(1 - th[5]) + dnbinom(n, size = th[3], prob = th[4] / (th[4] + e), log = TRUE); 1 / (1 + exp(l2 - l1)) }
    t0 <- Sys.time(); q <- qn(th, n, e)
    ebgm <- exp(q * (digamma(th[1] + n) - log(th[2] + e)) + (1 - q) * (digamma(th[3] + n) - log(th[4] + e)))
    t1 <- Sys.time()
    lo <- rep(log(1e-8), length(n)); hi <- rep(log(1e4), length(n))
    for (k in 1:50) { mid <- (lo + hi) / 2; x <- exp(mid)
      f <- q * pgamma(x, th[1] + n, th[2] + e) + (1 - q) * pgamma(x, th[3] + n, th[4] + e)
      below <- f < 0.05; lo <- ifelse(below, mid, lo); hi <- ifelse(below, hi, mid) }
    eb05 <- exp((lo + hi) / 2); t2 <- Sys.time()
    cat(sprintf('R EBGM (Qn and digamma, vectorised)                   %8.3f s\n', as.numeric(t1 - t0, units = 'secs')))
    cat(sprintf('R EB05 (vectorised bisection, 50 halvings)            %8.3f s\n', as.numeric(t2 - t1, units = 'secs')))
    negll <- function(th, n, e) { f1 <- dnbinom(n, size = th[1], prob = th[2] / (th[2] + e)) / (1 - dnbinom(0, size = th[1], prob = th[2] / (th[2] + e)));
      f2 <- dnbinom(n, size = th[3], prob = th[4] / (th[4] + e)) / (1 - dnbinom(0, size = th[3], prob = th[4] / (th[4] + e)));
      -sum(log(th[5] * f1 + (1 - th[5]) * f2)) }
    starts <- rbind(c(.2, .1, 2, 4, 1/3), c(.1, .1, 1, 1, .5), c(.5, .5, 2, 2, .25), c(1, 1, 3, 3, .1), c(.2, .2, 5, 5, .2))
    s <- seq(1, length(n), length.out = 20000); t3 <- Sys.time(); b <- Inf
    for (i in 1:nrow(starts)) { f <- tryCatch(nlminb(starts[i, ], negll, n = n[s], e = e[s], lower = rep(1e-5, 5), upper = c(rep(20, 4), 1 - 1e-5)), error = function(err) NULL); if (!is.null(f)) b <- min(b, f$objective) }
    cat(sprintf('R nlminb GPS fit on 20,000 of the pairs (5 starts)     %8.3f s  log-lik %.4f\n', as.numeric(Sys.time() - t3, units = 'secs'), -b))
    """;
var p = Process.Start(new ProcessStartInfo("Rscript", ["-e", script]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
Console.Write(p.StandardOutput.ReadToEnd());
string err = p.StandardError.ReadToEnd();
p.WaitForExit();
if (p.ExitCode != 0)
{
    Console.WriteLine("R failed: " + err);
}

// CarTRisk's fit on the same 20,000 pairs as R's (R's seq(1, N, length.out = 20000), indices truncated)
var idx = Enumerable.Range(0, 20000).Select(k => (int)Math.Floor(1 + (k * ((counts.Observed.Length - 1) / 19999.0))) - 1).ToArray();
double[] sn = [.. idx.Select(i => counts.Observed[i])], se = [.. idx.Select(i => counts.Expected[i])];
double tSub = Best(() => fit = Disproportionality.FitGps(sn, se));
Console.WriteLine(string.Create(C, $"FitGps on the same 20,000 pairs                       {tSub,8:F3} s  log-lik {fit.LogLikelihood:F4}"));
