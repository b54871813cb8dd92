using System.Text.Json.Nodes;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Survival;

/// <summary>Every field of Golden/Reference/{lung,veteran,aml}.expected.json (R survival 3.5-3).</summary>
public sealed class SurvivalGoldenTests
{
    private const double Rel = 1e-10;   // variances and CIs; closed-form estimates are checked at 1e-12 below

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var set in new[] { "lung", "veteran", "aml" })
        {
            foreach (var ct in new[] { "plain", "log", "log-log" })
            {
                data.Add(set, ct);
            }
        }

        return data;
    }

    private static (double[] T, bool[] E, string[] G, JsonNode J) Load(string set)
    {
        var (t, s, g) = Golden.Csv($"Reference/{set}.csv");
        return (t, s.Select(x => x == 1).ToArray(), g, Golden.Json($"Reference/{set}.expected.json"));
    }

    private static IntervalTransform Transform(string ct) => ct switch
    {
        "plain" => IntervalTransform.Plain,
        "log" => IntervalTransform.Log,
        _ => IntervalTransform.LogLog,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void KaplanMeier_Table_MatchesSurvfit(string set, string ct)
    {
        var (t, e, _, j) = Load(set);
        var km = KaplanMeier.Estimate(t, e, KaplanMeierOptions.Default with { Transform = Transform(ct) });
        var x = j["km"]!;
        Assert.Equal(Golden.Array(x["time"]), km.Time.ToArray());
        Assert.Equal(Golden.Array(x["n_risk"]), km.AtRisk.ToArray());
        Assert.Equal(Golden.Array(x["n_event"]), km.Events.ToArray());
        Assert.Equal(Golden.Array(x["n_censor"]), km.Censored.ToArray());
        NumericAssert.Close(Golden.Array(x["surv"]), km.Survival, 1e-12, 0, "surv");
        NumericAssert.Close(Golden.Array(x["std_err"]), km.StdErrLog, Rel, 0, "std_err");
        NumericAssert.Close(Golden.Array(x["se_surv"]), km.StdErr, Rel, 0, "se_surv");
        NumericAssert.Close(Golden.Array(x["ci"]![ct]!["lower"]), km.Lower, Rel, 1e-300, "lower");
        NumericAssert.Close(Golden.Array(x["ci"]![ct]!["upper"]), km.Upper, Rel, 1e-300, "upper");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void KaplanMeier_MedianAndQuantiles_MatchR(string set, string ct)
    {
        var (t, e, _, j) = Load(set);
        var km = KaplanMeier.Estimate(t, e, KaplanMeierOptions.Default with { Transform = Transform(ct) });
        var med = j["km"]!["median"]![ct]!;
        Assert.Equal(Golden.N(med["table_median"]), km.Median.Value);
        var q = j["km"]!["quantiles"]![ct]!;
        var probs = Golden.Array(q["probs"]);
        Assert.Contains(0.5, probs);
        for (int i = 0; i < probs.Length; i++)
        {
            var est = km.Quantile(probs[i]);
            Assert.Equal(Golden.N(q["estimate"]![i]), est.Value);
            // = quantile(fit, p) in every case, also where the log-scale limit curve is not monotone (aml/log at
            // p = 0.5, where print()'s table takes the first crossing instead: R-REFERENCE.md).
            Assert.Equal(Golden.N(q["lower"]![i]), est.Lower);
            Assert.Equal(Golden.N(q["upper"]![i]), est.Upper);
            if (probs[i] == 0.5)
            {
                Assert.Equal(est, km.Median);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void KaplanMeier_AtTimesAndRiskTable_MatchSummary(string set, string ct)
    {
        var (t, e, _, j) = Load(set);
        var km = KaplanMeier.Estimate(t, e, KaplanMeierOptions.Default with { Transform = Transform(ct) });
        var a = j["km"]!["at_times"]!;
        var times = Golden.Array(a["time"]);
        var table = km.RiskTable(times);
        for (int i = 0; i < times.Length; i++)
        {
            var p = km.At(times[i]);
            Assert.Equal(Golden.D(a["n_risk"]![i]), p.AtRisk);
            Assert.Equal(Golden.D(a["n_event"]![i]), table[i].Events);
            Assert.Equal(Golden.D(a["n_censor"]![i]), table[i].Censored);
            NumericAssert.Close(Golden.D(a["surv"]![i]), p.Survival, 1e-12);
            NumericAssert.Close(Golden.D(a["std_err_surv"]![i]), p.StdErr, Rel);
            NumericAssert.Close(Golden.D(a["ci"]![ct]!["lower"]![i]), p.Lower, Rel, 1e-300);
            NumericAssert.Close(Golden.D(a["ci"]![ct]!["upper"]![i]), p.Upper, Rel, 1e-300);
            Assert.Equal(times[i] > t.Max(), p.BeyondFollowUp);
            Assert.Equal(p.Survival, table[i].Survival);
        }
    }

    [Theory]
    [InlineData("lung")]
    [InlineData("veteran")]
    [InlineData("aml")]
    public void RestrictedMean_MatchesPrintRmean(string set)
    {
        var (t, e, _, j) = Load(set);
        var r = KaplanMeier.Estimate(t, e).RestrictedMean(Golden.D(j["km"]!["rmean"]!["tau"]));
        NumericAssert.Close(Golden.D(j["km"]!["rmean"]!["rmean"]), r.Value, 1e-12);
        NumericAssert.Close(Golden.D(j["km"]!["rmean"]!["se_rmean"]), r.StdErr, Rel);
    }

    [Theory]
    [InlineData("lung")]
    [InlineData("veteran")]
    [InlineData("aml")]
    public void NelsonAalen_MatchesSurvfitCtype1(string set)
    {
        var (t, e, _, j) = Load(set);
        var na = NelsonAalen.Estimate(t, e);
        var x = j["nelson_aalen"]!;
        Assert.Equal(Golden.Array(x["time"]), na.Time.ToArray());
        NumericAssert.Close(Golden.Array(x["cumhaz"]), na.CumulativeHazard, 1e-12, 0, "cumhaz");
        NumericAssert.Close(Golden.Array(x["std_chaz"]), na.StdErr, Rel, 0, "std_chaz");
    }

    [Theory]
    [InlineData("lung", "logrank", 0)]
    [InlineData("lung", "peto_peto", 1)]
    [InlineData("veteran", "logrank", 0)]
    [InlineData("veteran", "peto_peto", 1)]
    [InlineData("aml", "logrank", 0)]
    [InlineData("aml", "peto_peto", 1)]
    public void LogRank_MatchesSurvdiff(string set, string block, double rho)
    {
        var (t, e, g, j) = Load(set);
        var test = LogRank.Test(t, e, g, rho);
        var x = j[block]!;
        Assert.Equal(x["groups"]!.AsArray().Select(n => n!.GetValue<string>()), test.Groups);
        NumericAssert.Close(Golden.Array(x["observed"]), test.Observed, 1e-12, 0, "observed");
        NumericAssert.Close(Golden.Array(x["expected"]), test.Expected, 1e-12, 0, "expected");
        var v = x["var"]!.AsArray();
        for (int r = 0; r < v.Count; r++)
        {
            NumericAssert.Close(Golden.Array(v[r]), test.Variance[r], Rel, 1e-12, $"var[{r}]");
        }

        NumericAssert.Close(Golden.D(x["chisq"]), test.ChiSquare, Rel);
        Assert.Equal((int)Golden.D(x["df"]), test.DegreesOfFreedom);
        NumericAssert.Close(Golden.D(x["p"]), test.PValue, Rel);
    }

    [Theory]
    [InlineData("lung")]
    [InlineData("veteran")]
    [InlineData("aml")]
    public void KaplanMeier_ByGroup_MatchesR(string set)
    {
        var (t, e, g, j) = Load(set);
        foreach (var grp in j["km_by_group"]!.AsArray())
        {
            string name = grp!["group"]!.GetValue<string>();
            var idx = Enumerable.Range(0, t.Length).Where(i => g[i] == name).ToArray();
            var km = KaplanMeier.Estimate(idx.Select(i => t[i]).ToArray(), idx.Select(i => e[i]).ToArray());
            Assert.Equal(Golden.N(grp["median"]), km.Median.Value);
            var r = km.RestrictedMean(730);
            NumericAssert.Close(Golden.D(grp["rmean"]), r.Value, 1e-12);
            NumericAssert.Close(Golden.D(grp["se_rmean"]), r.StdErr, Rel);
        }
    }

    [Theory]
    [InlineData("log", IntervalTransform.Log)]
    [InlineData("plain", IntervalTransform.Plain)]
    [InlineData("log-log", IntervalTransform.LogLog)]
    public void DelayedEntry_MatchesSurvfitCountingProcess(string ct, IntervalTransform transform)
    {
        var lines = File.ReadAllLines(Golden.PathOf("Extra/lung_entry.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
        double[] entry = lines.Select(f => double.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        double[] exit = lines.Select(f => double.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        bool[] ev = lines.Select(f => f[3] == "1").ToArray();
        var rows = File.ReadAllLines(Golden.PathOf($"Extra/lung_entry_km_{ct}.csv")).Where(l => !l.StartsWith('#')).Skip(1)
            .Select(l => l.Split(',').Select(s => s == "NA" ? double.NaN : s == "Inf" ? double.PositiveInfinity : double.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToArray();
        var km = KaplanMeier.Estimate(entry, exit, ev, KaplanMeierOptions.Default with { Transform = transform });
        var na = NelsonAalen.Estimate(entry, exit, ev);
        Assert.Equal(rows.Select(r => r[0]), km.Time);
        Assert.Equal(rows.Select(r => r[1]), km.AtRisk);
        Assert.Equal(rows.Select(r => r[2]), km.Events);
        NumericAssert.Close(rows.Select(r => r[4]).ToArray(), km.Survival, 1e-12, 0, "surv");
        NumericAssert.Close(rows.Select(r => r[5]).ToArray(), km.StdErrLog, Rel, 0, "std_err");
        NumericAssert.Close(rows.Select(r => r[6]).ToArray(), km.Lower, Rel, 1e-300, "lower");
        NumericAssert.Close(rows.Select(r => r[7]).ToArray(), km.Upper, Rel, 1e-300, "upper");
        NumericAssert.Close(rows.Select(r => r[8]).ToArray(), na.CumulativeHazard, 1e-12, 0, "cumhaz");
        NumericAssert.Close(rows.Select(r => r[9]).ToArray(), na.StdErr, Rel, 0, "std_chaz");
    }
}
