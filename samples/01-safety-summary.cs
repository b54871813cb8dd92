// 01 · Safety summary: the report pharmacovigilance is asked for, for the bundled example cohort
// (synthetic, shaped like the Stanford cohort) or for any cohort CSV given as an argument.
//   dotnet run samples/01-safety-summary.cs                      # the example cohort
//   dotnet run samples/01-safety-summary.cs -- my-cohort.csv     # your own file (docs/cohort-schema.md)
//   dotnet run samples/01-safety-summary.cs -- my-cohort.csv --threshold 11 --out reports/ --cutoff 2025-06-30
// Counts below 11 are printed as "<11" so the text can be shared (--threshold 0 = off, for inside the custodian's
// walls only). The HTML and Markdown reports go to --out (default: a new folder under the temp folder, never a fixed
// shared name). --cutoff states the data cut-off the protocol declares (refused if the data run past it). The older
// positional form (csv threshold folder) still works.
#:project ../src/CarTRisk/CarTRisk.csproj
#:project ../src/CarTRisk.Plotting/CarTRisk.Plotting.csproj
using CarTRisk;
using CarTRisk.Plotting;

// Cell 1: read the cohort through the streaming reader (bounded memory: 8 bytes a patient plus the distinct keys, the
// file split over the cores); the report from these counts is the row-level report value for value. A bad file stops
// here with every bad row listed (line, column, value, reason), exactly as CohortCsv.Read lists them.
var positional = new List<string>();
string? outOption = null;
int? thresholdOption = null;
DateOnly? cutoffOption = null;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--out" && i + 1 < args.Length) { outOption = args[++i]; }
    else if (args[i] == "--cutoff" && i + 1 < args.Length) { cutoffOption = DateOnly.ParseExact(args[++i], "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture); }
    else if (args[i] == "--threshold" && i + 1 < args.Length) { thresholdOption = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); }
    else { positional.Add(args[i]); }
}

string path = positional.Count > 0 ? positional[0] : Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? "samples", "data", "example-cohort.csv");
int threshold = thresholdOption ?? (positional.Count > 1 ? int.Parse(positional[1], System.Globalization.CultureInfo.InvariantCulture) : 11);
CohortSummary cohort;
try
{
    cohort = CohortCsv.Summarize(path);
}
catch (CohortFormatException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

// Cell 2: the report, whole cohort and product by product. Aalen-Johansen (death competing) beside the naive
// 1 - Kaplan-Meier, which overstates risk. Every rendering goes through one disclosure-control path: counts of 1-10 and
// everything derivable from them (percentages, intervals, rates, small-group risks, subtraction from totals) are
// suppressed unless DisclosurePolicy.None is passed inside the custodian's walls.
var policy = threshold == 0 ? DisclosurePolicy.None : new DisclosurePolicy(threshold);
var report = SafetySummary.Compute(cohort, horizonDays: 1095) with { Title = $"Secondary malignancy after CAR T: {Path.GetFileName(path)}" };
if (cutoffOption is { } cutoff)
{
    // the cut-off the protocol declares (--cutoff yyyy-mm-dd), printed beside the data period; refused if the data run past it
    try
    {
        report = report with { DataCutoff = cutoff };
    }
    catch (ArgumentOutOfRangeException e)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }
}

Console.WriteLine(report.ToText(policy));

// Cell 3: the same report as one self-contained HTML file (figures inline as SVG, drawn under the same policy) and
// as Markdown, ready to leave the custodian.
string outDir = outOption ?? (positional.Count > 2 ? positional[2] : Directory.CreateTempSubdirectory("cartrisk-report-").FullName);
Directory.CreateDirectory(outDir);
File.WriteAllText(Path.Combine(outDir, "safety-report.html"), report.ToHtmlWithFigures(policy));
File.WriteAllText(Path.Combine(outDir, "safety-report.md"), report.ToMarkdown(policy));
Console.WriteLine($"wrote {Path.Combine(outDir, "safety-report.html")} and safety-report.md");
return 0;
