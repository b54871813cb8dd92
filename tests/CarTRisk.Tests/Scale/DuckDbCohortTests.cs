using System.Text;
using CarTRisk.DuckDb;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Scale;

/// <summary>The embedded engine's GROUP BY against the row-level path: identical counts and report, from CSV and from
/// Parquet; rule violations refused with their counts.</summary>
public sealed class DuckDbCohortTests
{
    private const string Header = "patient_id,product,infusion_date,last_followup_date,malignancy_date,malignancy_type,death_date,transgene";

    private static string Temp(string extension) => Path.Combine(Path.GetTempPath(), "cartrisk-duckdb-" + Guid.NewGuid().ToString("N") + extension);

    [Fact]
    public void ExampleCohort_CsvAndParquet_GiveTheRowLevelCountsAndReport()
    {
        string csv = Golden.PathOf("Cohorts/example-cohort.csv");
        var rows = CohortCsv.Read(csv);
        var expected = CohortSummary.From(rows);
        var engine = DuckDbCohort.Summarize(csv);
        Assert.Equal(expected.Counts.ToArray(), engine.Counts.ToArray());
        // the engine's GROUP BY holds counts, not dates: the same report but for the data period
        Assert.Equal((SafetySummary.Compute(rows) with { DataPeriod = null }).ToText(DisclosurePolicy.None), SafetySummary.Compute(engine).ToText(DisclosurePolicy.None));

        string parquet = Temp(".parquet");
        try
        {
            DuckDbCohort.CsvToParquet(csv, parquet);
            Assert.Equal(expected.Counts.ToArray(), DuckDbCohort.Summarize(parquet, memoryLimit: "256MB").Counts.ToArray());
        }
        finally
        {
            File.Delete(parquet);
        }
    }

    [Fact]
    public void RandomCohorts_EngineEqualsStreaming()
    {
        var rng = new Random(17);
        for (int set = 0; set < 8; set++)
        {
            var sb = new StringBuilder(Header).Append('\n');
            var start = new DateOnly(2017, 6, 1);
            int n = rng.Next(20, 600);
            for (int i = 0; i < n; i++)
            {
                var inf = start.AddDays(rng.Next(0, 2000));
                int follow = rng.Next(0, 3000);
                string mal = "", type = "", death = "", tg = "";
                double u = rng.NextDouble();
                if (u < 0.2)
                {
                    mal = Cohort.Iso(inf.AddDays(rng.Next(0, follow + 1)));
                    type = "MDS";
                    tg = rng.Next(4) switch { 0 => "", 1 => "positive", 2 => "NA", _ => "negative" };
                }
                else if (u < 0.5)
                {
                    death = Cohort.Iso(inf.AddDays(rng.Next(0, follow + 30)));
                }

                string product = rng.Next(8) == 0 ? "NA" : "p" + rng.Next(4);
                sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"id{i},{product},{Cohort.Iso(inf)},{Cohort.Iso(inf.AddDays(follow))},{mal},{type},{death},{tg}\n");
            }

            string path = Temp(".csv");
            File.WriteAllText(path, sb.ToString());
            try
            {
                Assert.Equal(CohortCsv.Summarize(path).Counts.ToArray(), DuckDbCohort.Summarize(path).Counts.ToArray());
            }
            finally
            {
                File.Delete(path);
            }
        }
    }

    [Fact]
    public void BrokenRules_AreRefused_WithCounts()
    {
        string path = Temp(".csv");
        File.WriteAllText(path, Header + "\nA,x,2020-01-01,2020-06-01,2020-07-01,T,,\nB,x,2020-01-01,2019-06-01,,,,\nA,x,2020-01-01,2020-06-01,,,,positive\nC,x,2020-02-30,2020-06-01,,,,\n");
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => DuckDbCohort.Summarize(path));
            Assert.Contains("a malignancy after the last follow-up date: 1 rows (e.g. patient_id 'A')", e.Message, StringComparison.Ordinal);
            Assert.Contains("a repeated patient_id: 1 rows", e.Message, StringComparison.Ordinal);
            Assert.Contains("before infusion: 1 rows (e.g. patient_id 'B')", e.Message, StringComparison.Ordinal);
            Assert.Contains("transgene or malignancy_type on a row without a malignancy date", e.Message, StringComparison.Ordinal);
            Assert.Contains("a date is not yyyy-MM-dd (a real day): 1 rows (e.g. patient_id 'C')", e.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentException>(() => DuckDbCohort.Summarize("cohort.xlsx"));
            Assert.Contains("{cohort}", DuckDbCohort.SummarySql, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void RowReaderRules_ApplyInDuckDb_Too()
    {
        // the cases: a product with a leading space or a zero-width space, a header in the wrong case, an unknown column
        foreach (var (header, row, message) in new[]
        {
            (Header, "A, axi-cel,2020-01-01,2020-06-01,,,,", "white space"),
            (Header, "A,axi\u200Bcel,2020-01-01,2020-06-01,,,,", "control or format"),
            (Header.Replace("death_date", "Death_Date", StringComparison.Ordinal), "A,axi-cel,2020-01-01,2020-06-01,,,,", "is not 'death_date'"),
            (Header + ",extra", "A,axi-cel,2020-01-01,2020-06-01,,,,,x", "unknown column 'extra'"),
        })
        {
            string path = Temp(".csv");
            // realistic files have many rows (DuckDB's CSV sniffer needs a few to find the dialect)
            var good = Enumerable.Range(0, 30).Select(i => $"P{i},tisa-cel,2020-01-{1 + (i % 28):00},2021-0{1 + (i % 9)}-15,,,,"
                + (header.EndsWith(",extra", StringComparison.Ordinal) ? ",y" : ""));
            File.WriteAllText(path, header + "\n" + row + "\n" + string.Join("\n", good) + "\n");
            try
            {
                var e = Assert.Throws<InvalidDataException>(() => DuckDbCohort.Summarize(path));
                Assert.Contains(message, e.Message, StringComparison.Ordinal);
                Assert.ThrowsAny<Exception>(() => CohortCsv.Summarize(path));
            }
            finally
            {
                File.Delete(path);
            }
        }
    }
}
