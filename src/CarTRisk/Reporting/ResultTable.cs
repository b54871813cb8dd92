using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Text;

namespace CarTRisk;

/// <summary>A cell of a <see cref="ResultTable"/>.</summary>
public abstract class ResultCell
{
    private protected ResultCell()
    {
    }

    /// <summary>The text as computed, before any suppression.</summary>
    public abstract string RawText { get; }
}

/// <summary>Plain text (a label, a time, person-years): never suppressed.</summary>
public sealed class TextCell : ResultCell
{
    /// <summary>Creates the cell.</summary>
    /// <param name="text">The text; control characters are rejected (they would forge lines).</param>
    /// <exception cref="ArgumentException">A control or format character.</exception>
    public TextCell(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Any(c => char.IsControl(c) || char.GetUnicodeCategory(c) == UnicodeCategory.Format))
        {
            throw new ArgumentException("text holds a control or format character.", nameof(text));
        }

        Text = text;
    }

    /// <summary>The text.</summary>
    public string Text { get; }

    /// <inheritdoc/>
    public override string RawText => Text;
}

/// <summary>A count of people or events: primary suppression applies. A hidden count (not printed) still takes part
/// in margins, so a complement such as non-cases = patients − cases is protected.</summary>
public sealed class CountCell : ResultCell
{
    /// <summary>Creates the cell.</summary>
    /// <param name="count">The count, ≥ 0 and finite.</param>
    /// <param name="hidden">Whether the count is not printed (only protected).</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative or non-finite count.</exception>
    public CountCell(double count, bool hidden = false)
    {
        if (!(count >= 0 && double.IsFinite(count)))
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "count must be finite and >= 0.");
        }

        Count = count;
        Hidden = hidden;
    }

    /// <summary>The count.</summary>
    public double Count { get; }

    /// <summary>Whether it is only protected, not printed.</summary>
    public bool Hidden { get; }

    /// <inheritdoc/>
    public override string RawText => Count.ToString("0.##", CultureInfo.InvariantCulture);
}

/// <summary>A value derived from counts (a percentage, an interval, a rate, a risk estimate, a quantile): suppressed
/// when any count it rests on is suppressed.</summary>
public sealed class DerivedCell : ResultCell
{
    /// <summary>Creates the cell.</summary>
    /// <param name="text">The formatted value.</param>
    /// <param name="basis">The count cells it rests on (shown or hidden).</param>
    public DerivedCell(string text, params CountCell[] basis)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(basis);
        Text = new TextCell(text).Text;
        Basis = [.. basis];
    }

    /// <summary>The formatted value.</summary>
    public string Text { get; }

    /// <summary>The counts it rests on.</summary>
    public ImmutableArray<CountCell> Basis { get; }

    /// <summary>The counts of <see cref="Basis"/> a reader can recompute exactly from the shown value (for the linear
    /// audit): null = all of them (a percentage x/n beside x and n); empty for a risk after censoring, which fixes no
    /// count; the events so far for a risk before any censoring (F = D/N).</summary>
    public IReadOnlyList<CountCell>? Reveals { get; init; }

    /// <inheritdoc/>
    public override string RawText => Text;
}

/// <summary>
/// A table of results that renders as aligned text, Markdown, HTML or CSV, always through the one disclosure resolver
/// (<see cref="DisclosurePolicy"/>): primary, derived and complementary suppression are applied to every rendering the
/// same way. Tables that share count cells (a report) are resolved together.
/// </summary>
public sealed class ResultTable
{
    private readonly List<ResultCell[]> rows;

