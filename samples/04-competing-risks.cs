// 04 · Competing risks: why 1 - Kaplan-Meier overstates the risk of a second malignancy when death competes,
// the Aalen-Johansen curve of every cause, and Gray's test across products.
#:project ../src/CarTRisk/CarTRisk.csproj
using CarTRisk;

// Cell 1: the synthetic example cohort as (duration, cause): 0 censored, 1 malignancy, 2 death.
var dir = AppContext.GetData("EntryPointFileDirectoryPath") as string ?? "samples";
var cohort = CohortCsv.Read(Path.Combine(dir, "data", "example-cohort.csv"));
var t = cohort.Durations.AsSpan();
var causes = cohort.Causes.AsSpan();

// The raw estimator output below (numbers at risk, events, per-product counts) is analysis inside the data custodian's
// walls: counts of 1..10 print as they are. What leaves goes through a table or report, which applies the default
// disclosure policy (last cell).
Console.WriteLine("INTERNAL ANALYSIS OUTPUT: small counts are not withheld here; release only the disclosure-controlled table at the end.\n");

// Cell 2: Aalen-Johansen for malignancy (= cmprsk::cuminc) beside the naive KM with deaths censored.
var cif = CumulativeIncidence.Estimate(t, causes, eventOfInterest: 1);
var naive = KaplanMeier.Estimate(t, cohort.Causes.Select(c => c == 1).ToArray());
Console.WriteLine($"{"day",6} {"malignancy AJ",14} {"95% CI (log-log)",20} {"death AJ",9} {"event-free",11} {"sum",5} {"1-KM (naive)",13}");
foreach (var day in new[] { 180.0, 365, 730, 1095, 1825 })
{
    var p = cif.At(day);
    int i = Math.Max(0, cif.Time.AsSpan().BinarySearch(day) is var j && j < 0 ? ~j - 1 : j);
    double death = cif.EstimateByCause[1][i], free = cif.EventFree[i];
    Console.WriteLine($"{day,6} {p.Estimate,14:P2} {$"{p.Lower:P2} to {p.Upper:P2}",20} {death,9:P2} {free,11:P2} {p.Estimate + death + free,5:F2} {1 - naive.At(day).Survival,13:P2}");
}

// Cell 3: when did the cases occur? Time by which 50 % and 90 % of the eventual incidence had accrued.
Console.WriteLine($"\nHalf of the cumulative incidence at the end of follow-up had accrued by day {cif.OnsetQuantile(0.5)}, 90 % by day {cif.OnsetQuantile(0.9)}.");

// Cell 4: Gray's test of equal malignancy incidence across products (= cuminc(t, c, product)$Tests).
string[] product = cohort.Records.Select(r => r.Product ?? "(missing)").ToArray();
var gray = GrayTest.Test(t, causes, product, eventOfInterest: 1);
Console.WriteLine($"Gray's test across {product.Distinct().Count()} products: statistic {gray.Statistic:F3} on {gray.DegreesOfFreedom} df, p = {gray.PValue:G4}");

// Cell 5: what may be released: the malignancy curve as a table through DisclosurePolicy.Default.
Console.WriteLine("\nFor release (disclosure-controlled):\n" + cif.ToTable(new Dictionary<int, string> { [1] = "malignancy", [2] = "death" }, 365, 730, 1095).ToText());
