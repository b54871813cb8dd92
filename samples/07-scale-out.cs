// 07 · Scale-out hand-off: a cohort too large for one machine is reduced by a GROUP BY where it lives (Spark,
// DuckDB, a claims warehouse) and finished here. The aggregated table gives exactly the row-level results.
//
//   -- on each shard (DuckDB / Spark SQL); days = first of malignancy, death, last follow-up minus infusion
//   SELECT days, cause, COUNT(*) AS n
//   FROM (SELECT date_diff('day', infusion_date, least(coalesce(malignancy_date, DATE '9999-12-31'),
//                                                      coalesce(death_date, DATE '9999-12-31'), last_followup_date)) AS days,
//                CASE WHEN malignancy_date IS NOT NULL THEN 1 WHEN death_date IS NOT NULL THEN 2 ELSE 0 END AS cause
//         FROM cohort)
//   GROUP BY days, cause;
#:project ../src/CarTRisk/CarTRisk.csproj
using CarTRisk;

// Cell 1: stand-in for two shards: the example cohort split in halves and aggregated as the query above would.
var dir = AppContext.GetData("EntryPointFileDirectoryPath") as string ?? "samples";
var cohort = CohortCsv.Read(Path.Combine(dir, "data", "example-cohort.csv"));
int half = cohort.Count / 2;
EventTable Shard(int from, int to)
{
    var rows = Enumerable.Range(from, to - from).GroupBy(i => (cohort.Durations[i], cohort.Causes[i])).ToArray();
    Console.WriteLine($"shard {from}-{to - 1}: {to - from} patients reduced to {rows.Length} (days, cause, n) rows");
    return EventTable.FromCounts(rows.Select(g => g.Key.Item1).ToArray(), rows.Select(g => g.Key.Item2).ToArray(),
                                 rows.Select(g => (double)g.Count()).ToArray());
}

// Cell 2: merge the shard tables and finish the analysis here.
var table = EventTable.Merge(Shard(0, half), Shard(half, cohort.Count));
var fromTable = CumulativeIncidence.Estimate(table, eventOfInterest: 1).At(1095);
var fromRows = CumulativeIncidence.Estimate(cohort.Durations.AsSpan(), cohort.Causes.AsSpan(), 1).At(1095);
Console.WriteLine($"3-year Aalen-Johansen risk from merged counts: {fromTable.Estimate:P4} (variance {fromTable.Variance:E6})");
Console.WriteLine($"3-year Aalen-Johansen risk from patient rows:  {fromRows.Estimate:P4} (variance {fromRows.Variance:E6})");
Console.WriteLine($"Identical: {fromTable.Estimate == fromRows.Estimate && fromTable.Variance == fromRows.Variance}");

// Cell 3: bootstrap interval for the difference of 3-year risks between two products, on their tables.
EventTable Product(string name)
{
    var g = cohort.ByProduct().Single(p => p.Key == name).Value;
    return EventTable.FromRecords(g.Durations.AsSpan(), g.Causes.AsSpan());
}
static double Risk3y(EventTable t) => CumulativeIncidence.Estimate(t, 1).At(1095).Estimate;
var diff = Bootstrap.Difference(Product("ide-cel"), Product("axi-cel"), Risk3y, replicates: 2000, seed: 2026);
Console.WriteLine($"ide-cel minus axi-cel, 3-year risk: {diff.Estimate:P2} (95% bootstrap CI {diff.Interval.Lower:P2} to {diff.Interval.Upper:P2}; {diff.Failed} of 2000 resamples had no case)");