    /// <summary>Creates a table.</summary>
    /// <param name="title">The caption.</param>
    /// <param name="columns">The column headers.</param>
    /// <exception cref="ArgumentException">No column, or a control character in a header.</exception>
    public ResultTable(string title, params string[] columns)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Length == 0)
        {
            throw new ArgumentException("a table needs at least one column.", nameof(columns));
        }

        Title = new TextCell(title).Text;
        Columns = columns.Select(c => new TextCell(c ?? throw new ArgumentNullException(nameof(columns))).Text).ToImmutableArray();
        rows = [];
    }

    /// <summary>The caption.</summary>
    public string Title { get; }

    /// <summary>The column headers.</summary>
    public ImmutableArray<string> Columns { get; }

    /// <summary>The rows (cells before suppression).</summary>
    public IReadOnlyList<IReadOnlyList<ResultCell>> Rows => rows;

    /// <summary>Groups of counts whose parts add up to a total (the total first).</summary>
    internal List<CountCell[]> Margins { get; } = [];

    /// <summary>A note printed under the table (e.g. what an estimate equals in R).</summary>
    public string? Note { get; init; }

    /// <summary>The table holds sentences, not values (a methods section): left-aligned, and allowed to wrap in HTML.</summary>
    public bool Prose { get; init; }

    /// <summary>Adds a row.</summary>
    /// <param name="cells">One cell per column.</param>
    /// <returns>This table.</returns>
    /// <exception cref="ArgumentException">The number of cells differs from the number of columns.</exception>
    public ResultTable AddRow(params ResultCell[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != Columns.Length || cells.Any(c => c is null))
        {
            throw new ArgumentException($"the row has {cells.Length} cells (or a null); the table has {Columns.Length} columns.", nameof(cells));
        }

        rows.Add(cells);
        return this;
    }

    /// <summary>Declares that <paramref name="parts"/> add up to <paramref name="total"/> (which may be shown here or in
    /// another table of the same report), so complementary suppression protects them.</summary>
    /// <param name="total">The total.</param>
    /// <param name="parts">The parts (hidden counts allowed).</param>
    /// <returns>This table.</returns>
    public ResultTable AddMargin(CountCell total, params CountCell[] parts)
    {
        ArgumentNullException.ThrowIfNull(total);
        ArgumentNullException.ThrowIfNull(parts);
        Margins.Add([total, .. parts]);
        return this;
    }

    /// <summary>The cells as they may be shown under <paramref name="policy"/>: the one path every rendering takes.</summary>
    /// <param name="policy">The policy; null = <see cref="DisclosurePolicy.Default"/>.</param>
    /// <returns>The header row followed by the data rows.</returns>
    public IReadOnlyList<IReadOnlyList<string>> Render(DisclosurePolicy? policy = null) =>
        Render(policy ?? DisclosurePolicy.Default, Disclosure.Resolve([this], policy ?? DisclosurePolicy.Default));

    internal IReadOnlyList<IReadOnlyList<string>> Render(DisclosurePolicy policy, HashSet<CountCell> suppressed)
    {
        var result = new List<IReadOnlyList<string>> { Columns.ToArray() };
        foreach (var row in rows)
        {
            result.Add(row.Select(c => Disclosure.Show(c, policy, suppressed)).ToArray());
        }

        return result;
    }

    internal bool AnySuppressed(HashSet<CountCell> suppressed) =>
        rows.Any(r => r.Any(c => c is CountCell { Hidden: false } k && suppressed.Contains(k)
            || c is DerivedCell d && d.Basis.Any(suppressed.Contains)));

    /// <summary>Aligned plain text.</summary>
    /// <param name="policy">The policy; null = <see cref="DisclosurePolicy.Default"/>.</param>
    /// <returns>The text.</returns>
    public string ToText(DisclosurePolicy? policy = null) => Reports.Text([this], policy ?? DisclosurePolicy.Default, null);

    /// <summary>A Markdown (GitHub pipe) table with its caption as a heading.</summary>
    /// <param name="policy">The policy; null = <see cref="DisclosurePolicy.Default"/>.</param>
    /// <returns>The Markdown.</returns>
    public string ToMarkdown(DisclosurePolicy? policy = null) => Reports.Markdown([this], policy ?? DisclosurePolicy.Default, null);

    /// <summary>An HTML fragment: one <c>&lt;table&gt;</c> with its caption (all text HTML-encoded).</summary>
    /// <param name="policy">The policy; null = <see cref="DisclosurePolicy.Default"/>.</param>
    /// <returns>The HTML.</returns>
    public string ToHtml(DisclosurePolicy? policy = null) => Reports.HtmlTables([this], policy ?? DisclosurePolicy.Default);

    /// <summary>RFC 4180 CSV: the header row, then one line per row.</summary>
    /// <param name="policy">The policy; null = <see cref="DisclosurePolicy.Default"/>.</param>
    /// <returns>The CSV.</returns>
    public string ToCsv(DisclosurePolicy? policy = null)
    {
        policy ??= DisclosurePolicy.Default;
        var sb = new StringBuilder();
        foreach (var line in Render(policy))
        {
            sb.AppendJoin(',', line.Select(Reports.CsvField)).Append("\r\n");
        }

        return sb.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => ToText();
}

