using System.Collections.Immutable;
using System.Globalization;
using CarTRisk.Numerics;

namespace CarTRisk;

/// <summary>A propensity-score-weighted comparison of two treatment groups of a cohort: the score model, the weights,
/// covariate balance before and after weighting, the weighted cumulative incidence curves and the weighted risks at the
/// horizon with their difference (= R: glm for the score, the weights of <see cref="Weighting.Compute"/>, cobalt's
/// bal.tab, and <c>survfit(Surv(t, factor(cause)) ~ 1, weights = w, id, robust = TRUE)</c> per group).</summary>
public sealed class AdjustedComparison
{
    internal AdjustedComparison()
    {
    }

    /// <summary>The reference group.</summary>
    public string LevelA { get; internal init; } = "";

    /// <summary>The compared group ("treated" in the score model).</summary>
    public string LevelB { get; internal init; } = "";

    /// <summary>The confounders (cohort column names).</summary>
    public ImmutableArray<string> Confounders { get; internal init; }

    /// <summary>The estimand of the weights.</summary>
    public Estimand Estimand { get; internal init; }

    /// <summary>The horizon of the risks, days.</summary>
    public double HorizonDays { get; internal init; }

    /// <summary>The records of the two groups, in cohort order (the comparison's population).</summary>
    public Cohort Population { get; internal init; } = null!;

    /// <summary>P(B | confounders) by logistic regression.</summary>
    public PropensityModel Propensity { get; internal init; } = null!;

    /// <summary>The weight of each record of <see cref="Population"/>.</summary>
    public ImmutableArray<double> Weights { get; internal init; }

    /// <summary>Balance without weights.</summary>
    public BalanceTable Before { get; internal init; } = null!;

    /// <summary>Balance with the weights.</summary>
    public BalanceTable After { get; internal init; } = null!;

    /// <summary>The weighted cumulative incidence of the malignancy (class) in group A, death competing.</summary>
    public CumulativeIncidenceCurve CurveA { get; internal init; } = null!;

    /// <summary>The same in group B.</summary>
    public CumulativeIncidenceCurve CurveB { get; internal init; } = null!;

    /// <summary>The weighted risk by the horizon in A and B (infinitesimal-jackknife standard errors).</summary>
    public ImmutableArray<AdjustedRiskRow> Risks { get; internal init; }

    /// <summary>B − A by the horizon: se = sqrt(se_A² + se_B²) (the groups are disjoint; the score is taken as known,
    /// as survfit's robust variance does), Wald interval, p = 2Φ(−|d|/se).</summary>
    public AdjustedContrastRow Difference { get; internal init; }

    /// <summary>Records and events of interest per group (A, B).</summary>
    public (int Records, int Events) CountsA { get; internal init; }

    /// <summary>Records and events of interest per group (A, B).</summary>
    public (int Records, int Events) CountsB { get; internal init; }

    /// <summary>The balance tables before and after weighting and the weighted risks, for the report renderers.</summary>
    /// <returns>The tables (through the one disclosure path).</returns>
    public IReadOnlyList<ResultTable> Tables()
    {
        var c = CultureInfo.InvariantCulture;
        var before = Before.ToTable($"Covariate balance, {LevelB} vs {LevelA}, before weighting");
        var after = After.ToTable($"Covariate balance, {LevelB} vs {LevelA}, {Estimand.ToString().ToUpperInvariant()} weights");
        string level = "95% CI";
        var risks = new ResultTable($"Weighted risk of a secondary malignancy by {HorizonDays.ToString("0", c)} days ({Estimand.ToString().ToUpperInvariant()} weights)",
            "Group", "Patients", "Risk", level, "p")
        {
            Note = "weighted Aalen-Johansen, death competing (= survfit with weights, robust = TRUE); difference B - A with se = sqrt(seA^2 + seB^2); propensity score = glm(" + LevelB + " ~ " + string.Join(" + ", Confounders) + ", binomial)"
                + (Propensity.Model.Converged ? "" : "; WARNING: NOT CONVERGED: " + Propensity.Model.ConvergenceNote),
        };
        var na = new CountCell(CountsA.Records);
        var nb = new CountCell(CountsB.Records);
        var ea = new CountCell(CountsA.Events, hidden: true);
        var eb = new CountCell(CountsB.Events, hidden: true);
        foreach (var (row, n, e) in new[] { (Risks[0], na, ea), (Risks[1], nb, eb) })
        {
            risks.AddRow(new TextCell(row.Level), n, new DerivedCell(SafetyTables.Pct(row.Estimate), e, n) { Reveals = [] },
                new DerivedCell($"{SafetyTables.Pct(row.Lower)} to {SafetyTables.Pct(row.Upper)}", e, n) { Reveals = [] }, new TextCell(""));
        }

        CountCell[] all = [ea, eb, na, nb];
        risks.AddRow(new TextCell($"{LevelB} - {LevelA}"), new TextCell(""), new DerivedCell(SafetyTables.Pct(Difference.Estimate), all) { Reveals = [] },
            new DerivedCell($"{SafetyTables.Pct(Difference.Lower)} to {SafetyTables.Pct(Difference.Upper)}", all) { Reveals = [] },
            new DerivedCell(Difference.PValue.ToString("G3", c), all) { Reveals = [] });
        return [before, after, risks];
    }

    /// <summary>The tables as aligned text, resolved together under <paramref name="policy"/>.</summary>
    /// <param name="policy">The policy; null = <see cref="DisclosurePolicy.Default"/>.</param>
    /// <returns>The text.</returns>
    public string ToText(DisclosurePolicy? policy = null) => Reports.Text(Tables(), policy ?? DisclosurePolicy.Default, null);

    /// <inheritdoc/>
    public override string ToString() => ToText();
}

