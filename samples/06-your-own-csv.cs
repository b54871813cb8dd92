// 06 · Your own cohort CSV: check a file against the cohort schema, then print its safety summary.
//   dotnet run samples/06-your-own-csv.cs -- path/to/cohort.csv [disclosure threshold, default 11]
// With no argument it checks the bundled example cohort, then a deliberately broken copy, to show how every bad row
// is reported (line as an editor shows it, column, value, reason) and nothing is silently dropped.
#:project ../src/CarTRisk/CarTRisk.csproj
using CarTRisk;

var dir = AppContext.GetData("EntryPointFileDirectoryPath") as string ?? "samples";
string path = args.Length > 0 ? args[0] : Path.Combine(dir, "data", "example-cohort.csv");
int threshold = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 11;

// Cell 1: read and summarise (the file is all-or-nothing).
if (!TryRead(path, out var cohort)) return 2;
Console.WriteLine($"Patients: {cohort.Count}, cases: {cohort.Cases}, person-years: {cohort.PersonYears:F1}");
Console.WriteLine((SafetySummary.Compute(cohort) with { Title = $"Safety summary: {Path.GetFileName(path)}" }).ToText(new DisclosurePolicy(threshold)));

// Cell 2 (demo only): a broken copy shows the error report.
if (args.Length == 0)
{
    var lines = File.ReadAllLines(path);
    lines[3] += ",extra";                                                                                                             // extra field
    lines[5] = lines[2].Split(',')[0] + lines[5][lines[5].IndexOf(',', StringComparison.Ordinal)..];                                    // repeated id
    var f = lines[7].Split(','); f[3] = "31/12/2024"; lines[7] = string.Join(',', f);                                                  // bad date form
    string broken = Path.Combine(Path.GetTempPath(), "broken-cohort.csv");
    File.WriteAllLines(broken, lines);
    Console.WriteLine("A deliberately broken copy:");
    TryRead(broken, out _);
}

return 0;

static bool TryRead(string file, out Cohort cohort)
{
    try
    {
        cohort = CohortCsv.Read(file);
        return true;
    }
    catch (CohortFormatException e)
    {
        Console.WriteLine(e.Message);
        cohort = null!;
        return false;
    }
}