/// <summary>The one disclosure resolver.</summary>
internal static class Disclosure
{
    /// <summary>Cells a <see cref="DisclosureLedger"/> withholds in the rendering under way (their difference from an
    /// earlier release would be a small count).</summary>
    internal static readonly AsyncLocal<HashSet<CountCell>?> Forced = new();

    /// <summary>Primary suppression (and the ledger's withheld cells), then complementary suppression in every margin
    /// until stable, then the linear audit.</summary>
    public static HashSet<CountCell> Resolve(IReadOnlyList<ResultTable> tables, DisclosurePolicy policy)
    {
        var all = tables.SelectMany(t => t.Rows.SelectMany(r => r).OfType<CountCell>()
            .Concat(t.Rows.SelectMany(r => r).OfType<DerivedCell>().SelectMany(d => d.Basis))
            .Concat(t.Margins.SelectMany(m => m))).Distinct().ToList();
        var forced = Forced.Value;
        var suppressed = new HashSet<CountCell>(all.Where(c => policy.Suppresses(c.Count) || (forced is not null && forced.Contains(c))));
        if (suppressed.Count == 0)
        {
            return suppressed;
        }

        var margins = tables.SelectMany(t => t.Margins).ToList();
        // a hidden total is known to a reader only where a shown value reveals it (a risk before any censoring)
        var known = new HashSet<CountCell>(tables.SelectMany(t => t.Rows.SelectMany(r => r)).SelectMany(c => c switch
        {
            CountCell k when !k.Hidden => [k],
            DerivedCell d => d.Reveals ?? (IEnumerable<CountCell>)d.Basis,
            _ => [],
        }));
        Complement(margins, suppressed, known);
        if (policy.Audit)
        {
            // the linear audit: while a small count can be pinned, withhold the smallest shown part (else the total)
            // of a margin that pins it, then complete the complementary suppression again
            for (int round = 0; round < 10_000; round++)
            {
                var findings = DisclosureAudit.FindingCells(tables, policy, suppressed);
                if (findings.Count == 0)
                {
                    break;
                }

                // one cell at a time, then audit again (one more withheld part often frees several findings)
                bool added = false;
                foreach (var cell in findings)
                {
                    foreach (var m in margins.Where(m => m.Contains(cell)))
                    {
                        // a part a reader knows (shown, or revealed by a shown value) first, smallest first; else the total
                        var next = m.Skip(1).Where(p => p.Count > 0 && p != cell && !suppressed.Contains(p) && (!p.Hidden || known.Contains(p)))
                            .OrderBy(p => p.Count).FirstOrDefault()
                            ?? (suppressed.Contains(m[0]) ? null : m[0]);
                        if (next is not null && suppressed.Add(next))
                        {
                            added = true;
                            break;
                        }
                    }

                    if (added)
                    {
                        break;
                    }
                }

                if (!added)
                {
                    break;   // nothing left to withhold in those margins: DisclosureAudit.Check reports what remains
                }

                Complement(margins, suppressed, known);
            }
        }

        return suppressed;
    }

