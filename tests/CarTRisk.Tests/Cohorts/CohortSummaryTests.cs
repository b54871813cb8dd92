using System.Globalization;
using System.Text;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Cohorts;

/// <summary>The streaming path (CohortCsv.Summarize) against the row-level reader: the same errors for bad files, the
/// same report for good ones.</summary>
public sealed class CohortSummaryTests
{
    private const string Header = "patient_id,product,infusion_date,last_followup_date,malignancy_date,malignancy_type,death_date,transgene";

    private static string Temp(string text)
    {
        string path = Path.Combine(Path.GetTempPath(), "cartrisk-summary-" + Guid.NewGuid().ToString("N") + ".csv");
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    private static void SameReport(SafetyReport a, SafetyReport b)
    {
        Assert.Equal(a.ToText(DisclosurePolicy.None), b.ToText(DisclosurePolicy.None));
        Assert.Equal(a.Patients, b.Patients);
        Assert.Equal(a.PersonYears, b.PersonYears);
        Assert.Equal(a.CumulativeIncidenceAtHorizon.Estimate, b.CumulativeIncidenceAtHorizon.Estimate);
        Assert.Equal(a.CumulativeIncidenceAtHorizon.Variance, b.CumulativeIncidenceAtHorizon.Variance);
        Assert.Equal(a.MalignancyFreeKaplanMeierAtHorizon.Survival, b.MalignancyFreeKaplanMeierAtHorizon.Survival);
        Assert.Equal(a.Onset.Days.ToArray(), b.Onset.Days.ToArray());
        Assert.Equal(a.ByProduct.Length, b.ByProduct.Length);
        for (int i = 0; i < a.ByProduct.Length; i++)
        {
            Assert.Equal(a.ByProduct[i].Product, b.ByProduct[i].Product);
            Assert.Equal(a.ByProduct[i].RiskAtHorizon.Estimate, b.ByProduct[i].RiskAtHorizon.Estimate);
        }
    }

    [Fact]
    public void ExampleCohort_StreamedSummary_GivesTheRowLevelReport()
    {
        string path = Golden.PathOf("Cohorts/example-cohort.csv");
        var cohort = CohortCsv.Read(path);
        var streamed = CohortCsv.Summarize(path);
        Assert.Equal(CohortSummary.From(cohort).Counts.ToArray(), streamed.Counts.ToArray());
        Assert.Equal(cohort.Count, streamed.Patients);
        Assert.Equal(cohort.PersonDays, streamed.PersonDays);
        SameReport(SafetySummary.Compute(cohort), SafetySummary.Compute(streamed));
        Assert.Equal((new DateOnly(2017, 1, 4), new DateOnly(2025, 6, 30)), SafetySummary.Compute(streamed).DataPeriod!.Value);
        // the counts round-trip through FromCounts (a warehouse's GROUP BY): the same report but for the data period,
        // which counts do not hold
        SameReport(SafetySummary.Compute(cohort) with { DataPeriod = null }, SafetySummary.Compute(CohortSummary.FromCounts(streamed.Counts.Reverse())));
    }

    [Fact]
    public void RandomCohorts_ReportsAgree_AndEventTablesMatchTheRows()
    {
        var rng = new Random(2026);
        string[] products = ["axi-cel", "tisa-cel", "ide-cel"];
        for (int set = 0; set < 25; set++)
        {
            int n = rng.Next(15, 400);
            var sb = new StringBuilder(Header).Append('\n');
            var start = new DateOnly(2018, 1, 1);
            for (int i = 0; i < n; i++)
            {
                var inf = start.AddDays(rng.Next(0, 1500));
                int follow = rng.Next(set % 5 == 0 ? 0 : 1, 2500);
                var last = inf.AddDays(follow);
                string mal = "", type = "", death = "", tg = "";
                double u = rng.NextDouble();
                if (u < 0.15)
                {
                    mal = Cohort.Iso(inf.AddDays(rng.Next(0, follow + 1)));
                    type = "T-cell lymphoma";
                    tg = rng.Next(3) switch { 0 => "", 1 => "positive", _ => "negative" };
                }
                else if (u < 0.45)
                {
                    death = Cohort.Iso(inf.AddDays(rng.Next(0, follow + 1)));
                }

                string product = rng.Next(10) == 0 ? "" : products[rng.Next(products.Length)];
                sb.Append(CultureInfo.InvariantCulture, $"P{set}-{i},{product},{Cohort.Iso(inf)},{Cohort.Iso(last)},{mal},{type},{death},{tg}\n");
            }

            string path = Temp(sb.ToString());
            try
            {
                var cohort = CohortCsv.Read(path);
                var streamed = CohortCsv.Summarize(path);
                Assert.Equal(CohortSummary.From(cohort).Counts.ToArray(), streamed.Counts.ToArray());
                SameReport(SafetySummary.Compute(cohort), SafetySummary.Compute(streamed));
                var rowTable = EventTable.FromRecords(cohort.Durations.AsSpan(), cohort.Causes.AsSpan());
                var sumTable = streamed.ToEventTable();
                Assert.Equal(rowTable.Time.ToArray(), sumTable.Time.ToArray());
                Assert.Equal(rowTable.AtRisk.ToArray(), sumTable.AtRisk.ToArray());
                Assert.Equal(rowTable.Censored.ToArray(), sumTable.Censored.ToArray());
                var conditional = CumulativeIncidence.Conditional(cohort.Durations.AsSpan(), cohort.Causes.AsSpan(), 1, 365);
                var fromTable = CumulativeIncidence.Estimate(streamed.ToEventTable(365), 1);
                Assert.Equal(conditional.Estimate.ToArray(), fromTable.Estimate.ToArray());
                Assert.Equal(conditional.Variance.ToArray(), fromTable.Variance.ToArray());
            }
            catch (ArgumentException) when (set % 5 == 0)
            {
                // a set where everyone may have 0 days of follow-up: both paths must refuse alike
                string p2 = path;
                var e1 = Record.Exception(() => SafetySummary.Compute(CohortCsv.Read(p2)));
                var e2 = Record.Exception(() => SafetySummary.Compute(CohortCsv.Summarize(p2)));
                Assert.Equal(e1?.GetType(), e2?.GetType());
            }
            finally
            {
                File.Delete(path);
            }
        }
    }

    public static TheoryData<string> BadFiles() =>
    [
        Header + "\nA,x,2020-01-01,2020-06-01,,,,\nA,x,2020-01-01,2020-06-01,,,,\n",
        Header + "\nA,x,2020-01-01,2020-06-01,,,,\nB,x,2020-13-01,2020-06-01,,,,\nA,y,2020-01-01,2020-06-01,,,,\nC,x,2020-01-01,2019-06-01,,,,\nB,x,2020-01-01,2020-06-01,,,,\n",
        Header + "\nA,x,2020-01-01,2020-06-01,2020-07-01,T,,\nB,x,2020-01-01,2020-06-01,,,,positive\nC,x,2020-01-01,2020-06-01,,,,\"unclosed\n",
        Header + "\nA,x,2020-01-01\n",
        "patient_id,foo\nA,1\n",
        "",
        // more than 1,000 errors with repeats interleaved: the kept list and the total agree with the row-level reader
        Header + "\n" + string.Concat(Enumerable.Range(0, 1500).Select(i => i % 3 == 0 ? $"D{i % 7},x,2020-01-01,2020-06-01,,,,\n" : $"E{i},x,2020-01-01,2019-06-01,,,,\n")),
    ];

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void BadFiles_SameErrorsAsTheRowLevelReader(string text)
    {
        string path = Temp(text);
        try
        {
            var rows = Assert.ThrowsAny<Exception>(() => CohortCsv.Read(path));
            var streamed = Assert.ThrowsAny<Exception>(() => CohortCsv.Summarize(path));
            Assert.Equal(rows.GetType(), streamed.GetType());
            Assert.Equal(rows.Message, streamed.Message);
            if (rows is CohortFormatException r && streamed is CohortFormatException s)
            {
                Assert.Equal(r.TotalErrors, s.TotalErrors);
                Assert.Equal(r.Errors, s.Errors);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FromCounts_ValidatesRows()
    {
        Assert.Throws<ArgumentException>(() => CohortSummary.FromCounts([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => CohortSummary.FromCounts([new CohortCount("x", -1, 0, TransgeneStatus.NotTested, 1)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => CohortSummary.FromCounts([new CohortCount("x", 1, 3, TransgeneStatus.NotTested, 1)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => CohortSummary.FromCounts([new CohortCount("x", 1, 2, TransgeneStatus.Positive, 1)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => CohortSummary.FromCounts([new CohortCount(null!, 1, 0, TransgeneStatus.NotTested, 1)]));
        var s = CohortSummary.FromCounts([new CohortCount("x", 10, 1, TransgeneStatus.Positive, 2), new CohortCount("x", 10, 1, TransgeneStatus.Positive, 3), new CohortCount("y", 20, 0, TransgeneStatus.NotTested, 4)]);
        Assert.Equal(9, s.Patients);
        Assert.Equal(5, s.Cases);
        Assert.Equal(130, s.PersonDays);
        Assert.Equal(2, s.Counts.Length);
        Assert.Equal(5, s.Transgene(TransgeneStatus.Positive));
        Assert.Equal(["x", "y"], s.Products.ToArray());
        Assert.Throws<ArgumentException>(() => s.Product("z"));
        Assert.Throws<ArgumentException>(() => s.ToEventTable(21));
    }

    /// <summary>Issue 23's fast path for plain rows (bytes straight into the summary) beside rows it hands to the full
    /// reader (quoted or escaped fields, NA tokens, a non-ASCII product, the optional sex and birth_date columns, every
    /// transgene value, a malignancy type): the same counts and data period as the row-level reader, sequentially and
    /// split into parts; and with a token list without NA, an "NA" product is a product on both paths.</summary>
    [Fact]
    public void PlainAndUnusualRows_SummariseAsTheRowLevelReaderReadsThem()
    {
        var rng = new Random(23);
        string[] products = ["axi-cel", "\"tisa-cel\"", "\"ide \"\"x\"\" cel\"", "axi-c\u00E9l", "NA", "", "liso cel"];
        string[] transgene = ["", "NA", "not_tested", "positive", "negative"];
        var lines = new List<string> { "patient_id,product,infusion_date,last_followup_date,malignancy_date,malignancy_type,death_date,transgene,sex,birth_date" };
        for (int i = 0; i < 2000; i++)
        {
            var inf = new DateOnly(2018, 1, 1).AddDays(rng.Next(1500));
            var last = inf.AddDays(1 + rng.Next(1500));
            int kind = rng.Next(6);
            string m = kind == 0 ? Cohort.Iso(inf.AddDays(rng.Next(1, last.DayNumber - inf.DayNumber + 1))) : rng.Next(3) == 0 ? "NA" : "";
            string d = kind == 1 ? Cohort.Iso(last.AddDays(rng.Next(0, 30))) : "";
            string tg = kind == 0 ? transgene[rng.Next(transgene.Length)] : transgene[rng.Next(3)];
            string type = kind == 0 && rng.Next(2) == 0 ? "\"T-cell lymphoma, PTCL\"" : "";
            string sex = new[] { "", "female", "male", "NA" }[rng.Next(4)];
            string birth = rng.Next(2) == 0 ? Cohort.Iso(inf.AddDays(-20000 - rng.Next(5000))) : "";
            string id = rng.Next(10) == 0 ? $"\"P{i}\"" : $"P{i}";
            lines.Add($"{id},{products[rng.Next(products.Length)]},{Cohort.Iso(inf)},{Cohort.Iso(last)},{m},{type},{d},{tg},{sex},{birth}");
        }

        string path = Temp(string.Join("\n", lines) + "\n");
        try
        {
            var expected = CohortSummary.From(CohortCsv.Read(path));
            Assert.DoesNotContain("NA", expected.Products);   // NA is a missing value by default: "(missing)"
            Assert.Contains("axi-c\u00E9l", expected.Products);
            foreach (long part in new long[] { 256, 4096, 1 << 30 })
            {
                var streamed = CohortCsv.Summarize(path, CohortCsvOptions.Default, part);
                Assert.Equal(expected.Counts.ToArray(), streamed.Counts.ToArray());
                Assert.Equal((expected.FirstInfusion, expected.LatestDate), (streamed.FirstInfusion, streamed.LatestDate));
            }

            // without NA among the missing values, "NA" in a date, transgene or sex column is an error: the same errors
            var strict = CohortCsvOptions.Default with { MissingValues = [""] };
            var rowErrors = Assert.Throws<CohortFormatException>(() => CohortCsv.Read(path, strict));
            foreach (long part in new long[] { 256, 1 << 30 })
            {
                var streamErrors = Assert.Throws<CohortFormatException>(() => CohortCsv.Summarize(path, strict, part));
                Assert.Equal(rowErrors.Errors, streamErrors.Errors);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Issue 26: a declared data cut-off prints in every rendering beside the data period; one before the latest
    /// date in the data is refused naming both dates (in either order of setting); a report from counts takes any date.</summary>
    [Fact]
    public void DeclaredDataCutoff_IsPrinted_AndCheckedAgainstTheData()
    {
        var streamed = CohortCsv.Summarize(Golden.PathOf("Cohorts/example-cohort.csv"));
        var report = SafetySummary.Compute(streamed) with { DataCutoff = new DateOnly(2025, 6, 30) };
        foreach (string text in new[] { report.ToText(DisclosurePolicy.Default), report.ToMarkdown(DisclosurePolicy.Default), report.ToHtml(DisclosurePolicy.Default) })
        {
            Assert.Contains("Data cut-off (declared)", text, StringComparison.Ordinal);
            Assert.Contains("2025-06-30", text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("Data cut-off (declared)", SafetySummary.Compute(streamed).ToText(DisclosurePolicy.Default), StringComparison.Ordinal);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SafetySummary.Compute(streamed) with { DataCutoff = new DateOnly(2025, 6, 29) });
        Assert.Contains("2025-06-29", e.Message, StringComparison.Ordinal);
        Assert.Contains("2025-06-30", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => (SafetySummary.Compute(streamed) with { DataPeriod = null, DataCutoff = new DateOnly(2020, 1, 1) })
            with { DataPeriod = (new DateOnly(2017, 1, 4), new DateOnly(2025, 6, 30)) });
        var fromCounts = SafetySummary.Compute(CohortSummary.FromCounts(streamed.Counts)) with { DataCutoff = new DateOnly(2020, 1, 1) };
        Assert.Contains("2020-01-01", fromCounts.ToText(DisclosurePolicy.Default), StringComparison.Ordinal);
    }
}

/// <summary>The parallel split of the streaming reader, forced onto small files: the same counts as the row-level
/// reader, and on any problem the same errors (the sequential fallback).</summary>
public sealed class CohortSummaryParallelTests
{
    private const string Header = "patient_id,product,infusion_date,last_followup_date,malignancy_date,malignancy_type,death_date,transgene";

    public static TheoryData<string, bool> Files()
    {
        var rows = Enumerable.Range(0, 300).Select(i => $"P{i},{(i % 4 == 0 ? "" : "p" + (i % 3))},2020-01-{1 + (i % 28):00},2021-0{1 + (i % 9)}-15,{(i % 11 == 0 ? "2020-12-01" : "")},{(i % 11 == 0 ? "T" : "")},{(i % 7 == 0 && i % 11 != 0 ? "2021-01-01" : "")},{(i % 22 == 0 ? "positive" : "")}").ToList();
        string good = Header + "\n" + string.Join("\n", rows) + "\n";
        return new TheoryData<string, bool>
        {
            { good, true },
            { "\uFEFF" + good.Replace("\n", "\r\n", StringComparison.Ordinal), true },
            { good.TrimEnd('\n'), true },
            { good + "P5,p1,2020-01-01,2020-06-01,,,,\n", false },                 // a repeat across parts
            { good.Replace("P150,", "P150 ,", StringComparison.Ordinal), false },  // white space in one part
            { good + "Z,p1,2020-01-01,2020-06-01,\"x\ny\",,,\n", false },          // a line break inside quotes
        };
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void ForcedParts_AgreeWithTheRowLevelReader(string text, bool valid)
    {
        string path = Path.Combine(Path.GetTempPath(), "cartrisk-parts-" + Guid.NewGuid().ToString("N") + ".csv");
        File.WriteAllText(path, text, new UTF8Encoding(false));
        try
        {
            if (valid)
            {
                var expected = CohortSummary.From(CohortCsv.Read(path)).Counts.ToArray();
                Assert.Equal(expected, CohortCsv.TrySummarizeInParallel(path, CohortCsvOptions.Default, 64)!.Counts.ToArray());   // the split path itself
                foreach (long part in new long[] { 64, 200, 1000, 1 << 20 })
                {
                    Assert.Equal(expected, CohortCsv.Summarize(path, CohortCsvOptions.Default, part).Counts.ToArray());
                }
            }
            else
            {
                var rows = Assert.ThrowsAny<Exception>(() => CohortCsv.Read(path));
                Assert.Null(CohortCsv.TrySummarizeInParallel(path, CohortCsvOptions.Default, 64));   // falls back
                foreach (long part in new long[] { 64, 200, 1000 })
                {
                    var streamed = Assert.ThrowsAny<Exception>(() => CohortCsv.Summarize(path, CohortCsvOptions.Default, part));
                    Assert.Equal(rows.Message, streamed.Message);
                    Assert.Equal(((CohortFormatException)rows).Errors, ((CohortFormatException)streamed).Errors);
                }
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
