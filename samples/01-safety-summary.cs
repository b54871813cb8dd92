// 01 · Safety summary: the report pharmacovigilance is asked for, for the bundled example cohort
// (synthetic, shaped like the Stanford cohort) or for any cohort CSV given as an argument.
//   dotnet run samples/01-safety-summary.cs                      # the example cohort
//   dotnet run samples/01-safety-summary.cs -- my-cohort.csv     # your own file (docs/cohort-schema.md)
// Counts below 11 are printed as "<11" so the text can be shared; pass a threshold as the 2nd argument (0 = off).
#:project ../src/CarTRisk/CarTRisk.csproj
using CarTRisk;

// Cell 1: read the cohort. A bad file stops here with every bad row listed (line, column, value, reason).
string path = args.Length > 0 ? args[0] : Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? "samples", "data", "example-cohort.csv");
int threshold = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 11;
Cohort cohort;
try
{
    cohort = CohortCsv.Read(path);
}
catch (CohortFormatException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

// Cell 2: the whole cohort. Aalen-Johansen (death competing) beside the naive 1 - Kaplan-Meier, which overstates risk.
var report = SafetySummary.Compute(cohort, horizonDays: 1095);
Console.WriteLine(report.ToText($"Secondary malignancy after CAR T: {Path.GetFileName(path)}", threshold));

// Cell 3: the same, product by product (small groups show "<11" counts).
Console.WriteLine("By product                   Patients   Cases  Crude incidence (95% CI)        3-year Aalen-Johansen risk");
foreach (var (product, group) in cohort.ByProduct())
{
    var r = SafetySummary.Compute(group);
    string Count(int n) => n > 0 && n < threshold ? $"<{threshold}" : n.ToString();
    var aj = r.CumulativeIncidenceAtHorizon;
    Console.WriteLine($"  {product,-26} {Count(r.Patients),8} {Count(r.Cases),7}  {r.CrudeIncidence.Value,7:P2} ({r.CrudeIncidence.Interval.Lower:P2} to {r.CrudeIncidence.Interval.Upper:P2})   {aj.Estimate,7:P2}{(aj.BeyondFollowUp ? " (beyond follow-up)" : "")}");
}

return 0;
