using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Pharmacovigilance;

/// <summary>Golden values (Golden/Round2/pv, R 4.2.2, openEBGM 0.9.1): closed forms at 1e-10, the shrinker at 1e-8.</summary>
public sealed class DisproportionalityGoldenTests
{
    [Fact]
    public void TwoByTwo_ClosedForms_EqualR()
    {
        int checkedTables = 0;
        foreach (var t in Golden.Json("Round2/pv/twobytwo_A.json")["tables"]!.AsArray())
        {
            long a = (long)t!["a"]!, b = (long)t["b"]!, c = (long)t["c"]!, d = (long)t["d"]!;
            double level = Golden.D(t["level"]);
            var ror = Disproportionality.ReportingOddsRatio(a, b, c, d, level);
            NumericAssert.Close(Golden.D(t["ror"]!["value"]), ror.Value, 1e-10, 0, "ror");
            NumericAssert.Close(Golden.D(t["ror"]!["lower"]), ror.Interval.Lower, 1e-10, 0, "ror lower");
            NumericAssert.Close(Golden.D(t["ror"]!["upper"]), ror.Interval.Upper, 1e-10, 0, "ror upper");
            var prr = Disproportionality.ProportionalReportingRatio(a, b, c, d, level);
            NumericAssert.Close(Golden.D(t["prr"]!["value"]), prr.Value, 1e-10, 0, "prr");
            NumericAssert.Close(Golden.D(t["prr"]!["lower"]), prr.Interval.Lower, 1e-10, 0, "prr lower");
            NumericAssert.Close(Golden.D(t["prr"]!["upper"]), prr.Interval.Upper, 1e-10, 0, "prr upper");
            NumericAssert.Close(Golden.D(t["chisq_yates"]), Disproportionality.ChiSquare(a, b, c, d), 1e-10, 1e-12, $"chisq {a},{b},{c},{d}");
            var ic = Disproportionality.Ic(a, b, c, d, level);
            NumericAssert.Close(Golden.D(t["ic"]!["value"]), ic.Value, 1e-10, 1e-10, "ic");
            NumericAssert.Close(Golden.D(t["ic"]!["lower"]), ic.Lower, 1e-10, 1e-10, "ic lower");
            NumericAssert.Close(Golden.D(t["ic"]!["upper"]), ic.Upper, 1e-10, 1e-10, "ic upper");
            NumericAssert.Close(Golden.D(t["ic"]!["expected"]), ic.Expected, 1e-10, 0, "E");
            checkedTables++;
        }

        Assert.Equal(354, checkedTables);
    }

    [Fact]
    public void Shrinker_AtFixedHyperparameters_EqualsOpenEbgm()
    {
        var j = Golden.Json("Round2/pv/gps_grid_theta1.json");
        var model = GpsModel.From(0.204, 0.058, 1.415, 1.838, 0.097);
        var n = j["n"]!.AsArray().Select(Golden.D).ToArray();
        var e = j["e"]!.AsArray().Select(Golden.D).ToArray();
        for (int i = 0; i < n.Length; i++)
        {
            NumericAssert.Close(Golden.D(j["qn"]![i]), model.Qn(n[i], e[i]), 1e-8, 1e-300, $"qn({n[i]}, {e[i]})");
            NumericAssert.Close(Golden.D(j["ebgm"]![i]), model.Ebgm(n[i], e[i]), 1e-8, 0, $"ebgm({n[i]}, {e[i]})");
            NumericAssert.Close(Golden.D(j["quantiles"]!["q5"]![i]), model.Quantile(n[i], e[i], 0.05), 1e-8, 0, $"q5({n[i]}, {e[i]})");
            NumericAssert.Close(Golden.D(j["quantiles"]!["q95"]![i]), model.Quantile(n[i], e[i], 0.95), 1e-8, 0, $"q95({n[i]}, {e[i]})");
            NumericAssert.Close(Golden.D(j["quantiles"]!["q50"]![i]), model.Quantile(n[i], e[i], 0.5), 1e-8, 0, $"q50({n[i]}, {e[i]})");
        }
    }
}
