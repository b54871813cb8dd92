namespace CarTRisk.Tests.Cohorts;

public sealed class CohortCsvTests
{
    private const string Header = "patient_id,product,infusion_date,last_followup_date,malignancy_date,malignancy_type,death_date,transgene";

    private static Cohort Parse(string text) => CohortCsv.Parse(new StringReader(text));

    private static CohortFormatException Bad(string text) => Assert.Throws<CohortFormatException>(() => Parse(text));

    [Fact]
    public void Parse_ValidOddities_Load()
    {
        // BOM, CRLF, any column order, quoted field with a comma and an escaped quote, optional columns missing.
        var text = "\uFEFFlast_followup_date,infusion_date,patient_id,malignancy_type,malignancy_date\r\n" +
                   "2021-01-01,2020-01-01,A,\"MDS, \"\"therapy-related\"\"\",2020-06-01\r\n" +
                   "2020-03-01,2020-01-01,B,,\r\n";
        var cohort = Parse(text);
        Assert.Equal(2, cohort.Count);
        Assert.Equal("MDS, \"therapy-related\"", cohort.Records[0].MalignancyType);
        Assert.Equal(152, cohort.Records[0].DurationDays);            // 2020-01-01 -> 2020-06-01
        Assert.Equal(FollowUpOutcome.Malignancy, cohort.Records[0].Outcome);
        Assert.Equal(60, cohort.Records[1].DurationDays);
        Assert.Equal([1, 0], cohort.Causes.ToArray());
        Assert.Equal(212, cohort.PersonDays);
    }

    [Fact]
    public void Parse_DeathAfterMalignancy_AnalysisEndsAtMalignancy()
    {
        var c = Parse(Header + "\nA,axi-cel,2020-01-01,2021-01-01,2020-02-01,solid,2020-12-01,negative\nB,axi-cel,2020-01-01,2020-12-31,,,2020-04-10,\n");
        Assert.Equal([31.0, 100.0], c.Durations.ToArray());
        Assert.Equal([1, 2], c.Causes.ToArray());
        Assert.Equal(TransgeneStatus.Negative, c.Records[0].Transgene);
    }

