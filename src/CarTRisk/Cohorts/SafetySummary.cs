using System.Collections.Immutable;
using System.Globalization;

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
    /// <summary>Released output through <see cref="DisclosurePolicy.Default"/>: quantiles and the range need at least
    /// threshold cases, the count within 365 days and its complement are protected (the properties keep the raw values).</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var cases = new CountCell(Cases);
        int within = Days.Count(d => d <= 365);
        var w = new CountCell(within);
        var after = new CountCell(Cases - within, hidden: true);
        string D(double? v) => v is null ? "NA" : v.Value.ToString("0", c);
        var t = new ResultTable(nameof(OnsetSummary), "Cases", "Median", "Q1", "Q3", "Min", "Max", "Within365Days");
        t.AddRow(cases, new DerivedCell(D(Median), cases), new DerivedCell(D(Q1), cases), new DerivedCell(D(Q3), cases),
            new DerivedCell(D(Min), cases), new DerivedCell(D(Max), cases), w);
        t.AddMargin(cases, w, after);
        return RecordText.Of(t);
    }

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

    /// <summary>The heading of the renderings.</summary>
    public string Title { get; init; } = "Secondary malignancy safety summary";

    /// <summary>Parametric fits of the onset days among cases (exponential, Weibull, log-normal, log-logistic; =
    /// survreg(Surv(days) ~ 1, dist)); empty when they cannot be fitted (see <see cref="OnsetFitNote"/>).</summary>
    public ImmutableArray<ParametricFit> OnsetFits { get; init; } = [];

    /// <summary>The family with the smallest AIC among the converged <see cref="OnsetFits"/>; null when there is none.</summary>
    public OnsetFamily? BestOnsetFamily => OnsetFits.Where(f => f.Converged).MinBy(f => f.Aic)?.Family;

    /// <summary>The WSP test on the onset days among cases; null when it cannot be computed.</summary>
    public WeibullShapeTest? OnsetShape { get; init; }

    /// <summary>Deaths without a prior malignancy: the competing event, the reason the Aalen-Johansen risk is below the
    /// naive 1 − Kaplan-Meier.</summary>
    public int Deaths { get; init; }

    /// <summary>Median follow-up in days by the reverse Kaplan-Meier (the end of follow-up alive is the event; a
    /// malignancy or a death censors), with its interval: = <c>survfit(Surv(days, status == 0) ~ 1)</c>'s median and
    /// limits (log transformation; null where the curve does not reach 1/2).</summary>
    public QuantileEstimate MedianFollowUp { get; init; }

    /// <summary>The shortest and longest follow-up in days.</summary>
    public (int Shortest, int Longest) FollowUpRange { get; init; }

    /// <summary>The earliest infusion and the latest date in the data (the effective data cut-off), when the report was
    /// computed from patient rows; null from aggregated counts.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Set after a declared <see cref="DataCutoff"/> that lies before its
    /// latest date.</exception>
    public (DateOnly FirstInfusion, DateOnly LatestDate)? DataPeriod
    {
        get => dataPeriod;
        init
        {
            if (CutoffConflict(dataCutoff, value) is { } why)
            {
                throw new ArgumentOutOfRangeException(nameof(DataPeriod), value is { } v ? $"{Cohort.Iso(v.FirstInfusion)} to {Cohort.Iso(v.LatestDate)}" : null, why);
            }

            dataPeriod = value;
        }
    }

    /// <summary>The data cut-off the analyst declares (the date up to which events were ascertained, as a protocol or a
    /// regulator's request states it), printed in every rendering beside the data period; null when not declared.
    /// Set it with <c>report with { DataCutoff = ... }</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The date lies before the latest date in the data (a follow-up,
    /// event or death recorded after the cut-off cannot have been ascertained by it): the message names both dates.</exception>
    public DateOnly? DataCutoff
    {
        get => dataCutoff;
        init
        {
            if (CutoffConflict(value, dataPeriod) is { } why)
            {
                throw new ArgumentOutOfRangeException(nameof(DataCutoff), value is { } v ? Cohort.Iso(v) : null, why);
            }

            dataCutoff = value;
        }
    }

    private readonly (DateOnly FirstInfusion, DateOnly LatestDate)? dataPeriod;

    private readonly DateOnly? dataCutoff;

    private static string? CutoffConflict(DateOnly? cutoff, (DateOnly FirstInfusion, DateOnly LatestDate)? period) =>
        cutoff is { } c && period is { } p && c < p.LatestDate
            ? $"the declared data cut-off {Cohort.Iso(c)} lies before the latest date in the data, {Cohort.Iso(p.LatestDate)}: records after the cut-off would have to be removed first."
            : null;

    /// <summary>Why the onset fits are missing (fewer than two distinct onset days, or an onset on day 0), or null.</summary>
    public string? OnsetFitNote { get; init; }

    /// <summary>The standardized incidence ratio against population rates, when the report was computed with them.</summary>
    public SirResult? Sir { get; init; }

    /// <summary>Risk over the next five years for a patient still event-free at 1 and at 2 years (lifelong
    /// surveillance), = survfit(..., start.time = landmark) at landmark + 1826 days, death competing.</summary>
    public ImmutableArray<ConditionalRisk> ConditionalRisks { get; init; } = [];

    /// <summary>The same summary product by product (ordinal order; records without a product are "(missing)");
    /// empty for a report that is itself one product's.</summary>
    public ImmutableArray<SafetyGroupRow> ByProduct { get; init; } = [];

    /// <summary>A stated adjusted comparison (<see cref="CohortComparisons.CompareAdjusted"/>): its balance tables
    /// before and after weighting and the weighted risks with their difference become a section of the report; null =
    /// none. <c>report with { Comparison = cohort.CompareAdjusted(r =&gt; r.Product, "axi-cel", "tisa-cel", ["age", "sex"]) }</c>.</summary>
    public AdjustedComparison? Comparison { get; init; }

    /// <summary>The report as tables (summary, cumulative risk, onset, transgene, by product) whose count cells are
    /// shared, so disclosure control is resolved across all of them.</summary>
    /// <returns>The tables, before suppression (every rendering applies the policy).</returns>
    public IReadOnlyList<ResultTable> Tables() => SafetyTables.Build(this);

    /// <summary>Aligned plain text; counts and everything derivable from counts of 1..threshold − 1 suppressed.</summary>
    /// <param name="policy">The disclosure policy; null = <see cref="DisclosurePolicy.Default"/> (11).</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentException"><see cref="Title"/> holds a control character (it would forge lines).</exception>
    public string ToText(DisclosurePolicy? policy = null) => Reports.Text(Tables(), policy ?? DisclosurePolicy.Default, CheckedTitle());

    /// <summary>Markdown: a heading and one pipe table per section.</summary>
    /// <param name="policy">The disclosure policy; null = <see cref="DisclosurePolicy.Default"/>.</param>
    /// <returns>The Markdown.</returns>
    /// <exception cref="ArgumentException"><see cref="Title"/> holds a control character.</exception>
    public string ToMarkdown(DisclosurePolicy? policy = null) => Reports.Markdown(Tables(), policy ?? DisclosurePolicy.Default, CheckedTitle());

    /// <summary>One self-contained HTML document (inline style, no external resources). CarTRisk.Plotting's
    /// <c>SafetyReportFigures.ToHtmlWithFigures</c> adds the figures as inline SVG.</summary>
    /// <param name="policy">The disclosure policy; null = <see cref="DisclosurePolicy.Default"/>.</param>
    /// <returns>The HTML.</returns>
    /// <exception cref="ArgumentException"><see cref="Title"/> holds a control character.</exception>
    public string ToHtml(DisclosurePolicy? policy = null) => Reports.HtmlDocument(Tables(), policy ?? DisclosurePolicy.Default, CheckedTitle());

    /// <summary>The HTML report with figures embedded as inline SVG (still one self-contained file). The figures must
    /// have been drawn under the same policy (CarTRisk.Plotting's <c>ReportFigures.ToHtmlWithFigures</c> does both).</summary>
    /// <param name="policy">The disclosure policy; null = <see cref="DisclosurePolicy.Default"/>.</param>
    /// <param name="figures">Captions and SVG markup, inserted as given (trusted input).</param>
    /// <returns>The HTML.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="figures"/> is null.</exception>
    /// <exception cref="ArgumentException">A caption or <see cref="Title"/> holds a control character, or an SVG does not start with &lt;svg.</exception>
    public string ToHtml(DisclosurePolicy? policy, IReadOnlyList<ReportFigure> figures)
    {
        ArgumentNullException.ThrowIfNull(figures);
        foreach (var f in figures)
        {
            _ = new TextCell(f.Caption);
            if (!f.Svg.TrimStart().StartsWith("<svg", StringComparison.Ordinal) && !f.Svg.TrimStart().StartsWith("<?xml", StringComparison.Ordinal))
            {
                throw new ArgumentException($"figure '{f.Caption}' is not SVG markup.", nameof(figures));
            }
        }

        return Reports.HtmlDocument(Tables(), policy ?? DisclosurePolicy.Default, CheckedTitle(),
            figures.Select(f => (f.Caption, StripXmlDeclaration(f.Svg))).ToArray());
    }

    private static string StripXmlDeclaration(string svg)
    {
        svg = svg.TrimStart();
        return svg.StartsWith("<?xml", StringComparison.Ordinal) ? svg[(svg.IndexOf("?>", StringComparison.Ordinal) + 2)..].TrimStart() : svg;
    }

    /// <summary>Long-format CSV (table, row, column, value), RFC 4180.</summary>
    /// <param name="policy">The disclosure policy; null = <see cref="DisclosurePolicy.Default"/>.</param>
    /// <returns>The CSV.</returns>
    public string ToCsv(DisclosurePolicy? policy = null) => Reports.LongCsv(Tables(), policy ?? DisclosurePolicy.Default);

    /// <inheritdoc/>
    public override string ToString() => ToText();

    internal string CheckedTitle()
    {
        ArgumentNullException.ThrowIfNull(Title, nameof(Title));
        return Cohort.TextProblem(Title) is { } problem ? throw new ArgumentException($"Title {problem}.", nameof(Title)) : Title;
    }

    /// <summary>Malignancies diagnosed up to <paramref name="days"/> (the events behind the risk estimates there).</summary>
    internal int CasesBy(double days) => Onset.Days.Count(d => d <= days);
}

