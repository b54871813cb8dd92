using System.Globalization;
using AngleSharp.Html.Parser;

namespace CarTRisk.Tests.Reporting;

/// <summary>
/// Issue 10: an attacker reads every rendering of the safety report (HTML, Markdown, CSV, text) and tries the
/// recoveries of the issue: small counts shown directly, subtraction from totals (groups against the overall count,
/// cases against patients, positive against tested, within 12 months against cases), percentages and rates times
/// their denominators, risks of small groups, quantiles and ranges of few cases. With the default policy it must find
/// nothing; with DisclosurePolicy.None the same attacks must find the true small counts (so the test can fail).
/// </summary>
public sealed class DisclosureAttackTests
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>Random cohorts with counts 1..10 in many places (seeded).</summary>
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 25)];

    internal static Cohort MakeCohort(int seed)
    {
        var rng = new Random(seed);
        var records = new List<CohortRecord>();
        int products = rng.Next(2, 7), id = 0;
        var start = new DateOnly(2018, 1, 1);
        for (int p = 0; p < products; p++)
        {
            int patients = rng.Next(0, 3) switch { 0 => rng.Next(1, 11), 1 => rng.Next(11, 25), _ => rng.Next(25, 200) };
            int cases = Math.Min(patients, rng.Next(0, 3) switch { 0 => 0, 1 => rng.Next(1, 11), _ => rng.Next(11, 30) });
            if (seed % 5 == 0)
            {
                cases = Math.Max(0, patients - rng.Next(1, 4));   // few non-cases: the complement is small
            }

            for (int i = 0; i < patients; i++)
            {
                var infusion = start.AddDays(rng.Next(0, 1500));
                int follow = rng.Next(30, 2000);
                DateOnly? malignancy = i < cases ? infusion.AddDays(rng.Next(1, follow)) : null;
                DateOnly? death = i >= cases && rng.NextDouble() < 0.3 ? infusion.AddDays(rng.Next(1, follow)) : null;
                var transgene = malignancy is null ? TransgeneStatus.NotTested
                    : rng.NextDouble() < 0.5 ? TransgeneStatus.NotTested
                    : rng.NextDouble() < 0.4 ? TransgeneStatus.Positive : TransgeneStatus.Negative;
                records.Add(new CohortRecord($"P{id++}", $"prod{p}", infusion, infusion.AddDays(follow), malignancy,
                    malignancy is null ? null : "solid", death, transgene));
            }
        }

        return new Cohort(records);
    }

    /// <summary>The report as the attacker sees it: table title → rows of cells, from one rendering.</summary>
    internal static Dictionary<string, List<string[]>> FromHtml(string html)
    {
        var doc = new HtmlParser().ParseDocument(html);
        var result = new Dictionary<string, List<string[]>>();
        foreach (var table in doc.QuerySelectorAll("table"))
        {
            string title = table.QuerySelector("caption")?.TextContent ?? "";
            result[title] = table.QuerySelectorAll("tr").Select(tr => tr.Children.Select(c => c.TextContent.Trim()).ToArray()).ToList();
        }

        return result;
    }

    internal static Dictionary<string, List<string[]>> FromMarkdown(string markdown)
    {
        // Markdig renders the pipe tables; the heading before each table is its title.
        var pipeline = Markdig.MarkdownExtensions.UsePipeTables(new Markdig.MarkdownPipelineBuilder()).Build();
        var html = Markdig.Markdown.ToHtml(markdown, pipeline);
        var doc = new HtmlParser().ParseDocument(html);
        var result = new Dictionary<string, List<string[]>>();
        foreach (var table in doc.QuerySelectorAll("table"))
        {
            var heading = table.PreviousElementSibling;
            while (heading is not null && heading.LocalName != "h2")
            {
                heading = heading.PreviousElementSibling;
            }

            result[heading?.TextContent ?? ""] = table.QuerySelectorAll("tr").Select(tr => tr.Children.Select(c => c.TextContent.Trim()).ToArray()).ToList();
        }

        return result;
    }

    internal static Dictionary<string, List<string[]>> FromCsv(string csv, Dictionary<string, List<string[]>> shape)
    {
        // Long format: table,row,column,value. Rebuild each table in the shape of the HTML one.
        var cells = new Dictionary<(string, string, string), string>();
        foreach (var line in csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var f = SplitCsv(line);
            cells[(f[0], f[1], f[2])] = f[3];
        }

        return shape.ToDictionary(kv => kv.Key, kv => kv.Value.Select((row, r) => r == 0 ? row
            : row.Select((v, c) => c == 0 ? v : cells.GetValueOrDefault((kv.Key, row[0], kv.Value[0][c]), "")).ToArray()).ToList());
    }

    internal static string[] SplitCsv(string line)
    {
        var fields = new List<string>();
        var sb = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    sb.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    sb.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                fields.Add(sb.ToString());
                sb.Clear();
            }
            else
            {
                sb.Append(ch);
            }
        }

        fields.Add(sb.ToString());
        return [.. fields];
    }

    private static double? Number(string cell)
    {
        var token = cell.Split(' ')[0];
        return double.TryParse(token, NumberStyles.Float, C, out var v) ? v : null;
    }

    private static bool Small(double v) => v >= 0.5 && v < 10.5;

    private static string? Row(Dictionary<string, List<string[]>> t, string table, string label) =>
        t.TryGetValue(table, out var rows) ? rows.FirstOrDefault(r => r[0].StartsWith(label, StringComparison.Ordinal))?[1] : null;

    /// <summary>Every recovery the issue lists; returns what it found.</summary>
    internal static List<string> Attack(Dictionary<string, List<string[]>> t)
    {
        var leaks = new List<string>();
        double? patients = Number(Row(t, "Summary", "Patients") ?? ""), cases = Number(Row(t, "Summary", "Cases") ?? "");
        void Check(string what, double? value)
        {
            if (value is { } v && Small(Math.Round(v)))
            {
                leaks.Add($"{what} = {Math.Round(v)}");
            }
        }

        // Direct counts anywhere in a count row or column.
        foreach (var label in new[] { "Patients", "Cases", "Diagnosed within", "Tested", "Positive" })
        {
            foreach (var table in t.Keys)
            {
                var cell = Row(t, table, label);
                if (cell is not null && !label.StartsWith("Positive among", StringComparison.Ordinal))
                {
                    Check($"{table}/{label}", Number(cell));
                }
            }
        }

        // Summary: non-cases by subtraction; cases from the crude percentage; cases from the rate and person-years.
        if (patients is { } p && cases is { } c)
        {
            Check("non-cases = patients - cases", p - c);
        }

        var crude = Number(Row(t, "Summary", "Crude incidence") ?? "");
        if (crude is { } pct && patients is { } p2)
        {
            Check("cases = crude % x patients", pct / 100 * p2);
            Check("non-cases = (1 - crude %) x patients", (1 - (pct / 100)) * p2);
        }

        var rate = Number(Row(t, "Summary", "Rate per 100") ?? "");
        var py = Number(Row(t, "Summary", "Person-years") ?? "");
        if (rate is { } r && py is { } y)
        {
            Check("cases = rate x person-years / 100", r * y / 100);
        }

        // Onset: quantiles or range of fewer than 11 cases; within 12 months against cases.
        if (cases is null && (Number(Row(t, "Onset among cases (days from infusion)", "Median") ?? "") is not null
                              || Number(Row(t, "Onset among cases (days from infusion)", "Range") ?? "") is not null))
        {
            leaks.Add("onset quantiles or range of a suppressed number of cases");
        }

        var within = Number(Row(t, "Onset among cases (days from infusion)", "Diagnosed within") ?? "");
        var share = Number(Row(t, "Onset among cases (days from infusion)", "Share within") ?? "");
        if (within is { } w && cases is { } c2)
        {
            Check("later than 12 months = cases - within", c2 - w);
        }

        if (share is { } s && cases is { } c3)
        {
            Check("within = share x cases", s / 100 * c3);
            Check("later = (1 - share) x cases", (1 - (s / 100)) * c3);
        }

        if (share is { } s2 && within is { } w2 && s2 > 0)
        {
            Check("cases = within / share", w2 / (s2 / 100));
        }

        // Transgene: negative = tested - positive; positive from the percentage.
        var tested = Number(Row(t, "CAR transgene in the malignancy", "Tested") ?? "");
        var positive = Number(Row(t, "CAR transgene in the malignancy", "Positive") ?? "");
        var tgPct = Number(Row(t, "CAR transgene in the malignancy", "Positive among") ?? "");
        if (tested is { } te && positive is { } po)
        {
            Check("negative = tested - positive", te - po);
        }

        if (tgPct is { } tp && tested is { } te2)
        {
            Check("positive = % x tested", tp / 100 * te2);
            Check("negative = (1 - %) x tested", (1 - (tp / 100)) * te2);
        }

        if (tested is { } te3 && cases is { } c4)
        {
            Check("untested cases = cases - tested", c4 - te3);
        }

        // By product: margins against the summary, percentages, rates and risks of each group.
        if (t.TryGetValue("By product", out var rows))
        {
            var head = rows[0];
            int ip = Array.IndexOf(head, "Patients"), ic = Array.IndexOf(head, "Cases"), ir = Array.IndexOf(head, "Crude incidence");
            int irisk = head.Length - 1;
            foreach (var (col, total, name) in new[] { (ip, patients, "patients"), (ic, cases, "cases") })
            {
                var values = rows.Skip(1).Select(row => Number(row[col])).ToList();
                if (total is { } tot && values.Count(v => v is null) == 1)
                {
                    Check($"a product's {name} = total - others", tot - values.Where(v => v is not null).Sum(v => v!.Value));
                }
            }

            foreach (var row in rows.Skip(1))
            {
                var gp = Number(row[ip]);
                var gc = Number(row[ic]);
                var gpct = Number(row[ir]);
                var grisk = Number(row[irisk]);
                if (gp is { } a && gc is { } b)
                {
                    Check($"{row[0]} non-cases", a - b);
                }

                if (gpct is { } q && gp is { } a2)
                {
                    Check($"{row[0]} cases from %", q / 100 * a2);
                    Check($"{row[0]} non-cases from %", (1 - (q / 100)) * a2);
                }

                if (gpct is { } q2 && gc is { } b2 && q2 > 0)
                {
                    Check($"{row[0]} patients from %", b2 / (q2 / 100));
                }

                if (gc is null && (gpct is not null || grisk is not null))
                {
                    leaks.Add($"{row[0]}: an estimate shown for a suppressed number of cases");
                }

                if (gp is null && gpct is not null)
                {
                    leaks.Add($"{row[0]}: a percentage shown for a suppressed number of patients");
                }
            }
        }

        return leaks;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void EveryRendering_DefaultPolicy_NothingRecovered(int seed)
    {
        var report = SafetySummary.Compute(MakeCohort(seed));
        var html = FromHtml(report.ToHtml());
        var markdown = FromMarkdown(report.ToMarkdown());
        var csv = FromCsv(report.ToCsv(), html);
        Assert.Empty(Attack(html));
        Assert.Empty(Attack(markdown));
        Assert.Empty(Attack(csv));
        // The renderings carry the same cells (one path), and the text prints them in order on one line per row.
        Assert.Equal(html.Keys.Order(), markdown.Keys.Order());
        foreach (var (title, rows) in html)
        {
            Assert.Equal(rows.Select(r => string.Join("|", r)), markdown[title].Select(r => string.Join("|", r)));
            Assert.Equal(rows.Skip(1).Select(r => string.Join("|", r.Where(v => v.Length > 0))), csv[title].Skip(1).Select(r => string.Join("|", r.Where(v => v.Length > 0))));
        }

        var text = report.ToText();
        foreach (var rows in html.Values)
        {
            foreach (var row in rows)
            {
                Assert.Contains(text.Split('\n'), line => System.Text.RegularExpressions.Regex.IsMatch(line,
                    string.Join(@"\s+", row.Where(v => v.Length > 0).Select(System.Text.RegularExpressions.Regex.Escape))));
            }
        }
    }

    [Fact]
    public void NoPolicy_TheSameAttacksFindTheTruth()
    {
        int found = 0;
        foreach (var seed in Enumerable.Range(1, 25))
        {
            var report = SafetySummary.Compute(MakeCohort(seed));
            var leaks = Attack(FromHtml(report.ToHtml(DisclosurePolicy.None)));
            found += leaks.Count > 0 ? 1 : 0;
        }

        Assert.True(found >= 20, $"the attacks found small counts in only {found} of 25 unprotected reports");
    }

    [Fact]
    public void IssueExamples_AreNoLongerRecoverable()
    {
        // A site with 8 patients and 1 case printed "<11, <11, 12.50 % (0.32 % to 52.65 %)" = (1, 8).
        var records = Enumerable.Range(0, 8).Select(i => new CohortRecord($"S{i}", "site", new DateOnly(2020, 1, 1), new DateOnly(2021, 1, 1),
            i == 0 ? new DateOnly(2020, 3, 1) : null, i == 0 ? "solid" : null, null, TransgeneStatus.NotTested)).ToList();
        var text = SafetySummary.Compute(new Cohort(records)).ToText();
        Assert.DoesNotContain("12.50", text, StringComparison.Ordinal);
        Assert.DoesNotContain("52.65", text, StringComparison.Ordinal);
        Assert.DoesNotContain("59 (59-59)", text, StringComparison.Ordinal);   // the single case's onset day
        var open = SafetySummary.Compute(new Cohort(records)).ToText(DisclosurePolicy.None);
        Assert.Contains("12.50", open, StringComparison.Ordinal);
    }
}
