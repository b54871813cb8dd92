using System.Globalization;
using Google.OrTools.LinearSolver;

namespace CarTRisk.Tests.Reporting;

/// <summary>Issue 21: one marker for every withheld value and the linear audit. An attacker of the test's own, written
/// apart from the audit, reads the Markdown rendering as a recipient would (the products' patients and cases add up to
/// the summary's totals; a withheld count is 1 or more) and bounds every product's cases by linear programming.</summary>
public sealed class DisclosureAuditTests
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    private static Cohort Products(params (string Product, int Patients, int Cases)[] products)
    {
        var records = new List<CohortRecord>();
        int id = 0;
        var start = new DateOnly(2019, 1, 1);
        foreach (var (product, n, cases) in products)
        {
            for (int i = 0; i < n; i++)
            {
                var infusion = start.AddDays(i % 400);
                DateOnly? m = i < cases ? infusion.AddDays(100 + (i * 13 % 600)) : null;
                records.Add(new CohortRecord($"P{id++}", product, infusion, infusion.AddDays(1500), m, m is null ? null : "solid", null, TransgeneStatus.NotTested));
            }
        }

        return new Cohort(records);
    }

    [Fact]
    public void TwoSmallPartsOfOneMargin_ArePinnedWithoutTheAudit_AndNotWithIt()
    {
        ResultTable Table()
        {
            var a = new CountCell(1);
            var b = new CountCell(2);
            var c = new CountCell(27);
            var total = new CountCell(30);
            var t = new ResultTable("Cases by product", "Product", "Cases");
            t.AddRow(new TextCell("a"), a).AddRow(new TextCell("b"), b).AddRow(new TextCell("c"), c).AddRow(new TextCell("All"), total);
            return t.AddMargin(total, a, b, c);
        }

        // complementary suppression alone adds nothing (two parts are withheld): a + b = 3 pins both to [1, 2]
        var off = DisclosureAudit.Check([Table()], DisclosurePolicy.Default with { Audit = false });
        Assert.False(off.Passed);
        Assert.Equal(3, off.Findings.Count);
        Assert.All(off.Findings.Take(2), f => Assert.Equal((1.0, 2.0), (f.Lower, f.Upper)));
        Assert.Equal((3.0, 3.0), (off.Findings[2].Lower, off.Findings[2].Upper));   // a and b together: 30 - 27
        Assert.StartsWith("together: ", off.Findings[2].Cell, StringComparison.Ordinal);
        Assert.Contains("Cases by product: [All / Cases] = [a / Cases] + [b / Cases] + [c / Cases]", off.Findings[0].Relations);

        // the audit withholds c too, and every withheld value prints as the one marker
        var table = Table();
        Assert.True(DisclosureAudit.Check([table], DisclosurePolicy.Default).Passed);
        var shown = table.Render();
        Assert.Equal(["<11", "<11", "<11", "30"], shown.Skip(1).Select(r => r[1]).ToArray());
    }

    [Fact]
    public void IssueExample_PrimaryAndComplement_ShareTheMarker()
    {
        // products 1/50, 11/60, 30/100 with 42 cases shown: A + B = 12; with two markers A = 1 and B = 11 followed
        var report = SafetySummary.Compute(Products(("A", 50, 1), ("B", 60, 11), ("C", 100, 30)));
        var md = report.ToMarkdown();
        Assert.DoesNotContain("suppressed", md, StringComparison.Ordinal);
        var bounds = Attack(md);
        Assert.True(bounds["A"].Upper - bounds["A"].Lower > 2, $"A in [{bounds["A"].Lower}, {bounds["A"].Upper}]");
    }

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 25)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void LinearAttacker_FindsNoSmallCountOfAnyProduct(int seed)
    {
        var cohort = DisclosureAttackTests.MakeCohort(seed);
        var truth = cohort.Records.GroupBy(r => r.Product ?? Cohort.Missing).ToDictionary(g => g.Key, g => g.Count(r => r.Outcome == FollowUpOutcome.Malignancy));
        var report = SafetySummary.Compute(cohort);
        var bounds = Attack(report.ToMarkdown());
        foreach (var (product, cases) in truth)
        {
            if (cases is >= 1 and <= 10 && bounds.TryGetValue(product, out var b))
            {
                Assert.False(b.Upper - b.Lower <= 2, $"seed {seed}: {product} has {cases} cases, pinned to [{b.Lower}, {b.Upper}]");
            }
        }
    }

    [Fact]
    public void LinearAttacker_WithoutAPolicy_FindsTheTruth()
    {
        // so the attacker can fail: with nothing withheld it pins every product's cases exactly
        int found = 0;
        foreach (int seed in Enumerable.Range(1, 25))
        {
            var cohort = DisclosureAttackTests.MakeCohort(seed);
            var truth = cohort.Records.GroupBy(r => r.Product ?? Cohort.Missing).ToDictionary(g => g.Key, g => g.Count(r => r.Outcome == FollowUpOutcome.Malignancy));
            var bounds = Attack(SafetySummary.Compute(cohort).ToMarkdown(DisclosurePolicy.None));
            foreach (var (product, cases) in truth.Where(t => t.Value is >= 1 and <= 10))
            {
                Assert.Equal((cases, cases), ((int)bounds[product].Lower, (int)bounds[product].Upper));
                found++;
            }
        }

        Assert.True(found > 10);
    }

    /// <summary>The recipient's linear attack on the Markdown: in the "By product" table, patients and cases of the
    /// products add up to the Summary's totals, cases ≤ patients, a withheld count is ≥ 1, a shown one is fixed;
    /// returns each product's feasible interval of cases.</summary>
    private static Dictionary<string, (double Lower, double Upper)> Attack(string markdown)
    {
        var lines = markdown.Split('\n');
        double? Summary(string measure) => lines.Where(l => l.StartsWith("| " + measure + " |", StringComparison.Ordinal))
            .Select(l => Parse(l.Split('|')[2].Trim())).FirstOrDefault();
        int start = Array.FindIndex(lines, l => l.StartsWith("## By product", StringComparison.Ordinal));
        var rows = lines.Skip(start + 4).TakeWhile(l => l.StartsWith('|')).Select(l => l.Split('|').Select(c => c.Trim()).ToArray()).ToList();
        using var s = Solver.CreateSolver("GLOP")!;
        var patients = new List<Variable>();
        var cases = new Dictionary<string, Variable>();
        foreach (var r in rows)
        {
            Variable V(string cell) => Parse(cell) is { } v ? s.MakeNumVar(v, v, "") : s.MakeNumVar(1, double.PositiveInfinity, "");
            var p = V(r[2]);
            var c = r[3] == "0" ? s.MakeNumVar(0, 0, "") : V(r[3]);
            s.Add(c <= p);
            patients.Add(p);
            cases[r[1]] = c;
        }

        LinearExpr Sum(IEnumerable<Variable> vs) => vs.Skip(1).Aggregate((LinearExpr)vs.First(), (acc, v) => acc + v);
        if (Summary("Patients") is { } np)
        {
            s.Add(Sum(patients) == np);
        }

        if (Summary("Cases (secondary malignancy)") is { } nc)
        {
            s.Add(Sum(cases.Values) == nc);
        }

        var result = new Dictionary<string, (double, double)>();
        foreach (var (product, x) in cases)
        {
            s.Minimize(x);
            s.Solve();
            double lo = s.Objective().Value();
            s.Maximize(x);
            double hi = s.Solve() == Solver.ResultStatus.OPTIMAL ? s.Objective().Value() : double.PositiveInfinity;
            result[product] = (lo, hi);
        }

        return result;
    }

    private static double? Parse(string cell) =>
        double.TryParse(cell.Replace(",", "", StringComparison.Ordinal), NumberStyles.Float, C, out var v) ? v : null;
}

