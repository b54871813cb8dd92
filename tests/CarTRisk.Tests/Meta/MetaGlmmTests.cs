using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Meta;

/// <summary>The binomial-normal GLMM at the true maximum of its 7-point AGQ likelihood (Golden/Round2/meta README).</summary>
public sealed class MetaGlmmTests
{
    public static TheoryData<string, string> Fits() => new()
    {
        { "pritz1997", "GLMM/PLO" }, { "pritz1997", "GLMM/PLO/0.9" }, { "nielweise2007_control", "GLMM/PLO" },
    };

    [Theory]
    [MemberData(nameof(Fits))]
    public void Glmm_EqualsTheOptimum(string file, string id)
    {
        var d = Golden.Json($"Round2/meta/{file}.expected.json");
        var f = d["fits"]!.AsArray().First(x => (string)x!["id"]! == id)!;
        var r = MetaAnalysis.ProportionsGlmm(d["events"]!.AsArray().Select(x => (int)x!).ToArray(), d["totals"]!.AsArray().Select(x => (int)x!).ToArray(), Golden.D(f["level"]));
        NumericAssert.Close(Golden.D(f["estimate"]), r.Estimate, 1e-8, 0, "estimate");
        NumericAssert.Close(Golden.D(f["tau2"]), r.Tau2, 1e-8, 0, "tau2");
        NumericAssert.Close(Golden.D(f["pooled"]), r.Pooled, 1e-8, 0, "pooled");
        NumericAssert.Close(Golden.D(f["I2"]), r.I2, 1e-8, 1e-7, "I2");
        NumericAssert.Close(Golden.D(f["H2"]), r.H2, 1e-8, 0, "H2");
        NumericAssert.Close(Golden.D(f["se"]), r.StdErr, 1e-6, 0, "se");
        NumericAssert.Close(Golden.D(f["ci_lb"]), r.Interval.Lower, 1e-6, 0, "ci_lb");
        NumericAssert.Close(Golden.D(f["ci_ub"]), r.Interval.Upper, 1e-6, 0, "ci_ub");
        NumericAssert.Close(Golden.D(f["pi_lb"]), r.PredictionInterval.Lower, 1e-6, 0, "pi_lb");
        NumericAssert.Close(Golden.D(f["pi_ub"]), r.PredictionInterval.Upper, 1e-6, 0, "pi_ub");
        NumericAssert.Close(Golden.D(f["Q_lrt"]), r.Q, 1e-10, 0, "Q_lrt");
        NumericAssert.Close(Golden.D(f["Q_lrt_p"]), r.QPValue, 1e-10, 1e-300, "Q_lrt_p");
    }

    [Fact]
    public void Glmm_NoHeterogeneity_IsTheFixedEffectLogisticFit()
    {
        var r = MetaAnalysis.ProportionsGlmm([5, 10, 15, 20], [50, 100, 150, 200]);
        Assert.Equal(0.0, r.Tau2);
        Assert.Equal(0.1, r.Pooled, 12);
        Assert.Equal(1 / Math.Sqrt(500 * 0.1 * 0.9), r.StdErr, 12);
        Assert.Throws<ArgumentException>(() => MetaAnalysis.ProportionsGlmm([0, 0], [10, 20]));
    }
}
