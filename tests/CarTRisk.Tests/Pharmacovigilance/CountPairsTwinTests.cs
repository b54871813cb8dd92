namespace CarTRisk.Tests.Pharmacovigilance;

/// <summary>Issue 25: the integer-coded <see cref="Disproportionality.CountPairs"/> against a plain set-based twin
/// written from the definition (= openEBGM processRaw: N = distinct reports with the pair; E = Σ over strata of drug
/// reports × event reports / reports in the stratum, strata in order of first appearance), on random report-level rows
/// with repeated rows, several strata and names that sort differently by ordinal and by culture. Every field bitwise.</summary>
public sealed class CountPairsTwinTests
{
    private static PairCounts Twin(string[] ids, string[] drugs, string[] events, string[]? strata)
    {
        var reportStratum = new Dictionary<string, string>(StringComparer.Ordinal);
        var pairReports = new HashSet<(string, string, string)>();
        var drugReports = new HashSet<(string S, string D, string R)>();
        var eventReports = new HashSet<(string S, string E, string R)>();
        for (int i = 0; i < ids.Length; i++)
        {
            string st = strata?[i] ?? "";
            reportStratum[ids[i]] = st;
            pairReports.Add((drugs[i], events[i], ids[i]));
            drugReports.Add((st, drugs[i], ids[i]));
            eventReports.Add((st, events[i], ids[i]));
        }

        var perStratum = reportStratum.GroupBy(kv => kv.Value, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (double)g.Count(), StringComparer.Ordinal);
        var nd = drugReports.GroupBy(x => (x.S, x.D)).ToDictionary(g => g.Key, g => (double)g.Count());
        var ne = eventReports.GroupBy(x => (x.S, x.E)).ToDictionary(g => g.Key, g => (double)g.Count());
        var pairs = pairReports.GroupBy(x => (x.Item1, x.Item2)).Select(g => (D: g.Key.Item1, E: g.Key.Item2, N: (double)g.Count()))
            .OrderBy(x => x.D, StringComparer.Ordinal).ThenBy(x => x.E, StringComparer.Ordinal).ToList();
        var expected = pairs.Select(p => perStratum.Sum(s => nd.TryGetValue((s.Key, p.D), out var a) && ne.TryGetValue((s.Key, p.E), out var b) ? a * b / s.Value : 0)).ToArray();
        var drugAll = drugReports.Select(x => (x.D, x.R)).Distinct().GroupBy(x => x.D, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (double)g.Count(), StringComparer.Ordinal);
        var eventAll = eventReports.Select(x => (x.E, x.R)).Distinct().GroupBy(x => x.E, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (double)g.Count(), StringComparer.Ordinal);
        return new PairCounts([.. pairs.Select(x => x.D)], [.. pairs.Select(x => x.E)], [.. pairs.Select(x => x.N)], [.. expected])
        {
            DrugReports = [.. pairs.Select(x => drugAll[x.D])],
            EventReports = [.. pairs.Select(x => eventAll[x.E])],
            Reports = reportStratum.Count,
        };
    }

    [Fact]
    public void CountPairs_EqualsTheSetBasedTwin()
    {
        string[] drugNames = ["axi-cel", "Axi-cel", "tisa-cel", "ZZZ", "a", "É-drug", "e-drug", "ide-cel", "cilta-cel", "liso-cel"];
        for (int seed = 0; seed < 60; seed++)
        {
            var rng = new Random(seed);
            int reports = 1 + rng.Next(300), rows = 1 + rng.Next(1500);
            int strataCount = seed % 3 == 0 ? 0 : 1 + rng.Next(12);
            var reportStrata = Enumerable.Range(0, reports).Select(_ => $"s{rng.Next(Math.Max(1, strataCount))}").ToArray();
            var ids = new string[rows];
            var drugs = new string[rows];
            var events = new string[rows];
            var strata = new string[rows];
            // odd seeds: one string instance per name and the rows of a report together (as FaersExtract gives them: the
            // reader's instance shortcuts); even seeds: a new instance on every row, rows in random order
            var idNames = Enumerable.Range(0, reports).Select(r => $"R{r}").ToArray();
            var eventNames = Enumerable.Range(0, 40).Select(k => $"PT{k}").ToArray();
            var reportOf = Enumerable.Range(0, rows).Select(_ => rng.Next(reports)).ToArray();
            if (seed % 2 == 1)
            {
                Array.Sort(reportOf);
            }

            for (int i = 0; i < rows; i++)
            {
                int r = reportOf[i];
                ids[i] = seed % 2 == 1 ? idNames[r] : $"R{r}";
                drugs[i] = drugNames[rng.Next(1 + rng.Next(drugNames.Length))];
                int pt = rng.Next(1 + rng.Next(40));
                events[i] = seed % 2 == 1 ? eventNames[pt] : $"PT{pt}";
                strata[i] = reportStrata[r];
            }

            var s = strataCount == 0 ? null : strata;
            var ours = Disproportionality.CountPairs(ids, drugs, events, s);
            var twin = Twin(ids, drugs, events, s);
            Assert.Equal(twin.Drug.ToArray(), ours.Drug.ToArray());
            Assert.Equal(twin.Event.ToArray(), ours.Event.ToArray());
            Assert.Equal(twin.Observed.ToArray(), ours.Observed.ToArray());
            Assert.Equal(twin.Expected.Select(BitConverter.DoubleToInt64Bits), ours.Expected.Select(BitConverter.DoubleToInt64Bits));
            Assert.Equal(twin.DrugReports.ToArray(), ours.DrugReports.ToArray());
            Assert.Equal(twin.EventReports.ToArray(), ours.EventReports.ToArray());
            Assert.Equal(twin.Reports, ours.Reports);
        }
    }
}
