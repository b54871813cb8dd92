using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Reporting;

public sealed class EstimatorTableTests
{
    private static readonly Cohort Example = CohortCsv.Read(Golden.PathOf("Cohorts/example-cohort.csv"));

    [Fact]
    public void CohortPath_EqualsTheArrayPath()
    {
        var events = Example.Causes.Select(c => c == 1).ToArray();
        Assert.Equal(KaplanMeier.Estimate(Example.Durations.AsSpan(), events).Survival.ToArray(), Example.KaplanMeier().Survival.ToArray());
        Assert.Equal(CumulativeIncidence.Estimate(Example.Durations.AsSpan(), Example.Causes.AsSpan(), 1).Estimate.ToArray(),
            Example.CumulativeIncidence().Estimate.ToArray());
        var products = Example.Records.Select(r => r.Product ?? Cohort.Missing).ToArray();
        Assert.Equal(LogRank.Test(Example.Durations.AsSpan(), events, products).ChiSquare, Example.LogRank(r => r.Product).ChiSquare);
        Assert.Equal(GrayTest.Test(Example.Durations.AsSpan(), Example.Causes.AsSpan(), products, 1).Statistic, Example.GrayTest(r => r.Product).Statistic);

        // A malignancy class: other malignancies compete (cause 3); T-cell lymphoma only.
        var tcell = Example.CumulativeIncidence(r => r.MalignancyType == "T-cell lymphoma");
        int expected = Example.Records.Count(r => r.Outcome == FollowUpOutcome.Malignancy && r.MalignancyType == "T-cell lymphoma");
        Assert.Equal(expected, (int)tcell.EventsByCause[0].Sum());
        Assert.Equal([1, 2, 3], tcell.CauseCodes.ToArray());
        var sub = Example.Where(r => r.Product == "axi-cel");
        Assert.All(sub.Records, r => Assert.Equal("axi-cel", r.Product));
        Assert.Equal(6, Example.CumulativeIncidenceByGroup(r => r.Product).Count);
    }

    [Fact]
    public void Tables_RenderThroughThePolicy_AndToStringIsReadable()
    {
        var km = Example.KaplanMeier();
        var cif = Example.CumulativeIncidence();
        var lr = Example.LogRank(r => r.Product);
        var gray = Example.GrayTest(r => r.Product);
        foreach (var text in new[] { km.ToString(), cif.ToString(), lr.ToString(), gray.ToString(), Example.CumulativeIncidence().ToTable(new Dictionary<int, string> { [1] = "Malignancy", [2] = "Death" }, 365, 1095).ToMarkdown() })
        {
            Assert.DoesNotContain("ImmutableArray", text, StringComparison.Ordinal);
            Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
        }

        // Every product has fewer than 11 cases: log-rank and Gray observed counts and statistics are suppressed ...
        Assert.Contains("<11", lr.ToString(), StringComparison.Ordinal);
        Assert.Contains("<11", gray.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(gray.Statistic.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture), gray.ToString(), StringComparison.Ordinal);
        // ... and shown without a policy.
        Assert.Contains(gray.Statistic.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture), gray.ToTable().ToText(DisclosurePolicy.None), StringComparison.Ordinal);

        // KM table at 1 and 3 years: events since the previous row of 1..10 are masked; survival rests on cumulative events.
        var table = km.ToTable(365, 1095);
        var rows = table.Render();
        Assert.Equal(3, rows.Count);
        var open = table.Render(DisclosurePolicy.None);
        Assert.Equal(Example.Records.Count(r => r.Outcome == FollowUpOutcome.Malignancy && r.DurationDays <= 365).ToString(System.Globalization.CultureInfo.InvariantCulture), open[1][2]);
        Assert.Equal("12", open[1][2]);
        Assert.Equal("12", rows[1][2]);
        Assert.Equal("<11", rows[2][2]);   // the cases between 1 and 3 years are fewer than 11
        Assert.True(int.Parse(open[2][2], System.Globalization.CultureInfo.InvariantCulture) is > 0 and < 11);
        Assert.Throws<ArgumentException>(() => km.ToTable(10, 5));
    }

    [Fact]
    public void ProportionAndRate_ToString_ApplyThePolicy()
    {
        Assert.Equal("<11/<11 = <11", CrudeIncidence.Proportion(1, 8).ToString());
        Assert.DoesNotContain("12.50", CrudeIncidence.Proportion(1, 8).ToString(), StringComparison.Ordinal);
        Assert.Contains("12.50", CrudeIncidence.Proportion(1, 8).ToString(DisclosurePolicy.None), StringComparison.Ordinal);
        Assert.DoesNotContain("<11", CrudeIncidence.Proportion(27, 724).ToString(), StringComparison.Ordinal);
        Assert.Equal("<11/<11 = <11", CrudeIncidence.Proportion(12, 15).ToString());   // 3 non-cases: one marker for both   // 3 non-cases
        Assert.Contains("<11", CrudeIncidence.Rate(3, 1000).ToString(), StringComparison.Ordinal);
    }
}