/// <summary>The risk over a window after a landmark among those event-free at it.</summary>
/// <param name="LandmarkDays">The landmark (days from infusion).</param>
/// <param name="WindowDays">The window after the landmark.</param>
/// <param name="AtRisk">Patients still event-free and under observation at the landmark.</param>
/// <param name="Cases">Malignancies from the landmark to the end of the window.</param>
/// <param name="Risk">The conditional cumulative incidence at landmark + window, with its interval.</param>
public sealed record ConditionalRisk(double LandmarkDays, double WindowDays, int AtRisk, int Cases, IncidencePoint Risk)
{
    /// <summary>Released output through <see cref="DisclosurePolicy.Default"/> (the properties keep the raw values).</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var atRisk = new CountCell(AtRisk);
        var cases = new CountCell(Cases);
        var t = new ResultTable(nameof(ConditionalRisk), "LandmarkDays", "WindowDays", "AtRisk", "Cases", "Risk");
        t.AddRow(new TextCell(LandmarkDays.ToString("0", CultureInfo.InvariantCulture)), new TextCell(WindowDays.ToString("0", CultureInfo.InvariantCulture)),
            atRisk, cases, new DerivedCell(RecordText.Pct(Risk.Estimate), cases, atRisk));
        return RecordText.Of(t);
    }
}

