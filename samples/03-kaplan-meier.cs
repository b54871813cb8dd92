// 03 · Kaplan-Meier by product, with a risk table and a log-rank test.
// Malignancy-free survival with deaths censored (the cause-specific view); see 01 for the competing-risk risk.
#:project ../src/CarTRisk/CarTRisk.csproj
using CarTRisk;

// Cell 1: load the synthetic example cohort; event = secondary malignancy.
var dir = AppContext.GetData("EntryPointFileDirectoryPath") as string ?? "samples";
var cohort = CohortCsv.Read(Path.Combine(dir, "data", "example-cohort.csv"));
double[] t = cohort.Durations.ToArray();
bool[] e = cohort.Causes.Select(c => c == 1).ToArray();
string[] product = cohort.Records.Select(r => r.Product ?? "(missing)").ToArray();

// The raw estimator output below (numbers at risk, events, per-product counts) is analysis inside the data custodian's
// walls: counts of 1..10 print as they are. What leaves goes through a table or report, which applies the default
// disclosure policy (last cell).
Console.WriteLine("INTERNAL ANALYSIS OUTPUT: small counts are not withheld here; release only the disclosure-controlled table at the end.\n");

// Cell 2: overall curve: the first rows of survfit's table.
var km = KaplanMeier.Estimate(t, e);
Console.WriteLine($"{"time",6} {"n.risk",7} {"n.event",8} {"survival",9} {"std.err",8}  95% CI (log)");
for (int i = 0, shown = 0; i < km.Time.Length && shown < 8; i++)
{
    if (km.Events[i] == 0) continue;
    shown++;
    Console.WriteLine($"{km.Time[i],6} {km.AtRisk[i],7} {km.Events[i],8} {km.Survival[i],9:F4} {km.StdErr[i],8:F4}  {km.Lower[i]:F4} to {km.Upper[i]:F4}");
}

// Cell 3: risk table at 0.5, 1, 2, 3 years (events and censorings within each interval).
Console.WriteLine($"\n{"day",6} {"at risk",8} {"events",7} {"censored",9} {"S(t)",7}");
foreach (var row in km.RiskTable(182, 365, 730, 1095))
    Console.WriteLine($"{row.Time,6} {row.AtRisk,8} {row.Events,7} {row.Censored,9} {row.Survival,7:F4}");

// Cell 4: by product, with the median (null = not reached) and 3-year malignancy-free survival.
Console.WriteLine($"\n{"product",-10} {"n",4} {"events",7} {"median",8} {"S(3y)",7}");
foreach (var (name, group) in cohort.ByProduct())
{
    var g = KaplanMeier.Estimate(group.Durations.AsSpan(), group.Causes.Select(c => c == 1).ToArray());
    Console.WriteLine($"{name,-10} {group.Count,4} {g.Events.Sum(),7} {(g.Median.Value?.ToString() ?? "NR"),8} {g.At(1095).Survival,7:F4}");
}

// Cell 5: log-rank and Peto-Peto across products (= survdiff(Surv(t, s) ~ product, rho = 0 / 1)).
foreach (var rho in new[] { 0.0, 1.0 })
{
    var test = LogRank.Test(t, e, product, rho);
    Console.WriteLine($"\n{(rho == 0 ? "Log-rank" : "Peto-Peto")}: chi-square {test.ChiSquare:F3} on {test.DegreesOfFreedom} df, p = {test.PValue:G4}");
}

// Cell 6: what may be released: the same curve as a table through DisclosurePolicy.Default (events between rows that
// a reader could derive as 1..10 are withheld, with the marker "<11").
Console.WriteLine("\nFor release (disclosure-controlled):\n" + km.ToTable(365, 730, 1095).ToText());