    [Fact]
    public void Parse_EveryBadRowListed_WithLineColumnAndValue()
    {
        var text = Header + "\n" +
            "A,axi-cel,2020-01-01,2021-01-01,,,,\n" +                  // line 2 ok
            "A,axi-cel,2020-01-01,2021-01-01,,,,\n" +                  // 3 duplicate id
            ",axi-cel,2020-01-01,2021-01-01,,,,\n" +                   // 4 empty id
            "C,axi-cel,2020-13-01,2021-01-01,,,,\n" +                  // 5 bad date
            "D,axi-cel,2020-01-01,2019-01-01,,,,\n" +                  // 6 follow-up before infusion
            "E,axi-cel,2020-01-01,2021-01-01,2020-06-01,x,2020-05-01,\n" + // 7 malignancy after death
            "F,axi-cel,2020-01-01,2021-01-01,,,,maybe\n" +             // 8 bad transgene
            "G,axi-cel,2020-01-01\n" +                                 // 9 too few fields
            "H,axi-cel,2020-01-01,2021-01-01,,,,,extra\n" +            // 10 too many fields
            "I,axi-cel,2020-01-01,,,,,\n" +                            // 11 missing required value
            "J,axi-cel, 2020-01-01,2021-01-01,,,,\n" +                 // 12 leading space: not trimmed
            "K,axi-cel,2020-01-01,2021-01-01,2019-12-31,solid,,\n" +   // 13 malignancy before infusion
            "L,axi-cel,2020-01-01,2021-01-01,,,2019-12-31,\n";         // 14 death before infusion
        var e = Bad(text);
        var lines = e.Errors.Select(x => x.Line).ToArray();
        Assert.Equal([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14], lines);
        Assert.Contains(e.Errors, x => x is { Line: 3, Column: "patient_id", Value: "A" } && x.Message.Contains("line 2", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x is { Line: 5, Column: "infusion_date", Value: "2020-13-01" });
        Assert.Contains(e.Errors, x => x is { Line: 6, Column: "last_followup_date", Value: "2019-01-01" });
        Assert.Contains(e.Errors, x => x is { Line: 7, Column: "malignancy_date", Value: "2020-06-01" });
        Assert.Contains(e.Errors, x => x is { Line: 8, Column: "transgene", Value: "maybe" });
        Assert.Contains(e.Errors, x => x is { Line: 11, Column: "last_followup_date" });
        Assert.Contains(e.Errors, x => x is { Line: 12, Column: "infusion_date", Value: " 2020-01-01" });
        Assert.Contains("line 9", e.Message, StringComparison.Ordinal);
        Assert.IsType<CsvHelper.CsvFormatException>(e.InnerException);
    }

    [Fact]
    public void Parse_MalformedQuote_Reported()
    {
        var e = Bad(Header + "\nA,\"axi\"cel,2020-01-01,2021-01-01,,,,\nB,axi-cel,2020-01-01,2021-01-01,,,,\n");
        Assert.Equal(2, Assert.Single(e.Errors).Line);
    }

    [Fact]
    public void Parse_LineNumbers_CountQuotedLineBreaks()
    {
        var e = Bad(Header + "\nA,axi-cel,2020-01-01,2021-01-01,2020-02-01,\"multi\nline\",,\nB,axi-cel,2020-01-01,bad,,,,\n");
        // A quoted line break is a control character in a value (it would forge a row in a printed table): invalid,
        // and the next record's line number still counts both physical lines.
        Assert.Equal([2, 4], e.Errors.Select(x => x.Line).ToArray());
        Assert.Equal("malignancy_type", e.Errors[0].Column);
        Assert.Equal("multi\\u000Aline", e.Errors[0].Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("patient_id,infusion_date\nA,2020-01-01\n")]
    [InlineData("patient_id,infusion_date,last_followup_date,colour\nA,2020-01-01,2020-02-01,red\n")]
    [InlineData("patient_id,infusion_date,last_followup_date,patient_id\nA,2020-01-01,2020-02-01,A\n")]
    public void Parse_BadHeaderOrEmpty_ErrorOnLine1(string text)
    {
        var e = Bad(text);
        Assert.All(e.Errors, x => Assert.Equal(1, x.Line));
    }

    [Fact]
    public void Parse_UnknownColumnAllowed_Loads()
    {
        var c = CohortCsv.Parse(new StringReader("patient_id,infusion_date,last_followup_date,site\nA,2020-01-01,2020-02-01,Stanford\n"),
            new CohortCsvOptions { AllowUnknownColumns = true });
        Assert.Equal(31, c.Records[0].DurationDays);
    }

    [Fact]
    public void Read_MissingFile_Throws()
    {
        Assert.Throws<FileNotFoundException>(() => CohortCsv.Read("/nonexistent/cohort.csv"));
        Assert.Throws<ArgumentException>(() => CohortCsv.Read(""));
        Assert.Throws<ArgumentNullException>(() => CohortCsv.Parse(null!));
    }

    [Fact]
    public void Read_ExampleCohort_Loads()
    {
        var c = CohortCsv.Read(Support.Golden.PathOf("Cohorts/example-cohort.csv"));
        Assert.Equal(724, c.Count);
        Assert.Equal(c.Records.Count(r => r.MalignancyDate is not null), c.Cases);
        Assert.InRange(c.Cases, 20, 35);
    }

    [Fact]
    public void Cohort_RepeatedIdInCode_Throws()
    {
        var r = new CohortRecord("A", null, new DateOnly(2020, 1, 1), new DateOnly(2020, 2, 1), null, null, null, TransgeneStatus.NotTested);
        var e = Assert.Throws<ArgumentException>(() => new Cohort([r, r]));
        Assert.Equal("records", e.ParamName);
        Assert.Contains("records[1]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GroupBy_Product_OrdinalAndComplete()
    {
        var c = CohortCsv.Read(Support.Golden.PathOf("Cohorts/example-cohort.csv"));
        var groups = c.ByProduct();
        Assert.Equal(c.Count, groups.Sum(g => g.Value.Count));
        Assert.Equal(groups.Select(g => g.Key).Order(StringComparer.Ordinal), groups.Select(g => g.Key));
    }

    [Fact]
    public void CausesByMalignancyClass_SplitsCauses()
    {
        var c = Parse(Header + "\nA,x,2020-01-01,2021-01-01,2020-02-01,MDS/AML,,\nB,x,2020-01-01,2021-01-01,2020-03-01,solid,,\nC,x,2020-01-01,2021-01-01,,,2020-05-01,\nD,x,2020-01-01,2021-01-01,,,,\n");
        var (causes, labels) = c.CausesByMalignancyClass(t => t == "solid" ? "solid" : "myeloid");
        Assert.Equal(["myeloid", "solid"], labels.ToArray());
        Assert.Equal([1, 2, 3, 0], causes.ToArray());
    }
}