/// <summary>A figure for an HTML report: a caption and its SVG markup.</summary>
/// <param name="Caption">The caption (plain text).</param>
/// <param name="Svg">The SVG document.</param>
public sealed record ReportFigure(string Caption, string Svg);

/// <summary>One product's line of the safety report.</summary>
/// <param name="Product">The product ("(missing)" for records without one).</param>
/// <param name="Patients">Patients.</param>
/// <param name="Cases">Patients with a secondary malignancy.</param>
/// <param name="CrudeIncidence">Cases / patients, Clopper-Pearson.</param>
/// <param name="RiskAtHorizon">Aalen-Johansen risk at the report's horizon, death competing.</param>
public sealed record SafetyGroupRow(string Product, int Patients, int Cases, ProportionEstimate CrudeIncidence, IncidencePoint RiskAtHorizon)
{
    /// <summary>Person-years of follow-up.</summary>
    public double PersonYears { get; init; }

    /// <summary>Cases per 100 person-years with the exact Poisson interval.</summary>
    public RateEstimate? RatePer100PersonYears { get; init; }

    /// <summary>Cases diagnosed by the horizon (the events behind <see cref="RiskAtHorizon"/>).</summary>
    public int CasesByHorizon { get; init; }

    /// <summary>Released output: the row through <see cref="DisclosurePolicy.Default"/> and its audit (counts of 1-10 and
    /// whatever would reveal them withheld; risks rounded as in the report). The properties keep the raw values, for use
    /// inside the data custodian's walls.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var patients = new CountCell(Patients);
        var cases = new CountCell(Cases);
        var nonCases = new CountCell(Patients - Cases, hidden: true);
        var byHorizon = new CountCell(CasesByHorizon, hidden: true);
        var t = new ResultTable(nameof(SafetyGroupRow), "Product", "Patients", "Cases", "CrudeIncidence", "RatePer100PersonYears", "RiskAtHorizon");
        t.AddRow(new TextCell(Product), patients, cases,
            new DerivedCell(RecordText.Pct(CrudeIncidence.Value), cases, patients, nonCases),
            new DerivedCell(RatePer100PersonYears is { } r ? r.Value.ToString("0.###", CultureInfo.InvariantCulture) : "NA", cases),
            new DerivedCell(RecordText.Pct(RiskAtHorizon.Estimate), cases, byHorizon));
        t.AddMargin(patients, cases, nonCases);
        return RecordText.Of(t);
    }
}

