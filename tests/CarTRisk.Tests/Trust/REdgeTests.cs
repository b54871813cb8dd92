namespace CarTRisk.Tests.Trust;

/// <summary>Issue 9: R's rules at the edges (values from R 4.2 / survival 3.5-3, Golden/Extra/trust-edges.R).</summary>
public sealed class REdgeTests
{
    [Fact]
    public void Quantile_RoundingAtTheEnd_IsNaAsInR()
    {
        // survfit(Surv(rep(1, 10), c(1, rep(0, 9))) ~ 1): S = 0.9 (0.90000000000000002), quantile(fit, .1) is NA.
        var km = KaplanMeier.Estimate(Enumerable.Repeat(1.0, 10).ToArray(), Enumerable.Range(0, 10).Select(i => i == 0).ToArray());
        var q = km.Quantile(0.1);
        Assert.Null(q.Value);
        Assert.Equal(1.0, q.Lower);
        Assert.Null(q.Upper);
    }

    [Fact]
    public void Quantile_NonMonotoneLimitCurve_SmallestValueNotFirstCrossing()
    {
        // survfit(Surv(3:6, rep(1, 4)) ~ 1, conf.type = "log-log", conf.int = 0.999): quantile(fit, .1) = 3 (4, 5).
        var km = KaplanMeier.Estimate([3.0, 4, 5, 6], [true, true, true, true],
            KaplanMeierOptions.Default with { Level = 0.999, Transform = IntervalTransform.LogLog });
        var q = km.Quantile(0.1);
        Assert.Equal(3.0, q.Value);
        Assert.Equal(4.0, q.Lower);   // was 3: the first crossing in time
        Assert.Equal(5.0, q.Upper);
    }

    [Fact]
    public void JackknifeStdErr_IsExactlyZero_WhenEveryRecordHasTheCause()
    {
        var cif = CumulativeIncidence.Estimate([1.0, 2, 2, 3, 5, 8, 13], [1, 1, 1, 1, 1, 1, 1], 1,
            CumulativeIncidenceOptions.Default with { IntervalVariance = CumulativeIncidenceVariance.Jackknife, Transform = IntervalTransform.Log });
        // R: std.err 5.2e-17 and 0 (rounding), lower 0.999999999999999889; this was 5e-9 and 0.9999999927.
        Assert.True(cif.JackknifeStdErr[1][^1] < 1e-15);
        Assert.Equal(0.0, cif.JackknifeStdErr[0][^1]);
        Assert.Equal(1.0, cif.Lower[^1], 1e-14);
        Assert.Equal(0.13226001425322165, cif.JackknifeStdErr[1][0], 1e-15);
    }
}

public sealed class SmallEdgeTests
{
    [Fact]
    public void RestrictedMean_PastFollowUp_IsFlagged()
    {
        var km = KaplanMeier.Estimate([1.0, 2, 3], [true, false, true]);
        Assert.False(km.RestrictedMean(3).BeyondFollowUp);
        Assert.True(km.RestrictedMean(10).BeyondFollowUp);
    }

    [Fact]
    public void SafetyReport_ToText_NullTitleAndLevelLabel()
    {
        var cohort = new Cohort([new CohortRecord("A", "x", new DateOnly(2020, 1, 1), new DateOnly(2021, 1, 1), new DateOnly(2020, 3, 1), null, null, TransgeneStatus.NotTested),
            new CohortRecord("B", "x", new DateOnly(2020, 1, 1), new DateOnly(2021, 1, 1), null, null, null, TransgeneStatus.NotTested)]);
        var report = SafetySummary.Compute(cohort, level: 0.975);
        Assert.Contains("Secondary malignancy safety summary", report.ToText(null));   // null policy = the default
        Assert.Throws<ArgumentNullException>(() => (report with { Title = null! }).ToText());
        Assert.Throws<ArgumentException>(() => (report with { Title = "a\nforged line" }).ToText());
        Assert.Contains("97.5% CI", report.ToText());
        Assert.DoesNotContain("98% CI", report.ToText());
    }

    [Fact]
    public void EventTable_HugeCounts_AreAnErrorNotNaN()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EventTable.FromCounts([1.0, 2.0, 3.0], [1, 0, 1], [1e308, 1e308, 1]));
    }

    [Fact]
    public void NearTies_MergeAsR_ExactOnRequest()
    {
        // survfit(Surv(c(rep(0.1 + 0.2, 4), rep(0.3, 4)), c(1, 1, 0, 0, 0, 0, 0, 0)) ~ 1): one row, S = 0.75.
        var t = Enumerable.Repeat(0.1 + 0.2, 4).Concat(Enumerable.Repeat(0.3, 4)).ToArray();
        var e = new[] { true, true, false, false, false, false, false, false };
        var km = KaplanMeier.Estimate(t, e);
        Assert.Single(km.Time);
        Assert.Equal(0.75, km.Survival[0]);
        var exact = KaplanMeier.Estimate(t, e, KaplanMeierOptions.Default with { TimeFix = false });
        Assert.Equal(2, exact.Time.Length);
        Assert.Equal(4, EventTable.FromRecords(t, e).NearTiesMerged);
        Assert.Equal(0, EventTable.FromRecords(t, e, timeFix: false).NearTiesMerged);
        // Delayed entry: an entry and exit equal up to rounding is R's aeqSurv error, here a clear exception.
        Assert.Throws<ArgumentException>(() => KaplanMeier.Estimate([0.1 + 0.2, 0.0], [0.3, 1.0], [true, true]));
    }
}
