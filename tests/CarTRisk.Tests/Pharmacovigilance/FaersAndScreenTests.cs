using CarTRisk.Tests.Support;
namespace CarTRisk.Tests.Pharmacovigilance;

public sealed class FaersAndScreenTests
{
    private static (string Demo, string Drug, string Reac) Write(string demo, string drug, string reac)
    {
        string dir = Directory.CreateTempSubdirectory("cartrisk-faers-").FullName;
        string d = Path.Combine(dir, "DEMO.txt"), g = Path.Combine(dir, "DRUG.txt"), r = Path.Combine(dir, "REAC.txt");
        File.WriteAllText(d, demo);
        File.WriteAllText(g, drug);
        File.WriteAllText(r, reac);
        return (d, g, r);
    }

    [Fact]
    public void Reader_KeepsTheLatestVersion_SuspectRoles_Mapping()
    {
        var (d, g, r) = Write(
            "primaryid$caseid$caseversion$fda_dt$age$age_cod$sex\n11$1$1$20240101$70$YR$F\n12$1$2$20240301$70$YR$F\n21$2$1$20240105$30$YR$M\n31$3$1$20240110$$$\n",
            "primaryid$caseid$drug_seq$role_cod$drugname$prod_ai\n11$1$1$PS$YESCARTA$\n12$1$1$PS$Yescarta $\n12$1$2$C$ASPIRIN$\n21$2$1$SS$KYMRIAH$\n31$3$1$PS$METFORMIN$\n",
            "primaryid$caseid$pt\n11$1$Pyrexia\n12$1$T-cell lymphoma\n12$1$Pyrexia\n21$2$Pyrexia\n31$3$Nausea\n");
        var reports = FaersExtract.Read(d, g, r, FaersOptions.Default with
        {
            DrugMapping = new Dictionary<string, string> { ["YESCARTA"] = "axi-cel", ["KYMRIAH"] = "tisa-cel" },
            Stratify = true,
        });
        Assert.Equal(3, reports.Cases);
        Assert.Equal(1, reports.SupersededVersions);
        Assert.DoesNotContain("11", reports.ReportIds);               // version 1 of case 1 dropped
        Assert.DoesNotContain("ASPIRIN", reports.Drugs);              // concomitant
        Assert.Equal(["12", "12", "21", "31"], reports.ReportIds.ToArray());
        Assert.Equal(["axi-cel", "axi-cel", "tisa-cel", "METFORMIN"], reports.Drugs.ToArray());
        Assert.Equal("65+|F|2024", reports.Strata[0]);
        Assert.Equal("age unknown|sex unknown|2024", reports.Strata[3]);
        var pairs = reports.ToPairCounts();
        Assert.Equal(3.0, pairs.Reports);
    }