    /// <summary>Complementary suppression in every margin until stable.</summary>
    private static void Complement(List<CountCell[]> margins, HashSet<CountCell> suppressed, HashSet<CountCell> known)
    {
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var m in margins)
            {
                var total = m[0];
                var parts = m.Skip(1).Where(p => p.Count > 0).ToList();
                if (suppressed.Contains(total) || (total.Hidden && !known.Contains(total)))
                {
                    continue;   // an unknown total protects its parts from subtraction
                }

                int hiddenParts = parts.Count(suppressed.Contains);
                if (hiddenParts == 1)
                {
                    var next = parts.Where(p => !suppressed.Contains(p)).OrderBy(p => p.Count).FirstOrDefault();
                    if (next is not null)
                    {
                        suppressed.Add(next);
                        changed = true;
                    }
                }
            }
        }
    }

    public static string Show(ResultCell cell, DisclosurePolicy policy, HashSet<CountCell> suppressed) => cell switch
    {
        CountCell c when c.Hidden => "",
        CountCell c => suppressed.Contains(c) ? policy.Marker : c.RawText,
        DerivedCell d => d.Basis.Any(b => suppressed.Contains(b) || policy.Suppresses(b.Count)) ? policy.Marker : d.Text,
        _ => cell.RawText,
    };
}

/// <summary>Renderings of one or more tables (a report) resolved together.</summary>
internal static class Reports
{
    public static string CsvField(string s) =>
        s.IndexOfAny([',', '"', '\r', '\n']) >= 0 || (s.Length > 0 && (s[0] == ' ' || s[^1] == ' ')) ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    /// <summary>The line every rendering ends with: the footnote when something is withheld, else the policy statement.</summary>
    private static string PolicyLine(IReadOnlyList<ResultTable> tables, HashSet<CountCell> suppressed, DisclosurePolicy policy) =>
        tables.Any(t => t.AnySuppressed(suppressed)) ? policy.Footnote : policy.Statement;

    public static string Text(IReadOnlyList<ResultTable> tables, DisclosurePolicy policy, string? title)
    {
        var suppressed = Disclosure.Resolve(tables, policy);
        var sb = new StringBuilder();
        if (title is not null)
        {
            sb.Append(title).Append('\n').Append(new string('=', title.Length)).Append("\n\n");
        }

        foreach (var t in tables)
        {
            var lines = t.Render(policy, suppressed);
            var widths = Enumerable.Range(0, t.Columns.Length).Select(c => lines.Max(l => l[c].Length)).ToArray();
            sb.Append(t.Title).Append('\n');
            for (int r = 0; r < lines.Count; r++)
            {
                var cells = lines[r].Select((v, c) => c == 0 || t.Prose ? v.PadRight(widths[c]) : v.PadLeft(widths[c]));
                sb.Append("  ").AppendJoin("  ", cells).Append('\n');
                if (r == 0)
                {
                    sb.Append("  ").AppendJoin("  ", widths.Select(w => new string('-', w))).Append('\n');
                }
            }

            if (t.Note is not null)
            {
                sb.Append("  ").Append(t.Note).Append('\n');
            }

            sb.Append('\n');
        }

        sb.Append(PolicyLine(tables, suppressed, policy)).Append('\n');
        return sb.ToString();
    }

