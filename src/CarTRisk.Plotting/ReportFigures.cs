namespace CarTRisk.Plotting;

/// <summary>The safety report as one self-contained HTML file with its figures as inline SVG.</summary>
public static class ReportFigures
{
    /// <summary>The report's tables (through the disclosure policy) and its figures (drawn under the same policy): the
    /// Aalen-Johansen cumulative incidence with death competing against the naive 1 − Kaplan-Meier, and the onset
    /// histogram when the number of cases is not itself suppressed.</summary>
    /// <param name="report">The report.</param>
    /// <param name="policy">The disclosure policy; null = <see cref="DisclosurePolicy.Default"/>.</param>
    /// <returns>The HTML document.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="report"/> is null.</exception>
    public static string ToHtmlWithFigures(this SafetyReport report, DisclosurePolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        policy ??= DisclosurePolicy.Default;
        var options = FigureOptions.Default with { Disclosure = policy, Width = 800, Height = 520 };
        var figures = new List<ReportFigure>();
        if (report.CumulativeIncidence is { } cif)
        {
            figures.Add(new ReportFigure("Cumulative risk of secondary malignancy: Aalen-Johansen (death competing) against the naive 1 − Kaplan-Meier (deaths censored)",
                Figures.NaiveVersusAalenJohansen(report.MalignancyFreeKaplanMeier, cif, options).ToSvg()));
        }

        if (report.Cases > 0 && !policy.Suppresses(report.Cases))
        {
            figures.Add(new ReportFigure("Time from infusion to diagnosis (bins merged to at least the disclosure threshold)",
                Figures.OnsetHistogram(report.Onset, 90, options with { Scale = TimeScale.Days, HorizonDays = 365 }).ToSvg()));
        }

        return report.ToHtml(policy, figures);
    }
}
