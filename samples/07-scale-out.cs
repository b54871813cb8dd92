// 07 · Scale: a cohort of 10^7 patients (about 480 MB of CSV), reduced to its sufficient statistics twice: by the
// embedded DuckDB engine (CarTRisk.DuckDb: the rule checks and GROUP BY shipped as SQL, also for Spark or a warehouse)
// and by CarTRisk's own streaming reader (every row rule, bounded memory); the safety report is finished from the counts.
//   dotnet run samples/07-scale-out.cs            (10^7 rows; give a smaller number as the first argument to try it)
#:project ../src/CarTRisk.DuckDb/CarTRisk.DuckDb.csproj
using System.Diagnostics;
using CarTRisk;
using CarTRisk.DuckDb;

// Cell 1: a synthetic file of 10^7 patients (generated once into the temp folder).
long rows = args.Length > 0 ? long.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 10_000_000;
string path = Path.Combine(Path.GetTempPath(), $"cartrisk-synthetic-{rows}.csv");
var clock = Stopwatch.StartNew();
if (!File.Exists(path))
{
    SyntheticCohort.Write(path, rows, seed: 2026);
}
Console.WriteLine($"{rows:N0} patients in {path} ({new FileInfo(path).Length / 1e6:0} MB, ready in {clock.Elapsed.TotalSeconds:0.0} s)");

// Cell 2: the real engine: DuckDB checks the rules and runs the GROUP BY (the SQL is DuckDbCohort.SummarySql).
clock.Restart();
var byEngine = DuckDbCohort.Summarize(path);
Console.WriteLine($"DuckDB: {byEngine.Counts.Length:N0} (product, days, cause, transgene) rows in {clock.Elapsed.TotalSeconds:0.0} s");

// Cell 3: CarTRisk's streaming reader: the row-level reader's rules and messages, no record kept per patient.
clock.Restart();
var streamed = CohortCsv.Summarize(path);
Console.WriteLine($"CarTRisk streaming: {streamed.Patients:N0} patients in {clock.Elapsed.TotalSeconds:0.0} s");

// Cell 4: the report from the counts, and the proof that both reductions agree (the engine's counts hold no dates, so
// its report has no data-period line; the streamed file's has one, and otherwise the same values).
var report = SafetySummary.Compute(byEngine);
Console.WriteLine(report.ToText());
Console.WriteLine($"Identical: {byEngine.Counts.SequenceEqual(streamed.Counts)
    && report.ToText(DisclosurePolicy.None) == (SafetySummary.Compute(streamed) with { DataPeriod = null }).ToText(DisclosurePolicy.None)}");
