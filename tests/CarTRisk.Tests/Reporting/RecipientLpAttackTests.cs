using System.Globalization;
using Google.OrTools.LinearSolver;

namespace CarTRisk.Tests.Reporting;

/// <summary>
/// Issue 21's "done when": a linear-programming attacker of the suite's own, written apart from the library's audit,
/// reads each rendering of the safety report (HTML, Markdown, CSV and the plain text, each parsed on its own) as a
/// recipient would and bounds every small count it can name. What it knows:
/// <list type="bullet">
/// <item>a shown count is exact; the marker means "1 or more"; a count shown as 0 is 0;</item>
/// <item>products' patients and cases add up to the summary's totals, cases ≤ patients;</item>
/// <item>a percentage printed to 2 decimals is count / denominator ± 0.005 %, both ways (crude incidence of the cohort and of
/// each product, the share within 12 months, transgene positives among tested);</item>
/// <item>the rate per 100 person-years times the printed person-years gives the cases (to the printed rounding);</item>
/// <item>the cases diagnosed within 12 months are the events by the 365-day row, events by a horizon never fall, and the
/// transgene's tested ≤ cases, positive ≤ tested;</item>
/// <item>on a cohort it knows to be free of censoring before 3 years (recovery 3), the Aalen-Johansen risk at a horizon
/// times the patients is the events so far, a product's 3-year risk times its patients is its 3-year events, and those
/// add up to the cohort's.</item>
/// </list>
/// A small count is pinned when its feasible interval lies within 1..10 and is at most 2 wide (the audit's own
/// criterion). With the default policy nothing may be pinned; with <see cref="DisclosurePolicy.None"/> the same
/// attacker must pin the true small counts (so the test can fail).
/// </summary>
public sealed class RecipientLpAttackTests
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public enum Format
    {
        Html,
        Markdown,
        Csv,
        Text,
    }

    /// <summary>The tables of one rendering, parsed from that rendering alone.</summary>
    internal static Dictionary<string, List<string[]>> Parse(SafetyReport report, Format format, DisclosurePolicy? policy) => format switch
    {
        Format.Html => DisclosureAttackTests.FromHtml(report.ToHtml(policy)),
        Format.Markdown => DisclosureAttackTests.FromMarkdown(report.ToMarkdown(policy)),
        Format.Csv => FromCsvAlone(report.ToCsv(policy)),
        _ => FromText(report.ToText(policy)),
    };

    /// <summary>The long CSV (table,row,column,value) rebuilt into tables without any other rendering's help.</summary>
    private static Dictionary<string, List<string[]>> FromCsvAlone(string csv)
    {
        var tables = new Dictionary<string, (List<string> Columns, List<string> Rows, Dictionary<(string, string), string> Cells)>();
        foreach (var line in csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var f = DisclosureAttackTests.SplitCsv(line);
            if (f.Length < 4)
            {
                continue;
            }

            if (!tables.TryGetValue(f[0], out var t))
            {
                t = ([], [], []);
                tables[f[0]] = t;
            }

            if (!t.Rows.Contains(f[1]))
            {
                t.Rows.Add(f[1]);
            }

            if (!t.Columns.Contains(f[2]))
            {
                t.Columns.Add(f[2]);
            }

            t.Cells[(f[1], f[2])] = f[3];
        }

        return tables.ToDictionary(kv => kv.Key, kv => new List<string[]> { (string[])["", .. kv.Value.Columns] }
            .Concat(kv.Value.Rows.Select(r => (string[])[r, .. kv.Value.Columns.Select(c => kv.Value.Cells.GetValueOrDefault((r, c), ""))])).ToList());
    }

    /// <summary>The plain text: a title line, a header, a rule of dashes whose runs give the columns, then rows cut at
    /// those runs until a blank line.</summary>
    private static Dictionary<string, List<string[]>> FromText(string text)
    {
        var lines = text.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        var result = new Dictionary<string, List<string[]>>();
        for (int i = 2; i < lines.Length; i++)
        {
            if (!lines[i].TrimStart().StartsWith("---", StringComparison.Ordinal) || lines[i].Trim().Trim('-', ' ').Length > 0)
            {
                continue;
            }

            var spans = new List<(int Start, int End)>();
            for (int k = 0; k < lines[i].Length; k++)
            {
                if (lines[i][k] == '-' && (k == 0 || lines[i][k - 1] != '-'))
                {
                    int end = k;
                    while (end < lines[i].Length && lines[i][end] == '-')
                    {
                        end++;
                    }

                    spans.Add((k, end));
                }
            }

            string Cut(string line, (int Start, int End) s) =>
                s.Start >= line.Length ? "" : line[s.Start..Math.Min(line.Length, s.End)].Trim();
            var rows = new List<string[]> { spans.Select(s => Cut(lines[i - 1], s)).ToArray() };
            for (int r = i + 1; r < lines.Length && lines[r].Trim().Length > 0; r++)
            {
                rows.Add(spans.Select(s => Cut(lines[r], s)).ToArray());
            }

            result[lines[i - 2].Trim()] = rows;
        }

        return result;
    }

    private static double? Number(string? cell)
    {
        if (cell is null)
        {
            return null;
        }

        var token = cell.Split(' ')[0].Replace(",", "", StringComparison.Ordinal);
        return double.TryParse(token, NumberStyles.Float, C, out var v) ? v : null;
    }

    private static bool Withheld(string? cell) => cell is not null && cell.Trim() == DisclosurePolicy.Default.Marker;

    /// <summary>The attack: every small count it can name, with the interval it is pinned to.</summary>
    internal static List<string> Attack(Dictionary<string, List<string[]>> t, bool noCensoringBefore3Years)
    {
        using var s = Solver.CreateSolver("GLOP")!;
        string? Cell(string table, string rowLabel, int column = 1) =>
            t.TryGetValue(table, out var rows) ? rows.Skip(1).FirstOrDefault(r => r[0].StartsWith(rowLabel, StringComparison.Ordinal)) is { } row && row.Length > column ? row[column] : null : null;

        // a count variable from its cell: shown = fixed, marker = at least 1, absent = free (≥ 0)
        Variable Count(string? cell, string name) =>
            Number(cell) is { } v && !Withheld(cell) ? s.MakeNumVar(v, v, name) : Withheld(cell) ? s.MakeNumVar(1, double.PositiveInfinity, name) : s.MakeNumVar(0, double.PositiveInfinity, name);

        // count / denominator = pct % to its printed rounding (2 decimals)
        void Percent(string? cell, LinearExpr count, LinearExpr denominator)
        {
            if (!Withheld(cell) && cell is not null && cell.Contains('%', StringComparison.Ordinal) && Number(cell) is { } pct)
            {
                s.Add(count >= ((pct - 0.005) / 100) * denominator);
                s.Add(count <= ((pct + 0.005) / 100) * denominator);
            }
        }

        var n = Count(Cell("Summary", "Patients"), "patients");
        var cases = Count(Cell("Summary", "Cases"), "cases");
        s.Add(cases <= n);
        Percent(Cell("Summary", "Crude incidence"), cases, n);
        if (Number(Cell("Summary", "Rate per 100")) is { } rate && !Withheld(Cell("Summary", "Rate per 100")) && Number(Cell("Summary", "Person-years")) is { } py)
        {
            s.Add(cases >= (rate - 0.0005) * (py - 0.05) / 100);
            s.Add(cases <= (rate + 0.0005) * (py + 0.05) / 100);
        }

        var targets = new List<(string Name, LinearExpr Expr)>
        {
            ("non-cases", n - cases),
        };

        // onset: within 12 months and the share
        const string onset = "Onset among cases (days from infusion)";
        var within = Count(Cell(onset, "Diagnosed within"), "within");
        s.Add(within <= cases);
        Percent(Cell(onset, "Share within"), within, cases);
        targets.Add(("within 12 months", within));
        targets.Add(("after 12 months", cases - within));

        // transgene
        const string tg = "CAR transgene in the malignancy";
        var tested = Count(Cell(tg, "Tested"), "tested");
        var positive = Count(Cell(tg, "Positive"), "positive");
        s.Add(tested <= cases);
        s.Add(positive <= tested);
        Percent(Cell(tg, "Positive among"), positive, tested);
        targets.Add(("positive", positive));
        targets.Add(("tested negative", tested - positive));
        targets.Add(("untested cases", cases - tested));

        // risk rows: events by each horizon; the 365-day row's events are the cases within 12 months
        const string risk = "Cumulative risk of secondary malignancy";
        Variable? previous = null;
        Variable? threeYear = null;
        if (t.TryGetValue(risk, out var riskRows))
        {
            foreach (var row in riskRows.Skip(1).Where(r => r[0].Contains("days", StringComparison.Ordinal)))
            {
                int days = int.Parse(row[0].Split(' ')[0], C);
                var events = s.MakeNumVar(0, double.PositiveInfinity, $"events by {days}");
                s.Add(events <= cases);
                if (days == 365)
                {
                    s.Add(events == within);
                }

                if (previous is not null)
                {
                    s.Add(events >= previous);
                    targets.Add(($"events before {days} days", events - previous));
                }
                else
                {
                    targets.Add(($"events by {days} days", events));
                }

                if (noCensoringBefore3Years && days <= 1095)
                {
                    Percent(row[1], events, n);
                }

                threeYear = days == 1095 ? events : threeYear;
                previous = events;
            }
        }

        // products
        if (t.TryGetValue("By product", out var productRows))
        {
            var head = productRows[0];
            int ip = Array.IndexOf(head, "Patients"), ic = Array.IndexOf(head, "Cases"), ir = Array.IndexOf(head, "Crude incidence");
            int i3 = Array.FindIndex(head, h => h.StartsWith("3-year risk", StringComparison.Ordinal));
            LinearExpr sumP = new(), sumC = new(), sum3 = new();
            foreach (var row in productRows.Skip(1))
            {
                var p = Count(row[ip], $"{row[0]} patients");
                var c = row[ic] == "0" ? s.MakeNumVar(0, 0, "") : Count(row[ic], $"{row[0]} cases");
                s.Add(c <= p);
                Percent(ir >= 0 ? row[ir] : null, c, p);
                sumP += p;
                sumC += c;
                targets.Add(($"{row[0]} cases", c));
                targets.Add(($"{row[0]} non-cases", p - c));
                if (noCensoringBefore3Years && i3 >= 0)
                {
                    var e3 = s.MakeNumVar(0, double.PositiveInfinity, $"{row[0]} 3-year events");
                    s.Add(e3 <= c);
                    Percent(row[i3], e3, p);
                    sum3 += e3;
                    targets.Add(($"{row[0]} 3-year events", e3));
                }
            }

            s.Add(sumP == n);
            s.Add(sumC == cases);
            if (noCensoringBefore3Years && i3 >= 0 && threeYear is not null)
            {
                s.Add(sum3 == threeYear);
            }
        }

        var findings = new List<string>();
        foreach (var (name, expr) in targets)
        {
            s.Minimize(expr);
            if (s.Solve() != Solver.ResultStatus.OPTIMAL)
            {
                throw new InvalidOperationException($"the attacker's relations are infeasible at {name}: a parsing error or a wrong relation");
            }

            double lo = s.Objective().Value();
            s.Maximize(expr);
            double hi = s.Solve() == Solver.ResultStatus.OPTIMAL ? s.Objective().Value() : double.PositiveInfinity;
            if (hi <= 10.5 && hi >= 0.5 && hi - lo <= 2 + 1e-9)
            {
                findings.Add(string.Create(C, $"{name} in [{lo:0.##}, {hi:0.##}]"));
            }
        }

        return findings;
    }

    private static Cohort Build(params (string Product, int Patients, int Cases, int OnsetFrom)[] products)
    {
        // every patient followed 1,500 days, nobody dies: no censoring before 3 years (recovery 3's premise)
        var records = new List<CohortRecord>();
        int id = 0;
        foreach (var (product, patients, cases, from) in products)
        {
            for (int i = 0; i < patients; i++)
            {
                var infusion = new DateOnly(2019, 1, 1).AddDays(i % 300);
                DateOnly? m = i < cases ? infusion.AddDays(from + (i * 37 % 900)) : null;
                records.Add(new CohortRecord($"P{id++}", product, infusion, infusion.AddDays(1500), m, m is null ? null : "solid", null, TransgeneStatus.NotTested));
            }
        }

        return new Cohort(records);
    }

    /// <summary>Cohorts built for the recoveries: (1) 1/50, 11/60, 30/100 with 42 cases; (2) three products of
    /// 10/100 with 30 cases; (3) risk rows before any censoring, with few cases between horizons; (1b) 12 cases of which
    /// 11 within 12 months; a product whose non-cases are few.</summary>
    public static TheoryData<string, Format> BuiltCohorts()
    {
        var data = new TheoryData<string, Format>();
        foreach (var name in BuiltNames)
        {
            foreach (var f in Enum.GetValues<Format>())
            {
                data.Add(name, f);
            }
        }

        return data;
    }

    private static readonly string[] BuiltNames = ["marker", "three-tens", "risk-rows", "within-year", "few-non-cases"];

    private static Cohort Built(string name) => name switch
    {
        "marker" => Build(("A", 50, 1, 100), ("B", 60, 11, 100), ("C", 100, 30, 100)),
        "three-tens" => Build(("A", 100, 10, 30), ("B", 100, 10, 30), ("C", 100, 10, 30)),
        "risk-rows" => Build(("A", 120, 25, 10), ("B", 90, 14, 400)),
        "within-year" => Build(("A", 80, 11, 20), ("B", 70, 1, 500)),
        _ => Build(("A", 40, 35, 50), ("B", 200, 40, 50)),
    };

    [Theory]
    [MemberData(nameof(BuiltCohorts))]
    public void BuiltCohorts_DefaultPolicy_NothingPinned(string cohort, Format format)
    {
        var report = SafetySummary.Compute(Built(cohort));
        Assert.Empty(Attack(Parse(report, format, null), noCensoringBefore3Years: true));
    }

    [Theory]
    [MemberData(nameof(BuiltCohorts))]
    public void BuiltCohorts_NoPolicy_TheAttackerFindsThem(string cohort, Format format)
    {
        var report = SafetySummary.Compute(Built(cohort));
        var findings = Attack(Parse(report, format, DisclosurePolicy.None), noCensoringBefore3Years: true);
        Assert.NotEmpty(findings);
    }

    public static TheoryData<int, Format> RandomCohorts()
    {
        var data = new TheoryData<int, Format>();
        foreach (int seed in Enumerable.Range(1, 25))
        {
            foreach (var f in Enum.GetValues<Format>())
            {
                data.Add(seed, f);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RandomCohorts))]
    public void RandomCohorts_DefaultPolicy_NothingPinned(int seed, Format format)
    {
        var report = SafetySummary.Compute(DisclosureAttackTests.MakeCohort(seed));
        Assert.Empty(Attack(Parse(report, format, null), noCensoringBefore3Years: false));
    }

    [Fact]
    public void RandomCohorts_NoPolicy_EverySmallProductCountIsPinnedExactly()
    {
        int found = 0;
        foreach (int seed in Enumerable.Range(1, 25))
        {
            var cohort = DisclosureAttackTests.MakeCohort(seed);
            var report = SafetySummary.Compute(cohort);
            foreach (var format in Enum.GetValues<Format>())
            {
                var findings = Attack(Parse(report, format, DisclosurePolicy.None), noCensoringBefore3Years: false);
                foreach (var g in cohort.Records.GroupBy(r => r.Product))
                {
                    int c = g.Count(r => r.Outcome == FollowUpOutcome.Malignancy);
                    if (c is >= 1 and <= 10)
                    {
                        Assert.Contains(string.Create(C, $"{g.Key} cases in [{c}, {c}]"), findings);
                        found++;
                    }
                }
            }
        }

        Assert.True(found > 40, $"only {found} small product counts in the random cohorts");
    }
}