/// <summary>ToString of result records: a one-row table rendered through the default policy (the one path).</summary>
internal static class RecordText
{
    internal static string Pct(double v) => double.IsNaN(v) ? "NA" : (v * 100).ToString("0.00", CultureInfo.InvariantCulture) + " %";

    public static string Of(ResultTable table)
    {
        var shown = table.Render(DisclosurePolicy.Default);
        var header = shown[0];
        var row = shown[1];
        return table.Title + " { " + string.Join(", ", header.Select((h, j) => $"{h} = {row[j]}")) + " }";
    }
}

/// <summary>The safety report's tables.</summary>
internal static class SafetyTables
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    internal static string Pct(double v) => double.IsNaN(v) ? "NA" : (v * 100).ToString("0.00", C) + " %";

    private static string Ci(double lo, double hi) => $"{Pct(lo)} to {Pct(hi)}";

    private static string FollowUp(SafetyReport r)
    {
        static string D(double? v) => v is { } x ? x.ToString("N0", C) : "NA";
        var m = r.MedianFollowUp;
        return m.Value is null ? "not reached" : $"{D(m.Value)} ({D(m.Lower)} to {D(m.Upper)})";
    }

    private static string Days(double? d) => d is null ? "NA" : d.Value.ToString("0", C);

    private static string Describe(HazardShape shape) => shape switch
    {
        HazardShape.Decreasing => "hazard falling with time (early onset)",
        HazardShape.Increasing => "hazard rising with time",
        _ => "no evidence against a constant hazard",
    };

    public static IReadOnlyList<ResultTable> Build(SafetyReport r)
    {
        string level = (r.Level * 100).ToString("0.####", C) + "% CI";
        var patients = new CountCell(r.Patients);
        var cases = new CountCell(r.Cases);
        var nonCases = new CountCell(r.Patients - r.Cases, hidden: true);
        var deaths = new CountCell(r.Deaths);
        var aliveCensored = new CountCell(r.Patients - r.Cases - r.Deaths, hidden: true);
        var summary = new ResultTable("Summary", "Measure", "Value")
            .AddRow(new TextCell("Patients"), patients)
            .AddRow(new TextCell("Cases (secondary malignancy)"), cases)
            .AddRow(new TextCell("Deaths without a prior malignancy (competing)"), deaths)
            .AddRow(new TextCell($"Median follow-up, days (reverse Kaplan-Meier, {level})"), new DerivedCell(FollowUp(r), patients))
            .AddRow(new TextCell("Follow-up range, days"), new DerivedCell($"{r.FollowUpRange.Shortest.ToString("N0", C)}-{r.FollowUpRange.Longest.ToString("N0", C)}", patients))
            .AddRow(new TextCell($"Crude incidence ({level}, Clopper-Pearson)"),
                new DerivedCell($"{Pct(r.CrudeIncidence.Value)} ({Ci(r.CrudeIncidence.Interval.Lower, r.CrudeIncidence.Interval.Upper)})", cases, patients, nonCases))
            .AddRow(new TextCell("Person-years of follow-up"), new TextCell(r.PersonYears.ToString("0.0", C)))
            .AddRow(new TextCell($"Rate per 100 person-years ({level}, exact)"),
                new DerivedCell($"{r.RatePer100PersonYears.Value.ToString("0.000", C)} ({r.RatePer100PersonYears.Interval.Lower.ToString("0.000", C)} to {r.RatePer100PersonYears.Interval.Upper.ToString("0.000", C)})", cases))
            .AddMargin(patients, cases, nonCases)
            .AddMargin(nonCases, deaths, aliveCensored);
        if (r.DataPeriod is { } period)
        {
            // the period the data cover: a reviewer's first question after the counts (issue 26)
            summary.AddRow(new TextCell(r.DataCutoff is null ? "Data period: first infusion to latest date in the data (cut-off)" : "Data period: first infusion to latest date in the data"),
                new TextCell($"{Cohort.Iso(period.FirstInfusion)} to {Cohort.Iso(period.LatestDate)}"));
        }

        if (r.DataCutoff is { } cutoff)
        {
            summary.AddRow(new TextCell("Data cut-off (declared)"), new TextCell(Cohort.Iso(cutoff)));
        }

        if (r.Sir is { } sir)
        {
            var observed = new CountCell(sir.Observed, hidden: true);
            summary.AddRow(new TextCell($"SIR vs general population ({level}, exact)"),
                new DerivedCell($"{sir.Ratio.ToString("0.00", C)} ({sir.Interval.Lower.ToString("0.00", C)} to {sir.Interval.Upper.ToString("0.00", C)}), expected {sir.Expected.ToString("0.0", C)}", observed))
                .AddRow(new TextCell("Excess absolute risk per 10,000 person-years"), new DerivedCell(sir.ExcessAbsoluteRiskPer10000.ToString("0.0", C), observed));
        }

        var risk = new ResultTable("Cumulative risk of secondary malignancy", "Time", "Aalen-Johansen (death competing)", level, "Naive 1 - Kaplan-Meier")
        {
            Note = "Aalen-Johansen = cmprsk::cuminc; the naive 1 - KM censors deaths and overstates the risk.",
        };
        CountCell? previousEvents = null;
        foreach (double day in new[] { 365.0, 730.0, 1095.0, r.HorizonDays }.Distinct().Order())
        {
            var aj = r.RiskAt(day);
            var km = r.MalignancyFreeKaplanMeier.At(day);
            var events = new CountCell(r.CasesBy(day), hidden: true);
            string when = $"{day.ToString("0", C)} days ({(day / 365.25).ToString("0.0", C)} y){(aj.BeyondFollowUp ? ", beyond follow-up" : "")}";

            // before any censoring the risk is cases / patients: it gives the cases so far, and successive rows the
            // cases between them (the linear audit withholds a row where that difference is small)
            bool ajCensored = r.CumulativeIncidence is not { } cif || EstimatorTables.CensoredBefore(cif.Time, cif.Censored, day);
            bool kmCensored = EstimatorTables.CensoredBefore(r.MalignancyFreeKaplanMeier.Time, r.MalignancyFreeKaplanMeier.Censored, day);
            risk.AddRow(new TextCell(when), new DerivedCell(Pct(aj.Estimate), events) { Reveals = ajCensored ? [] : [events] },
                new DerivedCell(Ci(aj.Lower, aj.Upper), events) { Reveals = [] },
                new DerivedCell(Pct(1 - km.Survival), events) { Reveals = kmCensored ? [] : [events] });
            var between = new CountCell(events.Count - (previousEvents?.Count ?? 0), hidden: true);
            risk.AddMargin(events, previousEvents is null ? [between] : [previousEvents, between]);
            previousEvents = events;
        }

        var onset = new ResultTable("Onset among cases (days from infusion)", "Measure", "Value");
        onset.AddRow(new TextCell("Median (Q1-Q3)"), new DerivedCell($"{Days(r.Onset.Median)} ({Days(r.Onset.Q1)}-{Days(r.Onset.Q3)})", cases))
            .AddRow(new TextCell("Range"), new DerivedCell($"{Days(r.Onset.Min)}-{Days(r.Onset.Max)}", cases));
        if (r.Onset.Within365Days is { } w)
        {
            var within = new CountCell(w.Cases);
            var later = new CountCell(w.CohortSize - w.Cases, hidden: true);
            onset.AddRow(new TextCell("Diagnosed within 12 months"), within)
                .AddRow(new TextCell($"Share within 12 months ({level})"), new DerivedCell($"{Pct(w.Value)} ({Ci(w.Interval.Lower, w.Interval.Upper)})", within, cases, later))
                .AddMargin(cases, within, later);
        }

        foreach (var failed in r.OnsetFits.Where(f => !f.Converged))
        {
            onset.AddRow(new TextCell("WARNING"), new TextCell($"the {failed.Family} fit did not converge ({failed.ConvergenceNote}); it is left out"));
        }

        if (r.OnsetShape is { Converged: false } notConverged)
        {
            onset.AddRow(new TextCell("Weibull shape (WSP test)"), new TextCell("WARNING: not converged: " + notConverged.ConvergenceNote));
        }
        else if (r.OnsetShape is { } wsp)
        {
            onset.AddRow(new TextCell($"Weibull shape (WSP test, {level})"),
                new DerivedCell($"{wsp.Shape.ToString("0.###", C)} ({wsp.ShapeInterval.Lower.ToString("0.###", C)} to {wsp.ShapeInterval.Upper.ToString("0.###", C)}): {Describe(wsp.Classification)}", cases));
        }

        if (r.BestOnsetFamily is { } best)
        {
            var fit = r.OnsetFits.First(f => f.Family == best);
            var median = fit.Quantile(0.5);
            onset.AddRow(new TextCell("Best-fitting distribution (AIC)"),
                new DerivedCell($"{best}, median {median.Value!.Value.ToString("0", C)} days ({median.Lower!.Value.ToString("0", C)} to {median.Upper!.Value.ToString("0", C)})", cases));
        }
        else if (r.OnsetFitNote is { } why)
        {
            onset.AddRow(new TextCell("Onset distribution"), new TextCell("not fitted: " + why));
        }

        var transgene = new ResultTable("CAR transgene in the malignancy", "Measure", "Value");
        if (r.TransgenePositive is { } t)
        {
            var tested = new CountCell(t.CohortSize);
            var positive = new CountCell(t.Cases);
            var negative = new CountCell(t.CohortSize - t.Cases, hidden: true);
            var untested = new CountCell(r.Cases - t.CohortSize, hidden: true);
            transgene.AddRow(new TextCell("Tested"), tested)
                .AddRow(new TextCell("Positive"), positive)
                .AddRow(new TextCell($"Positive among tested ({level})"), new DerivedCell($"{Pct(t.Value)} ({Ci(t.Interval.Lower, t.Interval.Upper)})", positive, tested, negative))
                .AddMargin(tested, positive, negative)
                .AddMargin(cases, tested, untested);
        }
        else
        {
            transgene.AddRow(new TextCell("Tested"), new CountCell(0));
        }

        var conditional = new ResultTable("Risk over the next 5 years for a patient event-free at a landmark", "Landmark", "At risk", "5-year risk", level)
        {
            Note = "= survfit(..., start.time = landmark), death competing.",
        };
        // the numbers at risk at successive landmarks (and the patients before the first) differ by those who left in
        // between: margins, so a difference of 1..10 withholds the later number
        CountCell previousAtRisk = patients;
        foreach (var c in r.ConditionalRisks)
        {
            var atRisk = new CountCell(c.AtRisk);
            var later = new CountCell(c.Cases, hidden: true);
            conditional.AddMargin(previousAtRisk, atRisk, new CountCell(Math.Max(0, previousAtRisk.Count - c.AtRisk), hidden: true));
            if (!ReferenceEquals(previousAtRisk, patients))
            {
                conditional.AddMargin(patients, atRisk, new CountCell(Math.Max(0, patients.Count - c.AtRisk), hidden: true));
            }

            previousAtRisk = atRisk;
            conditional.AddRow(new TextCell($"{(c.LandmarkDays / 365.25).ToString("0.#", C)} y{(c.Risk.BeyondFollowUp ? " (window beyond follow-up)" : "")}"), atRisk,
                new DerivedCell(Pct(c.Risk.Estimate), atRisk, later), new DerivedCell(Ci(c.Risk.Lower, c.Risk.Upper), atRisk, later));
        }

        var tables = new List<ResultTable> { summary, risk, onset, transgene };
        if (!r.ConditionalRisks.IsEmpty)
        {
            tables.Add(conditional);
        }
        if (!r.ByProduct.IsEmpty)
        {
            string horizon = $"{(r.HorizonDays / 365.25).ToString("0.#", C)}-year risk";
            var byProduct = new ResultTable("By product", "Product", "Patients", "Cases", "Crude incidence", level,
                "Rate per 100 person-years", horizon);
            var patientParts = new List<CountCell>();
            var caseParts = new List<CountCell>();
            foreach (var g in r.ByProduct)
            {
                var gp = new CountCell(g.Patients);
                var gc = new CountCell(g.Cases);
                var gn = new CountCell(g.Patients - g.Cases, hidden: true);
                var gh = new CountCell(g.CasesByHorizon, hidden: true);
                patientParts.Add(gp);
                caseParts.Add(gc);
                byProduct.AddRow(new TextCell(g.Product), gp, gc,
                    new DerivedCell(Pct(g.CrudeIncidence.Value), gc, gp, gn),
                    new DerivedCell(Ci(g.CrudeIncidence.Interval.Lower, g.CrudeIncidence.Interval.Upper), gc, gp, gn),
                    new DerivedCell(g.RatePer100PersonYears is { } rate ? rate.Value.ToString("0.000", C) : "NA", gc),
                    new DerivedCell(Pct(g.RiskAtHorizon.Estimate) + (g.RiskAtHorizon.BeyondFollowUp ? " (beyond follow-up)" : ""), gc, gh, gp));
                byProduct.AddMargin(gp, gc, gn);
            }

            byProduct.AddMargin(patients, [.. patientParts]).AddMargin(cases, [.. caseParts]);
            tables.Add(byProduct);
        }

        if (r.Comparison is { } comparison)
        {
            tables.AddRange(comparison.Tables());
        }

        tables.Add(Methods(r));
        return tables;
    }

    /// <summary>What a reviewer checks first: each estimate's method and the R call it equals, and the software.</summary>
    private static ResultTable Methods(SafetyReport r)
    {
        string version = typeof(SafetyReport).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion.Split('+')[0] ?? "unknown";
        string level = (r.Level * 100).ToString("0.####", C) + "%";
        var methods = new ResultTable("Methods", "Estimate", "Method (R equivalent)") { Prose = true }
            .AddRow(new TextCell("Follow-up"), new TextCell("from infusion to the first of malignancy, death or last follow-up; median by the reverse Kaplan-Meier (survival::survfit(Surv(days, status == 0) ~ 1))"))
            .AddRow(new TextCell("Crude incidence"), new TextCell($"cases / patients, exact {level} Clopper-Pearson interval (binom.test)"))
            .AddRow(new TextCell("Rate"), new TextCell($"cases per 100 person-years (365.25 days), exact {level} Poisson interval (poisson.test)"))
            .AddRow(new TextCell("Cumulative risk"), new TextCell("Aalen-Johansen with death as a competing event (cmprsk::cuminc; survival::survfit with a factor status); the naive 1 - Kaplan-Meier censors deaths (survival::survfit)"))
            .AddRow(new TextCell("Onset"), new TextCell("days from infusion to diagnosis among cases; quantiles type 7 (quantile); WSP test and distributions by maximum likelihood (survival::survreg)"))
            .AddRow(new TextCell("Risk after a landmark"), new TextCell("Aalen-Johansen among patients event-free at the landmark (survival::survfit(..., start.time = landmark))"))
            .AddRow(new TextCell("Disclosure control"), new TextCell("no count below the threshold is shown or derivable: one marker for every withheld value, complementary withholding and a linear audit of every relation the tables publish"))
            .AddRow(new TextCell("Software"), new TextCell($"CarTRisk {version} (.NET {Environment.Version.ToString(2)})"));
        return methods;
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
    private static SafetyReport WithOnsetAndConditional(SafetyReport report, CohortSummary cohort, double level)
    {
        var days = report.Onset.Days.ToArray();
        string? note = null;
        var fits = ImmutableArray<ParametricFit>.Empty;
        WeibullShapeTest? shape = null;
        if (days.Distinct().Count() < 2)
        {
            note = "fewer than two distinct onset days";
        }
        else if (days.Any(d => d <= 0))
        {
            note = "an onset on the day of infusion (day 0) cannot enter a distribution of log time";
        }
        else
        {
            var events = Enumerable.Repeat(true, days.Length).ToArray();
            fits = [.. Enum.GetValues<OnsetFamily>().Select(f => OnsetDistribution.Fit(days, events, f, level))];
            shape = OnsetDistribution.ShapeTest(days, level);
        }

        var conditional = ImmutableArray.CreateBuilder<ConditionalRisk>();
        foreach (double landmark in new[] { 365.0, 730.0 })
        {
            long atRisk = cohort.FollowedAtLeast(landmark);
            if (atRisk == 0)
            {
                continue;
            }

            const double window = 1826;
            // = CumulativeIncidence.Conditional on the rows (the records followed to the landmark, as survfit's start.time)
            var curve = CumulativeIncidence.Estimate(cohort.ToEventTable(landmark), 1, CumulativeIncidenceOptions.Default with { Level = level });
            int cases = days.Count(d => d >= landmark && d <= landmark + window);
            conditional.Add(new ConditionalRisk(landmark, window, checked((int)atRisk), cases, curve.At(landmark + window)));
        }

        return report with { OnsetFits = fits, OnsetShape = shape, OnsetFitNote = note, ConditionalRisks = conditional.ToImmutable() };
    }

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
    public static SafetyReport Compute(Cohort cohort, double horizonDays = 1095, double level = 0.95) =>
        Compute(cohort, horizonDays, level, byProduct: true);

    /// <summary>The safety summary with the comparison against the general population: the report gains
    /// <see cref="SafetyReport.Sir"/> (= <see cref="StandardizedIncidence.Compute"/> at the report's level) and its line.</summary>
    /// <param name="cohort">The cohort (every patient with sex and birth date).</param>
    /// <param name="rates">Population rates covering the cohort's follow-up.</param>
    /// <param name="horizonDays">The horizon, finite and &gt; 0.</param>
    /// <param name="level">The confidence level.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentNullException">A null argument.</exception>
    /// <exception cref="ArgumentException">As <see cref="Compute(Cohort, double, double)"/>, or as the SIR (a patient without sex or
    /// birth date, person-time outside the rate table).</exception>
    public static SafetyReport Compute(Cohort cohort, ReferenceRates rates, double horizonDays = 1095, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(rates);
        var report = Compute(cohort, horizonDays, level);
        return report with { Sir = StandardizedIncidence.Compute(cohort, rates, SirOptions.Default with { Level = level }) };
    }

    /// <summary>The safety summary from the sufficient statistics (streamed from a file by
    /// <see cref="CohortCsv.Summarize(string)"/>, reduced by a warehouse, or built from a cohort): the same report as
    /// <see cref="Compute(Cohort, double, double)"/> on the same patients, value for value, except the data period, which
    /// only a summary read from patient rows holds (<see cref="CohortSummary.LatestDate"/>).</summary>
    /// <param name="summary">The summary; at least one patient with follow-up &gt; 0 days in total.</param>
    /// <param name="horizonDays">The horizon, finite and &gt; 0 (default 1095 = 3 years).</param>
    /// <param name="level">The confidence level, in (0, 1).</param>
    /// <returns>The report (without the SIR, which needs birth dates and sex per patient).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="summary"/> is null.</exception>
    /// <exception cref="ArgumentException">No patient, no follow-up time at all, more than int.MaxValue patients, or
    /// both a product named "(missing)" and patients without a product.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A bad horizon or level.</exception>
    public static SafetyReport Compute(CohortSummary summary, double horizonDays = 1095, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(summary);
        Guard.PositiveFinite(horizonDays);
        Guard.Level(level);
        if (summary.Patients == 0)
        {
            throw new ArgumentException("summary has no patients.", nameof(summary));
        }

        if (summary.Patients > int.MaxValue)
        {
            throw new ArgumentException($"summary has {summary.Patients} patients; the report counts at most {int.MaxValue}.", nameof(summary));
        }

        if (summary.PersonDays <= 0)
        {
            throw new ArgumentException("summary has no follow-up time (every duration is 0 days); a rate cannot be computed.", nameof(summary));
        }

        if (summary.MissingClash)
        {
            throw new ArgumentException($"summary has both a product named '{Cohort.Missing}' and patients without a product; rename the product so the two groups are not merged.", nameof(summary));
        }

        return Compute(summary, horizonDays, level, byProduct: true);
    }

    private static SafetyReport Compute(Cohort cohort, double horizonDays, double level, bool byProduct)
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

        var summary = CohortSummary.From(cohort);
        if (byProduct && summary.MissingClash)
        {
            _ = cohort.ByProduct();   // throws GroupBy's error, naming the patient, as the report always has
        }

        return Compute(summary, horizonDays, level, byProduct);
    }

    /// <summary>The one computation behind both entry points: every estimate from the (days, cause, count) table.</summary>
    private static SafetyReport Compute(CohortSummary summary, double horizonDays, double level, bool byProduct)
    {
        int patients = (int)summary.Patients;
        int cases = (int)summary.Cases;
        var crude = CrudeIncidence.Proportion(cases, patients, level: level);
        var rate = CrudeIncidence.Rate(cases, summary.PersonYears, level).Per(100);
        var cif = cases > 0
            ? CumulativeIncidence.Estimate(summary.ToEventTable(), 1, CumulativeIncidenceOptions.Default with { Level = level })
            : null;
        var km = KaplanMeier.Estimate(summary.ToEventTable(deathAsCensoring: true), KaplanMeierOptions.Default with { Level = level });
        var onsetDays = summary.OnsetDays();
        var onset = new OnsetSummary(cases, SampleQuantile.Type7(onsetDays, 0.5), SampleQuantile.Type7(onsetDays, 0.25),
            SampleQuantile.Type7(onsetDays, 0.75), onsetDays.Length > 0 ? onsetDays[0] : null, onsetDays.Length > 0 ? onsetDays[^1] : null,
            cases > 0 ? CrudeIncidence.Proportion(onsetDays.Count(d => d <= 365), cases, level: level) : null,
            System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(onsetDays));   // read-only: not castable to double[]
        int positive = (int)summary.Transgene(TransgeneStatus.Positive);
        int tested = positive + (int)summary.Transgene(TransgeneStatus.Negative);
        var transgene = tested > 0 ? CrudeIncidence.Proportion(positive, tested, level: level) : null;
        var atHorizon = cif?.At(horizonDays) ?? new IncidencePoint(horizonDays, 0, 0, double.NaN, double.NaN, horizonDays > km.Time[^1]);
        var followUp = KaplanMeier.Estimate(summary.ToFollowUpTable(), KaplanMeierOptions.Default with { Level = level });
        var report = new SafetyReport(patients, cases, crude, summary.PersonYears, rate, atHorizon, km.At(horizonDays), onset,
            transgene, horizonDays, level, cif, km)
        {
            Deaths = (int)summary.Deaths,
            MedianFollowUp = followUp.Median,
            FollowUpRange = (summary.Counts.Min(c => c.Days), summary.Counts.Max(c => c.Days)),
            DataPeriod = summary.FirstInfusion is { } first && summary.LatestDate is { } latest ? (first, latest) : null,
        };
        report = WithOnsetAndConditional(report, summary, level);
        if (!byProduct)
        {
            return report;
        }

        var rows = summary.Products.Select(p =>
        {
            var r = Compute(summary.Product(p), horizonDays, level, byProduct: false);
            return new SafetyGroupRow(p, r.Patients, r.Cases, r.CrudeIncidence, r.CumulativeIncidenceAtHorizon)
            {
                PersonYears = r.PersonYears,
                RatePer100PersonYears = r.RatePer100PersonYears,
                CasesByHorizon = r.CasesBy(horizonDays),
            };
        }).ToImmutableArray();
        return report with { ByProduct = rows };
    }
}