/// <summary>Issue 21, recovery 6: records' ToString() is released output and goes through the default policy.</summary>
public sealed class RecordToStringDisclosureTests
{
    [Fact]
    public void SafetyGroupRow_SmallProduct_ShowsNoSmallCount()
    {
        var records = new List<CohortRecord>();
        var start = new DateOnly(2020, 1, 1);
        for (int i = 0; i < 9; i++)
        {
            records.Add(new CohortRecord($"S{i}", "obe-cel", start, start.AddDays(900), i == 0 ? start.AddDays(500) : null, i == 0 ? "solid" : null, null, TransgeneStatus.NotTested));
        }

        for (int i = 0; i < 60; i++)
        {
            records.Add(new CohortRecord($"L{i}", "axi-cel", start, start.AddDays(900), i < 20 ? start.AddDays(100 + i) : null, i < 20 ? "solid" : null, null, TransgeneStatus.NotTested));
        }

        var report = SafetySummary.Compute(new Cohort(records));
        var small = report.ByProduct.First(g => g.Product == "obe-cel");
        string text = small.ToString();
        Assert.Equal((9, 1), (small.Patients, small.Cases));   // raw values stay available
        Assert.DoesNotContain("= 9", text, StringComparison.Ordinal);
        Assert.DoesNotContain("= 1,", text, StringComparison.Ordinal);
        Assert.DoesNotContain("11.11", text, StringComparison.Ordinal);
        Assert.Contains("Patients = <11", text, StringComparison.Ordinal);
        Assert.Contains("Product = axi-cel, Patients = 60, Cases = 20", report.ByProduct.First(g => g.Product == "axi-cel").ToString(), StringComparison.Ordinal);

        // onset of 21 cases: 20 within a year, 1 after: the count within a year would reveal the one after
        var onset = report.Onset.ToString();
        Assert.Contains("Cases = 21", onset, StringComparison.Ordinal);
        Assert.Contains("Within365Days = <11", onset, StringComparison.Ordinal);
    }