    /// <summary>Issue 25's hostile extracts: a primaryid on two caseids, a NUL byte in a drug name, Windows-1252 names,
    /// a file without line breaks: each a FormatException naming file, line and column, or two distinct drugs.</summary>
    [Fact]
    public void Reader_HostileExtracts_AreNamedOrDecoded()
    {
        const string Demo = "primaryid$caseid$caseversion$fda_dt\n1$1$1$20240101\n2$2$1$20240101\n";
        const string Reac = "primaryid$pt\n1$Pyrexia\n2$Pyrexia\n";
        var (d, g, r) = Write("primaryid$caseid$caseversion$fda_dt\n1$1$1$20240101\n1$7$1$20240101\n", "primaryid$role_cod$drugname\n1$PS$X\n", Reac);
        var e = Assert.Throws<FormatException>(() => FaersExtract.Read(d, g, r));
        Assert.Contains("DEMO.txt, line 3, column primaryid: '1' also appears on line 2 with caseid '1'", e.Message, StringComparison.Ordinal);

        (d, g, r) = Write(Demo, "primaryid$role_cod$drugname\n1$PS$YES\0CARTA\n2$PS$X\n", Reac);
        e = Assert.Throws<FormatException>(() => FaersExtract.Read(d, g, r));
        Assert.Contains("DRUG.txt, line 2, column drugname", e.Message, StringComparison.Ordinal);
        Assert.Contains("U+0000", e.Message, StringComparison.Ordinal);

        // Windows-1252 bytes (not valid UTF-8): two names, decoded as such
        (d, g, r) = Write(Demo, "", Reac);
        File.WriteAllBytes(g, [.. "primaryid$role_cod$drugname\n1$PS$CAF"u8, 0xC9, .. "\n2$PS$CAF"u8, 0xC8, .. "\n"u8]);
        var reports = FaersExtract.Read(d, g, r);
        Assert.Equal(["CAFÉ", "CAFÈ"], reports.Drugs.ToArray());
        File.WriteAllText(g, "primaryid$role_cod$drugname\n1$PS$CAFÉ\n2$PS$CAFÈ\n");   // UTF-8 stays UTF-8
        Assert.Equal(["CAFÉ", "CAFÈ"], FaersExtract.Read(d, g, r).Drugs.ToArray());

        // a file without a line break: refused at the limit, not read into memory
        File.WriteAllText(r, "primaryid$pt\n" + new string('x', 50_000));
        e = Assert.Throws<FormatException>(() => FaersExtract.Read(d, g, r, FaersOptions.Default with { MaxLineLength = 10_000 }));
        Assert.Contains("REAC.txt, line 2: the line is longer than 10000 characters", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reader_Errors_NameFileLineAndColumn()
    {
        var (d, g, r) = Write("primaryid$caseid$fda_dt\n1$1$2024\n", "primaryid$role_cod$drugname\n1$PS$X\n", "primaryid$pt\n1$Y\n");
        Assert.Contains("caseversion", Assert.Throws<FormatException>(() => FaersExtract.Read(d, g, r)).Message, StringComparison.Ordinal);
        var (d2, g2, r2) = Write("primaryid$caseid$caseversion$fda_dt\n1$1$x$2024\n2$2$1\n", "primaryid$role_cod$drugname\n1$PS$X\n", "primaryid$pt\n1$Y\n");
        var e = Assert.Throws<FormatException>(() => FaersExtract.Read(d2, g2, r2));
        Assert.Contains("line 3", e.Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => FaersExtract.Read("/nonexistent/DEMO.txt", g2, r2));
    }

    [Fact]
    public void Screen_AppliesEachRuleToItsStatistics()
    {
        var pairs = PairCounts.FromTable(["A", "A", "B", "B", "C", "C"], ["x", "y", "x", "y", "x", "y"], [30, 970, 20, 4980, 5, 3995]);
        var gps = GpsModel.From(0.204, 0.058, 1.415, 1.838, 0.097);
        foreach (var rule in Enum.GetValues<SignalRule>())
        {
            foreach (var row in Disproportionality.Screen(pairs, rule, gps))
            {
                bool expected = rule switch
                {
                    SignalRule.Evans => row.Prr.Value >= 2 && row.ChiSquare >= 4 && row.A >= 3,
                    SignalRule.Ema => row.Prr.Interval.Lower >= 1 && row.A >= 5,
                    SignalRule.Mhra => row.Eb05 >= 1.8 && row.A >= 3 && row.Ebgm >= 2.5,
                    _ => row.Ic.Lower > 0,
                };
                Assert.Equal(expected, row.Signal);
                Assert.Equal(10000, row.A + row.B + row.C + row.D);
            }
        }

        var ax = Disproportionality.Screen(pairs, SignalRule.Evans, gps).First(r => r.Drug == "A" && r.Event == "x");
        Assert.Equal((30L, 970L, 25L, 8975L), (ax.A, ax.B, ax.C, ax.D));
        Assert.True(ax.Signal);
        Assert.Contains("<11", new[] { Disproportionality.Screen(pairs, SignalRule.Umc, gps).First(r => r.Drug == "C" && r.Event == "x") }.ToTable().ToText(), StringComparison.Ordinal);
    }

    /// <summary>The screen's rows: each statistic equals the public per-table function on its 2×2 counts, and the order
    /// (signals first, then descending IC025, then drug and event in ordinal order) equals a comparison sort, on data with
    /// many tied IC025 and on pairs given out of order (the other ordering path).</summary>
    [Fact]
    public void Screen_RowsEqualThePerTableFunctions_InTheDocumentedOrder()
    {
        var rng = new Random(2505);
        var drugs = new List<string>();
        var events = new List<string>();
        var counts = new List<double>();
        for (int i = 0; i < 3000; i++)
        {
            drugs.Add("D" + rng.Next(60));
            events.Add("e" + rng.Next(80));
            counts.Add(rng.Next(5) == 0 ? rng.Next(40) : rng.Next(3));
        }

        // two drugs with the same rows as D0 (equal margins: their pairs with an event tie on IC025, EB05 and the rest)
        foreach (int i in Enumerable.Range(0, drugs.Count).Where(i => drugs[i] == "D0").ToArray())
        {
            foreach (string copy in new[] { "D0b", "A0" })
            {
                drugs.Add(copy);
                events.Add(events[i]);
                counts.Add(counts[i]);
            }
        }

        var pairs = PairCounts.FromTable(drugs, events, counts);
        var gps = GpsModel.From(0.204, 0.058, 1.415, 1.838, 0.097);
        var shuffled = Enumerable.Range(0, pairs.Observed.Length).OrderBy(_ => rng.Next()).ToArray();
        var outOfOrder = new PairCounts([.. shuffled.Select(i => pairs.Drug[i])], [.. shuffled.Select(i => pairs.Event[i])],
            [.. shuffled.Select(i => pairs.Observed[i])], [.. shuffled.Select(i => pairs.Expected[i])])
        {
            DrugReports = [.. shuffled.Select(i => pairs.DrugReports[i])],
            EventReports = [.. shuffled.Select(i => pairs.EventReports[i])],
            Reports = pairs.Reports,
        };
        foreach (var input in new[] { pairs, outOfOrder })
        {
            foreach (var rule in new[] { SignalRule.Umc, SignalRule.Mhra })
            {
                var rows = Disproportionality.Screen(input, rule, gps);
                Assert.Equal(pairs.Observed.Length, rows.Length);
                var expectedOrder = rows.OrderByDescending(r => r.Signal).ThenByDescending(r => r.Ic.Lower)
                    .ThenBy(r => r.Drug, StringComparer.Ordinal).ThenBy(r => r.Event, StringComparer.Ordinal).ToArray();
                Assert.Equal(expectedOrder, rows.ToArray());
                Assert.True(rows.GroupBy(r => r.Ic.Lower).Count(g => g.Count() > 1) > 20, "tied IC025 in the data");
                foreach (var r in rows.Take(400))
                {
                    Assert.Equal(Disproportionality.ReportingOddsRatio(r.A, r.B, r.C, r.D), r.Ror);
                    Assert.Equal(Disproportionality.ProportionalReportingRatio(r.A, r.B, r.C, r.D), r.Prr);
                    Assert.Equal(Disproportionality.Ic(r.A, r.B, r.C, r.D), r.Ic);
                    Assert.Equal(Disproportionality.ChiSquare(r.A, r.B, r.C, r.D), r.ChiSquare);
                    NumericAssert.Close(gps.Ebgm(r.A, r.Expected), r.Ebgm, 1e-14, 0, "EBGM");
                    NumericAssert.Close(gps.Quantile(r.A, r.Expected, 0.05), r.Eb05, 1e-12, 0, "EB05");
                }
            }
        }
    }
}
