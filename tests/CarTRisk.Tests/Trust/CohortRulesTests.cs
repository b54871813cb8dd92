using System.Text;

namespace CarTRisk.Tests.Trust;

/// <summary>Issue 9: no silent change of the data (revised cohort rules) and bounded reading.</summary>
public sealed class CohortRulesTests
{
    private const string Header = "patient_id,product,infusion_date,last_followup_date,malignancy_date,malignancy_type,death_date,transgene";

    private static Cohort Parse(string text, CohortCsvOptions? options = null) =>
        CohortCsv.Parse(new StringReader(text), options ?? CohortCsvOptions.Default);

    private static CohortFormatException Bad(string text, CohortCsvOptions? options = null) =>
        Assert.Throws<CohortFormatException>(() => Parse(text, options));

    [Fact]
    public void MalignancyAfterLastFollowUp_InvalidByDefault_ExtendedAndListedOnRequest()
    {
        const string text = Header + "\nA,axi-cel,2020-01-01,2020-01-10,2022-01-01,solid,,\n";
        var e = Bad(text);
        var error = Assert.Single(e.Errors);
        Assert.Equal((2, "malignancy_date", "2022-01-01"), (error.Line, error.Column, error.Value));

        var c = Parse(text, CohortCsvOptions.Default with { ExtendFollowUpToEvents = true });
        Assert.Equal(731, c.Durations[0]);   // was moved to day 9 and counted "within 12 months"
        Assert.Equal(1, c.Causes[0]);
        var adj = Assert.Single(c.Adjustments);
        Assert.Equal((2, "A", "last_followup_date", "2020-01-10", "2022-01-01"), (adj.Line, adj.PatientId, adj.Column, adj.From, adj.To));
        Assert.Empty(Parse(Header + "\nA,axi-cel,2020-01-01,2020-01-10,,,,\n").Adjustments);
    }

    [Fact]
    public void DeathAfterLastFollowUp_FollowUpEndsAtDeath()
    {
        var c = Parse(Header + "\nA,axi-cel,2020-01-01,2020-03-01,,,2020-06-01,\n");
        Assert.Equal(152, c.Durations[0]);   // was moved to day 60
        Assert.Equal(2, c.Causes[0]);
    }

    [Theory]
    [InlineData("A,axi-cel,2020-01-01,2020-03-01,,,,positive", "transgene")]
    [InlineData("A,axi-cel,2020-01-01,2020-03-01,,,,negative", "transgene")]
    [InlineData("A,axi-cel,2020-01-01,2020-03-01,,T-cell lymphoma,,", "malignancy_type")]
    [InlineData("A, axi-cel,2020-01-01,2020-03-01,,,,", "product")]
    [InlineData("A,axi-cel ,2020-01-01,2020-03-01,,,,", "product")]
    [InlineData("A,axi\u200Bcel,2020-01-01,2020-03-01,,,,", "product")]
    [InlineData("A,axi\tcel,2020-01-01,2020-03-01,,,,", "product")]
    [InlineData("A\u0000,axi-cel,2020-01-01,2020-03-01,,,,", "patient_id")]
    [InlineData("A,\"axi\ncel\",2020-01-01,2020-03-01,,,,", "product")]
    [InlineData("A,axi-cel,2020-01-01,2141-01-01,,,,", "last_followup_date")]
    public void ForbiddenValues_AreInvalidRows(string row, string column)
    {
        var e = Bad(Header + "\n" + row + "\n");
        Assert.Contains(e.Errors, x => x.Column == column && x.Line == 2);
    }