    [Fact]
    public void ConditionalRisk_AndSurvivalPoint_WithholdSmallCounts()
    {
        var risk = new ConditionalRisk(365, 1826, 40, 3, new IncidencePoint(2191, 0.075, 0.001, 0.02, 0.18, false));
        Assert.Equal("ConditionalRisk { LandmarkDays = 365, WindowDays = 1826, AtRisk = 40, Cases = <11, Risk = <11 }", risk.ToString());
        var point = new SurvivalPoint(100, 7, 0.5, 0.1, 0.3, 0.7, false);
        Assert.Equal("SurvivalPoint { Time = 100, AtRisk = <11, Survival = <11, CI = <11 }", point.ToString());
        Assert.Equal("SurvivalPoint { Time = 100, AtRisk = 70, Survival = 50.00 %, CI = 30.00 % to 70.00 % }", (point with { AtRisk = 70 }).ToString());
    }
}

/// <summary>Issue 21, recovery 7: model tables show records as a count cell, and withhold the rows of levels with few
/// events of their own.</summary>
public sealed class ModelTableDisclosureTests
{
    [Fact]
    public void CoxLevelWithTwoEvents_IsWithheld_AndRecordsAreACount()
    {
        var rng = new Random(3);
        int n = 120;
        var t = Enumerable.Range(0, n).Select(_ => (double)rng.Next(1, 500)).ToArray();
        var group = Enumerable.Range(0, n).Select(i => i < 100 ? "common" : "rare").ToArray();
        var e = Enumerable.Range(0, n).Select(i => i < 100 ? i % 3 == 0 : i is 100 or 105).ToArray();
        var x = DesignMatrix.Build(Covariate.Categorical("group", group, "common"));
        var cox = CoxRegression.Fit(t, e, x);
        Assert.Equal([2], cox.TermEvents.ToArray());
        var shown = cox.ToTable().Render();
        Assert.Equal(["Records", "120"], shown[1].Take(2).ToArray());
        Assert.Equal(["grouprare", "<11", "<11", "<11"], shown[3].ToArray());
        Assert.Equal(cox.HazardRatio[0].ToString("0.###", System.Globalization.CultureInfo.InvariantCulture), cox.ToTable().Render(DisclosurePolicy.None)[3][1]);

        var fg = FineGray.Fit(t, e.Select(v => v ? 1 : 0).ToArray(), 1, x);
        Assert.Equal(["grouprare", "<11", "<11", "<11"], fg.ToTable().Render()[3].ToArray());

        // ten records: the count is withheld, not printed in a note
        var few = CoxRegression.Fit(t.Take(10).ToArray(), [true, false, true, false, true, false, true, false, true, true], DesignMatrix.Build(Covariate.Numeric("x", t.Take(10).ToArray())));
        Assert.DoesNotContain("10 records", few.ToString(), StringComparison.Ordinal);
        Assert.Equal("<11", few.ToTable().Render()[1][1]);
    }
}

/// <summary>Issue 21, recovery 9: differencing across releases through a <see cref="DisclosureLedger"/>.</summary>
public sealed class DisclosureLedgerTests
{
    private static Cohort Sites(out List<CohortRecord> siteB)
    {
        // site A: 300 patients over three products; site B: 30 patients, one of them a case of product "x"
        var records = new List<CohortRecord>();
        var start = new DateOnly(2019, 1, 1);
        string[] products = ["x", "y", "z"];
        for (int i = 0; i < 300; i++)
        {
            var inf = start.AddDays(i);
            bool cas = i % 7 == 0;
            records.Add(new CohortRecord($"A{i}", products[i % 3], inf, inf.AddDays(1200), cas ? inf.AddDays(200 + i) : null, cas ? "solid" : null, null, TransgeneStatus.NotTested));
        }

        siteB = [];
        for (int i = 0; i < 30; i++)
        {
            var inf = start.AddDays(i);
            bool cas = i == 0;
            siteB.Add(new CohortRecord($"B{i}", products[i % 3], inf, inf.AddDays(1200), cas ? inf.AddDays(300) : null, cas ? "solid" : null, null, TransgeneStatus.NotTested));
        }

        return new Cohort([.. records, .. siteB]);
    }

