using System.Globalization;

namespace CarTRisk;

/// <summary>The formats a <see cref="DisclosureLedger"/> renders.</summary>
public enum ReportFormat
{
    /// <summary>Aligned plain text.</summary>
    Text,

    /// <summary>Markdown pipe tables.</summary>
    Markdown,

    /// <summary>A self-contained HTML document.</summary>
    Html,

    /// <summary>Long CSV (one value per line).</summary>
    Csv,
}

/// <summary>
/// Renders a sequence of reports and tables released from the same data, auditing each new one together with everything
/// released through the ledger before: a report on the whole cohort and one on the cohort minus one site (or one
/// product, or one patient) must not give back the removed part's counts by subtraction.
/// </summary>
/// <remarks>
/// <para>Every count cell of a release is keyed by its table, row label and column. Where a count is shown in the new
/// release and in an earlier one and the two differ by 1..threshold − 1, the new cell is withheld (with the
/// complementary suppression and the linear audit of the one resolver) and the comparison repeats until no shown pair
/// differs by a small count (a product whose patients differ by 10 is withheld, and its complements with it). Where the
/// population itself (a row named "Patients", as the report's summary) differs by 1..threshold − 1, the removed part is
/// a small group whose counts and, for one patient, status would be determined: the ledger refuses (throws) rather than
/// release.</para>
/// <para>What no ledger protects: releases made outside it, and releases of other data about the same patients.</para>
/// </remarks>
public sealed class DisclosureLedger
{
    private readonly List<Dictionary<string, double>> shownBefore = [];
    private readonly List<string> released = [];

    /// <summary>A ledger under a policy.</summary>
    /// <param name="policy">The policy of every release.</param>
    /// <exception cref="ArgumentNullException"><paramref name="policy"/> is null.</exception>
    public DisclosureLedger(DisclosurePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        Policy = policy;
    }

    /// <summary>The policy.</summary>
    public DisclosurePolicy Policy { get; }

    /// <summary>Every rendering released through this ledger, in order.</summary>
    public IReadOnlyList<string> Released => released;

    /// <summary>Renders a safety report, audited against every earlier release.</summary>
    /// <param name="report">The report.</param>
    /// <param name="format">The format.</param>
    /// <returns>The rendering (also added to <see cref="Released"/>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="report"/> is null.</exception>
    /// <exception cref="InvalidOperationException">A population differs from an earlier release's by 1..threshold − 1
    /// patients.</exception>
    public string Render(SafetyReport report, ReportFormat format)
    {
        ArgumentNullException.ThrowIfNull(report);
        return Release(report.Tables(), format, report.CheckedTitle());
    }

    /// <summary>Renders a table, audited against every earlier release.</summary>
    /// <param name="table">The table.</param>
    /// <param name="format">The format.</param>
    /// <returns>The rendering (also added to <see cref="Released"/>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="table"/> is null.</exception>
    /// <exception cref="InvalidOperationException">A population differs from an earlier release's by 1..threshold − 1.</exception>
    public string Render(ResultTable table, ReportFormat format)
    {
        ArgumentNullException.ThrowIfNull(table);
        return Release([table], format, table.Title);
    }

    private string Release(IReadOnlyList<ResultTable> tables, ReportFormat format, string title)
    {
        if (!Enum.IsDefined(format))
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "not a defined ReportFormat.");
        }

        var cells = Keyed(tables);
        var forced = new HashSet<CountCell>();
        var previous = Disclosure.Forced.Value;
        try
        {
            Disclosure.Forced.Value = forced;
            Dictionary<string, double> shown;
            for (int round = 0; ; round++)
            {
                var suppressed = Disclosure.Resolve(tables, Policy);
                shown = cells.Where(kv => !kv.Value.Hidden && !suppressed.Contains(kv.Value)).ToDictionary(kv => kv.Key, kv => kv.Value.Count);
                bool added = false;
                foreach (var before in shownBefore)
                {
                    foreach (var (key, value) in shown)
                    {
                        if (before.TryGetValue(key, out var old) && Policy.Suppresses(Math.Abs(old - value)))
                        {
                            if (IsPopulation(key))
                            {
                                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                                    $"this release differs from release {shownBefore.IndexOf(before) + 1} of the ledger by {Math.Abs(old - value):0.##} in '{key}' ({old:0.##} then {value:0.##}): the removed part is smaller than {Policy.Threshold} and its counts would be derivable; release a population that differs by at least {Policy.Threshold} patients."));
                            }

                            added |= forced.Add(cells[key]);
                        }
                    }
                }

                if (!added || round > 10_000)
                {
                    break;
                }
            }

            string text = format switch
            {
                ReportFormat.Text => Reports.Text(tables, Policy, title),
                ReportFormat.Markdown => Reports.Markdown(tables, Policy, title),
                ReportFormat.Html => Reports.HtmlDocument(tables, Policy, title),
                _ => Reports.LongCsv(tables, Policy),
            };
            shownBefore.Add(shown);
            released.Add(text);
            return text;
        }
        finally
        {
            Disclosure.Forced.Value = previous;
        }
    }

    private static bool IsPopulation(string key)
    {
        var parts = key.Split('\u001f');
        return parts.Length >= 3 && parts[1] == "Patients";
    }

    /// <summary>Count cells by table title, row label (with its occurrence) and column name.</summary>
    private static Dictionary<string, CountCell> Keyed(IReadOnlyList<ResultTable> tables)
    {
        var result = new Dictionary<string, CountCell>(StringComparer.Ordinal);
        foreach (var t in tables)
        {
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var row in t.Rows)
            {
                string label = row.Count > 0 ? row[0].RawText : "";
                int k = seen[label] = seen.GetValueOrDefault(label) + 1;
                string rowKey = k == 1 ? label : $"{label} #{k.ToString(CultureInfo.InvariantCulture)}";
                for (int j = 0; j < row.Count; j++)
                {
                    if (row[j] is CountCell c)
                    {
                        result.TryAdd($"{t.Title}\u001f{rowKey}\u001f{t.Columns[j]}", c);
                    }
                }
            }
        }

        return result;
    }
}