    [Fact]
    public void InvalidUtf8_IsAnInvalidRow_NotMerged()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cartrisk-latin1-{Guid.NewGuid():N}.csv");
        try
        {
            var bytes = new List<byte>();
            bytes.AddRange(Encoding.ASCII.GetBytes(Header + "\nA,caf"));
            bytes.Add(0xE9);   // Latin-1 é
            bytes.AddRange(Encoding.ASCII.GetBytes(",2020-01-01,2020-03-01,,,,\nB,caf"));
            bytes.Add(0xEB);   // Latin-1 ë
            bytes.AddRange(Encoding.ASCII.GetBytes(",2020-01-01,2020-03-01,,,,\n"));
            File.WriteAllBytes(path, bytes.ToArray());
            var e = Assert.Throws<CohortFormatException>(() => CohortCsv.Read(path));
            Assert.Equal([(2, "product"), (3, "product")], e.Errors.Select(x => (x.Line, x.Column)).ToArray());
            Assert.Contains("UTF-8", e.Errors[0].Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MissingLabel_DoesNotMergeWithALiteralProduct()
    {
        // the label of records without a product cannot be a product: refused at reading, line and column named
        var e = Bad(Header + "\nA,(missing),2020-01-01,2020-03-01,,,,\nB,,2020-01-01,2020-03-01,,,,\n");
        var error = Assert.Single(e.Errors);
        Assert.Equal((2, "product", "(missing)"), (error.Line, error.Column, error.Value));

        // and a cohort built in code with it is refused too
        var r = new CohortRecord("A", Cohort.Missing, new DateOnly(2020, 1, 1), new DateOnly(2020, 2, 1), null, null, null, TransgeneStatus.NotTested);
        Assert.Throws<ArgumentException>(() => new Cohort([r]));
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("1e400")]
    public void NonFiniteCovariate_IsAnErrorNamingTheLine(string value)
    {
        var options = CohortCsvOptions.Default with { Covariates = ["score"] };
        var e = Bad(Header + ",score\nA,axi-cel,2020-01-01,2020-03-01,,,,,1\nB,axi-cel,2020-01-01,2020-03-01,,,,," + value + "\n", options);
        var error = Assert.Single(e.Errors);
        Assert.Equal((3, "score", value), (error.Line, error.Column, error.Value));
        Assert.Contains("not a finite number", error.Message);
    }

    [Fact]
    public void DesignMatrix_TooLargeToAllocate_IsRefusedBeforeAllocating()
    {
        int n = 100_000;
        var levels = Enumerable.Range(0, n).Select(i => "L" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<ArgumentException>(() => DesignMatrix.Build(Covariate.Categorical("site", levels)));
        Assert.Contains("100000 levels", ex.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 200_000_000, "allocated more than the input needs");
    }

    [Fact]
    public void UndefinedEnums_AreRejectedByTheCohort()
    {
        var r = new CohortRecord("A", null, new DateOnly(2020, 1, 1), new DateOnly(2020, 2, 1), new DateOnly(2020, 1, 15), null, null, (TransgeneStatus)7);
        Assert.Throws<ArgumentException>(() => new Cohort([r]));
        var s = new CohortRecord("A", null, new DateOnly(2020, 1, 1), new DateOnly(2020, 2, 1), null, null, null, TransgeneStatus.NotTested) { Sex = (Sex)5 };
        Assert.Throws<ArgumentException>(() => new Cohort([s]));
    }

    [Fact]
    public void OnsetDays_CannotBeChangedThroughACast()
    {
        var c = Parse(Header + "\nA,axi-cel,2020-01-01,2021-03-01,2020-02-01,solid,,\n");
        var report = SafetySummary.Compute(c);
        Assert.False(report.Onset.Days is double[]);
    }

    [Fact]
    public void UnknownColumns_ExactNames_IgnoredOnesListed()
    {
        const string text = "patient_id,infusion_date,last_followup_date,death_dt\nA,2020-01-01,2020-03-01,2020-02-01\n";
        var e = Bad(text);
        Assert.Equal("death_dt", Assert.Single(e.Errors).Column);
        var c = Parse(text, CohortCsvOptions.Default with { AllowUnknownColumns = true });
        Assert.Equal(["death_dt"], c.IgnoredColumns);
        // Header matching is exact: a differently cased name is unknown, not matched.
        var cased = Bad("patient_id,infusion_date,last_followup_date,Death_Date\nA,2020-01-01,2020-03-01,2020-02-01\n");
        Assert.Contains("did you mean 'death_date'", Assert.Single(cased.Errors).Message);
        var ignored = Parse("patient_id,infusion_date,last_followup_date,Death_Date\nA,2020-01-01,2020-03-01,2020-02-01\n",
            CohortCsvOptions.Default with { AllowUnknownColumns = true });
        Assert.Equal(0, ignored.Causes[0]);
        Assert.Equal(["Death_Date"], ignored.IgnoredColumns);
    }

    [Fact]
    public void CausesByMalignancyClass_CodesStableAcrossSubsets()
    {
        var c = Parse(Header + "\nA,p1,2020-01-01,2021-03-01,2020-02-01,solid,,\nB,p2,2020-01-01,2021-03-01,2020-03-01,heme,,\nC,p2,2020-01-01,2021-03-01,,,2020-05-01,\nD,p1,2020-01-01,2021-03-01,,,2020-06-01,\n");
        var whole = c.CausesByMalignancyClass(t => t!);
        Assert.Equal(["heme", "solid"], whole.Labels.ToArray());
        Assert.Equal([2, 1, 3, 3], whole.Causes.ToArray());
        foreach (var (_, sub) in c.ByProduct())
        {
            var part = sub.CausesByMalignancyClass(t => t!);
            Assert.Equal(whole.Labels.ToArray(), part.Labels.ToArray());
            for (int i = 0; i < sub.Count; i++)
            {
                int j = c.Records.ToList().FindIndex(r => r.PatientId == sub.Records[i].PatientId);
                Assert.Equal(whole.Causes[j], part.Causes[i]);
            }
        }
    }

    [Fact]
    public void MissingMarkers_NaByDefault_Configurable()
    {
        const string text = Header + "\nA,NA,2020-01-01,2020-03-01,NA,NA,NA,NA\n";
        var c = Parse(text);
        Assert.Null(c.Records[0].Product);
        Assert.Null(c.Records[0].DeathDate);
        var e = Bad(text, CohortCsvOptions.Default with { MissingValues = [""] });
        Assert.Contains(e.Errors, x => x.Column == "malignancy_date" && x.Value == "NA");
        Assert.Contains(Bad(Header + "\nA,x,NA,2020-03-01,,,,\n").Errors, x => x.Column == "infusion_date" && x.Message.Contains("missing"));
    }

    [Fact]
    public void BirthDateSexAndCovariates_Read()
    {
        var c = Parse("patient_id,infusion_date,last_followup_date,birth_date,sex,lines,chip\nA,2020-01-01,2020-03-01,1960-01-01,female,3,yes\nB,2020-01-01,2020-03-01,,,NA,no\n",
            CohortCsvOptions.Default with { Covariates = ["lines", "chip"] });
        Assert.Equal((new DateOnly(2020, 1, 1).DayNumber - new DateOnly(1960, 1, 1).DayNumber) / 365.25, c.AgeAtInfusion[0]);
        Assert.True(double.IsNaN(c.AgeAtInfusion[1]));
        Assert.Equal(Sex.Female, c.Records[0].Sex);
        Assert.Null(c.Records[1].Sex);
        var lines = c.Covariate("lines");
        Assert.True(lines.IsNumeric);
        Assert.Equal(3.0, lines.NumericValues[0]);
        Assert.True(double.IsNaN(lines.NumericValues[1]));
        Assert.False(c.Covariate("chip").IsNumeric);
        Assert.Equal(["no", "yes"], c.Covariate("chip").Levels.ToArray());
        Assert.Throws<ArgumentException>(() => c.Covariate("nope"));
        Assert.Contains(Bad("patient_id,infusion_date,last_followup_date,birth_date\nA,2020-01-01,2020-03-01,2020-02-01\n").Errors, x => x.Column == "birth_date");
        Assert.Contains(Bad("patient_id,infusion_date,last_followup_date,sex\nA,2020-01-01,2020-03-01,F\n").Errors, x => x.Column == "sex");
    }

    [Fact]
    public void ManyBadRows_KeepTheFirstThousand_CountTheRest()
    {
        var sb = new StringBuilder(Header).Append('\n');
        for (int i = 0; i < 5000; i++)
        {
            sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"P{i},x,2020-01-01,bad,,,,\n");
        }

        var e = Bad(sb.ToString());
        Assert.Equal(CohortCsv.MaxErrorsKept, e.Errors.Count);
        Assert.Equal(5000, e.TotalErrors);
        Assert.True(e.Message.Length < 20_000);
    }

    [Fact]
    public void HugeValues_AreClippedInErrors()
    {
        string huge = new('9', 10 * 1024 * 1024);
        var sb = new StringBuilder(Header).Append('\n');
        for (int i = 0; i < 3; i++)
        {
            sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"P{i},x,2020-01-01,{(i == 0 ? huge : "2021-01-01")},,,,\n");
        }

        var e = Bad(sb.ToString());
        Assert.All(e.Errors, x => Assert.True(x.Value.Length < 400));
        Assert.True(e.Message.Length < 5_000);
    }

    [Fact]
    public void NulBytesAndEndlessInput_StopWithABoundedError()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cartrisk-nul-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllBytes(path, new byte[8 * 1024 * 1024]);
            long before = GC.GetTotalAllocatedBytes();
            var e = Assert.Throws<CohortFormatException>(() => CohortCsv.Read(path));
            Assert.True(e.Message.Length < 5_000);
            Assert.True(GC.GetTotalAllocatedBytes() - before < 200_000_000);
        }
        finally
        {
            File.Delete(path);
        }