    private static Dictionary<string, string> ByProductCases(string markdown)
    {
        var lines = markdown.Split('\n');
        int start = Array.FindIndex(lines, l => l.StartsWith("## By product", StringComparison.Ordinal));
        return lines.Skip(start + 4).TakeWhile(l => l.StartsWith('|')).Select(l => l.Split('|').Select(c => c.Trim()).ToArray())
            .ToDictionary(r => r[1], r => r[3]);
    }

    [Fact]
    public void SiteMinusOne_TheRemovedSitesCountsAreNotDerivable()
    {
        var whole = Sites(out var siteB);
        var minusB = new Cohort([.. whole.Records.Where(r => !siteB.Contains(r))]);
        var ledger = new DisclosureLedger(DisclosurePolicy.Default);
        var first = ByProductCases(ledger.Render(SafetySummary.Compute(whole), ReportFormat.Markdown));
        var second = ByProductCases(ledger.Render(SafetySummary.Compute(minusB), ReportFormat.Markdown));
        Assert.Equal(2, ledger.Released.Count);

        // without the ledger, x's cases differ by exactly the one case of site B
        var plain = ByProductCases(SafetySummary.Compute(minusB).ToMarkdown());
        Assert.Equal(1, int.Parse(first["x"], CultureInfo.InvariantCulture) - int.Parse(plain["x"], CultureInfo.InvariantCulture));

        foreach (var (product, cases) in second)
        {
            if (int.TryParse(cases, out int b) && int.TryParse(first[product], out int a))
            {
                Assert.False(a - b is >= 1 and <= 10, $"{product}: {a} then {b}");
            }
        }

        Assert.Equal("&lt;11", second["x"]);   // Markdown escapes the marker
    }

    [Fact]
    public void OnePatientRemoved_IsRefused()
    {
        var whole = Sites(out _);
        var minusOne = new Cohort([.. whole.Records.Skip(1)]);
        var ledger = new DisclosureLedger(DisclosurePolicy.Default);
        ledger.Render(SafetySummary.Compute(whole), ReportFormat.Text);
        var ex = Assert.Throws<InvalidOperationException>(() => ledger.Render(SafetySummary.Compute(minusOne), ReportFormat.Html));
        Assert.Contains("Patients", ex.Message, StringComparison.Ordinal);
        Assert.Single(ledger.Released);
    }
}

/// <summary>Issue 21, recoveries 3 and 5: before any censoring a risk is cases / patients, so successive risk rows (and
/// Kaplan-Meier rows) give the cases between them.</summary>
public sealed class RiskRowDifferencingTests
{
    private static Cohort NoCensoringBeforeThreeYears()
    {
        var records = new List<CohortRecord>();
        var start = new DateOnly(2018, 1, 1);
        for (int i = 0; i < 200; i++)
        {
            DateOnly? m = i < 25 ? start.AddDays(400 + (i * 10)) : i < 35 ? start.AddDays(800 + (i * 5)) : null;
            records.Add(new CohortRecord($"P{i}", "axi-cel", start, start.AddDays(1500), m, m is null ? null : "solid", null, TransgeneStatus.NotTested));
        }

        return new Cohort(records);
    }

    [Fact]
    public void RiskRows_TenCasesBetweenTwoAndThreeYears_AreNotDerivable()
    {
        var report = SafetySummary.Compute(NoCensoringBeforeThreeYears());
        var rows = report.Tables().First(t => t.Title.StartsWith("Cumulative risk", StringComparison.Ordinal)).Render();
        string two = rows.First(r => r[0].StartsWith("730 days", StringComparison.Ordinal))[1];
        string three = rows.First(r => r[0].StartsWith("1095 days", StringComparison.Ordinal))[1];

        // without a policy: 12.50 % and 17.50 % of 200 give 25 and 35 cases, 10 between
        var open = report.Tables().First(t => t.Title.StartsWith("Cumulative risk", StringComparison.Ordinal)).Render(DisclosurePolicy.None);
        Assert.Equal(["12.50 %", "17.50 %"], new[] { open.First(r => r[0].StartsWith("730", StringComparison.Ordinal))[1], open.First(r => r[0].StartsWith("1095", StringComparison.Ordinal))[1] });

        Assert.True(two == "<11" || three == "<11", $"2 y {two}, 3 y {three}");
        Assert.True(DisclosureAudit.Check(report.Tables(), DisclosurePolicy.Default).Passed);
    }

