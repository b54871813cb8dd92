// 10 · Compared with the general population: standardized incidence ratios (SIR) and the excess absolute risk.
//   dotnet run samples/10-population-comparison.cs
// The reference rates in data/reference-rates-synthetic.csv are SYNTHETIC (made up, shaped like adult cancer incidence
// rising with age): replace them with your registry's rates (e.g. SEER or a national cancer registry) in the same
// columns: sex, age_from, age_to, year_from, year_to, rate_per_100000 (years inclusive).
#:project ../src/CarTRisk/CarTRisk.csproj
using CarTRisk;

string dir = AppContext.GetData("EntryPointFileDirectoryPath") as string ?? "samples";
var cohort = CohortCsv.Read(Path.Combine(dir, "data", "example-cohort-covariates.csv"), CohortCsvOptions.Default with { Covariates = ["prior_lines", "chip"] });
var rates = ReferenceRates.ReadCsv(Path.Combine(dir, "data", "reference-rates-synthetic.csv"));

// Cell 1: all malignancies, person-time split at age bands and 1 January; exact Poisson interval (= poisson.test).
var sir = StandardizedIncidence.Compute(cohort, rates);
Console.WriteLine(sir.ToTable().ToText());

// Cell 2: SEER's MP-SIR default latency of 2 months, hematologic malignancies only, mid-p interval.
var heme = StandardizedIncidence.Compute(cohort, rates, SirOptions.Default with
{
    LatencyDays = 61,
    CaseFilter = r => r.MalignancyType is "MDS/AML" or "T-cell lymphoma" or "other haematological",
    Interval = SirInterval.MidP,
});
Console.WriteLine($"Hematologic malignancies after a 61-day latency: SIR {(heme.Observed is > 0 and < 11 ? "suppressed (fewer than 11 cases)" : $"{heme.Ratio:F2} ({heme.Interval.Lower:F2} to {heme.Interval.Upper:F2})")} (note: the synthetic rates are for all malignancies)");

// Cell 3: the SIR line in the safety report.
var report = SafetySummary.Compute(cohort, rates);
Console.WriteLine(report.Tables()[0].ToText());
