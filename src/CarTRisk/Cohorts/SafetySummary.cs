using System.Globalization;
using System.Text;

namespace CarTRisk;

/// <summary>Time from infusion to diagnosis among the cases.</summary>
/// <param name="Cases">The number of cases.</param>
/// <param name="Median">Median days (R <c>quantile(type = 7)</c>, i.e. linear interpolation); null with no case.</param>
/// <param name="Q1">First quartile (type 7); null with no case.</param>
/// <param name="Q3">Third quartile (type 7); null with no case.</param>
/// <param name="Min">Earliest onset; null with no case.</param>
/// <param name="Max">Latest onset; null with no case.</param>
/// <param name="Within365Days">The share of cases diagnosed within 365 days, with its exact interval; null with no case.</param>
/// <param name="Days">The sorted onset days (the empirical distribution).</param>
public sealed record OnsetSummary(int Cases, double? Median, double? Q1, double? Q3, double? Min, double? Max,
    ProportionEstimate? Within365Days, IReadOnlyList<double> Days)
{
    /// <summary>The share of cases diagnosed within <paramref name="days"/> days (onset ≤ days) with its exact interval.</summary>
    /// <param name="days">The window in days, finite and ≥ 0.</param>
    /// <param name="level">Confidence level.</param>
    /// <returns>The proportion, or null when there is no case.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="days"/> is negative or not finite, or a bad level.</exception>
    public ProportionEstimate? Within(double days, double level = 0.95)
    {
        Guard.FiniteNonNegative(days);
        Guard.Level(level);
        return Cases == 0 ? null : CrudeIncidence.Proportion(Days.Count(d => d <= days), Cases, level: level);
    }

    /// <summary>The type-7 sample quantile of the onset days (R's default <c>quantile()</c>).</summary>
    /// <param name="probability">p in [0, 1].</param>
    /// <returns>The quantile, or null with no case.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="probability"/> is not in [0, 1].</exception>
    public double? Quantile(double probability)
    {
        if (!(probability >= 0 && probability <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, $"probability is {Guard.Show(probability)}; it must lie in [0, 1].");
        }

        return SampleQuantile.Type7(Days, probability);
    }
}