    [Fact]
    public void KaplanMeierRows_EventsBetweenRows_AreNotDerivableFromTheSurvival()
    {
        var cohort = NoCensoringBeforeThreeYears();
        var km = KaplanMeier.Estimate(cohort.Durations.AsSpan(), cohort.Causes.Select(c => c == 1).ToArray());
        var table = km.ToTable(365, 730, 1095);
        var rows = table.Render();
        Assert.Equal("<11", rows[3][2]);                     // 10 events between 2 and 3 years
        Assert.True(rows[2][3] == "<11" || rows[3][3] == "<11", string.Join(" | ", rows.Select(r => string.Join(", ", r))));
        Assert.True(DisclosureAudit.Check([table], DisclosurePolicy.Default).Passed);

        // once someone is censored before the row, the survival no longer gives the events: nothing more is withheld
        var censored = cohort.Durations.Select((d, i) => i == 199 ? 100.0 : d).ToArray();
        var events = cohort.Causes.Select(c => c == 1).ToArray();
        var kmC = KaplanMeier.Estimate(censored, events);
        var rowsC = kmC.ToTable(365, 730, 1095).Render();
        Assert.NotEqual("<11", rowsC[2][3]);
        Assert.NotEqual("<11", rowsC[3][3]);
    }
}

/// <summary>Issue 21, recovery 4: the onset histogram against the "within 12 months" text.</summary>
public sealed class OnsetHistogramDisclosureTests
{
    [Fact]
    public void Bars_UpToAYear_AddUpToTheTextsCount()
    {
        // 11 cases in the first quarter, 6 more by day 365, 30 later: a first bar of 0-91 days (11) beside the text's
        // 17 would give 6 in days 92-365; the bars now end at the year edge
        var days = Enumerable.Range(0, 11).Select(i => 10.0 + i).Concat(Enumerable.Range(0, 6).Select(i => 200.0 + i)).Concat(Enumerable.Range(0, 30).Select(i => 400.0 + (i * 20))).Order().ToArray();
        var onset = new OnsetSummary(days.Length, null, null, null, days[0], days[^1], null, days);
        double bin = 365.25 / 4;
        var bars = CarTRisk.Plotting.HistogramPlot.Bars(onset, bin, DisclosurePolicy.Default);
        double withinYear = days.Count(d => d <= 365);
        Assert.Equal(withinYear, bars.Where(b => (b.To + 1) * bin <= 366).Sum(b => b.Count));
        Assert.All(bars, b => Assert.True(b.Count >= 11));
    }
}

/// <summary>Issue 21, recovery 9 within one report: successive numbers at risk of the conditional table.</summary>
public sealed class ConditionalTableDisclosureTests
{
    [Fact]
    public void NumbersAtRisk_DifferingBySmallCounts_AreWithheld()
    {
        // 300 patients: 3 leave before 1 year, 3 more before 2 years, everyone else is followed 6 years
        var records = new List<CohortRecord>();
        var start = new DateOnly(2015, 1, 1);
        for (int i = 0; i < 300; i++)
        {
            int follow = i < 3 ? 200 : i < 6 ? 500 : 2200;
            DateOnly? m = i % 10 == 9 ? start.AddDays(900 + i) : null;
            records.Add(new CohortRecord($"P{i}", "axi-cel", start, start.AddDays(follow), m, m is null ? null : "solid", null, TransgeneStatus.NotTested));
        }

        var report = SafetySummary.Compute(new Cohort(records));
        var open = report.Tables().First(t => t.Title.StartsWith("Risk over the next", StringComparison.Ordinal)).Render(DisclosurePolicy.None);
        Assert.Equal(["297", "294"], open.Skip(1).Select(r => r[1]).ToArray());
        var shown = report.Tables().First(t => t.Title.StartsWith("Risk over the next", StringComparison.Ordinal)).Render();
        Assert.Equal(["<11", "<11"], shown.Skip(1).Select(r => r[1]).ToArray());
        Assert.True(DisclosureAudit.Check(report.Tables(), DisclosurePolicy.Default).Passed);
    }
}
