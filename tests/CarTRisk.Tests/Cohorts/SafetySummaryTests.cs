using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Cohorts;

public sealed class SafetySummaryTests
{
    private const string Header = "patient_id,product,infusion_date,last_followup_date,malignancy_date,malignancy_type,death_date,transgene";

    /// <summary>Issue 26: deaths (the competing event) and the median follow-up by the reverse Kaplan-Meier on the
    /// example cohort, = R 4.2.2, survival 3.5-3 on the same (days, cause) rows:
    /// <c>f &lt;- survfit(Surv(days, cause == 0) ~ 1); quantile(f, 0.5)</c> (1420, 1362, 1507); <c>sum(cause == 2)</c>
    /// (296); <c>range(days)</c> (0, 3076). The streamed summary gives the same.</summary>
    [Fact]
    public void DeathsAndMedianFollowUp_ExampleCohort_EqualR()
    {
        var path = Golden.PathOf("Cohorts/example-cohort.csv");
        foreach (var r in new[] { SafetySummary.Compute(CohortCsv.Read(path)), SafetySummary.Compute(CohortCsv.Summarize(path)) })
        {
            Assert.Equal(296, r.Deaths);
            Assert.Equal(new QuantileEstimate(1420, 1362, 1507), r.MedianFollowUp);
            Assert.Equal((0, 3076), r.FollowUpRange);
            var md = r.ToMarkdown();
            Assert.Contains("| Deaths without a prior malignancy (competing) | 296 |", md, StringComparison.Ordinal);
            Assert.Contains("| Median follow-up, days (reverse Kaplan-Meier, 95% CI) | 1,420 (1,362 to 1,507) |", md, StringComparison.Ordinal);
            Assert.Contains("## Methods", md, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Compute_SmallCohort_HandCalculation()
    {
        // durations: A malignancy at 100 (T-cell, positive), B death at 50, C censored at 400, D malignancy at 500 (tested negative)
        var cohort = CohortCsv.Parse(new StringReader(Header + "\n" +
            "A,axi-cel,2020-01-01,2021-01-01,2020-04-10,T-cell lymphoma,,positive\n" +
            "B,axi-cel,2020-01-01,2020-02-20,,,2020-02-20,\n" +
            "C,tisa-cel,2020-01-01,2021-02-04,,,,\n" +
            "D,tisa-cel,2020-01-01,2022-01-01,2021-05-15,MDS/AML,,negative\n"));
        Assert.Equal([100.0, 50, 400, 500], cohort.Durations.ToArray());
        var r = SafetySummary.Compute(cohort, horizonDays: 450);
        Assert.Equal(4, r.Patients);
        Assert.Equal(2, r.Cases);
        NumericAssert.Close(1050 / 365.25, r.PersonYears, 1e-15);
        NumericAssert.Close(2 / (1050 / 365.25) * 100, r.RatePer100PersonYears.Value, 1e-13);
        Assert.Equal(BinomialInterval.ClopperPearson(2, 4), r.CrudeIncidence.Interval);
        // AJ at 450: t=50 death (n=4): S=3/4; t=100 malignancy (n=3): F = 3/4·1/3 = 1/4.
        NumericAssert.Close(0.25, r.CumulativeIncidenceAtHorizon.Estimate, 1e-15);
        // Naive KM (deaths censored): at 100, n = 3 → S = 2/3, so the naive risk is 1/3 > 1/4.
        NumericAssert.Close(2.0 / 3, r.MalignancyFreeKaplanMeierAtHorizon.Survival, 1e-15);
        Assert.Equal(300, r.Onset.Median);
        Assert.Equal(200, r.Onset.Q1);    // type 7: h = (2 - 1)·0.25, 100 + 0.25·(500 - 100)
        Assert.Equal(100, r.Onset.Min);
        Assert.Equal(500, r.Onset.Max);
        Assert.Equal(1, r.Onset.Within365Days!.Cases);
        Assert.Equal(2, r.TransgenePositive!.CohortSize);
        Assert.Equal(1, r.TransgenePositive.Cases);
    }

    [Fact]
    public void Compute_NoCases_DefinedNotThrowing()
    {
        var cohort = CohortCsv.Parse(new StringReader(Header + "\nA,x,2020-01-01,2020-06-01,,,,\n"));
        var r = SafetySummary.Compute(cohort);
        Assert.Equal(0, r.Cases);
        Assert.Equal(0, r.CumulativeIncidenceAtHorizon.Estimate);
        Assert.Null(r.Onset.Median);
        Assert.Null(r.Onset.Within365Days);
        Assert.Null(r.TransgenePositive);
        Assert.True(r.CumulativeIncidenceAtHorizon.BeyondFollowUp);
        Assert.Matches(@"Tested\s+0", r.ToText());
    }

    [Fact]
    public void ToText_SmallCounts_Suppressed_ObjectsKeepRealNumbers()
    {
        var cohort = CohortCsv.Read(Golden.PathOf("Cohorts/example-cohort.csv"));
        var r = SafetySummary.Compute(cohort);
        var text = r.ToText();
        Assert.Contains("Aalen-Johansen", text, StringComparison.Ordinal);
        Assert.Contains("724", text, StringComparison.Ordinal);
        Assert.True(r.TransgenePositive!.Cases < 11);
        Assert.Contains("<11", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<11", r.ToText(DisclosurePolicy.None), StringComparison.Ordinal);
        // AJ never exceeds the naive 1 - KM.
        Assert.True(r.CumulativeIncidenceAtHorizon.Estimate <= 1 - r.MalignancyFreeKaplanMeierAtHorizon.Survival);
    }

    [Fact]
    public void Compute_BadArguments_Throw()
    {
        var cohort = CohortCsv.Parse(new StringReader(Header + "\nA,x,2020-01-01,2020-06-01,,,,\n"));
        Assert.Throws<ArgumentNullException>(() => SafetySummary.Compute((Cohort)null!));
        Assert.Equal("horizonDays", Assert.Throws<ArgumentOutOfRangeException>(() => SafetySummary.Compute(cohort, 0)).ParamName);
        Assert.Equal("level", Assert.Throws<ArgumentOutOfRangeException>(() => SafetySummary.Compute(cohort, 1095, 1)).ParamName);
        Assert.Equal("cohort", Assert.Throws<ArgumentException>(() => SafetySummary.Compute(new Cohort([]))).ParamName);
    }
}