/// <summary>The safety summary of a cohort: what a pharmacovigilance report on secondary malignancies needs.</summary>
/// <param name="Patients">Number of patients.</param>
/// <param name="Cases">Number with a secondary malignancy.</param>
/// <param name="CrudeIncidence">Cases / patients with the exact Clopper-Pearson interval.</param>
/// <param name="PersonYears">Days of follow-up (to the first of malignancy, death, last follow-up) / 365.25.</param>
/// <param name="RatePer100PersonYears">Cases per 100 person-years with the exact Poisson interval.</param>
/// <param name="CumulativeIncidenceAtHorizon">Aalen-Johansen risk of malignancy at the horizon, death competing.</param>
/// <param name="MalignancyFreeKaplanMeierAtHorizon">KM with deaths censored at the horizon: 1 − Survival is the naive
/// risk that overstates the true risk when death competes, reported for contrast.</param>
/// <param name="Onset">Time from infusion to diagnosis among cases.</param>
/// <param name="TransgenePositive">CAR transgene positive among tested malignancies; null when none was tested.</param>
/// <param name="HorizonDays">The horizon in days.</param>
/// <param name="Level">The confidence level.</param>
/// <param name="CumulativeIncidence">The whole Aalen-Johansen curve of cause 1 (null when there is no case).</param>
/// <param name="MalignancyFreeKaplanMeier">The whole naive KM curve.</param>
public sealed record SafetyReport(int Patients, int Cases, ProportionEstimate CrudeIncidence, double PersonYears,
    RateEstimate RatePer100PersonYears, IncidencePoint CumulativeIncidenceAtHorizon,
    SurvivalPoint MalignancyFreeKaplanMeierAtHorizon, OnsetSummary Onset, ProportionEstimate? TransgenePositive,
    double HorizonDays, double Level, CumulativeIncidenceCurve? CumulativeIncidence, SurvivalCurve MalignancyFreeKaplanMeier)
{
    /// <summary>The Aalen-Johansen malignancy risk at any day (0 with no case).</summary>
    /// <param name="days">Days from infusion.</param>
    /// <returns>The point.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="days"/> is not finite.</exception>
    public IncidencePoint RiskAt(double days)
    {
        Guard.Finite(days);
        return CumulativeIncidence?.At(days)
            ?? new IncidencePoint(days, 0, 0, double.NaN, double.NaN, days > MalignancyFreeKaplanMeier.Time[^1]);
    }

    /// <summary>An aligned plain-text report. Counts below <paramref name="disclosureThreshold"/> are printed as
    /// "&lt;threshold" so the text can leave the data custodian; this record keeps the real numbers.</summary>
    /// <param name="title">The heading.</param>
    /// <param name="disclosureThreshold">Smallest count printed as is (default 11; 0 turns suppression off).</param>
    /// <returns>The report text.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="disclosureThreshold"/> is negative.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="title"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="title"/> holds a control character (it would forge lines).</exception>
    public string ToText(string title = "Secondary malignancy safety summary", int disclosureThreshold = 11)
    {
        ArgumentNullException.ThrowIfNull(title);
        if (Cohort.TextProblem(title) is { } problem)
        {
            throw new ArgumentException($"title {problem}.", nameof(title));
        }

        Guard.NonNegative(disclosureThreshold);
        var c = CultureInfo.InvariantCulture;
        string N(int n) => n > 0 && n < disclosureThreshold ? "<" + disclosureThreshold.ToString(c) : n.ToString(c);
        string Pct(double v) => double.IsNaN(v) ? "NA" : (v * 100).ToString("0.00", c) + " %";
        string Ci(double lo, double hi) => $"({Pct(lo)} to {Pct(hi)})";
        string Days(double? d) => d is null ? "NA" : d.Value.ToString("0", c);
        string pct = (Level * 100).ToString("0.####", c);   // 0.975 -> "97.5", never rounded to "98"
        var sb = new StringBuilder();
        sb.AppendLine(title);
        sb.AppendLine(new string('=', title.Length));
        void Row(string label, string value) => sb.Append(c, $"{label,-46}{value}\n");
        Row("Patients", N(Patients));
        Row("Cases (secondary malignancy)", N(Cases));
        Row($"Crude incidence ({pct}% CI, Clopper-Pearson)", $"{Pct(CrudeIncidence.Value)} {Ci(CrudeIncidence.Interval.Lower, CrudeIncidence.Interval.Upper)}");
        Row("Person-years of follow-up", PersonYears.ToString("0.0", c));
        Row($"Rate per 100 person-years ({pct}% CI, exact)", $"{RatePer100PersonYears.Value.ToString("0.000", c)} ({RatePer100PersonYears.Interval.Lower.ToString("0.000", c)} to {RatePer100PersonYears.Interval.Upper.ToString("0.000", c)})");
        sb.AppendLine();
        sb.AppendLine("Cumulative risk of malignancy         Aalen-Johansen (death competing)    naive 1 - Kaplan-Meier");
        foreach (double day in new[] { 365.0, 730.0, 1095.0, HorizonDays }.Distinct().Order())
        {
            var aj = RiskAt(day);
            var km = MalignancyFreeKaplanMeier.At(day);
            string flag = aj.BeyondFollowUp ? "  (beyond follow-up)" : "";
            sb.Append(c, $"  {day,6:0} days ({day / 365.25:0.0} y)              {Pct(aj.Estimate),8} {Ci(aj.Lower, aj.Upper),-24}  {Pct(1 - km.Survival),8}{flag}\n");
        }

        sb.AppendLine();
        Row("Onset among cases, days: median (Q1-Q3)", $"{Days(Onset.Median)} ({Days(Onset.Q1)}-{Days(Onset.Q3)})");
        Row("Onset range, days", Cases < disclosureThreshold && Cases > 0 ? "suppressed (few cases)" : $"{Days(Onset.Min)}-{Days(Onset.Max)}");
        if (Onset.Within365Days is { } w)
        {
            Row("Diagnosed within 12 months", $"{N(w.Cases)}/{N(w.CohortSize)} = {Pct(w.Value)} {Ci(w.Interval.Lower, w.Interval.Upper)}");
        }

        Row("CAR transgene positive among tested", TransgenePositive is { } t
            ? $"{N(t.Cases)}/{N(t.CohortSize)} = {Pct(t.Value)} {Ci(t.Interval.Lower, t.Interval.Upper)}"
            : "none tested");
        return sb.ToString();
    }
}

