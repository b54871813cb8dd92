using System.Collections.Immutable;

namespace CarTRisk;

/// <summary>
/// The analyst's path from a cohort to a result, as short as the R one: filter, group and estimate directly from a
/// <see cref="Cohort"/>, without parallel arrays. A malignancy class (e.g. <c>r =&gt; r.MalignancyType == "T-cell
/// lymphoma"</c>) makes those malignancies the event; other malignancies then compete with it, as death does.
/// </summary>
/// <example>
/// <code>
/// var tcell = cohort.CumulativeIncidence(r => r.MalignancyType == "T-cell lymphoma");   // death, other cancers compete
/// var gray  = cohort.GrayTest(r => r.Product);                                        // = cuminc(t, c, product)$Tests
/// var old   = cohort.Where(r => r.InfusionDate.Year &lt; 2021).KaplanMeier();
/// </code>
/// </example>
public static class CohortAnalyses
{
    /// <summary>The records that satisfy <paramref name="predicate"/>, as a cohort (codes stay those of the whole).</summary>
    /// <param name="cohort">The cohort.</param>
    /// <param name="predicate">Which records to keep.</param>
    /// <returns>The sub-cohort (possibly empty).</returns>
    /// <exception cref="ArgumentNullException">A null argument.</exception>
    public static Cohort Where(this Cohort cohort, Func<CohortRecord, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        ArgumentNullException.ThrowIfNull(predicate);
        return cohort.Subset(cohort.Records.Where(predicate));
    }