    public static string MarkdownCell(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace("*", "\\*", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    public static string Markdown(IReadOnlyList<ResultTable> tables, DisclosurePolicy policy, string? title)
    {
        var suppressed = Disclosure.Resolve(tables, policy);
        var sb = new StringBuilder();
        if (title is not null)
        {
            sb.Append("# ").Append(MarkdownCell(title)).Append("\n\n");
        }

        foreach (var t in tables)
        {
            var lines = t.Render(policy, suppressed);
            sb.Append("## ").Append(MarkdownCell(t.Title)).Append("\n\n");
            for (int r = 0; r < lines.Count; r++)
            {
                sb.Append("| ").AppendJoin(" | ", lines[r].Select(MarkdownCell)).Append(" |\n");
                if (r == 0)
                {
                    sb.Append('|').AppendJoin('|', lines[0].Select((_, c) => c == 0 || t.Prose ? " --- " : " ---: ")).Append("|\n");
                }
            }

            if (t.Note is not null)
            {
                sb.Append('\n').Append(MarkdownCell(t.Note)).Append('\n');
            }

            sb.Append('\n');
        }

        sb.Append(MarkdownCell(PolicyLine(tables, suppressed, policy))).Append('\n');
        return sb.ToString();
    }

    public static string HtmlTables(IReadOnlyList<ResultTable> tables, DisclosurePolicy policy)
    {
        var suppressed = Disclosure.Resolve(tables, policy);
        var sb = new StringBuilder();
        foreach (var t in tables)
        {
            var lines = t.Render(policy, suppressed);
            sb.Append(t.Prose ? "<table class=\"prose\">\n<caption>" : "<table>\n<caption>").Append(WebUtility.HtmlEncode(t.Title)).Append("</caption>\n<thead><tr>");
            foreach (var h in lines[0])
            {
                sb.Append("<th>").Append(WebUtility.HtmlEncode(h)).Append("</th>");
            }

            sb.Append("</tr></thead>\n<tbody>\n");
            foreach (var row in lines.Skip(1))
            {
                sb.Append("<tr>");
                for (int c = 0; c < row.Count; c++)
                {
                    sb.Append(c == 0 ? "<th scope=\"row\">" : "<td>").Append(WebUtility.HtmlEncode(row[c])).Append(c == 0 ? "</th>" : "</td>");
                }

                sb.Append("</tr>\n");
            }

            sb.Append("</tbody>\n</table>\n");
            if (t.Note is not null)
            {
                sb.Append("<p class=\"note\">").Append(WebUtility.HtmlEncode(t.Note)).Append("</p>\n");
            }
        }

        sb.Append("<p class=\"footnote\">").Append(WebUtility.HtmlEncode(PolicyLine(tables, suppressed, policy))).Append("</p>\n");

        return sb.ToString();
    }

    /// <summary>A self-contained HTML document (no external resources); <paramref name="figures"/> are inline SVG.</summary>
    public static string HtmlDocument(IReadOnlyList<ResultTable> tables, DisclosurePolicy policy, string title,
        IReadOnlyList<(string Caption, string Svg)>? figures = null)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>")
            .Append(WebUtility.HtmlEncode(title)).Append("</title>\n<style>\n")
            .Append("body{font-family:Helvetica,Arial,sans-serif;margin:2em;color:#222;max-width:60em}\n")
            .Append("table{border-collapse:collapse;margin:1em 0}caption{text-align:left;font-weight:600;padding:.3em 0}\n")
            .Append("th,td{padding:.25em .8em;border-bottom:1px solid #ddd;text-align:right}th[scope=row],thead th:first-child{text-align:left}\n")
            .Append("thead th{border-bottom:2px solid #444}.note,.footnote{color:#555;font-size:.9em}figure{margin:1em 0}\n")
            // a value or a label never breaks inside ("2.87 %", "brexu-cel"); the figures' text takes a font stack (the SVG
            // names only the family it was drawn with, which a reader's machine may lack)
            .Append("td,th{white-space:nowrap}table.prose td{white-space:normal;text-align:left}figure svg text{font-family:'Liberation Sans',Arial,Helvetica,'DejaVu Sans','Noto Sans',sans-serif}\n")
            // printed (or saved as PDF): no page margin of the screen layout, smaller type, a table or figure kept on one page
            .Append("@media print{body{margin:0;max-width:none;font-size:9.5pt}table,figure{break-inside:avoid;page-break-inside:avoid}caption{break-after:avoid}}\n")
            .Append("</style>\n</head>\n<body>\n<h1>").Append(WebUtility.HtmlEncode(title)).Append("</h1>\n")
            .Append(HtmlTables(tables, policy));
        foreach (var (caption, svg) in figures ?? [])
        {
            sb.Append("<figure>\n").Append(svg).Append("\n<figcaption>").Append(WebUtility.HtmlEncode(caption)).Append("</figcaption>\n</figure>\n");
        }

        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>Long-format CSV of several tables, one value per column: table, row, column, value (as printed),
    /// estimate, lower, upper (numbers, invariant culture, no thousands separator; empty where the printed value is not
    /// a number, an interval or a number with an interval), unit ("%", "count" or empty) and withheld (true where the
    /// value is the marker). The policy follows as rows of a table "Disclosure policy" (threshold, marker, audit).</summary>
    public static string LongCsv(IReadOnlyList<ResultTable> tables, DisclosurePolicy policy)
    {
        var suppressed = Disclosure.Resolve(tables, policy);
        var sb = new StringBuilder("table,row,column,value,estimate,lower,upper,unit,withheld\r\n");
        var c = CultureInfo.InvariantCulture;
        foreach (var t in tables)
        {
            var lines = t.Render(policy, suppressed);
            for (int r = 1; r < lines.Count; r++)
            {
                for (int col = 1; col < lines[r].Count; col++)
                {
                    var cell = t.Rows[r - 1][col];
                    if (cell is CountCell { Hidden: true })
                    {
                        continue;
                    }

                    string value = lines[r][col];
                    bool withheld = value == policy.Marker && cell is not TextCell;
                    var (estimate, lower, upper, unit) = withheld ? (null, null, null, "") : Typed(value);
                    if (cell is CountCell && !withheld)
                    {
                        unit = "count";
                    }

                    sb.AppendJoin(',', new[]
                    {
                        t.Title, lines[r][0], lines[0][col], value,
                        estimate?.ToString("R", c) ?? "", lower?.ToString("R", c) ?? "", upper?.ToString("R", c) ?? "", unit, withheld ? "true" : "false",
                    }.Select(CsvField)).Append("\r\n");
                }
            }
        }

        void Policy(string row, string value) =>
            sb.AppendJoin(',', new[] { "Disclosure policy", row, "value", value, "", "", "", "", "false" }.Select(CsvField)).Append("\r\n");
        Policy("Threshold", policy.Threshold <= 1 ? "none" : policy.Threshold.ToString(c));
        Policy("Marker", policy.Marker);
        Policy("Linear audit", policy.Audit && policy.Threshold > 1 ? "on" : "off");
        return sb.ToString();
    }

    private static readonly System.Text.RegularExpressions.Regex NumberPattern = new(@"^-?[0-9][0-9,]*(\.[0-9]+)?([eE][-+]?[0-9]+)?$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>The numbers of a printed value in the renderers' own formats: "x", "x %", "x (l to u)", "x % (l % to
    /// u %)", "l to u", "l % to u %"; anything else is text only.</summary>
    internal static (double? Estimate, double? Lower, double? Upper, string Unit) Typed(string value)
    {
        static double? Num(string s)
        {
            s = s.Trim();
            return NumberPattern.IsMatch(s) && double.TryParse(s.Replace(",", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
        }

        string v = value.Trim();
        bool percent = v.Contains('%', StringComparison.Ordinal);
        string plain = v.Replace(" %", "", StringComparison.Ordinal).Replace("%", "", StringComparison.Ordinal);
        string unit = percent ? "%" : "";
        if (Num(plain) is { } single)
        {
            return (single, null, null, unit);
        }

        int open = plain.IndexOf(" (", StringComparison.Ordinal);
        if (open > 0 && plain.EndsWith(')') && Num(plain[..open]) is { } est)
        {
            var inner = plain[(open + 2)..^1].Split(" to ");
            if (inner.Length == 2 && Num(inner[0]) is { } lo && Num(inner[1]) is { } hi)
            {
                return (est, lo, hi, unit);
            }
        }

        var parts = plain.Split(" to ");
        if (parts.Length == 2 && Num(parts[0]) is { } l2 && Num(parts[1]) is { } u2)
        {
            return (null, l2, u2, unit);
        }

        return (null, null, null, "");
    }
}