/// <summary>Computes the safety summary of a cohort.</summary>
/// <example>
/// <code>
/// var report = SafetySummary.Compute(CohortCsv.Read("cohort.csv"));
/// Console.WriteLine(report.ToText());
/// </code>
/// </example>
public static class SafetySummary
{
    /// <summary>The safety summary: counts, crude incidence (Clopper-Pearson), person-years and the exact Poisson rate
    /// per 100 person-years, Aalen-Johansen risk at the horizon with death competing (<c>cmprsk::cuminc</c>) beside the
    /// naive 1 − KM with deaths censored, onset distribution, and transgene positivity among tested.</summary>
    /// <param name="cohort">The cohort; at least one patient with follow-up &gt; 0 days in total.</param>
    /// <param name="horizonDays">The horizon, finite and &gt; 0 (default 1095 = 3 years).</param>
    /// <param name="level">The confidence level, in (0, 1).</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="cohort"/> is null.</exception>
    /// <exception cref="ArgumentException">The cohort is empty or has no follow-up time at all.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad horizon or level.</exception>
    public static SafetyReport Compute(Cohort cohort, double horizonDays = 1095, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        Guard.PositiveFinite(horizonDays);
        Guard.Level(level);
        if (cohort.Count == 0)
        {
            throw new ArgumentException("cohort has no patients.", nameof(cohort));
        }

        if (cohort.PersonDays <= 0)
        {
            throw new ArgumentException("cohort has no follow-up time (every duration is 0 days); a rate cannot be computed.", nameof(cohort));
        }

        var durations = cohort.Durations.AsSpan();
        var causes = cohort.Causes.AsSpan();
        int cases = cohort.Cases;
        var crude = CrudeIncidence.Proportion(cases, cohort.Count, level: level);
        var rate = CrudeIncidence.Rate(cases, cohort.PersonYears, level).Per(100);
        var cif = cases > 0
            ? CumulativeIncidence.Estimate(durations, causes, 1, CumulativeIncidenceOptions.Default with { Level = level })
            : null;
        var events = new bool[durations.Length];
        for (int i = 0; i < events.Length; i++)
        {
            events[i] = causes[i] == 1;
        }

        var km = KaplanMeier.Estimate(durations, events, KaplanMeierOptions.Default with { Level = level });
        var onsetDays = cohort.Records.Where(r => r.Outcome == FollowUpOutcome.Malignancy).Select(r => (double)r.DurationDays).Order().ToArray();
        var onset = new OnsetSummary(cases, SampleQuantile.Type7(onsetDays, 0.5), SampleQuantile.Type7(onsetDays, 0.25),
            SampleQuantile.Type7(onsetDays, 0.75), onsetDays.Length > 0 ? onsetDays[0] : null, onsetDays.Length > 0 ? onsetDays[^1] : null,
            cases > 0 ? CrudeIncidence.Proportion(onsetDays.Count(d => d <= 365), cases, level: level) : null,
            System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(onsetDays));   // read-only: not castable to double[]
        int tested = cohort.Records.Count(r => r.Transgene != TransgeneStatus.NotTested);
        int positive = cohort.Records.Count(r => r.Transgene == TransgeneStatus.Positive);
        var transgene = tested > 0 ? CrudeIncidence.Proportion(positive, tested, level: level) : null;
        var atHorizon = cif?.At(horizonDays) ?? new IncidencePoint(horizonDays, 0, 0, double.NaN, double.NaN, horizonDays > km.Time[^1]);
        return new SafetyReport(cohort.Count, cases, crude, cohort.PersonYears, rate, atHorizon, km.At(horizonDays), onset,
            transgene, horizonDays, level, cif, km);
    }
}
