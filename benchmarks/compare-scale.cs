// File to safety report at scale: the README's first command (sample 01's steps: streamed summary, report, HTML with
// figures, Markdown), CarTRisk streaming vs the row-level reader vs DuckDB (checks + GROUP BY, and the
// GROUP BY alone) vs R (data.table::fread + survfit), each in its own process on the same generated file, one run.
//   dotnet run -c Release benchmarks/compare-scale.cs -- [rows ...]      (default 1000000 10000000)
// Wall time and peak resident memory per step; R needs Rscript with data.table and survival (Debian r-cran-data.table);
// NO_R=1 leaves R out.
#:project ../src/CarTRisk.DuckDb/CarTRisk.DuckDb.csproj
#:project ../src/CarTRisk.Plotting/CarTRisk.Plotting.csproj
#:property TreatWarningsAsErrors=false
using System.Diagnostics;
using System.Globalization;
using CarTRisk;
using CarTRisk.DuckDb;
using DuckDB.NET.Data;

var c = CultureInfo.InvariantCulture;
if (args.Length >= 3 && args[0] == "worker")
{
    // one measured step in this process: prints "seconds peakMB"
    var sw = Stopwatch.StartNew();
    switch (args[1])
    {
        case "stream": _ = SafetySummary.Compute(CohortCsv.Summarize(args[2])); break;
        case "readme":
            {
                // what the README's first command (sample 01) does: the streamed summary, the report as text, and the
                // HTML report with its figures and the Markdown report written to a folder
                var report = SafetySummary.Compute(CohortCsv.Summarize(args[2]));
                _ = report.ToText(DisclosurePolicy.Default);
                string outDir = Directory.CreateTempSubdirectory("cartrisk-scale-report-").FullName;
                File.WriteAllText(Path.Combine(outDir, "safety-report.html"), CarTRisk.Plotting.ReportFigures.ToHtmlWithFigures(report, DisclosurePolicy.Default));
                File.WriteAllText(Path.Combine(outDir, "safety-report.md"), report.ToMarkdown(DisclosurePolicy.Default));
                Directory.Delete(outDir, true);
                break;
            }

        case "rows": _ = SafetySummary.Compute(CohortCsv.Read(args[2])); break;
        case "duckdb": _ = SafetySummary.Compute(DuckDbCohort.Summarize(args[2])); break;
        case "duckdb-groupby":
            using (var db = new DuckDBConnection("DataSource=:memory:"))
            {
                db.Open();
                using var cmd = db.CreateCommand();
                cmd.CommandText = DuckDbCohort.SummarySql.Replace("{cohort}", $"read_csv('{args[2]}', header = true, all_varchar = true, nullstr = ['', 'NA'])", StringComparison.Ordinal);
                using var reader = cmd.ExecuteReader();
                while (reader.Read()) { }
            }
            break;
    }
    Console.WriteLine(string.Create(c, $"{sw.Elapsed.TotalSeconds:0.00} {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:0}"));
    return;
}

long[] sizes = args.Length > 0 ? args.Select(a => long.Parse(a, c)).ToArray() : [1_000_000, 10_000_000];
Console.WriteLine($"{Environment.ProcessorCount} cores; {DateTime.UtcNow:yyyy-MM-dd}");
Console.WriteLine("| rows | file MB | step | seconds | peak MB |");
Console.WriteLine("|---|---|---|---|---|");
foreach (long n in sizes)
{
    string path = Path.Combine(Path.GetTempPath(), $"cartrisk-synthetic-{n}.csv");
    if (!File.Exists(path))
    {
        SyntheticCohort.Write(path, n, seed: 2026);
    }

    double mb = new FileInfo(path).Length / 1e6;
    foreach (string step in new[] { "readme", "stream", "duckdb-groupby", "duckdb", "rows" })
    {
        // this program's own built assembly, started directly: `dotnet run` leaves build servers busy on the cores for
        // the first seconds of the child, which slowed every step by 1-2 s in an earlier run
        var (seconds, peak) = Worker("dotnet", [typeof(Program).Assembly.Location, "worker", step, path]);
        Console.WriteLine(string.Create(c, $"| {n:N0} | {mb:0} | {step} | {seconds} | {peak} |"));
    }

    if (Environment.GetEnvironmentVariable("NO_R") == "1")
    {
        continue;   // NO_R=1: the CarTRisk and DuckDB steps only
    }

    string r = $"suppressMessages({{library(data.table); library(survival)}}); t0 <- proc.time()[[3]]; " +
        $"d <- fread('{path}', na.strings = c('', 'NA')); " +
        "inf <- as.IDate(d$infusion_date); e <- pmin(as.IDate(d$malignancy_date), as.IDate(d$death_date), na.rm = TRUE); " +
        "e <- fifelse(!is.na(d$malignancy_date), as.IDate(d$malignancy_date), fifelse(!is.na(d$death_date), as.IDate(d$death_date), as.IDate(d$last_followup_date))); " +
        "st <- fifelse(!is.na(d$malignancy_date), 1L, fifelse(!is.na(d$death_date), 2L, 0L)); " +
        "f <- survfit(Surv(as.numeric(e - inf), factor(st, 0:2)) ~ 1); k <- survfit(Surv(as.numeric(e - inf), st == 1) ~ 1); " +
        "cat(sprintf('%.2f', proc.time()[[3]] - t0), '\\n')";
    var (rs, rpeak) = Worker("/usr/bin/time", ["-f", "%M", "Rscript", "-e", r], rMode: true);
    Console.WriteLine(string.Create(c, $"| {n:N0} | {mb:0} | R fread + survfit (Aalen-Johansen and KM) | {rs} | {rpeak} |"));
}

static (string Seconds, string Peak) Worker(string file, string[] arguments, bool rMode = false)
{
    var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in arguments) info.ArgumentList.Add(a);
    try
    {
        using var p = Process.Start(info)!;
        string output = p.StandardOutput.ReadToEnd();
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (rMode)
        {
            string peakKb = error.Trim().Split('\n')[^1].Trim();
            return (output.Trim(), double.TryParse(peakKb, CultureInfo.InvariantCulture, out double kb) ? (kb / 1000).ToString("0", CultureInfo.InvariantCulture) : "n/a");
        }

        var parts = output.Trim().Split('\n')[^1].Split(' ');
        return parts.Length == 2 ? (parts[0], parts[1]) : ("failed", error.Length > 200 ? error[..200] : error);
    }
    catch (System.ComponentModel.Win32Exception)
    {
        return ("n/a", "n/a");
    }
}
