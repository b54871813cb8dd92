// 12 · Spontaneous reports: from a FAERS quarterly extract to signals (ROR, PRR, IC, EBGM) with the published rules.
//   dotnet run samples/12-spontaneous-reports.cs
// The files in data/faers/ are a SMALL SYNTHETIC extract in the FAERS ASCII layout (made by data/faers/generate-faers.cs):
// point the reader at a real quarter's DEMO, DRUG and REAC files to run the same analysis on FAERS.
#:project ../src/CarTRisk/CarTRisk.csproj
using CarTRisk;

string dir = Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? "samples", "data", "faers");

// Cell 1: read, keep the latest version of each case, suspect drugs only, brand and generic names mapped to one product.
var mapping = new Dictionary<string, string>
{
    ["YESCARTA"] = "axi-cel", ["AXICABTAGENE CILOLEUCEL"] = "axi-cel", ["KYMRIAH"] = "tisa-cel", ["BREYANZI"] = "liso-cel",
    ["TECARTUS"] = "brexu-cel", ["ABECMA"] = "ide-cel", ["CARVYKTI"] = "cilta-cel",
};
var reports = FaersExtract.Read(Path.Combine(dir, "DEMO24Q4.txt"), Path.Combine(dir, "DRUG24Q4.txt"), Path.Combine(dir, "REAC24Q4.txt"),
    FaersOptions.Default with { DrugMapping = mapping, Stratify = true });
Console.WriteLine($"{reports.Cases} cases ({reports.SupersededVersions} superseded versions dropped), {reports.ReportIds.Length} report x drug x event rows");

// Cell 2: counts per drug-event pair, expected counts stratified by age group, sex and year (= openEBGM processRaw).
var pairs = reports.ToPairCounts();

// Cell 3: the gamma-Poisson shrinker (DuMouchel 1999) fitted on all pairs, then every pair scored.
var gps = Disproportionality.FitGps(pairs.Observed.AsSpan(), pairs.Expected.AsSpan());
Console.WriteLine($"GPS hyperparameters: alpha1 {gps.Alpha1:F3}, beta1 {gps.Beta1:F3}, alpha2 {gps.Alpha2:F3}, beta2 {gps.Beta2:F3}, P {gps.P:F3}");

// Cell 4: T-cell lymphoma with the CAR T products, every rule (FAERS is public: no disclosure control needed).
foreach (var rule in Enum.GetValues<SignalRule>())
{
    var screen = Disproportionality.Screen(pairs, rule, gps);
    var tcell = screen.Where(r => r.Event == "T-cell lymphoma" && mapping.ContainsValue(r.Drug));
    Console.WriteLine($"{rule}: {screen.Count(r => r.Signal)} signals in {screen.Length} pairs");
    if (rule == SignalRule.Umc)
    {
        Console.WriteLine(tcell.ToTable("T-cell lymphoma with CAR T products").ToText(DisclosurePolicy.None));
    }
}

// Cell 5: one 2x2 table by hand (a = drug & event, b = drug & other events, c = other drugs & event, d = the rest).
var ror = Disproportionality.ReportingOddsRatio(38, 4_200, 150, 2_000_000);
Console.WriteLine($"ROR 38/4,200 vs 150/2,000,000: {ror.Value:F2} ({ror.Interval.Lower:F2} to {ror.Interval.Upper:F2})");