    /// <summary>Causes for a malignancy class: 1 = a malignancy of the class, 2 = death without malignancy, 3 = a
    /// malignancy of another class (competing: follow-up ends at the first malignancy), 0 = censored.</summary>
    /// <param name="cohort">The cohort.</param>
    /// <param name="malignancyClass">Which malignancies are the event; null = all.</param>
    /// <returns>One cause per record.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="cohort"/> is null.</exception>
    public static ImmutableArray<int> CausesFor(this Cohort cohort, Func<CohortRecord, bool>? malignancyClass = null)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        return cohort.Records.Select(r => r.Outcome switch
        {
            FollowUpOutcome.Malignancy => malignancyClass is null || malignancyClass(r) ? 1 : 3,
            FollowUpOutcome.Death => 2,
            _ => 0,
        }).ToImmutableArray();
    }

    /// <summary>Kaplan-Meier of the time to a malignancy (of the class), every other end of follow-up censored: the
    /// naive estimate, = <c>survfit(Surv(days, malignancy) ~ 1)</c>.</summary>
    /// <param name="cohort">The cohort (at least one record).</param>
    /// <param name="malignancyClass">Which malignancies are the event; null = all.</param>
    /// <param name="options">KM options; null for R's defaults.</param>
    /// <returns>The curve.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="cohort"/> is null.</exception>
    /// <exception cref="ArgumentException">The cohort is empty.</exception>
    public static SurvivalCurve KaplanMeier(this Cohort cohort, Func<CohortRecord, bool>? malignancyClass = null,
        KaplanMeierOptions? options = null)
    {
        var causes = cohort.CausesFor(malignancyClass);
        return CarTRisk.KaplanMeier.Estimate(cohort.Durations.AsSpan(), causes.Select(c => c == 1).ToArray(), options);
    }

    /// <summary>Aalen-Johansen cumulative incidence of a malignancy class with death (and other malignancies) competing,
    /// = <c>cuminc(days, cause)</c> for cause 1 of <see cref="CausesFor"/>.</summary>
    /// <param name="cohort">The cohort (at least one record).</param>
    /// <param name="malignancyClass">Which malignancies are the event; null = all.</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <returns>The curve (all-zero when the class has no case).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="cohort"/> is null.</exception>
    /// <exception cref="ArgumentException">The cohort is empty.</exception>
    public static CumulativeIncidenceCurve CumulativeIncidence(this Cohort cohort, Func<CohortRecord, bool>? malignancyClass = null,
        CumulativeIncidenceOptions? options = null)
    {
        var causes = cohort.CausesFor(malignancyClass);
        return CarTRisk.CumulativeIncidence.Estimate(cohort.Durations.AsSpan(), causes.AsSpan(), 1, options ?? CumulativeIncidenceOptions.Default);
    }

    /// <summary>One cumulative incidence curve per group (ordinal order; null keys are "(missing)"), ready for
    /// <c>Figures.CumulativeIncidence</c>.</summary>
    /// <param name="cohort">The cohort.</param>
    /// <param name="group">The group of a record, e.g. <c>r =&gt; r.Product</c>.</param>
    /// <param name="malignancyClass">Which malignancies are the event; null = all.</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <returns>Labels and curves.</returns>
    /// <exception cref="ArgumentNullException">A null argument.</exception>
    public static IReadOnlyList<(string Label, CumulativeIncidenceCurve Curve)> CumulativeIncidenceByGroup(this Cohort cohort,
        Func<CohortRecord, string?> group, Func<CohortRecord, bool>? malignancyClass = null, CumulativeIncidenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        return cohort.GroupBy(group).Select(g => (g.Key, g.Value.CumulativeIncidence(malignancyClass, options))).ToArray();
    }

    /// <summary>The log-rank test of the time to a malignancy (of the class) across groups, = <c>survdiff(Surv(days,
    /// malignancy) ~ group)</c>; null keys form the group "(missing)".</summary>
    /// <param name="cohort">The cohort.</param>
    /// <param name="group">The group of a record.</param>
    /// <param name="malignancyClass">Which malignancies are the event; null = all.</param>
    /// <returns>The test.</returns>
    /// <exception cref="ArgumentNullException">A null argument.</exception>
    /// <exception cref="ArgumentException">Fewer than two groups.</exception>
    public static LogRankResult<string> LogRank(this Cohort cohort, Func<CohortRecord, string?> group,
        Func<CohortRecord, bool>? malignancyClass = null)
    {
        ArgumentNullException.ThrowIfNull(group);
        var causes = cohort.CausesFor(malignancyClass);
        var groups = cohort.Records.Select(r => group(r) ?? Cohort.Missing).ToArray();
        return CarTRisk.LogRank.Test(cohort.Durations.AsSpan(), causes.Select(c => c == 1).ToArray(), groups);
    }

    /// <summary>Gray's test of the cumulative incidence of a malignancy class across groups, = <c>cuminc(days, cause,
    /// group)$Tests</c>; null keys form the group "(missing)".</summary>
    /// <param name="cohort">The cohort.</param>
    /// <param name="group">The group of a record.</param>
    /// <param name="malignancyClass">Which malignancies are the event; null = all.</param>
    /// <returns>The test.</returns>
    /// <exception cref="ArgumentNullException">A null argument.</exception>
    /// <exception cref="ArgumentException">Fewer than two groups.</exception>
    public static GrayTestResult GrayTest(this Cohort cohort, Func<CohortRecord, string?> group, Func<CohortRecord, bool>? malignancyClass = null)
    {
        ArgumentNullException.ThrowIfNull(group);
        var causes = cohort.CausesFor(malignancyClass);
        var groups = cohort.Records.Select(r => group(r) ?? Cohort.Missing).ToArray();
        return CarTRisk.GrayTest.Test(cohort.Durations.AsSpan(), causes.AsSpan(), groups, 1);
    }

    /// <summary>The design matrix of named cohort columns (<c>age</c>, <c>sex</c>, <c>product</c> or declared covariates),
    /// R's <c>model.matrix</c>; a missing value is an error naming the rows.</summary>
    /// <param name="cohort">The cohort.</param>
    /// <param name="covariates">Column names, at least one.</param>
    /// <returns>The matrix.</returns>
    /// <exception cref="ArgumentException">An unknown column or a missing value.</exception>
    public static DesignMatrix Design(this Cohort cohort, params string[] covariates)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        ArgumentNullException.ThrowIfNull(covariates);
        return DesignMatrix.Build([.. covariates.Select(cohort.Covariate)]);
    }

    /// <summary>Cox regression of the time to a malignancy (of the class) on named columns, every other end of
    /// follow-up censored (cause-specific hazard), = <c>coxph(Surv(days, malignancy) ~ covariates)</c>.</summary>
    /// <param name="cohort">The cohort.</param>
    /// <param name="covariates">Column names (e.g. "age", "sex", "product").</param>
    /// <param name="malignancyClass">Which malignancies are the event; null = all.</param>
    /// <param name="options">Cox options; null for the defaults.</param>
    /// <returns>The fit.</returns>
    /// <exception cref="ArgumentException">An unknown column, a missing value, or no event.</exception>
    public static CoxModel CoxRegression(this Cohort cohort, IReadOnlyList<string> covariates, Func<CohortRecord, bool>? malignancyClass = null,
        CoxOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(covariates);
        var causes = cohort.CausesFor(malignancyClass);
        return CarTRisk.CoxRegression.Fit(cohort.Durations.AsSpan(), causes.Select(c => c == 1).ToArray(), cohort.Design([.. covariates]), options);
    }

    /// <summary>Fine-Gray regression of the subdistribution hazard of a malignancy (of the class), death and other
    /// malignancies competing, = <c>crr(days, cause, model.matrix(~ covariates)[, -1])</c>.</summary>
    /// <param name="cohort">The cohort.</param>
    /// <param name="covariates">Column names.</param>
    /// <param name="malignancyClass">Which malignancies are the event; null = all.</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <returns>The fit.</returns>
    /// <exception cref="ArgumentException">An unknown column, a missing value, or no event.</exception>
    public static FineGrayModel FineGray(this Cohort cohort, IReadOnlyList<string> covariates, Func<CohortRecord, bool>? malignancyClass = null,
        FineGrayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(covariates);
        var causes = cohort.CausesFor(malignancyClass);
        return CarTRisk.FineGray.Fit(cohort.Durations.AsSpan(), causes.AsSpan(), 1, cohort.Design([.. covariates]), options);
    }
}
