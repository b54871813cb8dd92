using System.Globalization;

namespace CarTRisk;

/// <summary>
/// Small-cell disclosure control: no count of 1..<see cref="Threshold"/> − 1 is shown, nor derivable from what is
/// shown. Every human-readable output of CarTRisk (result tables as text, Markdown, HTML and CSV, the safety report,
/// the figures' number-at-risk rows and histograms) goes through <see cref="ResultTable"/>'s one resolver and
/// <see cref="FormatCount"/>.
/// </summary>
/// <remarks>
/// <para>The rule (CMS cell-size suppression policy: no cell of 1-10 "shown directly or derivable using percentages or
/// other mathematical formulas"; ABS and ONS output checking rules for secondary suppression, percentages and
/// quantiles):</para>
/// <list type="number">
/// <item>Primary: a count in 1..Threshold − 1 prints as <see cref="Marker"/> ("&lt;Threshold"). Zero is shown. Every
/// other withheld value prints as the same marker, so a reader cannot tell a small count from its complement.</item>
/// <item>Derived values (percentages, intervals, rates next to person-time, risk estimates, quantiles and ranges) are
/// suppressed when any count they rest on is suppressed or is itself in 1..Threshold − 1, including the complement
/// n − x of a proportion x/n and the number of events behind a risk estimate; quantiles and ranges need at least
/// Threshold contributors.</item>
/// <item>Complementary: where parts add up to a shown total (groups against the overall count, cases and non-cases
/// against patients, positive and negative tests against tested), a part that is suppressed alone is joined by the
/// smallest other non-zero part, repeated until no subtraction gives a suppressed cell back.</item>
/// </list>
/// <para>Remaining limitation, documented: differences of successive numbers at risk in a figure's risk table are not
/// protected (the rows are cumulative counts of at least Threshold each).</para>
/// </remarks>
/// <param name="Threshold">The smallest count shown; counts 1..Threshold − 1 are suppressed. 0 or 1 suppresses nothing.</param>
public sealed record DisclosurePolicy(int Threshold = 11)
{
    /// <summary>Threshold 11: the CMS cell-size rule (no cell of 1-10).</summary>
    public static DisclosurePolicy Default { get; } = new();

    /// <summary>Nothing suppressed, for work inside the data custodian's walls.</summary>
    public static DisclosurePolicy None { get; } = new(0);

    /// <summary>The threshold, ≥ 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative threshold.</exception>
    public int Threshold { get; init; } = Threshold >= 0
        ? Threshold
        : throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, "Threshold must be >= 0 (0 = no suppression).");

    /// <summary>Whether a count is suppressed (1 ≤ count &lt; Threshold).</summary>
    /// <param name="count">A count.</param>
    /// <returns>True when it must not be shown.</returns>
    public bool Suppresses(double count) => count > 0 && count < Threshold;

    /// <summary>"&lt;Threshold", the default <see cref="Marker"/>.</summary>
    public string Mask => "<" + Threshold.ToString(CultureInfo.InvariantCulture);

    private readonly string? marker;

    /// <summary>The one marker of EVERY withheld value: a small count, a count withheld so that no small count can be
    /// derived from it (complementary suppression), and a derived value (percentage, interval, rate, estimate,
    /// quantile, p-value). A reader cannot tell why a cell is withheld: the footnote says a withheld count is 1 or more,
    /// nothing else. Default <see cref="Mask"/> ("&lt;11").</summary>
    /// <exception cref="ArgumentException">An empty marker.</exception>
    public string Marker
    {
        get => marker ?? Mask;
        init => marker = string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("Marker must be non-empty.", nameof(Marker)) : value;
    }

    /// <summary>Whether every rendering is checked by <see cref="DisclosureAudit"/> before it is returned, withholding
    /// more until no count of 1..Threshold − 1 can be pinned to an interval of width ≤ 2 by linear programming over the
    /// released numbers (default true).</summary>
    public bool Audit { get; init; } = true;

    /// <summary>Kept for compatibility: withheld values of every kind now print as <see cref="Marker"/>; this text is no
    /// longer emitted by any rendering.</summary>
    public const string Suppressed = "suppressed";

    /// <summary>A count as it may be shown on its own: the number, or <see cref="Marker"/>.</summary>
    /// <param name="count">A count ≥ 0.</param>
    /// <returns>The text.</returns>
    public string FormatCount(double count) =>
        Suppresses(count) ? Marker : count.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>The footnote every rendering carries when something is withheld: the marker covers small counts and
    /// whatever would reveal one, so a withheld count is known only to be at least 1.</summary>
    internal string Footnote =>
        string.Create(CultureInfo.InvariantCulture,
            $"{Marker}: withheld, a count below {Threshold} or a value from which one could be derived (disclosure threshold {Threshold}); a withheld count is 1 or more.");

    /// <summary>The line a rendering carries when nothing is withheld, so that every output states its policy.</summary>
    internal string Statement => Threshold <= 1
        ? "Disclosure control: none (small counts are shown; for use inside the data custodian's walls)."
        : string.Create(CultureInfo.InvariantCulture, $"Disclosure control: counts below {Threshold} and values that would reveal one are withheld (marked {Marker}); none is withheld here.");
}