        using var zeros = new StreamReader(new EndlessZeros());
        Assert.Throws<CohortFormatException>(() => CohortCsv.Parse(zeros));
    }

    [Fact]
    public void Directory_SaysSo()
    {
        var e = Assert.Throws<IOException>(() => CohortCsv.Read(Path.GetTempPath()));
        Assert.Contains("is a directory", e.Message);
    }

    /// <summary>/dev/zero without the file system: a stream of NUL bytes that never ends.</summary>
    private sealed class EndlessZeros : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => 0; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Clear(buffer, offset, count);
            return count;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>A rate table of many overlapping rows is refused after 20 named problems, without checking every pair of
/// cells (issue 27: a 150 kB file did not return within 35 s).</summary>
public sealed class ReferenceRateOverlapTests
{
    [Fact]
    public void OverlappingRows_StopAtTwentyProblems()
    {
        var rows = Enumerable.Range(0, 2000).Select(i => new ReferenceRate(Sex.Female, i * 0.01, 100, 1, 2000, 1e-4)).ToArray();
        var ex = Assert.Throws<ArgumentException>(() => ReferenceRates.FromRows(rows));
        Assert.Equal(20, ex.Message.Split("overlap at").Length - 1);
        Assert.EndsWith("; .... (Parameter 'rows')", ex.Message);
    }
}