/// <summary>Confounding adjustment from a cohort.</summary>
public static class CohortComparisons
{
    /// <summary>The propensity score of a treatment on named cohort columns (= <c>glm(treated ~ covariates, binomial)</c>).</summary>
    /// <param name="cohort">The cohort.</param>
    /// <param name="treated">Whether a record is treated (e.g. <c>r =&gt; r.Product == "tisa-cel"</c>).</param>
    /// <param name="covariates">Column names ("age", "sex", declared covariates).</param>
    /// <returns>The model and its scores, in cohort order.</returns>
    /// <exception cref="ArgumentNullException">A null argument.</exception>
    /// <exception cref="ArgumentException">An unknown column, a missing value, or a single group.</exception>
    public static PropensityModel PropensityScore(this Cohort cohort, Func<CohortRecord, bool> treated, IReadOnlyList<string> covariates)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        ArgumentNullException.ThrowIfNull(treated);
        ArgumentNullException.ThrowIfNull(covariates);
        return CarTRisk.PropensityScore.Fit(cohort.Design([.. covariates]), cohort.Records.Select(treated).ToArray());
    }

    /// <summary>A weighted comparison of group <paramref name="levelB"/> against <paramref name="levelA"/> (records in
    /// neither group are not part of the comparison): the score of B on the confounders, weights for the estimand,
    /// balance before and after, weighted cumulative incidence per group and the weighted risks by the horizon.</summary>
    /// <param name="cohort">The cohort.</param>
    /// <param name="group">The group of a record, e.g. <c>r =&gt; r.Product</c>.</param>
    /// <param name="levelA">The reference group.</param>
    /// <param name="levelB">The compared group.</param>
    /// <param name="confounders">Column names.</param>
    /// <param name="estimand">The weights' estimand; ATE by default.</param>
    /// <param name="horizonDays">The horizon of the risks (1095 days).</param>
    /// <param name="malignancyClass">Which malignancies are the event; null = all.</param>
    /// <returns>The comparison.</returns>
    /// <exception cref="ArgumentNullException">A null argument.</exception>
    /// <exception cref="ArgumentException">A group with no record, equal levels, an unknown column or a missing value,
    /// a score of 0 or 1 (no overlap: the weights are not finite).</exception>
    public static AdjustedComparison CompareAdjusted(this Cohort cohort, Func<CohortRecord, string?> group, string levelA, string levelB,
        IReadOnlyList<string> confounders, Estimand estimand = Estimand.Ate, double horizonDays = 1095, Func<CohortRecord, bool>? malignancyClass = null)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(levelA);
        ArgumentNullException.ThrowIfNull(levelB);
        ArgumentNullException.ThrowIfNull(confounders);
        if (levelA == levelB)
        {
            throw new ArgumentException($"the two groups are both '{levelA}'.", nameof(levelB));
        }

        Guard.FiniteNonNegative(horizonDays);
        var population = cohort.Where(r => group(r) is { } g && (g == levelA || g == levelB));
        var isB = population.Records.Select(r => group(r) == levelB).ToArray();
        int nb = isB.Count(b => b);
        int na = isB.Length - nb;
        if (na == 0 || nb == 0)
        {
            throw new ArgumentException($"group '{(na == 0 ? levelA : levelB)}' has no record.", nameof(group));
        }

        var x = population.Design([.. confounders]);
        var ps = CarTRisk.PropensityScore.Fit(x, isB);
        var w = Weighting.Compute(ps.Scores.AsSpan(), isB, estimand);
        var before = Balance.Compute(x, isB, default, estimand);
        var after = Balance.Compute(x, isB, w, estimand);
        var causes = population.CausesFor(malignancyClass);
        var durations = population.Durations;
        double z = Distributions.NormalQuantile(0.975);
        (CumulativeIncidenceCurve Curve, AdjustedRiskRow Risk, int Events) Arm(bool b, string label)
        {
            var idx = Enumerable.Range(0, isB.Length).Where(i => isB[i] == b).ToArray();
            var curve = CumulativeIncidence.Estimate(idx.Select(i => durations[i]).ToArray(), idx.Select(i => causes[i]).ToArray(), 1,
                CumulativeIncidenceOptions.Default with { Weights = idx.Select(i => w[i]).ToArray(), Transform = IntervalTransform.Log });
            int row = SortedSearch.CountAtMost(curve.Time.AsSpan(), horizonDays) - 1;
            double est = row < 0 ? 0 : curve.Estimate[row];
            double se = row < 0 ? 0 : curve.JackknifeStdErr[1][row];
            return (curve, new AdjustedRiskRow(label, horizonDays, est, se, est - (z * se), est + (z * se)),
                idx.Count(i => causes[i] == 1));
        }

        var (curveA, riskA, eventsA) = Arm(false, levelA);
        var (curveB, riskB, eventsB) = Arm(true, levelB);
        double d = riskB.Estimate - riskA.Estimate;
        double dse = Math.Sqrt((riskA.StdErr * riskA.StdErr) + (riskB.StdErr * riskB.StdErr));
        return new AdjustedComparison
        {
            LevelA = levelA,
            LevelB = levelB,
            Confounders = [.. confounders],
            Estimand = estimand,
            HorizonDays = horizonDays,
            Population = population,
            Propensity = ps,
            Weights = [.. w],
            Before = before,
            After = after,
            CurveA = curveA,
            CurveB = curveB,
            Risks = [riskA, riskB],
            Difference = new AdjustedContrastRow(levelA, levelB, horizonDays, d, dse, d - (z * dse), d + (z * dse),
                dse > 0 ? 2 * Distributions.NormalTail(Math.Abs(d / dse)) : double.NaN),
            CountsA = (na, eventsA),
            CountsB = (nb, eventsB),
        };
    }
}
