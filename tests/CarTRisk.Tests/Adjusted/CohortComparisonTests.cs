using CarTRisk.Plotting;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Adjusted;

/// <summary>The cohort-level weighted comparison is the composition of its parts (score, weights, balance, weighted
/// curves), its report section goes through the disclosure path, and the love plot draws.</summary>
public sealed class CohortComparisonTests
{
    private static readonly Lazy<Cohort> Cohort = new(() => CohortCsv.Read(Golden.PathOf("Cohorts/example-cohort-covariates.csv"),
        CohortCsvOptions.Default with { Covariates = ["prior_lines", "chip"] }));

    private static readonly string[] Confounders = ["age", "sex", "prior_lines", "chip"];

    [Fact]
    public void CompareAdjusted_IsTheCompositionOfItsParts()
    {
        var cmp = Cohort.Value.CompareAdjusted(r => r.Product, "axi-cel", "tisa-cel", Confounders);
        var pop = Cohort.Value.Where(r => r.Product is "axi-cel" or "tisa-cel");
        Assert.Equal(pop.Count, cmp.Population.Count);
        var treated = pop.Records.Select(r => r.Product == "tisa-cel").ToArray();
        var ps = pop.PropensityScore(r => r.Product == "tisa-cel", Confounders);
        var diffs = ps.Scores.Zip(cmp.Propensity.Scores, (x, y) => Math.Abs(x - y)).ToArray();
        Assert.True(diffs.Max() == 0, $"max diff {diffs.Max():R} at {Array.IndexOf(diffs, diffs.Max())} of {diffs.Length}; iterations {ps.Model.Iterations} vs {cmp.Propensity.Model.Iterations}");
        var w = Weighting.Compute(ps.Scores.AsSpan(), treated, Estimand.Ate);
        Assert.Equal(w, cmp.Weights.ToArray());
        var after = Balance.Compute(pop.Design(Confounders), treated, w);
        Assert.Equal(after.Rows.ToArray(), cmp.After.Rows.ToArray());
        Assert.True(cmp.After.MaxAbsoluteSmd < cmp.Before.MaxAbsoluteSmd);

        // the weighted risk of tisa-cel by 1095 days is the weighted Aalen-Johansen of that group
        var idx = Enumerable.Range(0, treated.Length).Where(i => treated[i]).ToArray();
        var causes = pop.CausesFor();
        var curve = CumulativeIncidence.Estimate(idx.Select(i => pop.Durations[i]).ToArray(), idx.Select(i => causes[i]).ToArray(), 1,
            CumulativeIncidenceOptions.Default with { Weights = idx.Select(i => w[i]).ToArray() });
        int row = Array.FindLastIndex(curve.Time.ToArray(), t => t <= 1095);
        Assert.Equal(curve.Estimate[row], cmp.Risks[1].Estimate);
        Assert.Equal(curve.JackknifeStdErr[1][row], cmp.Risks[1].StdErr);
        Assert.Equal(cmp.Risks[1].Estimate - cmp.Risks[0].Estimate, cmp.Difference.Estimate, 15);
    }

    [Fact]
    public void ReportSection_WithholdsSmallGroups_AndLovePlotDraws()
    {
        var cmp = Cohort.Value.CompareAdjusted(r => r.Product, "axi-cel", "tisa-cel", Confounders);
        var report = SafetySummary.Compute(Cohort.Value) with { Comparison = cmp };
        string text = report.ToText();
        Assert.Contains("Covariate balance, tisa-cel vs axi-cel, before weighting", text, StringComparison.Ordinal);
        // tisa-cel has fewer than 11 malignancies: its weighted risk is withheld in the release
        Assert.DoesNotContain(SafetyTablesPct(cmp.Risks[1].Estimate), text, StringComparison.Ordinal);
        string inside = cmp.ToText(DisclosurePolicy.None);
        Assert.Contains(SafetyTablesPct(cmp.Risks[1].Estimate), inside, StringComparison.Ordinal);
        var fig = Figures.Balance(cmp.Before, cmp.After);
        Assert.True(fig.Width > 0);
        Assert.Throws<ArgumentException>(() => Figures.Balance(cmp.Before, Balance.Compute(cmp.Population.Design("age"), cmp.Population.Records.Select(r => r.Product == "tisa-cel").ToArray())));
    }

    private static string SafetyTablesPct(double v) => (v * 100).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) + " %";
}
